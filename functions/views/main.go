// Command views is the Lambda function behind the network/facility view
// choice: listing the views a person may use and selecting one (see
// shared/routes).
package main

import (
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
)

func main() { lambdarun.Start("views", app.ViewsHandlers) }
