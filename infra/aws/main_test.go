package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatepass/gatepass/infra/aws/edge"
	"github.com/gatepass/gatepass/infra/aws/operator"
	"github.com/gatepass/gatepass/infra/aws/registry"
	"github.com/gatepass/gatepass/infra/aws/tenant"
	"github.com/gatepass/gatepass/infra/cost"
	"github.com/gatepass/gatepass/shared/routes"
)

// fakeAssets writes bin/<name>/bootstrap for every function and a web app.
func fakeAssets(t *testing.T) (bin, web string) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range routes.Table() {
		p := filepath.Join(dir, "bin", f.Name, "bootstrap")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("fake"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	web = filepath.Join(dir, "web")
	if err := os.MkdirAll(web, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "bin"), web
}

// templates synthesizes the committed example registry and returns every
// stack's template by stack name.
func templates(t *testing.T) (Stacks, map[string]map[string]any) {
	t.Helper()
	bin, web := fakeAssets(t)
	reg, err := registry.Load(DefaultRegistry, map[string]any{tenant.CtxBinDir: bin, tenant.CtxWebDir: web, tenant.CtxVersion: "abc1234"})
	if err != nil {
		t.Fatal(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(t.TempDir(), "cdk.out"))})
	stacks, err := Build(app, reg, "111111111111", "eu-central-1")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	add := func(s awscdk.Stack) { out[*s.StackName()] = *assertions.Template_FromStack(s, nil).ToJSON() }
	add(stacks.Edge.Stack)
	for _, op := range stacks.Operators {
		add(op.CDK)
	}
	for _, s := range stacks.Tenants {
		add(s.Stack)
	}
	return stacks, out
}

