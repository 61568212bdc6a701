package cost

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// template builds a template from the JSON of its Resources.
func template(t *testing.T, resources string) Template {
	t.Helper()
	var tpl Template
	if err := json.Unmarshal([]byte(`{"Resources":`+resources+`}`), &tpl); err != nil {
		t.Fatalf("template: %v", err)
	}
	return tpl
}

// near reports whether a and b agree to a millionth of a cent.
func near(a, b float64) bool { return math.Abs(a-b) < 1e-8 }

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Kind
		err  bool
	}{
		{"gatepass-edge", KindOperator, false},
		{"gatepass-operator", KindOperator, false},
		{"gatepass-operator-eu-central-1", KindOperator, false},
		{"gatepass-edge-us-east-1", KindOperator, false},
		{"gatepass-demo", KindTenant, false},
		{"gatepass-acme-eu", KindTenant, false},
		{"gatepass-edgeworks", KindTenant, false}, // a tenant named edgeworks, not the edge stack
		{"gatepass-operators", KindTenant, false}, // likewise
		{"gatepass-", 0, true},                    // no name
		{"CDKToolkit", 0, true},                   // not ours: refused, not silently skipped
		{"other-gatepass-demo", 0, true},          // the prefix must lead
		{"Gatepass-demo", 0, true},                // stack names are case-sensitive
	} {
		got, err := Classify(tc.name)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Classify(%q) = %v, %v; want %v, error %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestPriceStack(t *testing.T) {
	a := DefaultAssumptions()
	a.TableBytes, a.BucketBytes, a.LogGroupBytes = 1<<30, 2<<30, 10<<30 // whole GB: round figures
	for _, tc := range []struct {
		name      string
		resources string
		want      float64
		err       string // a substring of the error, if one is wanted
	}{
		{"free only", `{"R":{"Type":"AWS::IAM::Role"},"F":{"Type":"AWS::Lambda::Function"},"M":{"Type":"AWS::CDK::Metadata"}}`, 0, ""},
		{"standard alarm", `{"A":{"Type":"AWS::CloudWatch::Alarm","Properties":{"MetricName":"Errors","Period":300}}}`, 0.10, ""},
		{"high-resolution alarm", `{"A":{"Type":"AWS::CloudWatch::Alarm","Properties":{"MetricName":"Errors","Period":10}}}`, 0.30, ""},
		{"metric-math alarm: one price per metric read",
			`{"A":{"Type":"AWS::CloudWatch::Alarm","Properties":{"Metrics":[{"Id":"a","MetricStat":{"Period":60}},{"Id":"b","MetricStat":{"Period":60}},{"Id":"e","Expression":"a/b"}]}}}`, 0.20, ""},
		{"anomaly-detection alarm refused",
			`{"A":{"Type":"AWS::CloudWatch::Alarm","Properties":{"ThresholdMetricId":"ad","Metrics":[{"Id":"m","MetricStat":{"Period":60}},{"Id":"ad","Expression":"ANOMALY_DETECTION_BAND(m)"}]}}}`, 0, "anomaly"},
		{"composite alarm", `{"C":{"Type":"AWS::CloudWatch::CompositeAlarm"}}`, 0.50, ""},
		{"dashboard at list price", `{"D":{"Type":"AWS::CloudWatch::Dashboard"}}`, 3.00, ""},
		{"key without rotation", `{"K":{"Type":"AWS::KMS::Key","Properties":{"EnableKeyRotation":false}}}`, 1.00, ""},
		{"key with rotation: the price after two rotations", `{"K":{"Type":"AWS::KMS::Key","Properties":{"EnableKeyRotation":true}}}`, 3.00, ""},
		{"rotation not a literal", `{"K":{"Type":"AWS::KMS::Key","Properties":{"EnableKeyRotation":{"Ref":"Rotate"}}}}`, 0, "not a literal"},
		{"secrets and a replica", `{"S":{"Type":"AWS::SecretsManager::Secret"},"T":{"Type":"AWS::SecretsManager::Secret","Properties":{"ReplicaRegions":[{"Region":"eu-west-1"}]}}}`, 1.20, ""},
		{"web ACL with a free managed group and a rate rule",
			`{"W":{"Type":"AWS::WAFv2::WebACL","Properties":{"Rules":[{"Name":"rep","Statement":{"ManagedRuleGroupStatement":{"VendorName":"AWS","Name":"AWSManagedRulesAmazonIpReputationList"}}},{"Name":"rate","Statement":{"RateBasedStatement":{"Limit":300}}}]}}}`, 7.00, ""},
		{"paid managed rule group refused",
			`{"W":{"Type":"AWS::WAFv2::WebACL","Properties":{"Rules":[{"Name":"bots","Statement":{"ManagedRuleGroupStatement":{"VendorName":"AWS","Name":"AWSManagedRulesBotControlRuleSet"}}}]}}}`, 0, "fees of its own"},
		{"parameters by tier", `{"P":{"Type":"AWS::SSM::Parameter","Properties":{"Tier":"Standard"}},"Q":{"Type":"AWS::SSM::Parameter","Properties":{"Tier":"Advanced"}},"R":{"Type":"AWS::SSM::Parameter"}}`, 0.05, ""},
		{"hosted zone, NAT gateway, address", `{"Z":{"Type":"AWS::Route53::HostedZone"},"N":{"Type":"AWS::EC2::NatGateway"},"E":{"Type":"AWS::EC2::EIP"}}`, 0.50 + 32.85 + 3.65, ""},
		{"on-demand table with PITR, 1 GB", `{"T":{"Type":"AWS::DynamoDB::Table","Properties":{"BillingMode":"PAY_PER_REQUEST","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}}}}`, 0.45, ""},
		{"on-demand table without PITR", `{"T":{"Type":"AWS::DynamoDB::Table","Properties":{"BillingMode":"PAY_PER_REQUEST"}}}`, 0.25, ""},
		{"provisioned table refused", `{"T":{"Type":"AWS::DynamoDB::Table","Properties":{"BillingMode":"PROVISIONED"}}}`, 0, "provisioned"},
		{"bucket and log group at the assumed sizes", `{"B":{"Type":"AWS::S3::Bucket"},"L":{"Type":"AWS::Logs::LogGroup"}}`, 2*0.023 + 10*0.03, ""},
		{"distribution free, dedicated-IP certificate not",
			`{"D":{"Type":"AWS::CloudFront::Distribution","Properties":{"DistributionConfig":{}}},"V":{"Type":"AWS::CloudFront::Distribution","Properties":{"DistributionConfig":{"ViewerCertificate":{"SslSupportMethod":"vip"}}}}}`, 600, ""},
		{"provisioned concurrency refused", `{"V":{"Type":"AWS::Lambda::Version","Properties":{"ProvisionedConcurrencyConfig":{"ProvisionedConcurrentExecutions":1}}}}`, 0, "provisioned concurrency"},
		{"unknown type fails", `{"I":{"Type":"AWS::EC2::Instance"},"J":{"Type":"AWS::EC2::Instance"},"R":{"Type":"AWS::IAM::Role"}}`, 0, "AWS::EC2::Instance (2)"},
		{"unknown custom resource fails", `{"C":{"Type":"Custom::SomethingNew"}}`, 0, "Custom::SomethingNew"},
		{"a small tenant", `{
			"A1":{"Type":"AWS::CloudWatch::Alarm","Properties":{"MetricName":"Errors","Period":300}},
			"A2":{"Type":"AWS::CloudWatch::Alarm","Properties":{"MetricName":"Throttles","Period":300}},
			"K":{"Type":"AWS::KMS::Key","Properties":{"EnableKeyRotation":true}},
			"S":{"Type":"AWS::SecretsManager::Secret"},
			"T":{"Type":"AWS::DynamoDB::Table","Properties":{"BillingMode":"PAY_PER_REQUEST"}},
			"F":{"Type":"AWS::Lambda::Function"},
			"U":{"Type":"AWS::Cognito::UserPool"},
			"V":{"Type":"AWS::CloudFront::KeyValueStore"}}`, 0.20 + 3 + 0.40 + 0.25, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Stack{Name: "gatepass-test", Kind: KindTenant, Dir: t.TempDir(), Template: template(t, tc.resources)}
			got, err := PriceStack(s, Published(), a)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !near(got.Month, tc.want) {
				t.Errorf("month %v, want %v; lines %+v", got.Month, tc.want, got.Lines)
			}
			count, sum := 0, 0.0
			for _, l := range got.Lines {
				count += l.Count
				sum += l.Month
			}
			if count != len(s.Template.Resources) || !near(sum, got.Month) {
				t.Errorf("lines count %d resources and sum to %v; want %d and %v", count, sum, len(s.Template.Resources), got.Month)
			}
		})
	}
}

