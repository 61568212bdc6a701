// Command bootstrap is the tenant stack's CloudFormation custom resource
// that creates the first super_admin, once, and mails its invitation (see
// app.Bootstrapper).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/sesmail"
)

func main() { lambdarun.StartWith("bootstrap", app.BootstrapHandler, sesmail.Configure) }
