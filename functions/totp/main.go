// Command totp is the Lambda function behind two-factor management: status,
// TOTP enrolment and activation, removal, recovery codes (see shared/routes).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/secretkey"
	"github.com/gatepass/gatepass/shared/app/lambdarun/sesmail"
)

func main() { lambdarun.Start("totp", app.TOTPHandlers, sesmail.Configure, secretkey.Configure) }
