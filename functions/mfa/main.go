// Command mfa is the Lambda function behind second-factor management:
// status, TOTP enrolment, activation and removal, recovery codes, passkey
// registration, rename and removal (see shared/routes).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/secretkey"
	"github.com/gatepass/gatepass/shared/app/lambdarun/sesmail"
	"github.com/gatepass/gatepass/shared/app/passkeyapp"
)

func main() {
	lambdarun.Start("mfa", app.MFAHandlers, sesmail.Configure, secretkey.Configure, passkeyapp.Configure)
}
