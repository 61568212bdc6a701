package tenant_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatepass/gatepass/infra/aws/nag"
	"github.com/gatepass/gatepass/infra/aws/operator"
	"github.com/gatepass/gatepass/infra/aws/tenant"
	"github.com/gatepass/gatepass/shared/alias"
	"github.com/gatepass/gatepass/shared/app/hashmem"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/login"
	"github.com/gatepass/gatepass/shared/metrics"
	"github.com/gatepass/gatepass/shared/routes"
	"github.com/gatepass/gatepass/shared/store/dynamo"
)

// One synthesis per test binary (the jsii runtime is slow to start): every
// test reads the same template.
var (
	stack     *tenant.Stack
	resources map[string]map[string]any // logical id → resource
	outputs   map[string]any
	// nagFindings are cdk-nag's errors and warnings on the stack.
	nagFindings []*cxapi.SynthesisMessage
	// operatorStack is the operator stack the tenant uses.
	operatorStack *operator.Stack
)

// sharedOf is what a tenant stack takes of op.
func sharedOf(op *operator.Stack) tenant.Shared {
	return tenant.Shared{Key: op.Key, ConfigurationSet: operator.ConfigurationSetName, AlarmTopic: op.AlarmTopic}
}

// operatorKeyID is the logical id of the operator's key, which the tenant
// template imports.
func operatorKeyID() string {
	return *operatorStack.CDK.GetLogicalId(operatorStack.Key.Node().DefaultChild().(awscdk.CfnElement))
}

func TestMain(m *testing.M) {
	code, err := synth()
	if err != nil {
		fmt.Fprintln(os.Stderr, "synth:", err)
		os.Exit(1)
	}
	os.Exit(code(m))
}

func synth() (func(*testing.M) int, error) {
	dir, err := os.MkdirTemp("", "gatepass-cdk-test")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := fakeAssets(dir); err != nil {
		return nil, err
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(dir, "cdk.out"))})
	nag.Check(app)
	cfg := testConfig(dir)
	env := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-central-1")}
	op, err := operator.New(app, "gatepass-operator-eu-central-1", &awscdk.StackProps{Env: env}, operator.Config{
		AlarmEmail: "ops@example.com", MailDomains: []string{cfg.MailDomain()}, LockoutAlarm: tenant.DefaultLockoutAlarm})
	if err != nil {
		return nil, err
	}
	operatorStack = op
	s, err := tenant.New(app, "gatepass-demo", &awscdk.StackProps{Env: env}, cfg, sharedOf(op))
	if err != nil {
		return nil, err
	}
	stack = s
	app.Synth(nil) // runs the cdk-nag aspects
	nagFindings = append(*assertions.Annotations_FromStack(s.Stack).FindError(jsii.String("*"), assertions.Match_AnyValue()),
		*assertions.Annotations_FromStack(s.Stack).FindWarning(jsii.String("*"), assertions.Match_AnyValue())...)
	tpl := *assertions.Template_FromStack(s.Stack, nil).ToJSON()
	resources = map[string]map[string]any{}
	for id, r := range tpl["Resources"].(map[string]any) {
		resources[id] = r.(map[string]any)
	}
	outputs = tpl["Outputs"].(map[string]any)
	return func(m *testing.M) int { return m.Run() }, nil
}

func testConfig(dir string) tenant.Config {
	return tenant.Config{
		Tenant: "demo", AdminEmail: "admin@example.com", MailFrom: "no-reply@mail.example.com",
		HashConcurrency: 7, BinDir: filepath.Join(dir, "bin"), WebDir: filepath.Join(dir, "web"),
		LockoutAlarm: tenant.DefaultLockoutAlarm,
		WAF:          true, WebACLArn: testWebACL,
		AuthorizerConsumers: []string{testConsumerAPI},
		AlarmAdminEmail:     "oncall@example.com",
	}
}

// testConsumerAPI is the one HTTP API allowed to invoke the authorizer.
const testConsumerAPI = "a1b2c3d4e5"

// testWebACL is the WebACL the test tenant attaches (the edge stack's, in the
// app).
const testWebACL = "arn:aws:wafv2:us-east-1:111111111111:global/webacl/gatepass/0123abcd-0123-4567-89ab-0123456789ab"

