// Command reset-confirm is the Lambda function behind reset and invitation links: verify and set the password (see shared/routes).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/sesmail"
)

func main() { lambdarun.Start("reset-confirm", app.ResetConfirmHandlers, sesmail.Configure) }
