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

	"github.com/gatepass/gatepass/infra/aws/edge"
	"github.com/gatepass/gatepass/infra/aws/nag"
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
	env := environment(cfg, os.Getenv)
	tenantProps := &awscdk.StackProps{Env: env}
	if cfg.WAF && cfg.WebACLArn == "" {
		// The account's edge stack (us-east-1) holds the WebACL; the tenant
		// stack reads its ARN through a CDK cross-region reference.
		if env == nil || env.Account == nil {
			return fmt.Errorf("the WAF needs the account: run with AWS credentials (CDK_DEFAULT_ACCOUNT), or give -c %s=<arn>, or -c %s=false", tenant.CtxWebACLArn, tenant.CtxWAF)
		}
		e, err := edge.New(app, edge.StackName, &awscdk.StackProps{
			Env:                   &awscdk.Environment{Account: env.Account, Region: jsii.String(edge.Region)},
			CrossRegionReferences: jsii.Bool(true),
		}, edge.Config{})
		if err != nil {
			return err
		}
		cfg.WebACLArn = *e.WebACL.AttrArn()
		tenantProps.CrossRegionReferences = jsii.Bool(true)
	}
	if _, err := tenant.New(app, "gatepass-"+cfg.Tenant, tenantProps, cfg); err != nil {
		return err
	}
	nag.Check(app)
	app.Synth(nil)
	return nil
}

// environment is the stack's account and region: the account the CLI
// found (CDK_DEFAULT_ACCOUNT), and the context's region, else the one the
// CLI gives (CDK_DEFAULT_REGION). The CLI sets CDK_DEFAULT_REGION for the
// app itself — from AWS_REGION or the AWS configuration, else us-east-1 —
// over whatever the caller's environment held: to choose the region, set
// AWS_REGION (as make synth does) or -c region=<region>. Without an account
// (no credentials) the stack is environment-agnostic unless the context
// names a region.
func environment(cfg tenant.Config, getenv func(string) string) *awscdk.Environment {
	account, region := getenv("CDK_DEFAULT_ACCOUNT"), getenv("CDK_DEFAULT_REGION")
	if cfg.Region != "" {
		region = cfg.Region
	}
	switch {
	case account != "" && region != "":
		return &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
	case cfg.Region != "":
		return &awscdk.Environment{Region: jsii.String(region)}
	default:
		return nil
	}
}
