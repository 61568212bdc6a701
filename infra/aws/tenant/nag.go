package tenant

import (
	"strings"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/gatepass/gatepass/infra/aws/nag"
)

// suppressions records, beside the constructs they concern, why rules of
// cdk-nag's AwsSolutions and Serverless packs do not apply (package nag).
// Each reason is the argument; a rule that does apply is fixed instead.
func (s *Stack) suppressions(cfg Config) {
	for _, route := range s.routes {
		nag.Suppress(route, nag.Suppression{Rule: "AwsSolutions-APIG4", Reason: "Every Gatepass route " +
			"authenticates in its function: the routes that need a session check the session cookie on each " +
			"request (sessions.Require), the others are the public sign-in, reset and SSO endpoints. An API " +
			"Gateway authorizer would read the session a second time; the functions refuse any request without " +
			"CloudFront's origin secret."})
	}
	functions := []constructs.IConstruct{s.keyInit}
	for _, fn := range s.Functions {
		functions = append(functions, fn)
	}
	for _, fn := range functions {
		nag.Suppress(fn,
			nag.Suppression{Rule: "Serverless-LambdaDLQ", Reason: "Invoked synchronously only (API Gateway, " +
				"the authorizer, CloudFormation custom resources): the caller gets the error; a dead-letter queue " +
				"applies to asynchronous invocations."},
			nag.Suppression{Rule: "Serverless-LambdaTracing", Reason: "X-Ray is charged per trace on every tenant; " +
				"the API access log and the function's JSON log line, joined by the Lambda request id, record each " +
				"request's route, status and latency."})
	}
	if cfg.DomainName == "" {
		nag.Suppress(s.Distribution, nag.Suppression{Rule: "AwsSolutions-CFR4", Reason: "Without context domainName " +
			"the distribution serves *.cloudfront.net with CloudFront's default certificate, which takes no " +
			"minimum protocol; with domainName and certificateArn it requires TLSv1.2_2025."})
	}
	nag.Suppress(s.Distribution, nag.Suppression{Rule: "AwsSolutions-CFR1", Reason: "The Backoffice's staff sign in " +
		"from wherever they work; the WAF's IP-reputation and rate rules and Gatepass's lockout apply everywhere."})
	nag.Suppress(s.UserPool,
		nag.Suppression{Rule: "AwsSolutions-COG1", Reason: "The pool is a federation broker only: self sign-up is " +
			"off and no user has a Cognito password; Gatepass's own password policy (SECURITY.md) applies to local " +
			"accounts."},
		nag.Suppression{Rule: "AwsSolutions-COG2", Reason: "Federated users authenticate at their own identity " +
			"provider, which owns their second factor; the pool holds no local users."},
		nag.Suppression{Rule: "AwsSolutions-COG8", Reason: "Threat protection is the Plus tier, charged per monthly " +
			"active user on every tenant; the pool only brokers federated sign-ins, and Gatepass counts failures " +
			"and locks itself."})
	nag.Suppress(s.Secret, nag.Suppression{Rule: "AwsSolutions-SMG4", Reason: "The TOTP sealing key cannot rotate " +
		"on a schedule: every stored TOTP secret is sealed with it, and a new key needs them re-sealed."})
	nag.Suppress(s.OriginSecret, nag.Suppression{Rule: "AwsSolutions-SMG4", Reason: "CloudFront reads the value at " +
		"deploy time (a dynamic reference), so rotating it needs a deploy: the README's runbook puts a new value, " +
		"deploys, and the functions accept the current and the previous value meanwhile."})
	// CDK's own provider of the web app's BucketDeployment (a singleton
	// Lambda CDK writes and updates).
	for _, c := range *s.Stack.Node().Children() {
		if id := *c.Node().Id(); strings.HasPrefix(id, "Custom::CDKBucketDeployment") {
			reason := "CDK's BucketDeployment provider (aws-cdk-lib), which copies the web app into its bucket at " +
				"deploy time: its role, runtime and permissions are CDK's; it reads the asset and writes only " +
				"the web bucket."
			nag.Suppress(c,
				nag.Suppression{Rule: "AwsSolutions-IAM4", Reason: reason, AppliesTo: []string{
					"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}},
				nag.Suppression{Rule: "AwsSolutions-IAM5", Reason: reason},
				nag.Suppression{Rule: "AwsSolutions-L1", Reason: reason},
				nag.Suppression{Rule: "Serverless-LambdaLatestVersion", Reason: reason},
				nag.Suppression{Rule: "Serverless-LambdaDLQ", Reason: reason},
				nag.Suppression{Rule: "Serverless-LambdaTracing", Reason: reason})
		}
	}
}
