// Command authorizer is the API Gateway HTTP API Lambda authorizer (payload
// format 2.0, simple responses) that other Backoffice APIs attach to trust a
// Gatepass session (see shared/authorizer and the README).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
)

func main() { lambdarun.StartWith("authorizer", app.AuthorizerHandler) }