// The example registry: the edge stack, one operator stack, and the two
// tenants — and nothing two stacks would both claim in the account.
func TestTheExampleRegistry(t *testing.T) {
	stacks, tpls := templates(t)
	var names []string
	for n := range tpls {
		names = append(names, n)
	}
	slices.Sort(names)
	want := []string{"gatepass-acme", edge.StackName, "gatepass-globex", operator.StackName("eu-central-1")}
	if !slices.Equal(names, want) {
		t.Fatalf("stacks %v, want %v", names, want)
	}
	// Physical names are the account's: each may exist once.
	claimed := map[string]string{}
	claim := func(stack, kind, name string) {
		key := kind + " " + name
		if other, ok := claimed[key]; ok {
			t.Errorf("%s %q is in %s and %s", kind, name, other, stack)
		}
		claimed[key] = stack
	}
	for stack, tpl := range tpls {
		for _, r := range tpl["Resources"].(map[string]any) {
			r := r.(map[string]any)
			p, _ := r["Properties"].(map[string]any)
			for _, field := range []string{"LogGroupName", "Name", "DashboardName", "ClientName", "Domain", "FunctionName", "TopicName"} {
				if v, ok := p[field].(string); ok {
					claim(stack, r["Type"].(string)+"."+field, v)
				}
			}
		}
		for _, o := range tpl["Outputs"].(map[string]any) {
			if e, ok := o.(map[string]any)["Export"].(map[string]any); ok {
				claim(stack, "export", fmt.Sprint(e["Name"]))
			}
		}
	}
	// SES identities belong to the operator, never to a tenant.
	for stack, tpl := range tpls {
		n := strings.Count(jsonOf(tpl["Resources"]), `"Type":"AWS::SES::EmailIdentity"`)
		if (n > 0) != (stack == operator.StackName("eu-central-1")) {
			t.Errorf("%s holds %d SES identities", stack, n)
		}
	}
	// Both tenants share one domain: one identity.
	if n := strings.Count(jsonOf(tpls[operator.StackName("eu-central-1")]), `"Type":"AWS::SES::EmailIdentity"`); n != 1 {
		t.Errorf("%d identities for one shared domain", n)
	}
	for name, s := range stacks.Tenants {
		if *s.Stack.TerminationProtection() != true {
			t.Errorf("%s: no termination protection", name)
		}
		tags := jsonOf(tpls["gatepass-"+name]["Resources"])
		if !strings.Contains(tags, `{"Key":"gatepass:version","Value":"abc1234"}`) ||
			!strings.Contains(tags, `{"Key":"gatepass:tenant","Value":"`+name+`"}`) {
			t.Errorf("%s: resources without the gatepass tags", name)
		}
		if !strings.Contains(tags, `"LogGroupName":"/gatepass/`+name+`/login"`) || !strings.Contains(tags, `"Name":"gatepass-`+name+`"`) {
			t.Errorf("%s: log group or API names do not carry the tenant", name)
		}
	}
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

// Reservations over the account's budget fail synthesis with the figures;
// the default lets 50 tenants share an account of 1,000.
func TestConcurrencyBudget(t *testing.T) {
	entry := func(i int, extra string) string {
		return fmt.Sprintf(`{"tenant":"t%d","region":"eu-central-1","adminEmail":"a@t%d.example","mailFrom":"no-reply@mail.example"%s}`, i, i, extra)
	}
	doc := func(n int, extra string) []byte {
		var ts []string
		for i := range n {
			ts = append(ts, entry(i, extra))
		}
		return []byte(`{"operator":{"alarmEmail":"ops@example.com"},"tenants":[` + strings.Join(ts, ",") + `]}`)
	}
	if _, err := registry.Parse(doc(50, ""), nil); err != nil {
		t.Fatalf("50 tenants at the defaults: %v", err)
	}
	_, err := registry.Parse(doc(50, `,"hashConcurrency":10`), nil)
	if err == nil || !strings.Contains(err.Error(), "reserve 2500 concurrent executions") || !strings.Contains(err.Error(), "leaves 900") {
		t.Fatalf("50 tenants at 10: %v", err)
	}
}

// The single-tenant form of -c keys still works: the operator stack of its
// region mails the tenant's admin unless operatorEmail says otherwise.
func TestSingleTenantContext(t *testing.T) {
	ctx := map[string]any{"tenant": "solo", "adminEmail": "admin@solo.example", "mailFrom": "no-reply@solo.example"}
	reg, err := load(func(k string) any { return ctx[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Tenants) != 1 || reg.Tenants[0].Tenant != "solo" || reg.Operator.AlarmEmail != "admin@solo.example" {
		t.Fatalf("registry %+v", reg)
	}
	ctx["operatorEmail"] = "ops@solo.example"
	if reg, _ := load(func(k string) any { return ctx[k] }); reg.Operator.AlarmEmail != "ops@solo.example" {
		t.Fatalf("operator email %q", reg.Operator.AlarmEmail)
	}
}

// An idle tenant of the example registry costs at most $1.00 a month at
// list prices, computed from its synthesized template by the price table of
// make cost; the operator's fixed cost is priced apart.
func TestIdleCostPerTenant(t *testing.T) {
	bin, web := fakeAssets(t)
	reg, err := registry.Load(DefaultRegistry, map[string]any{tenant.CtxBinDir: bin, tenant.CtxWebDir: web})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "cdk.out")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out)})
	if _, err := Build(app, reg, "111111111111", "eu-central-1"); err != nil {
		t.Fatal(err)
	}
	app.Synth(nil)
	stacks, err := cost.LoadAssembly(out)
	if err != nil {
		t.Fatal(err)
	}
	tenants := 0
	for _, s := range stacks {
		c, err := cost.PriceStack(s, cost.Published(), cost.DefaultAssumptions())
		if err != nil {
			t.Fatal(err)
		}
		if s.Kind == cost.KindTenant {
			tenants++
			if c.Month > 1.00 {
				t.Errorf("%s costs $%.2f a month at rest, over $1.00: %+v", s.Name, c.Month, c.Lines)
			}
		}
	}
	if tenants != len(reg.Tenants) {
		t.Fatalf("priced %d tenant stacks, want %d", tenants, len(reg.Tenants))
	}
}
