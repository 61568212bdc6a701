// Package edge is the stack of what every Gatepass tenant of an account
// shares at CloudFront's edge, in us-east-1 where CloudFront-scope
// resources live: the WAF WebACL the tenants' distributions attach. One
// WebACL serves every tenant, so its fixed monthly price is paid once per
// account, not once per tenant.
package edge

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Region is where CloudFront-scope WAF WebACLs must be created.
const Region = "us-east-1"

// StackName is the edge stack's name: one per account.
const StackName = "gatepass-edge"

// DefaultRateLimit is how many requests one client address may send to the
// password routes (RateLimitedPaths) in RateWindowSeconds before WAF
// answers 429 — far above a person signing in, far below a password
// spraying run. Gatepass's own lockout still counts every attempt below it.
const DefaultRateLimit = 300

// RateWindowSeconds is the rate rule's evaluation window.
const RateWindowSeconds = 300

// RateLimitedPaths are the path parts of the routes the rate rule counts —
// every route that hashes a password, redeems a link or starts a sign-in:
// sign-in with its second step and passkey steps, reset request, verify and
// confirm, password change, invitations, step-up re-authentication and SSO.
// They are matched anywhere in the path, so that they count under the admin
// alias prefix too.
func RateLimitedPaths() []string {
	return []string{"/api/auth/login", "/api/auth/password/", "/api/auth/reauth", "/api/auth/invitation/", "/api/auth/sso/"}
}

// DefaultAPIRateLimit is how many requests to any API route one client
// address may send in RateWindowSeconds: 10 a second, far above what a
// person's browser sends, so that one address cannot hold every route at
// API Gateway's throttle limit.
const DefaultAPIRateLimit = 3000

// IPReputationRuleGroup is the AWS managed rule group of addresses with a
// bad reputation (bots, known attackers) that the WebACL blocks.
const IPReputationRuleGroup = "AWSManagedRulesAmazonIpReputationList"

// Config configures the edge stack.
type Config struct {
	// RateLimit is the rate rule's limit per client address in
	// RateWindowSeconds; DefaultRateLimit when 0.
	RateLimit int
}

// Stack is the edge stack.
type Stack struct {
	Stack  awscdk.Stack
	WebACL awswafv2.CfnWebACL
}

// tooManyRequests is the body WAF answers a rate-limited request with: the
// problem document the API's own 429 has (API.md), so that clients handle
// both alike.
func tooManyRequests() string {
	b, _ := json.Marshal(map[string]any{ // a literal map always encodes
		"type": "/problems/too_many_requests", "title": "Too many requests", "status": 429,
		"code": "too_many_requests", "detail": "Too many attempts from this address. Try again in a few minutes.",
	})
	return string(b)
}

