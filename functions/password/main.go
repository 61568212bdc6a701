// Command password is the Lambda function behind the signed-in password change, forced changes included (see shared/routes).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/sesmail"
)

func main() { lambdarun.Start("password", app.PasswordHandlers, sesmail.Configure) }