// fakeAssets writes bin/<name>/bootstrap for every function and a one-file
// web app, so the tests need no make build.
func fakeAssets(dir string) error {
	for _, f := range routes.Table() {
		p := filepath.Join(dir, "bin", f.Name, "bootstrap")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("fake asset: %w", err)
		}
		if err := os.WriteFile(p, []byte("fake "+f.Name), 0o755); err != nil {
			return fmt.Errorf("fake asset: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "web"), 0o755); err != nil {
		return fmt.Errorf("fake web: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "web", "index.html"), []byte("<!doctype html>"), 0o644); err != nil {
		return fmt.Errorf("fake web: %w", err)
	}
	return nil
}

func ofType(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range resources {
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

// single returns the template's one resource of type typ, failing the test
// unless there is exactly one.
func single(t *testing.T, typ string) (string, map[string]any) {
	t.Helper()
	all := ofType(typ)
	if len(all) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(all), typ)
	}
	for id, r := range all {
		return id, r
	}
	return "", nil
}

func props(r map[string]any) map[string]any { p, _ := r["Properties"].(map[string]any); return p }

func fnID(t *testing.T, name string) string {
	t.Helper()
	fn, ok := stack.Functions[name]
	if !ok {
		t.Fatalf("no Lambda for function %s", name)
	}
	return *stack.Stack.GetLogicalId(fn.Node().DefaultChild().(awscdk.CfnElement))
}

func roleID(t *testing.T, name string) string {
	t.Helper()
	return *stack.Stack.GetLogicalId(stack.Roles[name].Node().DefaultChild().(awscdk.CfnElement))
}

// refersTo reports whether a template value references logical id id
// (Ref or Fn::GetAtt).
func refersTo(v any, id string) bool {
	switch v := v.(type) {
	case map[string]any:
		if v["Ref"] == id {
			return true
		}
		// A value of another stack of the app: its export's name holds the
		// logical id.
		if imp, ok := v["Fn::ImportValue"].(string); ok && strings.Contains(imp, id) {
			return true
		}
		if ga, ok := v["Fn::GetAtt"].([]any); ok && len(ga) > 0 && ga[0] == id {
			return true
		}
		for _, x := range v {
			if refersTo(x, id) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if refersTo(x, id) {
				return true
			}
		}
	}
	return false
}

// Every function of the route table: provided.al2023 on arm64, its binary,
// JSON logs with retention, its memory, concurrency, environment and role.
func TestEveryFunction(t *testing.T) {
	fns := ofType("AWS::Lambda::Function")
	for _, f := range routes.Table() {
		p := props(fns[fnID(t, f.Name)])
		if p == nil {
			t.Fatalf("%s: no AWS::Lambda::Function", f.Name)
		}
		if p["Runtime"] != "provided.al2023" || !reflect.DeepEqual(p["Architectures"], []any{"arm64"}) || p["Handler"] != "bootstrap" {
			t.Errorf("%s: runtime %v, architectures %v, handler %v", f.Name, p["Runtime"], p["Architectures"], p["Handler"])
		}
		if lc, _ := p["LoggingConfig"].(map[string]any); lc["LogFormat"] != "JSON" || lc["LogGroup"] == nil {
			t.Errorf("%s: logging %v", f.Name, p["LoggingConfig"])
		}
		wantMem, wantReserved := any(float64(tenant.PlainMemoryMB)), any(nil)
		if f.Hashes {
			wantMem, wantReserved = float64(tenant.HashMemoryMB), float64(7)
		}
		if p["MemorySize"] != wantMem || p["ReservedConcurrentExecutions"] != wantReserved {
			t.Errorf("%s: memory %v reserved %v, want %v %v", f.Name, p["MemorySize"], p["ReservedConcurrentExecutions"], wantMem, wantReserved)
		}
		if !refersTo(p["Role"], roleID(t, f.Name)) {
			t.Errorf("%s: role %v is not its own", f.Name, p["Role"])
		}
		env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
		var keys []string
		for k := range env {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := []string{"GATEPASS_PUBLIC_URL", "GATEPASS_TABLE", "GATEPASS_TENANT"}
		needs := tenant.FunctionNeeds[f.Name]
		if needs.Key {
			want = append(want, "GATEPASS_KEY_SECRET")
		}
		if needs.Mail {
			want = append(want, "GATEPASS_MAIL_FROM", "GATEPASS_SES_CONFIGURATION_SET")
		}
		if needs.Alias {
			want = append(want, lambdarun.EnvAliasKVS)
		}
		if f.HTTP() {
			want = append(want, tenant.EnvOriginSecret)
		}
		if _, ok := tenant.CognitoActions[f.Name]; ok {
			want = append(want, tenant.EnvCognitoUserPoolID, tenant.EnvCognitoClientID, tenant.EnvCognitoDomain)
		}
		if f.Hashes {
			want = append(want, "GODEBUG")
			if env["GODEBUG"] != hashmem.GODEBUG {
				t.Errorf("%s: GODEBUG %v", f.Name, env["GODEBUG"])
			}
		}
		slices.Sort(want)
		if !slices.Equal(keys, want) || env["GATEPASS_TENANT"] != "demo" {
			t.Errorf("%s: environment %v, want keys %v", f.Name, env, want)
		}
	}
	for _, lg := range ofType("AWS::Logs::LogGroup") {
		if props(lg)["RetentionInDays"] != float64(90) {
			t.Errorf("log group retention %v", props(lg)["RetentionInDays"])
		}
	}
}

// FunctionNeeds says what each main configures: SES (sesmail), the
// sealing key (secretkey) and the edge's KeyValueStore (aliaskvs).
func TestNeedsMatchTheMains(t *testing.T) {
	for _, f := range routes.Table() {
		src, err := os.ReadFile(filepath.Join("..", "..", "..", "functions", f.Name, "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		got := tenant.Needs{Mail: strings.Contains(string(src), "sesmail.Configure"), Key: strings.Contains(string(src), "secretkey.Configure"),
			Alias: strings.Contains(string(src), "aliaskvs.Configure")}
		if got != tenant.FunctionNeeds[f.Name] {
			t.Errorf("%s: main.go needs %+v, FunctionNeeds says %+v", f.Name, got, tenant.FunctionNeeds[f.Name])
		}
	}
}

// Every route of the table is an API route integrated, with payload 2.0,
// with its own function's Lambda; there are no others.
func TestEveryRouteGoesToItsFunction(t *testing.T) {
	byKey := map[string]map[string]any{}
	for _, r := range ofType("AWS::ApiGatewayV2::Route") {
		byKey[props(r)["RouteKey"].(string)] = props(r)
	}
	integrations := ofType("AWS::ApiGatewayV2::Integration")
	n := 0
	for _, f := range routes.Table() {
		for _, key := range f.Routes {
			n++
			r, ok := byKey[key]
			if !ok {
				t.Errorf("route %q missing", key)
				continue
			}
			var target string
			for _, part := range r["Target"].(map[string]any)["Fn::Join"].([]any)[1].([]any) {
				if m, ok := part.(map[string]any); ok {
					target, _ = m["Ref"].(string)
				}
			}
			in := props(integrations[target])
			if in == nil || in["IntegrationType"] != "AWS_PROXY" || in["PayloadFormatVersion"] != "2.0" || !refersTo(in["IntegrationUri"], fnID(t, f.Name)) {
				t.Errorf("route %q: integration %s = %v, want %s's Lambda", key, target, in, f.Name)
			}
		}
	}
	if len(byKey) != n {
		t.Errorf("%d API routes, the table has %d", len(byKey), n)
	}
}

// The auth routes have tighter throttling than the stage default.
func TestThrottling(t *testing.T) {
	for _, st := range ofType("AWS::ApiGatewayV2::Stage") {
		p := props(st)
		if d := p["DefaultRouteSettings"].(map[string]any); d["ThrottlingRateLimit"] != float64(tenant.StageRate) {
			t.Errorf("stage default %v", d)
		}
		rs := p["RouteSettings"].(map[string]any)
		for _, key := range tenant.ThrottledRoutes {
			f, ok := "", false
			for _, fn := range routes.Table() {
				if slices.Contains(fn.Routes, key) {
					f, ok = fn.Name, true
				}
			}
			s, _ := rs[key].(map[string]any)
			if !ok || s["ThrottlingRateLimit"] != float64(tenant.AuthRate) || s["ThrottlingBurstLimit"] != float64(tenant.AuthBurst) {
				t.Errorf("route %q (function %q): settings %v", key, f, rs[key])
			}
		}
	}
}

// No Gatepass role has a wildcard action; the only policies that do are
// CDK's own BucketDeployment handler's.
func TestNoWildcardActions(t *testing.T) {
	ours := map[string]bool{}
	for name := range stack.Roles {
		ours[roleID(t, name)] = true
	}
	check := func(where string, doc any, cdkInternal bool) {
		for _, s := range doc.(map[string]any)["Statement"].([]any) {
			actions := s.(map[string]any)["Action"]
			list, ok := actions.([]any)
			if !ok {
				list = []any{actions}
			}
			for _, a := range list {
				if strings.Contains(a.(string), "*") {
					if cdkInternal {
						t.Logf("CDK-internal wildcard in %s: %s", where, a)
						continue
					}
					t.Errorf("wildcard action %s in %s", a, where)
				}
			}
		}
	}
	for id, p := range ofType("AWS::IAM::Policy") {
		var attached []string
		for _, r := range props(p)["Roles"].([]any) {
			attached = append(attached, r.(map[string]any)["Ref"].(string))
		}
		internal := strings.HasPrefix(id, "CustomCDKBucketDeployment")
		for _, r := range attached {
			if ours[r] && internal {
				t.Errorf("policy %s of a Gatepass role looks CDK-internal", id)
			}
		}
		check(id, props(p)["PolicyDocument"], internal)
	}
	for id, r := range ofType("AWS::IAM::Role") {
		for _, p := range asList(props(r)["Policies"]) {
			check(id+" inline", p.(map[string]any)["PolicyDocument"], false)
		}
		if props(r)["ManagedPolicyArns"] != nil && ours[id] {
			t.Errorf("Gatepass role %s has managed policies %v", id, props(r)["ManagedPolicyArns"])
		}
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }

// The table: keys, on demand, PITR, deletion protection, TTL, the tenant's
// KMS key with rotation, retained.
func TestTable(t *testing.T) {
	tables := ofType("AWS::DynamoDB::Table")
	if len(tables) != 1 {
		t.Fatalf("%d tables", len(tables))
	}
	keyID := operatorKeyID()
	for _, tb := range tables {
		p := props(tb)
		want := map[string]any{
			"BillingMode":                      "PAY_PER_REQUEST",
			"DeletionProtectionEnabled":        true,
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"TimeToLiveSpecification":          map[string]any{"AttributeName": dynamo.AttrTTL, "Enabled": true},
			"KeySchema": []any{
				map[string]any{"AttributeName": "pk", "KeyType": "HASH"},
				map[string]any{"AttributeName": "sk", "KeyType": "RANGE"},
			},
		}
		for k, v := range want {
			if !reflect.DeepEqual(p[k], v) {
				t.Errorf("table %s = %v, want %v", k, p[k], v)
			}
		}
		sse := p["SSESpecification"].(map[string]any)
		if sse["SSEEnabled"] != true || sse["SSEType"] != "KMS" || !refersTo(sse["KMSMasterKeyId"], keyID) {
			t.Errorf("table SSE %v", sse)
		}
		if tb["DeletionPolicy"] != "Retain" || tb["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("table policies %v %v", tb["DeletionPolicy"], tb["UpdateReplacePolicy"])
		}
		if p["GlobalSecondaryIndexes"] != nil || p["LocalSecondaryIndexes"] != nil {
			t.Error("the table has an index")
		}
	}
	originID := *stack.Stack.GetLogicalId(stack.OriginSecret.Node().DefaultChild().(awscdk.CfnElement))
	for id, s := range ofType("AWS::SecretsManager::Secret") {
		// The sealing key outlives the stack with the data it protects; the
		// origin secret is worthless without the distribution.
		want := "Retain"
		if id == originID {
			want = "Delete"
		}
		if !refersTo(props(s)["KmsKeyId"], keyID) || s["DeletionPolicy"] != want {
			t.Errorf("secret %s: %v", id, s)
		}
	}
	if len(ofType("Custom::GatepassSealingKey")) != 1 {
		t.Error("no custom resource filling the sealing key")
	}
}

// CloudFront: the web app by default, /api/* and */api/* to the HTTP API
// uncached, the alias function with its store on all three, the headers.
func TestDistribution(t *testing.T) {
	var fnID string
	for id, f := range ofType("AWS::CloudFront::Function") {
		fnID = id
		cfg := props(f)["FunctionConfig"].(map[string]any)
		if cfg["Runtime"] != "cloudfront-js-2.0" || len(asList(cfg["KeyValueStoreAssociations"])) != 1 {
			t.Errorf("function config %v", cfg)
		}
	}
	for _, d := range ofType("AWS::CloudFront::Distribution") {
		c := props(d)["DistributionConfig"].(map[string]any)
		if c["DefaultRootObject"] != "index.html" {
			t.Errorf("default root object %v", c["DefaultRootObject"])
		}
		behaviours := append([]any{c["DefaultCacheBehavior"]}, asList(c["CacheBehaviors"])...)
		var paths []string
		for _, b := range behaviours {
			b := b.(map[string]any)
			if p, ok := b["PathPattern"].(string); ok {
				paths = append(paths, p)
				if len(asList(b["AllowedMethods"])) != 7 || b["OriginRequestPolicyId"] == nil {
					t.Errorf("%s: methods %v, origin request policy %v", p, b["AllowedMethods"], b["OriginRequestPolicyId"])
				}
			}
			assoc := asList(b["FunctionAssociations"])
			if len(assoc) != 1 || assoc[0].(map[string]any)["EventType"] != "viewer-request" || !refersTo(assoc[0], fnID) {
				t.Errorf("behaviour %v: function associations %v", b["PathPattern"], assoc)
			}
			if b["ResponseHeadersPolicyId"] == nil {
				t.Errorf("behaviour %v without response headers policy", b["PathPattern"])
			}
		}
		slices.Sort(paths)
		if !slices.Equal(paths, []string{"*/api/*", "/api/*"}) {
			t.Errorf("behaviours %v", paths)
		}
	}
	for _, p := range ofType("AWS::CloudFront::ResponseHeadersPolicy") {
		sh := props(p)["ResponseHeadersPolicyConfig"].(map[string]any)["SecurityHeadersConfig"].(map[string]any)
		if sh["ContentSecurityPolicy"].(map[string]any)["ContentSecurityPolicy"] != tenant.ContentSecurityPolicy ||
			sh["StrictTransportSecurity"] == nil || sh["ContentTypeOptions"] == nil ||
			sh["FrameOptions"].(map[string]any)["FrameOption"] != "DENY" ||
			sh["ReferrerPolicy"].(map[string]any)["ReferrerPolicy"] != "no-referrer" {
			t.Errorf("security headers %v", sh)
		}
	}
	for _, b := range ofType("AWS::S3::Bucket") {
		pab := props(b)["PublicAccessBlockConfiguration"].(map[string]any)
		if pab["BlockPublicAcls"] != true || pab["RestrictPublicBuckets"] != true {
			t.Errorf("bucket public access %v", pab)
		}
	}
}

// The authorizer is exported, and only the HTTP APIs named in context
// authorizerConsumers may invoke it — through any of their authorizers, in
// the stack's account.
func TestAuthorizerExported(t *testing.T) {
	out := outputs["AuthorizerArn"].(map[string]any)
	if out["Export"].(map[string]any)["Name"] != "demo-gatepass-authorizer-arn" || !refersTo(out["Value"], fnID(t, "authorizer")) {
		t.Errorf("output %v", out)
	}
	var sources []string
	for _, p := range ofType("AWS::Lambda::Permission") {
		p := props(p)
		if !refersTo(p["FunctionName"], fnID(t, "authorizer")) {
			continue
		}
		src, _ := json.Marshal(p["SourceArn"])
		sources = append(sources, string(src))
		if p["Principal"] != "apigateway.amazonaws.com" || p["SourceAccount"] == nil {
			t.Errorf("permission %v", p)
		}
	}
	if len(sources) != 1 || !strings.Contains(sources[0], ":"+testConsumerAPI+"/authorizers/*") {
		t.Errorf("authorizer invocable from %v, want only %s", sources, testConsumerAPI)
	}
}

// The bootstrap custom resource: answered by the bootstrap function, with
// the context's adminEmail, after its role's policies exist. The function
// may send mail, use the table (and its key), the user pool's client (the
// SSO sync) and the edge store (the alias), nothing else.
func TestBootstrapResource(t *testing.T) {
	crs := ofType(tenant.BootstrapResourceType)
	if len(crs) != 1 {
		t.Fatalf("%d %s resources", len(crs), tenant.BootstrapResourceType)
	}
	for _, cr := range crs {
		p := props(cr)
		if !refersTo(p["ServiceToken"], fnID(t, "bootstrap")) || p["AdminEmail"] != "admin@example.com" || p["AdminUsername"] != "admin" {
			t.Errorf("bootstrap properties %v", p)
		}
		deps := fmt.Sprint(cr["DependsOn"])
		if !strings.Contains(deps, roleID(t, "bootstrap")) {
			t.Errorf("bootstrap depends on %v, not its role", cr["DependsOn"])
		}
	}
	if n := len(ofType("AWS::CloudFormation::CustomResource")); n != 0 {
		t.Errorf("%d untyped custom resources", n)
	}
	// Every action the bootstrap role may call, by resource.
	g := grantsOf(t, "bootstrap")
	derived, _ := routes.DynamoDBActions("bootstrap")
	if !slices.Equal(g.table, derived) || !slices.Equal(g.key["dynamodb"], tenant.TableKeyActions()) || len(g.ses) != 1 ||
		!slices.Equal(g.logs, []string{"logs:CreateLogStream", "logs:PutLogEvents"}) ||
		!slices.Equal(g.other, slices.Sorted(slices.Values(append(slices.Clone(tenant.EdgeStoreActions), tenant.CognitoActions["bootstrap"]...)))) {
		t.Errorf("bootstrap role: %+v", g)
	}
}

// grants are the actions one function's role may take, by resource.
type grants struct {
	table []string            // on the table
	key   map[string][]string // on the tenant key, by the service of its kms:ViaService condition
	ses   []string
	logs  []string
	other []string
}

// grantsOf collects the statements of the policies attached to function's
// role. A key statement without a kms:ViaService condition fails the test.
func grantsOf(t *testing.T, function string) grants {
	t.Helper()
	role := roleID(t, function)
	tableID := *stack.Stack.GetLogicalId(stack.Table.Node().DefaultChild().(awscdk.CfnElement))
	keyID := operatorKeyID()
	g := grants{key: map[string][]string{}}
	for _, pol := range ofType("AWS::IAM::Policy") {
		attached := false
		for _, r := range asList(props(pol)["Roles"]) {
			attached = attached || refersTo(r, role)
		}
		if !attached {
			continue
		}
		for _, st := range asList(props(pol)["PolicyDocument"].(map[string]any)["Statement"]) {
			st := st.(map[string]any)
			actions := asList(st["Action"])
			if a, ok := st["Action"].(string); ok {
				actions = []any{a}
			}
			var names []string
			for _, a := range actions {
				names = append(names, a.(string))
			}
			switch {
			case refersTo(st["Resource"], tableID):
				g.table = append(g.table, names...)
			case refersTo(st["Resource"], keyID):
				cond, _ := st["Condition"].(map[string]any)
				eq, _ := cond["StringEquals"].(map[string]any)
				via, _ := eq["kms:ViaService"].(string)
				service, _, _ := strings.Cut(via, ".")
				if service == "" {
					t.Errorf("%s: key statement %v without a kms:ViaService condition", function, st)
				}
				g.key[service] = append(g.key[service], names...)
			case slices.Equal(names, []string{"ses:SendEmail"}):
				g.ses = append(g.ses, names...)
			case strings.HasPrefix(names[0], "logs:"):
				g.logs = append(g.logs, names...)
			default:
				g.other = append(g.other, names...)
			}
		}
	}
	for _, l := range append([][]string{g.table, g.ses, g.logs, g.other}, slices.Collect(maps.Values(g.key))...) {
		slices.Sort(l)
	}
	return g
}

// Least privilege, proven: each function's role reaches the table with
// exactly the DynamoDB actions its own flows send (derived by the route walk
// of shared/app on DynamoDB Local, nothing missing, nothing extra), uses the
// key only through DynamoDB and Secrets Manager, and reads only the secrets
// it needs.
func TestLeastPrivilegePerFunction(t *testing.T) {
	for _, f := range routes.Table() {
		g := grantsOf(t, f.Name)
		derived, ok := routes.DynamoDBActions(f.Name)
		if !ok || !slices.Equal(g.table, derived) {
			t.Errorf("%s: table actions %v, its flows send %v", f.Name, g.table, derived)
		}
		if !slices.Equal(g.key["dynamodb"], tenant.TableKeyActions()) {
			t.Errorf("%s: key actions through DynamoDB %v", f.Name, g.key["dynamodb"])
		}
		for service, actions := range g.key {
			if service != "dynamodb" && (service != "secretsmanager" || !slices.Equal(actions, tenant.SecretKeyActions())) {
				t.Errorf("%s: key actions through %s: %v", f.Name, service, actions)
			}
		}
		for _, a := range slices.Concat(g.other, g.ses) {
			if strings.HasPrefix(a, "dynamodb:") || strings.HasPrefix(a, "kms:") || strings.Contains(a, "*") {
				t.Errorf("%s: %s granted outside the table and key statements", f.Name, a)
			}
		}
		secrets := slices.Contains(g.other, "secretsmanager:GetSecretValue")
		if want := f.HTTP() || tenant.FunctionNeeds[f.Name].Key; secrets != want {
			t.Errorf("%s: reads secrets %v, want %v", f.Name, secrets, want)
		}
		if (len(g.key["secretsmanager"]) > 0) != secrets {
			t.Errorf("%s: key through Secrets Manager %v without reading a secret", f.Name, g.key["secretsmanager"])
		}
	}
}

// Cognito (SECURITY.md "SSO"): a broker-only user pool and a confidential
// app client with the code flow only, one exact callback, no user-existence
// errors; its ids reach the login function, its secret reaches no function.
func TestCognito(t *testing.T) {
	poolID, pool := single(t, "AWS::Cognito::UserPool")
	p := props(pool)
	if ac, _ := p["AdminCreateUserConfig"].(map[string]any); ac["AllowAdminCreateUserOnly"] != true {
		t.Errorf("AdminCreateUserConfig %v: self sign-up is on", p["AdminCreateUserConfig"])
	}
	if p["MfaConfiguration"] != "OFF" || p["DeletionProtection"] != "ACTIVE" || p["UserPoolTier"] != "LITE" {
		t.Errorf("mfa %v, deletion protection %v, tier %v", p["MfaConfiguration"], p["DeletionProtection"], p["UserPoolTier"])
	}
	if rm, _ := p["AccountRecoverySetting"].(map[string]any); len(asList(rm["RecoveryMechanisms"])) != 1 ||
		asList(rm["RecoveryMechanisms"])[0].(map[string]any)["Name"] != "admin_only" {
		t.Errorf("account recovery %v", p["AccountRecoverySetting"])
	}
	if addOns, _ := p["UserPoolAddOns"].(map[string]any); addOns != nil && addOns["AdvancedSecurityMode"] != "OFF" {
		t.Errorf("advanced security %v", addOns)
	}
	if pool["DeletionPolicy"] != "Retain" || pool["UpdateReplacePolicy"] != "Retain" {
		t.Errorf("user pool policies %v %v", pool["DeletionPolicy"], pool["UpdateReplacePolicy"])
	}
	domainID, d := single(t, "AWS::Cognito::UserPoolDomain")
	prefix, _ := props(d)["Domain"].(string)
	if prefix != tenant.CognitoDomainPrefix("demo", "111111111111") || len(prefix) > 63 || prefix != strings.ToLower(prefix) {
		t.Errorf("domain prefix %v", props(d)["Domain"])
	}
	clientID, c := single(t, "AWS::Cognito::UserPoolClient")
	p = props(c)
	if !refersTo(p["UserPoolId"], poolID) || p["GenerateSecret"] != true || p["AllowedOAuthFlowsUserPoolClient"] != true ||
		p["PreventUserExistenceErrors"] != "ENABLED" || p["EnableTokenRevocation"] != true {
		t.Errorf("app client %v", p)
	}
	if !reflect.DeepEqual(p["AllowedOAuthFlows"], []any{"code"}) || strings.Contains(fmt.Sprint(p), "implicit") {
		t.Errorf("OAuth flows %v", p["AllowedOAuthFlows"])
	}
	scopes := []string{}
	for _, sc := range asList(p["AllowedOAuthScopes"]) {
		scopes = append(scopes, sc.(string))
	}
	slices.Sort(scopes)
	if !slices.Equal(scopes, []string{"email", "openid", "profile"}) {
		t.Errorf("scopes %v", scopes)
	}
	cb := asList(p["CallbackURLs"])
	if len(cb) != 1 || !strings.HasSuffix(joined(cb[0]), tenant.SSOCallbackPath) || !strings.HasPrefix(joined(cb[0]), "https://") {
		t.Errorf("callback URLs %v", p["CallbackURLs"])
	}
	if lo := asList(p["LogoutURLs"]); len(lo) != 1 || !strings.HasSuffix(joined(lo[0]), "/") {
		t.Errorf("logout URLs %v", p["LogoutURLs"])
	}
	if !reflect.DeepEqual(p["SupportedIdentityProviders"], []any{"COGNITO"}) ||
		!reflect.DeepEqual(p["ExplicitAuthFlows"], []any{"ALLOW_REFRESH_TOKEN_AUTH"}) {
		t.Errorf("identity providers %v, auth flows %v", p["SupportedIdentityProviders"], p["ExplicitAuthFlows"])
	}
	units, _ := p["TokenValidityUnits"].(map[string]any)
	if p["IdTokenValidity"] != float64(tenant.CognitoTokenMinutes) || p["AccessTokenValidity"] != float64(tenant.CognitoTokenMinutes) ||
		units["IdToken"] != "minutes" || units["AccessToken"] != "minutes" ||
		p["RefreshTokenValidity"] != float64(tenant.CognitoRefreshTokenMinutes) || units["RefreshToken"] != "minutes" {
		t.Errorf("token validity id %v access %v refresh %v units %v", p["IdTokenValidity"], p["AccessTokenValidity"], p["RefreshTokenValidity"], units)
	}
	for _, o := range []string{"CognitoUserPoolId", "CognitoClientId", "CognitoDomain"} {
		if outputs[o] == nil {
			t.Errorf("no output %s", o)
		}
	}
	// The ids reach the login function; the secret no function.
	for _, f := range routes.Table() {
		env := props(resources[fnID(t, f.Name)])["Environment"].(map[string]any)["Variables"].(map[string]any)
		for k, v := range env {
			if strings.Contains(fmt.Sprint(v), "ClientSecret") || strings.Contains(k, "SECRET") &&
				k != "GATEPASS_KEY_SECRET" && k != tenant.EnvOriginSecret {
				t.Errorf("%s: %s = %v looks like the client secret", f.Name, k, v)
			}
		}
	}
	login := props(resources[fnID(t, "login")])["Environment"].(map[string]any)["Variables"].(map[string]any)
	if !refersTo(login[tenant.EnvCognitoUserPoolID], poolID) || !refersTo(login[tenant.EnvCognitoClientID], clientID) ||
		!refersTo(login[tenant.EnvCognitoDomain], domainID) || !strings.HasPrefix(joined(login[tenant.EnvCognitoDomain]), "https://<ref>.auth.") {
		t.Errorf("login Cognito environment %v %v %v", login[tenant.EnvCognitoUserPoolID], login[tenant.EnvCognitoClientID], login[tenant.EnvCognitoDomain])
	}
}

// The functions that use the user pool get its ids and exactly their
// Cognito actions on that pool alone; no other role touches Cognito. The
// pool has the groups attribute, which the app client may read and write.
func TestCognitoAccess(t *testing.T) {
	poolID, pool := single(t, "AWS::Cognito::UserPool")
	arn := []any{poolID, "Arn"}
	for _, f := range routes.Table() {
		var got []string
		for _, actions := range actionsOn(t, f.Name, poolID, arn, "cognito-idp:") {
			got = append(got, actions...)
		}
		slices.Sort(got)
		want := slices.Clone(tenant.CognitoActions[f.Name])
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: Cognito actions %v, want %v", f.Name, got, want)
		}
	}
	if _, ok := tenant.CognitoActions["sso"]; !ok {
		t.Error("the sso function has no Cognito access")
	}
	found := false
	for _, a := range asList(props(pool)["Schema"]) {
		m := a.(map[string]any)
		found = found || m["Name"] == tenant.GroupsAttribute && m["Mutable"] == true && m["AttributeDataType"] == "String"
	}
	if !found {
		t.Errorf("no mutable custom attribute %q in %v", tenant.GroupsAttribute, props(pool)["Schema"])
	}
	_, c := single(t, "AWS::Cognito::UserPoolClient")
	for _, k := range []string{"ReadAttributes", "WriteAttributes"} {
		list := fmt.Sprint(props(c)[k])
		if !strings.Contains(list, "custom:"+tenant.GroupsAttribute) || !strings.Contains(list, "email") {
			t.Errorf("app client %s %v", k, props(c)[k])
		}
	}
}

// A tenant Cognito would refuse in the domain prefix fails before synthesis.
func TestCognitoReservedTenant(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Tenant = "aws-lab"
	_, err := tenant.New(awscdk.NewApp(nil), "x", nil, cfg, sharedOf(operatorStack))
	if err == nil || !strings.Contains(err.Error(), "Cognito domain prefix") {
		t.Fatalf("err = %v", err)
	}
}

// joined renders a template string value: a literal, or an Fn::Join with
// references written as <ref>.
func joined(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if j, ok := v["Fn::Join"].([]any); ok && len(j) == 2 {
			var b strings.Builder
			for _, part := range asList(j[1]) {
				b.WriteString(joined(part))
			}
			return b.String()
		}
		return "<ref>"
	}
	return fmt.Sprint(v)
}

// A missing binary stops synthesis with the way out.
func TestMissingBinary(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	_, err := tenant.New(awscdk.NewApp(nil), "x", nil, cfg, sharedOf(operatorStack))
	if err == nil || !strings.Contains(err.Error(), "run make build first") {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigFromContext(t *testing.T) {
	ctx := map[string]any{"tenant": "acme-1", "adminEmail": "a@acme.test", "mailFrom": "no-reply@acme.test", "hashConcurrency": "3"}
	c, err := tenant.FromContext(func(k string) any { return ctx[k] })
	if err != nil || c.HashConcurrency != 3 || c.BinDir != tenant.DefaultBinDir || c.MailDomain() != "acme.test" ||
		c.LockoutAlarm != tenant.DefaultLockoutAlarm || c.Region != "" {
		t.Fatalf("%+v %v", c, err)
	}
	ctx["lockoutAlarm"], ctx["region"] = "50", "eu-west-3"
	if c, err := tenant.FromContext(func(k string) any { return ctx[k] }); err != nil || c.LockoutAlarm != 50 || c.Region != "eu-west-3" {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []map[string]any{
		{"tenant": "Acme", "adminEmail": "a@acme.test", "mailFrom": "n@acme.test"},
		{"tenant": "acme", "mailFrom": "n@acme.test"},
		{"tenant": "acme", "adminEmail": "a@acme.test", "mailFrom": "n@acme.test", "domainName": "bo.acme.test"},
		{"tenant": "acme", "adminEmail": "a@acme.test", "mailFrom": "n@acme.test", "domainName": "bo.acme.test", "certificateArn": "arn:aws:acm:eu-central-1:1:certificate/x"},
		{"tenant": "acme", "adminEmail": "a@acme.test", "mailFrom": "n@acme.test", "lockoutAlarm": "0"},
		{"tenant": "acme", "adminEmail": "a@acme.test", "mailFrom": "n@acme.test", "lockoutAlarm": "many"},
		{"tenant": "acme", "adminEmail": "a@acme.test", "mailFrom": "n@acme.test", "region": "Frankfurt"},
	} {
		if _, err := tenant.FromContext(func(k string) any { return bad[k] }); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}

// roleStatements returns every statement of the policies attached to the
// role with logical id role.
func roleStatements(role string) []map[string]any {
	var out []map[string]any
	for _, pol := range ofType("AWS::IAM::Policy") {
		attached := false
		for _, r := range asList(props(pol)["Roles"]) {
			attached = attached || refersTo(r, role)
		}
		if !attached {
			continue
		}
		for _, st := range asList(props(pol)["PolicyDocument"].(map[string]any)["Statement"]) {
			out = append(out, st.(map[string]any))
		}
	}
	return out
}

// actionsOn returns, statement by statement (each sorted), the actions the
// role of function fn takes on the resource with logical id id or in the
// service of prefix, failing the test for a statement that is not an Allow on
// exactly arn (the resource's Fn::GetAtt).
func actionsOn(t *testing.T, fn, id string, arn []any, prefix string) [][]string {
	t.Helper()
	var out [][]string
	for _, st := range roleStatements(roleID(t, fn)) {
		actions := actionsOf(st)
		touches := refersTo(st["Resource"], id)
		for _, a := range actions {
			touches = touches || strings.HasPrefix(a, prefix)
		}
		if !touches {
			continue
		}
		if res, _ := st["Resource"].(map[string]any); st["Effect"] != "Allow" || !reflect.DeepEqual(res["Fn::GetAtt"], arn) {
			t.Errorf("%s: statement %v is not on %s alone", fn, st, id)
		}
		slices.Sort(actions)
		out = append(out, actions)
	}
	return out
}

func actionsOf(st map[string]any) []string {
	if a, ok := st["Action"].(string); ok {
		return []string{a}
	}
	var out []string
	for _, a := range asList(st["Action"]) {
		out = append(out, a.(string))
	}
	return out
}

// The admin function writes the admin alias to the edge's KeyValueStore,
// and the bootstrap function the parameters' alias after every deploy: they
// get the store's ARN, and their roles exactly DescribeKeyValueStore and
// PutKey on that store — no wildcard, no other store. No other role may
// touch the store.
func TestAdminWritesTheEdgeStore(t *testing.T) {
	kvsID, kvs := single(t, "AWS::CloudFront::KeyValueStore")
	if *stack.Stack.GetLogicalId(stack.EdgeStore.Node().DefaultChild().(awscdk.CfnElement)) != kvsID {
		t.Fatalf("Stack.EdgeStore is not the template's store %s", kvsID)
	}
	if props(kvs)["ImportSource"] == nil {
		t.Errorf("the store is not seeded with %s", tenant.EdgeAliasKey)
	}
	if tenant.EdgeAliasKey != alias.EdgeKey {
		t.Errorf("the stack seeds %q, the edge reads %q", tenant.EdgeAliasKey, alias.EdgeKey)
	}
	arn := []any{kvsID, "Arn"}
	for _, name := range []string{"admin", "bootstrap"} {
		env := props(resources[fnID(t, name)])["Environment"].(map[string]any)["Variables"].(map[string]any)
		if got, _ := env[lambdarun.EnvAliasKVS].(map[string]any); !reflect.DeepEqual(got["Fn::GetAtt"], arn) {
			t.Errorf("%s %s = %v, want the store's ARN", name, lambdarun.EnvAliasKVS, env[lambdarun.EnvAliasKVS])
		}
	}
	for _, f := range routes.Table() {
		onStore := actionsOn(t, f.Name, kvsID, arn, "cloudfront-keyvaluestore:")
		want := [][]string(nil)
		if f.Name == "admin" || f.Name == "bootstrap" {
			want = [][]string{{"cloudfront-keyvaluestore:DescribeKeyValueStore", "cloudfront-keyvaluestore:PutKey"}}
		}
		if !reflect.DeepEqual(onStore, want) {
			t.Errorf("%s: actions on the edge store %v, want %v", f.Name, onStore, want)
		}
	}
}

// cdk-nag's AwsSolutions and Serverless packs find nothing that is not
// suppressed with its reason in the stack's code (nag.go).
func TestCdkNag(t *testing.T) {
	for _, f := range nagFindings {
		t.Errorf("cdk-nag: %v at %s", f.Entry.Data, *f.Id)
	}
	if len(nagFindings) == 0 && len(metadataSuppressions()) == 0 {
		t.Error("no cdk-nag suppression in the template: did the packs run?")
	}
}

// metadataSuppressions lists the rules suppressed in the template, with the
// logical ids suppressing them.
func metadataSuppressions() map[string][]string {
	out := map[string][]string{}
	for id, r := range resources {
		md, _ := r["Metadata"].(map[string]any)
		nagMD, _ := md["cdk_nag"].(map[string]any)
		rules, _ := nagMD["rules_to_suppress"].([]any)
		for _, rule := range rules {
			m := rule.(map[string]any)
			if reason, _ := m["reason"].(string); len(reason) < 40 {
				out["short reason"] = append(out["short reason"], id)
			}
			out[m["id"].(string)] = append(out[m["id"].(string)], id)
		}
	}
	return out
}

// The operator watches every tenant; with alarmAdminEmail the tenant's
// administrator also gets the tenant's own two alarms — sign-in locks and
// server errors of this tenant (dimension Tenant) — which notify the
// operator too.
func TestTenantAlarms(t *testing.T) {
	alarms := ofType("AWS::CloudWatch::Alarm")
	if len(alarms) != 2 {
		t.Fatalf("%d alarms, want 2", len(alarms))
	}
	topicID := *stack.Stack.GetLogicalId(stack.AdminAlarms.Node().DefaultChild().(awscdk.CfnElement))
	opTopicID := *operatorStack.CDK.GetLogicalId(operatorStack.AlarmTopic.Node().DefaultChild().(awscdk.CfnElement))
	names := map[string]bool{}
	for _, a := range alarms {
		p := props(a)
		names[p["MetricName"].(string)] = true
		dims := jsonOf(p["Dimensions"])
		if p["Namespace"] != metrics.Namespace || !strings.Contains(dims, `"Value":"demo"`) || !strings.Contains(dims, `"Name":"Tenant"`) {
			t.Errorf("alarm %v", p)
		}
		actions := asList(p["AlarmActions"])
		if len(actions) != 2 || !refersTo(actions[0], topicID) || !refersTo(actions[1], opTopicID) {
			t.Errorf("alarm actions %v", actions)
		}
	}
	if !names[login.LockedMetric] || !names["ServerErrors"] {
		t.Errorf("alarms on %v", names)
	}
	subs := jsonOf(ofType("AWS::SNS::Subscription"))
	if !strings.Contains(subs, "oncall@example.com") || !strings.Contains(jsonOf(ofType("AWS::SNS::TopicPolicy")), "aws:SecureTransport") {
		t.Errorf("admin alarm topic: %s", subs)
	}
	if len(ofType("AWS::CloudWatch::Dashboard")) != 0 || len(ofType("AWS::KMS::Key")) != 0 || len(ofType("AWS::SES::EmailIdentity")) != 0 {
		t.Error("the tenant stack holds what the operator's shares (dashboard, key or mail identity)")
	}
}
