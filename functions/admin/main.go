// Command admin is the Lambda function behind the administration API: users,
// facilities, parameters and the audit trail (see shared/routes). It writes the
// admin alias to the edge's CloudFront KeyValueStore (aliaskvs).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/aliaskvs"
	"github.com/gatepass/gatepass/shared/app/lambdarun/cognitosso"
	"github.com/gatepass/gatepass/shared/app/lambdarun/secretkey"
	"github.com/gatepass/gatepass/shared/app/lambdarun/sesmail"
)

func main() {
	lambdarun.Start("admin", app.AdminHandlers, sesmail.Configure, secretkey.Configure, aliaskvs.Configure,
		cognitosso.Directory)
}
