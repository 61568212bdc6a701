// Command login is the Lambda function behind the sign-in routes: config,
// login and its second step, logout, session and sessions (see
// shared/routes).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/cognitosso"
	"github.com/gatepass/gatepass/shared/app/lambdarun/secretkey"
	"github.com/gatepass/gatepass/shared/app/lambdarun/sesmail"
	"github.com/gatepass/gatepass/shared/app/passkeyapp"
)

func main() {
	lambdarun.Start("login", app.LoginHandlers, secretkey.Configure, sesmail.Configure, cognitosso.Directory,
		passkeyapp.Configure)
}