func TestPriceStackMeasuresDeployedAssets(t *testing.T) {
	dir := t.TempDir()
	asset := filepath.Join(dir, "asset.abc", "web")
	if err := os.MkdirAll(asset, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(asset, "index.html"), make([]byte, 3000), 0o644); err != nil {
		t.Fatal(err)
	}
	s := Stack{Name: "gatepass-test", Dir: dir, Template: template(t, `{
		"Web":{"Type":"AWS::S3::Bucket"},
		"Deploy":{"Type":"Custom::CDKBucketDeployment","Properties":{"DestinationBucketName":{"Ref":"Web"},"SourceObjectKeys":["abc.zip"]}}}`)}
	got, err := PriceStack(s, Published(), DefaultAssumptions())
	if err != nil {
		t.Fatal(err)
	}
	if want := 3000.0 / (1 << 30) * 0.023; !near(got.Month, want) || !strings.Contains(got.Lines[0].Note, "measured") {
		t.Errorf("month %v (%q), want %v from the measured asset", got.Month, got.Lines[0].Note, want)
	}
}

func TestLoadAssembly(t *testing.T) {
	write := func(t *testing.T, path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const tpl = `{"Resources":{"R":{"Type":"AWS::IAM::Role"}}}`
	t.Run("stacks, a nested assembly and regions", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "manifest.json"), `{"artifacts":{
			"gatepass-edge":{"type":"aws:cloudformation:stack","environment":"aws://1/us-east-1","properties":{"templateFile":"gatepass-edge.template.json"}},
			"Tenant":{"type":"aws:cloudformation:stack","environment":"aws://1/eu-central-1","properties":{"templateFile":"Tenant.template.json","stackName":"gatepass-acme"}},
			"Stage":{"type":"cdk:cloud-assembly","properties":{"directoryName":"assembly-Stage"}},
			"Tree":{"type":"cdk:tree"}}}`)
		write(t, filepath.Join(dir, "gatepass-edge.template.json"), tpl)
		write(t, filepath.Join(dir, "Tenant.template.json"), tpl)
		write(t, filepath.Join(dir, "assembly-Stage", "manifest.json"), `{"artifacts":{
			"gatepass-operator-eu-central-1":{"type":"aws:cloudformation:stack","environment":"aws://unknown-account/unknown-region","properties":{"templateFile":"op.template.json"}}}}`)
		write(t, filepath.Join(dir, "assembly-Stage", "op.template.json"), tpl)
		stacks, err := LoadAssembly(dir)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range stacks {
			got = append(got, s.Name+" "+s.Kind.String()+" "+s.Region)
		}
		want := []string{"gatepass-acme tenant eu-central-1", "gatepass-edge operator us-east-1", "gatepass-operator-eu-central-1 operator (any region)"}
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Errorf("stacks %q, want %q", got, want)
		}
	})
	for _, tc := range []struct {
		name, manifest string
		files          []string
		err            string
	}{
		{"no manifest", "", nil, "make synth"},
		{"a template no stack names", `{"artifacts":{"gatepass-a":{"type":"aws:cloudformation:stack","properties":{"templateFile":"gatepass-a.template.json"}}}}`,
			[]string{"gatepass-a.template.json", "stray.template.json"}, "stray.template.json"},
		{"a stack that is not ours", `{"artifacts":{"Other":{"type":"aws:cloudformation:stack","properties":{"templateFile":"Other.template.json"}}}}`,
			[]string{"Other.template.json"}, "not a Gatepass stack"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.manifest != "" {
				write(t, filepath.Join(dir, "manifest.json"), tc.manifest)
			}
			for _, f := range tc.files {
				write(t, filepath.Join(dir, f), tpl)
			}
			if _, err := LoadAssembly(dir); err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}

func TestBudget(t *testing.T) {
	tenant := func(name string, month float64) StackCost {
		return StackCost{Stack: Stack{Name: name, Kind: KindTenant}, Month: month}
	}
	for _, tc := range []struct {
		name    string
		tenants []StackCost
		pass    bool
		max     string
	}{
		{"none", nil, true, ""},
		{"well within", []StackCost{tenant("gatepass-a", 0.12)}, true, "gatepass-a"},
		{"exactly the budget", []StackCost{tenant("gatepass-a", 1.00)}, true, "gatepass-a"},
		{"rounds to the budget", []StackCost{tenant("gatepass-a", 1.004)}, true, "gatepass-a"},
		{"a cent over", []StackCost{tenant("gatepass-a", 0.5), tenant("gatepass-b", 1.01)}, false, "gatepass-b"},
		{"the dearest decides", []StackCost{tenant("gatepass-a", 9.20), tenant("gatepass-b", 0.5)}, false, "gatepass-a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Report{Budget: 1.00, Tenants: tc.tenants}
			if got := r.Pass(); got != tc.pass {
				t.Errorf("Pass() = %v, want %v", got, tc.pass)
			}
			if max, _ := r.MaxTenant(); max.Stack.Name != tc.max {
				t.Errorf("MaxTenant() = %q, want %q", max.Stack.Name, tc.max)
			}
			if v := r.verdict(); strings.HasPrefix(v, "PASS") != tc.pass {
				t.Errorf("verdict %q with pass %v", v, tc.pass)
			}
		})
	}
}

