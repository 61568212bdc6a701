// Package nag runs cdk-nag's AwsSolutions and Serverless rule packs over the
// Gatepass CDK app: every finding is an error at synthesis unless a
// suppression, with its reason beside it in the stack's code, says why the
// rule does not apply.
package nag

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Check adds the rule packs to every stack of scope.
func Check(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	awscdk.Aspects_Of(scope).Add(cdknag.NewServerlessChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// Suppression is a rule that does not apply to a construct, and why.
type Suppression struct {
	Rule   string
	Reason string
	// AppliesTo narrows a rule with findings per item (IAM5's
	// "Resource::…", "Action::…") to those items.
	AppliesTo []string
}

// Suppress records suppressions on c and its children.
func Suppress(c constructs.IConstruct, s ...Suppression) {
	list := make([]*cdknag.NagPackSuppression, 0, len(s))
	for _, x := range s {
		n := &cdknag.NagPackSuppression{Id: jsii.String(x.Rule), Reason: jsii.String(x.Reason)}
		if len(x.AppliesTo) > 0 {
			applies := make([]any, len(x.AppliesTo))
			for i, a := range x.AppliesTo {
				applies[i] = a
			}
			n.AppliesTo = &applies
		}
		list = append(list, n)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &list, jsii.Bool(true))
}
