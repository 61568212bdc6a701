package cost

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatepass/gatepass/infra/bench/report"
)

// fakeTenant is a tenant template with a throttled stage behind a
// distribution that runs a function with a KeyValueStore and has a web ACL.
const fakeTenant = `{
	"Api":{"Type":"AWS::ApiGatewayV2::Api"},
	"Stage":{"Type":"AWS::ApiGatewayV2::Stage","Properties":{
		"AccessLogSettings":{"Format":"{}"},
		"DefaultRouteSettings":{"ThrottlingBurstLimit":200,"ThrottlingRateLimit":100},
		"RouteSettings":{
			"POST /api/auth/login":{"ThrottlingBurstLimit":20,"ThrottlingRateLimit":10},
			"POST /api/auth/password/reset":{"ThrottlingRateLimit":5},
			"GET /api/auth/sso/callback":{"ThrottlingRateLimit":2},
			"GET /api/auth/session":{"ThrottlingBurstLimit":50}}}},
	"R1":{"Type":"AWS::ApiGatewayV2::Route","Properties":{"RouteKey":"POST /api/auth/login"}},
	"R2":{"Type":"AWS::ApiGatewayV2::Route","Properties":{"RouteKey":"POST /api/auth/password/reset"}},
	"R3":{"Type":"AWS::ApiGatewayV2::Route","Properties":{"RouteKey":"GET /api/auth/sso/callback"}},
	"R4":{"Type":"AWS::ApiGatewayV2::Route","Properties":{"RouteKey":"GET /api/auth/session"}},
	"R5":{"Type":"AWS::ApiGatewayV2::Route","Properties":{"RouteKey":"GET /api/auth/views"}},
	"Kvs":{"Type":"AWS::CloudFront::KeyValueStore"},
	"Cdn":{"Type":"AWS::CloudFront::Distribution","Properties":{"DistributionConfig":{
		"WebACLId":{"Fn::GetAtt":["Reader","Arn"]},
		"DefaultCacheBehavior":{},
		"CacheBehaviors":[{"PathPattern":"/api/*","FunctionAssociations":[{"EventType":"viewer-request"}]}]}}}}`

// fakeEdge is an operator template with a rate rule on the sign-in paths.
const fakeEdge = `{"Acl":{"Type":"AWS::WAFv2::WebACL","Properties":{"Rules":[
	{"Name":"ip-reputation","Statement":{"ManagedRuleGroupStatement":{"VendorName":"AWS","Name":"AWSManagedRulesAmazonIpReputationList"}}},
	{"Name":"password-routes-rate","Statement":{"RateBasedStatement":{"Limit":300,"EvaluationWindowSec":300,"AggregateKeyType":"IP",
		"ScopeDownStatement":{"OrStatement":{"Statements":[
			{"ByteMatchStatement":{"FieldToMatch":{"UriPath":{}},"PositionalConstraint":"CONTAINS","SearchString":"/api/auth/login"}},
			{"ByteMatchStatement":{"FieldToMatch":{"UriPath":{}},"PositionalConstraint":"CONTAINS","SearchString":"/api/auth/password/reset"}}]}}}}}]}}}`

// fakeFlows are per-request costs with round figures.
func fakeFlows() Documented {
	return Documented{Run: "2000-01-01", Flows: map[string]FlowCost{
		FailedSignIn:    {Label: "failed sign-in", Lambda: 2e-6, APIGateway: 1e-6, DynamoDB: 3e-6},
		"reset-request": {Label: "reset request", Lambda: 1e-6, APIGateway: 1e-6, DynamoDB: 7e-6, SES: 100e-6},
		"session-check": {Label: "session check", Lambda: 0.5e-6, APIGateway: 1e-6, DynamoDB: 0.5e-6},
	}}
}

func TestAttackCeiling(t *testing.T) {
	p, a := Published(), DefaultAssumptions()
	tenant := Stack{Name: "gatepass-demo", Kind: KindTenant, Template: template(t, fakeTenant)}
	edge := Stack{Name: "gatepass-edge", Kind: KindOperator, Template: template(t, fakeEdge)}
	c, err := AttackCeiling(tenant, []Stack{edge}, fakeFlows(), p, a)
	if err != nil {
		t.Fatal(err)
	}
	wantEdge := 1e-6 + 0.1e-6 + 0.03e-6 + 0.6e-6 + 330.0/(1<<30)*0.50
	if !near(c.Edge*1e6, wantEdge*1e6) || len(c.EdgeParts) != 5 {
		t.Fatalf("edge %v (%q), want %v from five parts", c.Edge, c.EdgeParts, wantEdge)
	}
	for _, tc := range []struct {
		route      string
		rate       float64
		routes     int
		perRequest float64 // the flow, without the edge
		waf        bool
	}{
		// ceiling = rate × 3600 × (flow + edge) × routes
		{"GET /api/auth/sso/callback", 2, 1, 9e-6, false},   // not modelled: the dearest flow without mail
		{"POST /api/auth/login", 10, 1, 6e-6, true},         // the failed sign-in
		{"POST /api/auth/password/reset", 5, 1, 9e-6, true}, // the reset request, its mail left out
		{"", 100, 2, 2e-6, false},                           // the stage default: /session has a burst only, /views no setting
	} {
		var row *CeilingRow
		for i := range c.Rows {
			if c.Rows[i].Route == tc.route {
				row = &c.Rows[i]
			}
		}
		if row == nil {
			t.Errorf("%q: no row in %+v", tc.route, c.Rows)
			continue
		}
		per := tc.perRequest + wantEdge
		if row.Rate != tc.rate || row.Routes != tc.routes || !near(row.PerRequest*1e6, per*1e6) ||
			!near(row.PerHour, tc.rate*3600*per*float64(tc.routes)) || (row.WAF != nil) != tc.waf {
			t.Errorf("%q: rate %v × %d routes, %v per request, %v an hour, WAF %v; want %v × %d, %v, %v, %v",
				tc.route, row.Rate, row.Routes, row.PerRequest, row.PerHour, row.WAF != nil,
				tc.rate, tc.routes, per, tc.rate*3600*per*float64(tc.routes), tc.waf)
		}
	}
	sum := 0.0
	for _, row := range c.Rows {
		sum += row.PerHour
	}
	if !near(c.Total(), sum) || c.Rate != 2+10+5+200 {
		t.Errorf("total %v (rows %v), rate %v", c.Total(), sum, c.Rate)
	}
}

