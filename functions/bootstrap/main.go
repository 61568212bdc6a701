// Command bootstrap answers the tenant stack's CloudFormation custom
// resources: it creates the first super_admin, once, and mails its
// invitation (app.Bootstrapper), and after a deploy gives the Cognito app
// client back the identity providers saved through the admin API
// (app.SSOSyncer).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/aliaskvs"
	"github.com/gatepass/gatepass/shared/app/lambdarun/cognitosso"
	"github.com/gatepass/gatepass/shared/app/lambdarun/sesmail"
)

func main() {
	lambdarun.StartWith("bootstrap", app.BootstrapHandler, sesmail.Configure, cognitosso.Directory, aliaskvs.Configure)
}
