package operator_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatepass/gatepass/infra/aws/nag"
	"github.com/gatepass/gatepass/infra/aws/operator"
)

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

// The operator stack of a region: the tenants' mail identities and one
// configuration set counting bounces and complaints per tenant, the account's
// alarms once (to the operator), a dashboard across tenants, the tenants'
// key — and no cdk-nag finding.
func TestOperatorStack(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(t.TempDir(), "cdk.out"))})
	nag.Check(app)
	s, err := operator.New(app, operator.StackName("eu-central-1"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-central-1")},
	}, operator.Config{AlarmEmail: "ops@operator.example", MailDomains: []string{"mail.a.example", "mail.b.example"}, LockoutAlarm: 20})
	if err != nil {
		t.Fatal(err)
	}
	app.Synth(nil)
	tpl := *assertions.Template_FromStack(s.CDK, nil).ToJSON()
	byType := map[string][]map[string]any{}
	for _, r := range tpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		byType[r["Type"].(string)] = append(byType[r["Type"].(string)], r)
	}
	props := func(r map[string]any) map[string]any { return r["Properties"].(map[string]any) }
	if n := len(byType["AWS::SES::EmailIdentity"]); n != 2 {
		t.Errorf("%d mail identities, want 2", n)
	}
	sets := byType["AWS::SES::ConfigurationSet"]
	if len(sets) != 1 || props(sets[0])["Name"] != operator.ConfigurationSetName {
		t.Errorf("configuration sets %v", sets)
	}
	dest := jsonOf(byType["AWS::SES::ConfigurationSetEventDestination"])
	if !strings.Contains(dest, `"DimensionName":"Tenant"`) || !strings.Contains(dest, "messageTag") ||
		!strings.Contains(dest, "bounce") || !strings.Contains(dest, "complaint") {
		t.Errorf("event destination %s", dest)
	}
	alarms := byType["AWS::CloudWatch::Alarm"]
	if len(alarms) != len(operator.AlarmIDs()) {
		t.Errorf("%d alarms, want %d", len(alarms), len(operator.AlarmIDs()))
	}
	for _, a := range alarms {
		// Summed across every tenant: Gatepass's metrics without their
		// Tenant dimension, Lambda's without a function.
		if p := props(a); p["Dimensions"] != nil || len(asList(p["AlarmActions"])) != 1 {
			t.Errorf("alarm %v", p)
		}
	}
	if subs := jsonOf(byType["AWS::SNS::Subscription"]); !strings.Contains(subs, "ops@operator.example") {
		t.Errorf("subscriptions %s", subs)
	}
	if policy := jsonOf(byType["AWS::SNS::TopicPolicy"]); !strings.Contains(policy, "aws:SecureTransport") {
		t.Errorf("topic policy %s", policy)
	}
	dash := jsonOf(byType["AWS::CloudWatch::Dashboard"])
	if len(byType["AWS::CloudWatch::Dashboard"]) != 1 || !strings.Contains(dash, "SEARCH(") || !strings.Contains(dash, "Tenant") {
		t.Errorf("dashboard %s", dash)
	}
	keys := byType["AWS::KMS::Key"]
	if len(keys) != 1 || props(keys[0])["EnableKeyRotation"] != true || keys[0]["DeletionPolicy"] != "Retain" {
		t.Errorf("keys %v", keys)
	}
	var findings []*cxapi.SynthesisMessage
	findings = append(findings, *assertions.Annotations_FromStack(s.CDK).FindError(jsii.String("*"), assertions.Match_AnyValue())...)
	findings = append(findings, *assertions.Annotations_FromStack(s.CDK).FindWarning(jsii.String("*"), assertions.Match_AnyValue())...)
	for _, f := range findings {
		t.Errorf("cdk-nag: %v at %s", f.Entry.Data, *f.Id)
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }
