package tenant_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatepass/gatepass/infra/aws/operator"
	"github.com/gatepass/gatepass/infra/aws/tenant"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/routes"
)

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

// CloudFront is the only way in: the API origin gets the origin secret as a
// dynamic reference (its value in no template), the client address in
// CloudFront-Viewer-Address and nothing a client could use to pass as
// CloudFront; the WAF is attached; standard logs go to the logs bucket
// without cookies.
func TestCloudFrontIsTheOnlyWayIn(t *testing.T) {
	dists := ofType("AWS::CloudFront::Distribution")
	if len(dists) != 1 {
		t.Fatalf("%d distributions", len(dists))
	}
	var cfg map[string]any
	for _, d := range dists {
		cfg = props(d)["DistributionConfig"].(map[string]any)
	}
	if cfg["WebACLId"] != testWebACL {
		t.Errorf("WebACLId %v, want the edge stack's", cfg["WebACLId"])
	}
	secretID := *stack.Stack.GetLogicalId(stack.OriginSecret.Node().DefaultChild().(awscdk.CfnElement))
	found := false
	for _, o := range asList(cfg["Origins"]) {
		o := o.(map[string]any)
		if o["CustomOriginConfig"] == nil || strings.Contains(jsonOf(o["DomainName"]), "S3") {
			continue
		}
		for _, h := range asList(o["OriginCustomHeaders"]) {
			h := h.(map[string]any)
			if h["HeaderName"] != tenant.OriginHeader {
				continue
			}
			found = true
			v := jsonOf(h["HeaderValue"])
			if !strings.Contains(v, "{{resolve:secretsmanager:") || !strings.Contains(v, secretID) {
				t.Errorf("origin header value %s is not a dynamic reference to the origin secret", v)
			}
		}
	}
	if !found {
		t.Errorf("no API origin sends %s", tenant.OriginHeader)
	}
	for _, p := range ofType("AWS::CloudFront::OriginRequestPolicy") {
		c := props(p)["OriginRequestPolicyConfig"].(map[string]any)
		hc := c["HeadersConfig"].(map[string]any)
		headers := jsonOf(hc["Headers"])
		if hc["HeaderBehavior"] != "whitelist" || !strings.Contains(headers, tenant.ViewerAddressHeader) ||
			strings.Contains(strings.ToLower(headers), `"host"`) || strings.Contains(headers, "X-Forwarded-For") ||
			strings.Contains(headers, tenant.OriginHeader) {
			t.Errorf("origin request headers %v", hc)
		}
	}
	logging := cfg["Logging"].(map[string]any)
	logsID := *stack.Stack.GetLogicalId(stack.Logs.Node().DefaultChild().(awscdk.CfnElement))
	if !refersTo(logging["Bucket"], logsID) || logging["IncludeCookies"] != false || logging["Prefix"] != tenant.CloudFrontLogPrefix {
		t.Errorf("CloudFront logging %v", logging)
	}
	bucket := resources[logsID]
	if bucket["DeletionPolicy"] != "Retain" || !strings.Contains(jsonOf(props(bucket)["LifecycleConfiguration"]),
		fmt.Sprintf(`"ExpirationInDays":%d`, tenant.LogBucketDays)) {
		t.Errorf("logs bucket %v", bucket)
	}
}

// One JSON access log line per request at the API stage, with the request
// id, the edge's address (the client's is in the function's line, joined by
// the Lambda request id), the route, status, latency and integration error;
// nothing secret.
func TestAPIAccessLog(t *testing.T) {
	for _, st := range ofType("AWS::ApiGatewayV2::Stage") {
		als := props(st)["AccessLogSettings"].(map[string]any)
		logID := *stack.Stack.GetLogicalId(stack.APIAccessLogs.Node().DefaultChild().(awscdk.CfnElement))
		if !refersTo(als["DestinationArn"], logID) {
			t.Errorf("access log destination %v", als["DestinationArn"])
		}
		var line map[string]string
		if err := json.Unmarshal([]byte(als["Format"].(string)), &line); err != nil {
			t.Fatalf("access log format is not JSON: %v", err)
		}
		for _, field := range []string{"requestId", "lambdaRequestId", "edgeIp", "route", "status", "latencyMs", "integrationError"} {
			if line[field] == "" {
				t.Errorf("access log has no %s: %v", field, line)
			}
		}
		for _, v := range line {
			if strings.Contains(v, "$request.") || strings.Contains(strings.ToLower(v), "cookie") {
				t.Errorf("access log logs %s", v)
			}
		}
	}
	lg := props(resources[*stack.Stack.GetLogicalId(stack.APIAccessLogs.Node().DefaultChild().(awscdk.CfnElement))])
	if lg["LogGroupName"] != tenant.LogGroupName("demo", "api-access") || lg["RetentionInDays"] != float64(90) {
		t.Errorf("access log group %v", lg)
	}
}

