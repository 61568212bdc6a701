// Command login is the Lambda function behind the sign-in routes: config,
// login, logout, session and sessions (see shared/routes).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
)

func main() { lambdarun.Start("login", app.LoginHandlers) }
