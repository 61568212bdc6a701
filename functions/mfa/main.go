// Command mfa is the Lambda function behind second-factor management:
// status, TOTP enrolment, activation and removal, recovery codes (see
// shared/routes; passkeys are the login function's).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/secretkey"
	"github.com/gatepass/gatepass/shared/app/lambdarun/sesmail"
)

func main() {
	lambdarun.Start("mfa", app.MFAHandlers, sesmail.Configure, secretkey.Configure)
}