// A deploy that updates the Cognito app client also updates the SSO sync
// resource, which CloudFormation runs after the client.
func TestSSOSyncFollowsTheAppClient(t *testing.T) {
	crs := ofType(app.SSOSyncResourceType)
	if len(crs) != 1 {
		t.Fatalf("%d SSO sync resources", len(crs))
	}
	clientID := *stack.Stack.GetLogicalId(stack.UserPoolClient.Node().DefaultChild().(awscdk.CfnElement))
	for _, cr := range crs {
		p := props(cr)
		if !refersTo(p["ServiceToken"], fnID(t, "bootstrap")) || !strings.Contains(jsonOf(cr["DependsOn"]), clientID) {
			t.Errorf("SSO sync %v", cr)
		}
		client := jsonOf(p["Client"])
		for _, part := range []string{clientID, "callbacks", "scopes", "idToken"} {
			if !strings.Contains(client, part) {
				t.Errorf("the sync's Client property does not follow the client's %s: %s", part, client)
			}
		}
	}
}

// With a custom domain, viewers need TLS 1.2 with the 2025 ciphers.
func TestCustomDomainTLS(t *testing.T) {
	dir := t.TempDir()
	if err := fakeAssets(dir); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(dir)
	cfg.DomainName, cfg.CertificateArn = "backoffice.example.com", "arn:aws:acm:us-east-1:111111111111:certificate/abc"
	a := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(dir, "cdk.out"))})
	env := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-central-1")}
	op, err := operator.New(a, "operator", &awscdk.StackProps{Env: env}, operator.Config{AlarmEmail: "ops@example.com",
		MailDomains: []string{cfg.MailDomain()}, LockoutAlarm: 5})
	if err != nil {
		t.Fatal(err)
	}
	s, err := tenant.New(a, "gatepass-domain", &awscdk.StackProps{Env: env}, cfg, sharedOf(op))
	if err != nil {
		t.Fatal(err)
	}
	tpl := *assertions.Template_FromStack(s.Stack, nil).ToJSON()
	for _, r := range tpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] != "AWS::CloudFront::Distribution" {
			continue
		}
		vc := props(r)["DistributionConfig"].(map[string]any)["ViewerCertificate"].(map[string]any)
		if vc["MinimumProtocolVersion"] != "TLSv1.2_2025" || !slices.Contains(asList(props(r)["DistributionConfig"].(map[string]any)["Aliases"]), any("backoffice.example.com")) {
			t.Errorf("viewer certificate %v", vc)
		}
	}
}

// Restore: a stack adopts a table restored from a point in time and a
// retained user pool instead of creating them, and its functions use them.
func TestAdoptTableAndUserPool(t *testing.T) {
	dir := t.TempDir()
	if err := fakeAssets(dir); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(dir)
	cfg.TableName, cfg.UserPoolID = "gatepass-demo-restored-20261207", "eu-central-1_Restored1"
	a := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(dir, "cdk.out"))})
	env := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-central-1")}
	op, err := operator.New(a, "operator", &awscdk.StackProps{Env: env}, operator.Config{AlarmEmail: "ops@example.com",
		MailDomains: []string{cfg.MailDomain()}, LockoutAlarm: 5})
	if err != nil {
		t.Fatal(err)
	}
	s, err := tenant.New(a, "gatepass-restored", &awscdk.StackProps{Env: env}, cfg, sharedOf(op))
	if err != nil {
		t.Fatal(err)
	}
	tpl := jsonOf(*assertions.Template_FromStack(s.Stack, nil).ToJSON())
	for _, typ := range []string{"AWS::DynamoDB::Table", "AWS::Cognito::UserPool"} {
		if strings.Contains(tpl, `"Type":"`+typ+`"`) {
			t.Errorf("an adopted %s was created", typ)
		}
	}
	if !strings.Contains(tpl, `"GATEPASS_TABLE":"gatepass-demo-restored-20261207"`) ||
		!strings.Contains(tpl, `table/gatepass-demo-restored-20261207`) ||
		!strings.Contains(tpl, `"UserPoolId":"eu-central-1_Restored1"`) {
		t.Error("the functions do not use the adopted table and pool")
	}
}

// Tenants share the operator's mail identities: each sends only as its own
// sender address.
func TestMailOnlyAsItsOwnSender(t *testing.T) {
	for _, f := range routes.Table() {
		if !tenant.FunctionNeeds[f.Name].Mail {
			continue
		}
		policies := jsonOf(ofType("AWS::IAM::Policy"))
		if !strings.Contains(policies, `"ses:FromAddress":"no-reply@mail.example.com"`) {
			t.Errorf("%s: SES without the sender condition", f.Name)
		}
	}
	if strings.Contains(jsonOf(resources), `"Type":"AWS::SES::`) {
		t.Error("the tenant stack defines SES resources")
	}
}
