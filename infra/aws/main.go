// Command aws is the Gatepass CDK app. It synthesizes, for one account:
//   - gatepass-edge (us-east-1): the WAF WebACL every tenant's CloudFront
//     distribution attaches (package edge);
//   - gatepass-operator-<region>, one per region the tenants use: the SES
//     identities and configuration set, the operator's alarms and dashboard,
//     the key of the tenants' data (package operator);
//   - gatepass-<tenant>, one per tenant (package tenant).
//
// The tenants come from the registry (context registry, default
// tenants.json in infra/aws; package registry), or — the single-tenant form —
// from -c tenant=… and the other tenant context keys on the command line.
// Run it through the pinned CLI: make synth, make deploy, or
// infra/aws/node_modules/.bin/cdk … from the repository root.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatepass/gatepass/infra/aws/nag"
	"github.com/gatepass/gatepass/infra/aws/registry"
	"github.com/gatepass/gatepass/infra/aws/tenant"
)

func main() {
	defer jsii.Close()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gatepass cdk:", err)
		os.Exit(1)
	}
}

// Context keys of the app itself (the tenants' are package tenant's).
const (
	// CtxRegistry is the registry file, relative to infra/aws.
	CtxRegistry = "registry"
	// CtxOperatorEmail receives the operator's alarms in the single-tenant
	// form (default the tenant's adminEmail).
	CtxOperatorEmail = "operatorEmail"
	// CtxAccountConcurrency is the account's Lambda concurrency quota in
	// the single-tenant form (the registry's operator.accountConcurrency).
	CtxAccountConcurrency = "accountConcurrency"
)

// DefaultRegistry is the registry the app reads without context registry.
const DefaultRegistry = "tenants.json"

func run() error {
	cliDir := flag.String("cli-dir", "", "the aws-cdk CLI's working directory, when it is not this one: a relative CDK_OUTDIR is resolved against it (cdk.json runs the app from infra/aws)")
	flag.Parse()
	var props awscdk.AppProps
	if out := os.Getenv("CDK_OUTDIR"); *cliDir != "" && out != "" && !filepath.IsAbs(out) {
		props.Outdir = jsii.String(filepath.Join(*cliDir, out))
	}
	app := awscdk.NewApp(&props)
	get := func(key string) any { return app.Node().TryGetContext(jsii.String(key)) }
	reg, err := load(get)
	if err != nil {
		return err
	}
	if _, err := Build(app, reg, os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")); err != nil {
		return err
	}
	nag.Check(app)
	app.Synth(nil)
	return nil
}

// load reads the tenants: the single-tenant form when context tenant is
// set, else the registry.
func load(get func(string) any) (registry.Registry, error) {
	str := func(key string) string {
		if v := get(key); v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	if str(tenant.CtxTenant) == "" {
		path := str(CtxRegistry)
		if path == "" {
			path = DefaultRegistry
		}
		defaults := map[string]any{}
		for _, k := range []string{tenant.CtxBinDir, tenant.CtxWebDir, tenant.CtxVersion} {
			if v := get(k); v != nil {
				defaults[k] = v
			}
		}
		reg, err := registry.Load(path, defaults)
		if err != nil {
			return registry.Registry{}, fmt.Errorf("%w (the registry %s, relative to infra/aws; or give -c %s=<name> … for one tenant)",
				err, path, tenant.CtxTenant)
		}
		return reg, nil
	}
	cfg, err := tenant.FromContext(get)
	if err != nil {
		return registry.Registry{}, fmt.Errorf("context: %w", err)
	}
	op := registry.Operator{AlarmEmail: str(CtxOperatorEmail), LockoutAlarm: cfg.LockoutAlarm,
		AccountConcurrency: registry.DefaultAccountConcurrency}
	if op.AlarmEmail == "" {
		op.AlarmEmail = cfg.AdminEmail
	}
	if s := str(CtxAccountConcurrency); s != "" {
		if _, err := fmt.Sscan(s, &op.AccountConcurrency); err != nil {
			return registry.Registry{}, fmt.Errorf("context %s: %w", CtxAccountConcurrency, err)
		}
	}
	reg := registry.Registry{Operator: op, Tenants: []tenant.Config{cfg}}
	return reg, reg.CheckConcurrency()
}
