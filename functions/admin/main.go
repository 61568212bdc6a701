// Command admin is the Lambda function behind the administration API: users,
// facilities, parameters and the audit trail (see shared/routes).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/secretkey"
	"github.com/gatepass/gatepass/shared/app/lambdarun/sesmail"
)

func main() { lambdarun.Start("admin", app.AdminHandlers, sesmail.Configure, secretkey.Configure) }
