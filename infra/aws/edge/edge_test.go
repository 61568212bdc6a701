package edge_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatepass/gatepass/infra/aws/edge"
	"github.com/gatepass/gatepass/infra/aws/nag"
)

// The edge stack's WebACL: CloudFront scope, the IP-reputation rule group,
// and a rate rule per client address on the password routes — under the
// admin alias too — answering the API's own 429; sampled requests and
// metrics on; and no cdk-nag finding.
func TestWebACL(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(t.TempDir(), "cdk.out"))})
	nag.Check(app)
	if _, err := edge.New(app, "edge-eu", &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-central-1")}}, edge.Config{}); err == nil {
		t.Fatal("an edge stack outside us-east-1 was accepted")
	}
	s, err := edge.New(app, edge.StackName, &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String(edge.Region)},
	}, edge.Config{})
	if err != nil {
		t.Fatal(err)
	}
	app.Synth(nil)
	tpl := assertions.Template_FromStack(s.Stack, nil)
	tpl.ResourceCountIs(jsii.String("AWS::WAFv2::WebACL"), jsii.Number(1))
	raw, _ := json.Marshal(*tpl.ToJSON())
	var doc struct {
		Resources map[string]struct {
			Type       string
			Properties struct {
				Scope            string
				VisibilityConfig map[string]any
				Rules            []struct {
					Name             string
					VisibilityConfig map[string]any
					Statement        map[string]any
					Action           map[string]any
				}
			}
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Resources {
		if r.Type != "AWS::WAFv2::WebACL" {
			continue
		}
		p := r.Properties
		if p.Scope != "CLOUDFRONT" || p.VisibilityConfig["SampledRequestsEnabled"] != true {
			t.Errorf("scope %q, visibility %v", p.Scope, p.VisibilityConfig)
		}
		if len(p.Rules) != 3 {
			t.Fatalf("rules %+v", p.Rules)
		}
		managed, _ := json.Marshal(p.Rules[0].Statement)
		if !strings.Contains(string(managed), edge.IPReputationRuleGroup) {
			t.Errorf("first rule %s", managed)
		}
		rate := p.Rules[1].Statement["RateBasedStatement"].(map[string]any)
		scope, _ := json.Marshal(rate["ScopeDownStatement"])
		if rate["AggregateKeyType"] != "IP" || rate["Limit"] != float64(edge.DefaultRateLimit) {
			t.Errorf("rate rule %v", rate)
		}
		for _, path := range edge.RateLimitedPaths() {
			if !strings.Contains(string(scope), `"SearchString":"`+path+`"`) || !strings.Contains(string(scope), "CONTAINS") {
				t.Errorf("the rate rule does not count %s anywhere in the path: %s", path, scope)
			}
		}
		block, _ := json.Marshal(p.Rules[1].Action)
		if !strings.Contains(string(block), `"ResponseCode":429`) || !strings.Contains(string(block), "Retry-After") {
			t.Errorf("rate rule action %s", block)
		}
		for _, rule := range p.Rules {
			if rule.VisibilityConfig["SampledRequestsEnabled"] != true || rule.VisibilityConfig["CloudWatchMetricsEnabled"] != true {
				t.Errorf("rule %s visibility %v", rule.Name, rule.VisibilityConfig)
			}
		}
	}
	var findings []*cxapi.SynthesisMessage
	findings = append(findings, *assertions.Annotations_FromStack(s.Stack).FindError(jsii.String("*"), assertions.Match_AnyValue())...)
	findings = append(findings, *assertions.Annotations_FromStack(s.Stack).FindWarning(jsii.String("*"), assertions.Match_AnyValue())...)
	for _, f := range findings {
		t.Errorf("cdk-nag: %v at %s", f.Entry.Data, *f.Id)
	}
}
