package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatepass/gatepass/infra/aws/edge"
	"github.com/gatepass/gatepass/infra/aws/operator"
	"github.com/gatepass/gatepass/infra/aws/registry"
	"github.com/gatepass/gatepass/infra/aws/tenant"
)

// Stacks are the stacks of one synthesis.
type Stacks struct {
	// Edge is the account's us-east-1 edge stack; nil when no tenant needs
	// its WebACL.
	Edge *edge.Stack
	// Operators are the operator stacks, by region.
	Operators map[string]*operator.Stack
	// Tenants are the tenant stacks, by tenant.
	Tenants map[string]*tenant.Stack
}

// Build defines every stack of reg in app: the edge stack when a tenant
// attaches its WebACL, one operator stack per region and one stack per
// tenant. account is the CLI's account (CDK_DEFAULT_ACCOUNT); region the
// region of tenants that name none (CDK_DEFAULT_REGION).
func Build(app constructs.Construct, reg registry.Registry, account, region string) (Stacks, error) {
	out := Stacks{Operators: map[string]*operator.Stack{}, Tenants: map[string]*tenant.Stack{}}
	env := func(r string) *awscdk.Environment {
		e := &awscdk.Environment{}
		if account != "" {
			e.Account = jsii.String(account)
		}
		if r != "" {
			e.Region = jsii.String(r)
		}
		if e.Account == nil && e.Region == nil {
			return nil
		}
		return e
	}
	needsEdge := false
	for _, t := range reg.Tenants {
		needsEdge = needsEdge || t.WAF && t.WebACLArn == ""
	}
	if needsEdge {
		if account == "" {
			return out, fmt.Errorf("the WAF needs the account: run with AWS credentials (CDK_DEFAULT_ACCOUNT), or give the tenants "+
				"-c %s=<arn>, or turn it off (-c %s=false, or operator.waf false in the registry)", tenant.CtxWebACLArn, tenant.CtxWAF)
		}
		e, err := edge.New(app, edge.StackName, &awscdk.StackProps{
			Env: env(edge.Region), CrossRegionReferences: jsii.Bool(true), TerminationProtection: jsii.Bool(true),
		}, edge.Config{RateLimit: reg.Operator.WAFRateLimit})
		if err != nil {
			return out, err
		}
		out.Edge = e
	}
	for _, r := range reg.Regions(region) {
		op, err := operator.New(app, operator.StackName(stackRegion(r)), &awscdk.StackProps{
			Env: env(r), TerminationProtection: jsii.Bool(true),
		}, operator.Config{AlarmEmail: reg.Operator.AlarmEmail, MailDomains: reg.MailDomains(r, region),
			LockoutAlarm: reg.Operator.LockoutAlarm})
		if err != nil {
			return out, err
		}
		out.Operators[r] = op
	}
	for _, cfg := range reg.Tenants {
		r := cfg.Region
		if r == "" {
			r = region
		}
		props := &awscdk.StackProps{Env: env(r)}
		if cfg.WAF && cfg.WebACLArn == "" {
			cfg.WebACLArn = *out.Edge.WebACL.AttrArn()
			props.CrossRegionReferences = jsii.Bool(true)
		}
		op := out.Operators[r]
		s, err := tenant.New(app, "gatepass-"+cfg.Tenant, props, cfg, tenant.Shared{
			Key: op.Key, ConfigurationSet: operator.ConfigurationSetName, AlarmTopic: op.AlarmTopic,
		})
		if err != nil {
			return out, err
		}
		out.Tenants[cfg.Tenant] = s
	}
	return out, nil
}

// stackRegion names a region in a stack name: "default" for an
// environment-agnostic synthesis.
func stackRegion(r string) string {
	if r == "" {
		return "default"
	}
	return r
}
