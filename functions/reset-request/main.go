// Command reset-request is the Lambda function behind the forgotten-password request (POST /api/auth/password/reset) (see shared/routes).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/sesmail"
)

func main() { lambdarun.Start("reset-request", app.ResetRequestHandlers, sesmail.Configure) }