// New defines the edge stack in scope. props.Env must name us-east-1.
func New(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config) (*Stack, error) {
	if props == nil || props.Env == nil || props.Env.Region == nil || *props.Env.Region != Region {
		return nil, fmt.Errorf("edge: the stack must be in %s (CloudFront-scope WAF)", Region)
	}
	limit := cfg.RateLimit
	if limit == 0 {
		limit = DefaultRateLimit
	}
	if limit < 10 || limit > 2_000_000_000 {
		return nil, fmt.Errorf("edge: rate limit %d: WAF takes 10 to 2,000,000,000", limit)
	}
	if props.Description == nil {
		props.Description = jsii.String("Gatepass edge: the WAF WebACL every tenant's CloudFront distribution attaches")
	}
	st := awscdk.NewStack(scope, jsii.String(id), props)
	awscdk.Tags_Of(st).Add(jsii.String("gatepass:component"), jsii.String("edge"), nil)

	visibility := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String(name),
			SampledRequestsEnabled:   jsii.Bool(true),
		}
	}
	var paths []any
	for _, p := range RateLimitedPaths() {
		paths = append(paths, &awswafv2.CfnWebACL_StatementProperty{
			ByteMatchStatement: &awswafv2.CfnWebACL_ByteMatchStatementProperty{
				FieldToMatch:         &awswafv2.CfnWebACL_FieldToMatchProperty{UriPath: map[string]any{}},
				PositionalConstraint: jsii.String("CONTAINS"),
				SearchString:         jsii.String(p),
				TextTransformations: &[]any{&awswafv2.CfnWebACL_TextTransformationProperty{
					Priority: jsii.Number(0), Type: jsii.String("LOWERCASE"),
				}},
			},
		})
	}
	acl := awswafv2.NewCfnWebACL(st, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String("CLOUDFRONT"),
		Description:      jsii.String("Gatepass: IP reputation, and rate limits per client address on the password routes and on the whole API"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		VisibilityConfig: visibility("gatepass-edge"),
		CustomResponseBodies: &map[string]any{
			"too_many_requests": &awswafv2.CfnWebACL_CustomResponseBodyProperty{
				ContentType: jsii.String("APPLICATION_JSON"), Content: jsii.String(tooManyRequests()),
			},
		},
		Rules: &[]any{
			&awswafv2.CfnWebACL_RuleProperty{
				Name: jsii.String("ip-reputation"), Priority: jsii.Number(0),
				OverrideAction: &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
						VendorName: jsii.String("AWS"), Name: jsii.String(IPReputationRuleGroup),
					},
				},
				VisibilityConfig: visibility("gatepass-ip-reputation"),
			},
			&awswafv2.CfnWebACL_RuleProperty{
				Name: jsii.String("password-routes-rate"), Priority: jsii.Number(1),
				Action: &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{
					CustomResponse: &awswafv2.CfnWebACL_CustomResponseProperty{
						ResponseCode:          jsii.Number(429),
						CustomResponseBodyKey: jsii.String("too_many_requests"),
						ResponseHeaders: &[]any{&awswafv2.CfnWebACL_CustomHTTPHeaderProperty{
							Name: jsii.String("Retry-After"), Value: jsii.String(fmt.Sprint(RateWindowSeconds)),
						}},
					},
				}},
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
						AggregateKeyType:    jsii.String("IP"),
						Limit:               jsii.Number(float64(limit)),
						EvaluationWindowSec: jsii.Number(RateWindowSeconds),
						ScopeDownStatement: &awswafv2.CfnWebACL_StatementProperty{
							OrStatement: &awswafv2.CfnWebACL_OrStatementProperty{Statements: &paths},
						},
					},
				},
				VisibilityConfig: visibility("gatepass-password-routes-rate"),
			},
			&awswafv2.CfnWebACL_RuleProperty{
				Name: jsii.String("api-rate"), Priority: jsii.Number(2),
				Action: &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{
					CustomResponse: &awswafv2.CfnWebACL_CustomResponseProperty{
						ResponseCode:          jsii.Number(429),
						CustomResponseBodyKey: jsii.String("too_many_requests"),
						ResponseHeaders: &[]any{&awswafv2.CfnWebACL_CustomHTTPHeaderProperty{
							Name: jsii.String("Retry-After"), Value: jsii.String(fmt.Sprint(RateWindowSeconds)),
						}},
					},
				}},
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
						AggregateKeyType:    jsii.String("IP"),
						Limit:               jsii.Number(DefaultAPIRateLimit),
						EvaluationWindowSec: jsii.Number(RateWindowSeconds),
						ScopeDownStatement: &awswafv2.CfnWebACL_StatementProperty{
							ByteMatchStatement: &awswafv2.CfnWebACL_ByteMatchStatementProperty{
								FieldToMatch:         &awswafv2.CfnWebACL_FieldToMatchProperty{UriPath: map[string]any{}},
								PositionalConstraint: jsii.String("CONTAINS"),
								SearchString:         jsii.String("/api/"),
								TextTransformations: &[]any{&awswafv2.CfnWebACL_TextTransformationProperty{
									Priority: jsii.Number(0), Type: jsii.String("LOWERCASE"),
								}},
							},
						},
					},
				},
				VisibilityConfig: visibility("gatepass-api-rate"),
			},
		},
	})
	awscdk.NewCfnOutput(st, jsii.String("WebAclArn"), &awscdk.CfnOutputProps{
		Value:       acl.AttrArn(),
		Description: jsii.String("The WebACL every tenant distribution attaches (context webAclArn)"),
	})
	return &Stack{Stack: st, WebACL: acl}, nil
}
