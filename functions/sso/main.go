// Command sso is the Lambda function behind single sign-on: leaving for the
// identity provider through the Cognito user pool, and coming back (see
// shared/routes).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/cognitosso"
)

func main() { lambdarun.Start("sso", app.SSOHandlers, cognitosso.Broker) }
