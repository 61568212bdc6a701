package cost

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gatepass/gatepass/infra/bench/report"
	"github.com/gatepass/gatepass/shared/routes"
)

// FlowCost is one modelled request's cost in dollars, by service, as the
// cost model (infra/bench/report) computes it.
type FlowCost struct {
	Label                                   string
	Lambda, APIGateway, DynamoDB, SES, Logs float64
}

// Total is the request's cost.
func (f FlowCost) Total() float64 { return f.Lambda + f.APIGateway + f.DynamoDB + f.SES + f.Logs }

// Documented are the per-request costs of docs/cost-model.md, by capacity
// flow name ("login", "mfa-step", …, report.Flow.Capacity), and the bench
// run they come from. The raw measurements behind them (docs/bench/raw/)
// are not committed; the document is, so the figures here are the same on
// every machine until make bench runs again.
type Documented struct {
	Run   string
	Flows map[string]FlowCost
}

// FailedSignIn names the failed sign-in among Documented.Flows.
const FailedSignIn = "login-failure"

// ParseCostModel reads the table "Cost per 1 M requests, by flow" of
// docs/cost-model.md: the cost of each report.Flows() flow by service.
func ParseCostModel(md string) (Documented, error) {
	d := Documented{Flows: map[string]FlowCost{}}
	// A cost cell: "$1.28", "**$8.96**", "$0".
	dollarCell := regexp.MustCompile(`^\**\$([0-9.]+)\**$`)
	if m := regexp.MustCompile(`\(run of ([^)]+)\)`).FindStringSubmatch(md); m != nil {
		d.Run = m[1]
	}
	byLabel := map[string]string{}
	for _, f := range report.Flows() {
		byLabel[f.Label] = f.Capacity
	}
	for _, row := range strings.Split(md, "\n") {
		cells := tableCells(row)
		// flow | function (MB) | duration | billed | Lambda | API Gateway | DynamoDB | SES | Logs | total
		if len(cells) != 10 {
			continue
		}
		name, ok := byLabel[cells[0]]
		if !ok {
			continue
		}
		var v [6]float64
		for i := range v {
			m := dollarCell.FindStringSubmatch(cells[4+i])
			if m == nil {
				return d, fmt.Errorf("cost model: flow %q: cell %q is no dollar figure", cells[0], cells[4+i])
			}
			x, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				return d, fmt.Errorf("cost model: flow %q: %w", cells[0], err)
			}
			v[i] = x / 1e6 // the table is per million requests
		}
		d.Flows[name] = FlowCost{Label: cells[0], Lambda: v[0], APIGateway: v[1], DynamoDB: v[2], SES: v[3], Logs: v[4]}
	}
	for _, f := range report.Flows() {
		if _, ok := d.Flows[f.Capacity]; !ok {
			return d, fmt.Errorf("cost model: no row for %q (docs/cost-model.md not rendered by make bench?)", f.Label)
		}
	}
	return d, nil
}

// tableCells splits a Markdown table row into its trimmed cells.
func tableCells(row string) []string {
	row = strings.TrimSpace(row)
	if !strings.HasPrefix(row, "|") || !strings.HasSuffix(row, "|") {
		return nil
	}
	cells := strings.Split(row[1:len(row)-1], "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

// AddFailedSignIn derives the failed sign-in, which the cost model measures
// (docs/performance.md, flow login-failure) but does not price, by the
// model's own rules: its request units and log lines at p, plus the
// successful login's Lambda cost — the same function and one argon2id hash
// either way (the real verify for a known user, the dummy one for an
// unknown user; the failure's own CPU is a little less, so this errs high).
func (d *Documented) AddFailedSignIn(performanceMD string, p report.Prices, m report.Model) error {
	// The request units and log bytes of a "DynamoDB round trips" row.
	capacityRow := regexp.MustCompile(`([0-9.]+) RRU, ([0-9.]+) WRU by the published rules.*· ([0-9]+) B of log lines`)
	var match []string
	for _, row := range strings.Split(performanceMD, "\n") {
		if cells := tableCells(row); len(cells) == 5 && cells[1] == FailedSignIn {
			match = capacityRow.FindStringSubmatch(cells[4])
		}
	}
	if match == nil {
		return fmt.Errorf("performance: no DynamoDB round-trip row for %s", FailedSignIn)
	}
	rru, err1 := strconv.ParseFloat(match[1], 64)
	wru, err2 := strconv.ParseFloat(match[2], 64)
	logBytes, err3 := strconv.Atoi(match[3])
	if err := firstErr(err1, err2, err3); err != nil {
		return fmt.Errorf("performance: %s: %w", FailedSignIn, err)
	}
	login, ok := d.Flows["login"]
	if !ok {
		return fmt.Errorf("cost model: no login flow")
	}
	d.Flows[FailedSignIn] = FlowCost{
		Label:      "failed sign-in",
		Lambda:     login.Lambda,
		APIGateway: p.HTTPAPIRequest,
		DynamoDB:   rru*p.RRU + wru*p.WRU,
		Logs:       float64(logBytes+m.PlatformLogBytes+m.APIAccessLogBytes) / (1 << 30) * p.LogsGB,
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// pricedAs is the modelled flow a route's requests are priced as under
// attack, and why.
type pricedAs struct {
	flow   string // a Documented.Flows key
	noMail bool   // without the flow's mail
	basis  string
}

// attackFlow prices a request of a throttled route under attack; ok is
// false for a route the cost model has no flow for.
func attackFlow(route string) (pricedAs, bool) {
	switch route {
	case "POST /api/auth/login":
		return pricedAs{FailedSignIn, false, "failed sign-in"}, true
	case "POST /api/auth/reauth", "POST /api/auth/password/change":
		return pricedAs{FailedSignIn, false, "as a failed sign-in: one argon2id hash"}, true
	case "POST /api/auth/login/mfa":
		return pricedAs{"mfa-step", false, "MFA step"}, true
	case "POST /api/auth/password/reset":
		return pricedAs{"reset-request", true, "reset request without its mail: mails are capped per account and hour"}, true
	case "POST /api/auth/password/reset/confirm", "POST /api/auth/invitation/accept":
		return pricedAs{"reset-confirm", true, "reset confirm without its mail: a wrong token costs less"}, true
	}
	return pricedAs{}, false
}

// defaultFlow prices a request of a route under the stage default.
func defaultFlow() pricedAs {
	return pricedAs{"session-check", false, "session check: a request without a valid session is refused after one read"}
}

// RateRule is a WAF rate-based rule: at most Limit requests per Window
// seconds from one client address, on the paths it matches.
type RateRule struct {
	Name          string
	Limit, Window float64
	Key           string
	// Match are the scope-down URI conditions ("CONTAINS /api/auth/login").
	Match []ByteMatch
}

// ByteMatch is one URI-path condition of a scope-down statement.
type ByteMatch struct{ Position, Search string }

// PerSecond is the rule's rate for one address.
func (r RateRule) PerSecond() float64 { return r.Limit / r.Window }

// Covers reports whether route's path falls under the rule.
func (r RateRule) Covers(route string) bool {
	_, path, _ := strings.Cut(route, " ")
	path = strings.ToLower(path)
	for _, m := range r.Match {
		s := strings.ToLower(m.Search)
		switch m.Position {
		case "CONTAINS", "CONTAINS_WORD":
			if strings.Contains(path, s) {
				return true
			}
		case "STARTS_WITH":
			if strings.HasPrefix(path, s) {
				return true
			}
		case "ENDS_WITH":
			if strings.HasSuffix(path, s) {
				return true
			}
		case "EXACTLY":
			if path == s {
				return true
			}
		}
	}
	return len(r.Match) == 0 // no scope-down: every path
}

// RateRules reads the rate-based rules of the WebACLs in t.
func RateRules(t Template) ([]RateRule, error) {
	var out []RateRule
	for _, id := range t.ofType("AWS::WAFv2::WebACL") {
		var rules []struct {
			Name      string `json:"Name"`
			Statement struct {
				RateBasedStatement *struct {
					Limit               float64         `json:"Limit"`
					EvaluationWindowSec float64         `json:"EvaluationWindowSec"`
					AggregateKeyType    string          `json:"AggregateKeyType"`
					ScopeDownStatement  json.RawMessage `json:"ScopeDownStatement"`
				} `json:"RateBasedStatement"`
			} `json:"Statement"`
		}
		if _, err := t.Resources[id].prop("Rules", &rules); err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		for _, ru := range rules {
			s := ru.Statement.RateBasedStatement
			if s == nil {
				continue
			}
			r := RateRule{Name: ru.Name, Limit: s.Limit, Window: s.EvaluationWindowSec, Key: s.AggregateKeyType}
			if r.Window == 0 {
				r.Window = 300 // WAF's default evaluation window
			}
			if len(s.ScopeDownStatement) > 0 {
				var scope any
				if err := json.Unmarshal(s.ScopeDownStatement, &scope); err != nil {
					return nil, fmt.Errorf("%s: rule %s: %w", id, ru.Name, err)
				}
				r.Match = byteMatches(scope)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// byteMatches collects the URI-path byte matches of a scope-down statement
// (any nesting of Or/And statements).
func byteMatches(v any) []ByteMatch {
	var out []ByteMatch
	switch x := v.(type) {
	case map[string]any:
		if bm, ok := x["ByteMatchStatement"].(map[string]any); ok {
			field, _ := bm["FieldToMatch"].(map[string]any)
			if _, uri := field["UriPath"]; uri {
				pos, _ := bm["PositionalConstraint"].(string)
				s, _ := bm["SearchString"].(string)
				out = append(out, ByteMatch{pos, s})
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if k != "ByteMatchStatement" {
				out = append(out, byteMatches(x[k])...)
			}
		}
	case []any:
		for _, e := range x {
			out = append(out, byteMatches(e)...)
		}
	}
	return out
}

// CeilingRow is the cost of one rate limit of a stage held at its limit.
type CeilingRow struct {
	// Route is the route key, or "" for the stage default; Routes how many
	// routes the limit applies to, each separately.
	Route    string
	Routes   int
	Function string
	// Rate is the limit in requests per second, per route.
	Rate float64
	// Flow is the modelled flow a request is priced as, Basis why.
	Flow, Basis string
	// PerRequest is the backend (the flow) plus the edge, in dollars;
	// PerHour = Rate × 3600 × PerRequest × Routes.
	PerRequest, PerHour float64
	// WAF is the rate rule that also covers the route, if any.
	WAF *RateRule
}

// Ceiling is what one tenant's API costs an hour with every rate limit of
// its stage held at its limit.
type Ceiling struct {
	Tenant string
	Rows   []CeilingRow
	// Edge is what every request that reaches the tenant's distribution
	// costs, whether or not it gets past WAF and the throttle; EdgeParts
	// names its parts.
	Edge      float64
	EdgeParts []string
	// Throttled and Default are the dollars an hour of the routes with
	// their own limit and of those under the stage default; Rate the
	// requests per second of all of them.
	Throttled, Default, Rate float64
	// AccountLimit is API Gateway's regional account quota, which caps
	// Rate across every API of the account.
	AccountLimit float64
}

// Total is the ceiling in dollars an hour.
func (c Ceiling) Total() float64 { return c.Throttled + c.Default }

// stageSettings are the throttling settings of an HTTP API stage.
type stageSettings struct {
	ThrottlingRateLimit *float64 `json:"ThrottlingRateLimit"`
}

// AttackCeiling computes the ceiling of tenant stack s: each route's
// limit from its AWS::ApiGatewayV2::Stage (RouteSettings, else
// DefaultRouteSettings, else the account quota), priced per request by the
// cost model's flows plus the edge, and WAF's rate rules from the operator
// stacks' web ACLs.
func AttackCeiling(s Stack, operators []Stack, d Documented, p Prices, a Assumptions) (Ceiling, error) {
	c := Ceiling{Tenant: s.Name, AccountLimit: a.AccountRateLimit}
	stages := s.Template.ofType("AWS::ApiGatewayV2::Stage")
	if len(stages) != 1 {
		return c, fmt.Errorf("%s: %d HTTP API stages; the ceiling is computed for exactly one", s.Name, len(stages))
	}
	stage := s.Template.Resources[stages[0]]
	var def stageSettings
	var perRoute map[string]stageSettings
	if _, err := stage.prop("DefaultRouteSettings", &def); err != nil {
		return c, fmt.Errorf("%s: %w", s.Name, err)
	}
	if _, err := stage.prop("RouteSettings", &perRoute); err != nil {
		return c, fmt.Errorf("%s: %w", s.Name, err)
	}
	defRate := a.AccountRateLimit
	if def.ThrottlingRateLimit != nil {
		defRate = *def.ThrottlingRateLimit
	}
	var waf []RateRule
	for _, o := range operators {
		rr, err := RateRules(o.Template)
		if err != nil {
			return c, fmt.Errorf("%s: %w", o.Name, err)
		}
		waf = append(waf, rr...)
	}
	var err error
	if c.Edge, c.EdgeParts, err = edgeCost(s.Template, p, a); err != nil {
		return c, fmt.Errorf("%s: %w", s.Name, err)
	}
	cost := func(pa pricedAs) (float64, error) {
		f, ok := d.Flows[pa.flow]
		if !ok {
			return 0, fmt.Errorf("no modelled cost for flow %s", pa.flow)
		}
		if pa.noMail {
			f.SES = 0
		}
		return f.Total() + c.Edge, nil
	}
	// The dearest flow without mail prices the routes the model lacks.
	var dearest pricedAs
	dearestCost := 0.0
	for name, f := range d.Flows {
		if v := f.Total() - f.SES; v > dearestCost || (v == dearestCost && name < dearest.flow) {
			dearestCost, dearest = v, pricedAs{name, true, fmt.Sprintf("not modelled: as the dearest flow without mail, the %s", f.Label)}
		}
	}
	var defaults []string
	for _, id := range s.Template.ofType("AWS::ApiGatewayV2::Route") {
		var key string
		if _, err := s.Template.Resources[id].prop("RouteKey", &key); err != nil {
			return c, fmt.Errorf("%s: %s: %w", s.Name, id, err)
		}
		set, own := perRoute[key]
		if !own || set.ThrottlingRateLimit == nil {
			defaults = append(defaults, key)
			continue
		}
		pa, ok := attackFlow(key)
		if !ok {
			pa = dearest
		}
		per, err := cost(pa)
		if err != nil {
			return c, fmt.Errorf("%s: %s: %w", s.Name, key, err)
		}
		row := CeilingRow{Route: key, Routes: 1, Function: functionOf(key), Rate: *set.ThrottlingRateLimit,
			Flow: d.Flows[pa.flow].Label, Basis: pa.basis, PerRequest: per}
		for i := range waf {
			if waf[i].Covers(key) {
				row.WAF = &waf[i]
				break
			}
		}
		row.PerHour = row.Rate * 3600 * row.PerRequest
		c.Throttled += row.PerHour
		c.Rate += row.Rate
		c.Rows = append(c.Rows, row)
	}
	slices.SortFunc(c.Rows, func(a, b CeilingRow) int { return strings.Compare(a.Route, b.Route) })
	if len(defaults) > 0 {
		pa := defaultFlow()
		per, err := cost(pa)
		if err != nil {
			return c, fmt.Errorf("%s: stage default: %w", s.Name, err)
		}
		row := CeilingRow{Routes: len(defaults), Rate: defRate, Flow: d.Flows[pa.flow].Label, Basis: pa.basis, PerRequest: per}
		// A rate rule that covers every one of them bounds one address.
		for i := range waf {
			if !slices.ContainsFunc(defaults, func(k string) bool { return !waf[i].Covers(k) }) {
				row.WAF = &waf[i]
				break
			}
		}
		row.PerHour = row.Rate * 3600 * row.PerRequest * float64(row.Routes)
		c.Default = row.PerHour
		c.Rate += row.Rate * float64(row.Routes)
		c.Rows = append(c.Rows, row)
	}
	return c, nil
}

// functionOf names the function that serves route (shared/routes).
func functionOf(route string) string {
	for _, f := range routes.Table() {
		if slices.Contains(f.Routes, route) {
			return f.Name
		}
	}
	return "?"
}

// edgeCost is what one request to the tenant's distribution costs before
// it reaches API Gateway: the CloudFront request, the viewer-request
// function and its KeyValueStore read if the distribution runs one, WAF's
// inspection if a web ACL is attached, and the stage's access-log line.
func edgeCost(t Template, p Prices, a Assumptions) (float64, []string, error) {
	total := 0.0
	var parts []string
	add := func(v float64, what string) {
		total += v
		parts = append(parts, fmt.Sprintf("%s %s", what, perMillion(v)))
	}
	for _, id := range t.ofType("AWS::CloudFront::Distribution") {
		var cfg struct {
			WebACLID             json.RawMessage `json:"WebACLId"`
			DefaultCacheBehavior behavior        `json:"DefaultCacheBehavior"`
			CacheBehaviors       []behavior      `json:"CacheBehaviors"`
		}
		if _, err := t.Resources[id].prop("DistributionConfig", &cfg); err != nil {
			return 0, nil, fmt.Errorf("%s: %w", id, err)
		}
		add(p.CloudFrontRequest.Dollars, "CloudFront request")
		fn := len(cfg.DefaultCacheBehavior.FunctionAssociations) > 0
		for _, b := range cfg.CacheBehaviors {
			fn = fn || len(b.FunctionAssociations) > 0
		}
		if fn {
			add(p.CloudFrontFunction.Dollars, "CloudFront function")
			if len(t.ofType("AWS::CloudFront::KeyValueStore")) > 0 {
				add(p.KVSRead.Dollars, "KeyValueStore read (assumed one per invocation)")
			}
		}
		if len(cfg.WebACLID) > 0 {
			add(p.WAFRequest.Dollars, "WAF inspection")
		}
	}
	for _, id := range t.ofType("AWS::ApiGatewayV2::Stage") {
		if _, ok := t.Resources[id].Properties["AccessLogSettings"]; ok {
			add(float64(a.AccessLogBytes)/(1<<30)*p.Request.LogsGB, fmt.Sprintf("access-log line (%d B)", a.AccessLogBytes))
		}
	}
	return total, parts, nil
}

// behavior is the part of a cache behavior the edge cost reads.
type behavior struct {
	FunctionAssociations []json.RawMessage `json:"FunctionAssociations"`
}

// perMillion formats a per-request cost per million requests.
func perMillion(v float64) string { return money(v*1e6) + "/M" }

// money formats dollars: in cents, or with two significant digits below
// a cent ("$0.00045").
func money(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "$0"
	case a >= 0.01:
		return fmt.Sprintf("$%.2f", v)
	default:
		return fmt.Sprintf("$%.*f", int(-math.Floor(math.Log10(a)))+1, v)
	}
}