func TestRewriteSection(t *testing.T) {
	const doc = "# T\n\n- a\n" + BeginMarker + "\nold\ntext\n" + EndMarker + "\n- b\n"
	for _, tc := range []struct {
		name, doc, section, want, err string
	}{
		{"replaced", doc, "new\n", "# T\n\n- a\n" + BeginMarker + "\nnew\n" + EndMarker + "\n- b\n", ""},
		{"newline added", doc, "new", "# T\n\n- a\n" + BeginMarker + "\nnew\n" + EndMarker + "\n- b\n", ""},
		{"emptied", doc, "", "# T\n\n- a\n" + BeginMarker + "\n" + EndMarker + "\n- b\n", ""},
		{"empty section filled", BeginMarker + "\n" + EndMarker + "\n", "x\n", BeginMarker + "\nx\n" + EndMarker + "\n", ""},
		{"no markers", "# T\n", "x", "", "want one"},
		{"two begin markers", doc + BeginMarker + "\n", "x", "", "want one"},
		{"reversed", EndMarker + "\n" + BeginMarker + "\n", "x", "", "before"},
		{"not on their own line", "a " + BeginMarker + " b " + EndMarker + "\n", "x", "", "own"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RewriteSection(tc.doc, tc.section)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if again, _ := RewriteSection(got, tc.section); again != got {
				t.Errorf("not idempotent: %q", again)
			}
		})
	}
}

func TestReadmeHasOneCostSection(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RewriteSection(string(b), "x\n"); err != nil {
		t.Fatal(err)
	}
}
