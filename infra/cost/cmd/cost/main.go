// Command cost is `make cost`: what Gatepass's stacks cost a month at rest,
// computed from the synthesized templates (package cost).
package main

import (
	"os"

	"github.com/gatepass/gatepass/infra/cost"
)

func main() { os.Exit(cost.Run(os.Args[1:], os.Stdout, os.Stderr)) }
