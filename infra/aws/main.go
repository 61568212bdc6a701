// Command aws is the Gatepass CDK app: one stack per tenant, named
// gatepass-<tenant>, configured from CDK context (see package tenant and
// cdk.json). Run it through the pinned CLI: make synth, or
// npx --prefix infra/aws cdk deploy -c tenant=... from the repository root.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatepass/gatepass/infra/aws/tenant"
)

func main() {
	defer jsii.Close()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gatepass cdk:", err)
		os.Exit(1)
	}
}

func run() error {
	cliDir := flag.String("cli-dir", "", "the aws-cdk CLI's working directory, when it is not this one: a relative CDK_OUTDIR is resolved against it (cdk.json runs the app from infra/aws)")
	flag.Parse()
	var props awscdk.AppProps
	if out := os.Getenv("CDK_OUTDIR"); *cliDir != "" && out != "" && !filepath.IsAbs(out) {
		props.Outdir = jsii.String(filepath.Join(*cliDir, out))
	}
	app := awscdk.NewApp(&props)
	cfg, err := tenant.FromContext(func(key string) any { return app.Node().TryGetContext(jsii.String(key)) })
	if err != nil {
		return fmt.Errorf("context: %w", err)
	}
	var env *awscdk.Environment
	if account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION"); account != "" && region != "" {
		env = &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
	}
	if _, err := tenant.New(app, "gatepass-"+cfg.Tenant, &awscdk.StackProps{Env: env}, cfg); err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}