func TestAttackCeilingErrors(t *testing.T) {
	for _, tc := range []struct {
		name, resources, err string
	}{
		{"no stage", `{"Api":{"Type":"AWS::ApiGatewayV2::Api"}}`, "0 HTTP API stages"},
		{"a limit that is no literal", `{"S":{"Type":"AWS::ApiGatewayV2::Stage","Properties":{"DefaultRouteSettings":{"ThrottlingRateLimit":{"Ref":"Rate"}}}}}`, "not a literal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Stack{Name: "gatepass-x", Template: template(t, tc.resources)}
			if _, err := AttackCeiling(s, nil, fakeFlows(), Published(), DefaultAssumptions()); err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}

func TestAttackCeilingWithoutLimitsFallsBackOnTheAccountQuota(t *testing.T) {
	s := Stack{Name: "gatepass-x", Template: template(t, `{
		"S":{"Type":"AWS::ApiGatewayV2::Stage","Properties":{}},
		"R":{"Type":"AWS::ApiGatewayV2::Route","Properties":{"RouteKey":"GET /api/auth/config"}}}`)}
	c, err := AttackCeiling(s, nil, fakeFlows(), Published(), DefaultAssumptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rows) != 1 || c.Rows[0].Rate != 10_000 || c.Edge != 0 {
		t.Errorf("rows %+v, edge %v: want the account quota and no edge", c.Rows, c.Edge)
	}
}

func TestRateRuleCovers(t *testing.T) {
	rules, err := RateRules(template(t, fakeEdge))
	if err != nil || len(rules) != 1 {
		t.Fatalf("rules %+v, %v", rules, err)
	}
	r := rules[0]
	if r.PerSecond() != 1 || len(r.Match) != 2 {
		t.Fatalf("rule %+v", r)
	}
	for route, want := range map[string]bool{
		"POST /api/auth/login":                  true,
		"POST /api/auth/login/mfa":              true,
		"POST /api/auth/password/reset/confirm": true,
		"POST /API/AUTH/LOGIN":                  true, // the rule lowercases
		"POST /api/auth/reauth":                 false,
		"GET /api/auth/session":                 false,
	} {
		if got := r.Covers(route); got != want {
			t.Errorf("Covers(%q) = %v, want %v", route, got, want)
		}
	}
}

// TestDocumentedFigures reads the committed documents make bench renders:
// every priced flow has its row, and the failed sign-in follows the cost
// model's rules from its measured request units.
func TestDocumentedFigures(t *testing.T) {
	d, err := documented(filepath.Join("..", "..", "docs"), Published())
	if err != nil {
		t.Fatal(err)
	}
	if d.Run == "" {
		t.Error("no bench run date")
	}
	for _, f := range report.Flows() {
		c := d.Flows[f.Capacity]
		if billedByAPIGateway := c.APIGateway > 0; c.Total() <= 0 || billedByAPIGateway != f.HTTP {
			t.Errorf("flow %s: %+v", f.Capacity, c)
		}
	}
	fail, login := d.Flows[FailedSignIn], d.Flows["login"]
	p := Published().Request
	if fail.Lambda != login.Lambda || fail.APIGateway != p.HTTPAPIRequest || fail.SES != 0 ||
		fail.DynamoDB <= 0 || fail.DynamoDB >= login.DynamoDB {
		t.Errorf("failed sign-in %+v against the login %+v", fail, login)
	}
}

func TestParseCostModelRefuses(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("..", "..", "docs", "cost-model.md"))
	if err != nil {
		t.Fatal(err)
	}
	login := report.Flows()[0].Label
	// The login row with its first dollar figure replaced, whatever the
	// figures of the last make bench.
	noDollar := string(good)
	if i := strings.Index(noDollar, "| "+login+" |"); i >= 0 {
		if j := strings.Index(noDollar[i:], "$"); j >= 0 {
			k := i + j
			end := k + strings.IndexAny(noDollar[k:], " |")
			noDollar = noDollar[:k] + "n/a" + noDollar[end:]
		}
	}
	for _, tc := range []struct {
		name, md, err string
	}{
		{"empty", "", "no row"},
		{"a cell that is no dollar figure", noDollar, "no dollar figure"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.md == string(good) {
				t.Fatal("the fixture did not change the document")
			}
			if _, err := ParseCostModel(tc.md); err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}
