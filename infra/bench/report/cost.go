package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gatepass/gatepass/infra/bench/stats"
	"github.com/gatepass/gatepass/shared/recovery"
	"github.com/gatepass/gatepass/shared/routes"
)

// Prices are the published on-demand prices the cost model uses.
type Prices struct {
	Region, AsOf string
	// LambdaGBSecond is Lambda arm64 duration per GB-second (first tier);
	// LambdaRequest per request.
	LambdaGBSecond, LambdaRequest float64
	// HTTPAPIRequest is API Gateway HTTP API per request (first 300 M a
	// month, metered in 512 KB steps).
	HTTPAPIRequest float64
	// RRU and WRU are DynamoDB on-demand read and write request units.
	RRU, WRU float64
	// SESMail is one outbound mail.
	SESMail float64
	// LogsGB is CloudWatch Logs ingestion (standard class) per GB.
	LogsGB float64
	// Cognito prices per monthly active user (MAU).
	CognitoLite       []Tier
	CognitoEssentials []Tier
	CognitoFederated  []Tier
	// Fixed is what a tenant's stack costs a month at rest that grows
	// with nothing (README "At rest it costs storage only").
	Fixed []FixedCost
}

// Tier is a price per unit from a unit count on.
type Tier struct {
	From  int // the first unit this price applies to (1-based)
	Price float64
}

// FixedCost is one monthly fixed item.
type FixedCost struct {
	Item  string
	Month float64
}

// Published returns the prices of us-east-1 as AWS publishes them. They
// were read from the AWS pricing pages (lambda, api-gateway, dynamodb,
// ses, cloudwatch, cognito) in 2025 — after DynamoDB's November 2024
// on-demand price cut and Cognito's November 2024 feature plans — and
// have to be checked again before a quote.
func Published() Prices {
	return Prices{
		Region: "us-east-1", AsOf: "2025 (AWS pricing pages; DynamoDB after the Nov 2024 on-demand cut, Cognito feature plans of Nov 2024)",
		LambdaGBSecond: 0.0000133334, LambdaRequest: 0.20 / 1e6,
		HTTPAPIRequest: 1.00 / 1e6,
		RRU:            0.125 / 1e6, WRU: 0.625 / 1e6,
		SESMail: 0.10 / 1000,
		LogsGB:  0.50,
		CognitoLite: []Tier{{1, 0}, {10_001, 0.0055}, {100_001, 0.0046}, {1_000_001, 0.00325},
			{10_000_001, 0.0025}},
		CognitoEssentials: []Tier{{1, 0}, {10_001, 0.015}},
		CognitoFederated:  []Tier{{1, 0}, {51, 0.015}},
		// A tenant stack's own fixed items (make cost computes them from the
		// template; the key, alarms and dashboard are the operator's).
		Fixed: []FixedCost{{"Secrets Manager secret (TOTP sealing key)", 0.40}, {"Secrets Manager secret (origin verification)", 0.40}},
	}
}

// Tiered is the cost of n units under tiers.
func Tiered(tiers []Tier, n int) float64 {
	total := 0.0
	for i, t := range tiers {
		if n < t.From {
			break
		}
		last := n
		if i+1 < len(tiers) && tiers[i+1].From-1 < n {
			last = tiers[i+1].From - 1
		}
		total += float64(last-t.From+1) * t.Price
	}
	return total
}

// Model holds the assumptions that turn measured figures into billed
// durations.
type Model struct {
	// HashMemoryMB and PlainMemoryMB are the tenant stack's memory sizes
	// (infra/aws/tenant: HashMemoryMB, PlainMemoryMB; a test keeps them
	// equal) of the functions that hash and of the others.
	HashMemoryMB, PlainMemoryMB int
	// FullCPUMemoryMB is the memory size at which a function gets one
	// full vCPU; below it, CPU time stretches by FullCPUMemoryMB/memory.
	FullCPUMemoryMB int
	// ReadLatency is a BatchGetItem or Query, WriteLatency a single
	// conditional write, TransactLatency a TransactWriteItems, SESLatency
	// one SendEmail, all in-region.
	ReadLatency, WriteLatency, TransactLatency, SESLatency time.Duration
	// PlatformLogBytes are Lambda's START, END and REPORT lines per
	// invocation.
	PlatformLogBytes int
	// APIAccessLogBytes is the HTTP API stage's access log line of a
	// request (infra/aws/tenant APIAccessLogFormat, filled in with a
	// login's values), ingested by CloudWatch Logs like the others.
	APIAccessLogBytes int
}

// DefaultModel is the model docs/cost-model.md uses.
func DefaultModel() Model {
	return Model{HashMemoryMB: 1024, PlainMemoryMB: 256, FullCPUMemoryMB: 1769,
		ReadLatency: 5 * time.Millisecond, WriteLatency: 5 * time.Millisecond, TransactLatency: 10 * time.Millisecond,
		SESLatency: 60 * time.Millisecond, PlatformLogBytes: 300, APIAccessLogBytes: 335}
}

// Flow is one invocation the cost model prices.
type Flow struct {
	Label string
	// Function serves it; Bench is the key of its cheap-hasher benchmark
	// (non-hash CPU) and Capacity its capacity flow.
	Function, Bench, Capacity string
	// Hashes is the argon2id derivations it costs.
	Hashes int
	// HTTP tells that API Gateway bills it (the authorizer's calls belong
	// to the other API's requests).
	HTTP bool
	// Floor is the duration it always lasts (the reset request's pacing).
	Floor time.Duration
}

// Flows are the priced invocations.
func Flows() []Flow {
	return []Flow{
		{Label: "login (password, no two-factor)", Function: "login", Bench: keyLoginNoFsync, Capacity: "login", Hashes: 1, HTTP: true},
		{Label: "login first step of a two-factor user", Function: "login", Bench: keyLoginNoFsync, Capacity: "login-mfa-first-step", Hashes: 1, HTTP: true},
		{Label: "MFA step", Function: "login", Bench: keyMFAStep, Capacity: "mfa-step", HTTP: true},
		{Label: "reset request", Function: "reset-request", Bench: keyResetRequest, Capacity: "reset-request", HTTP: true, Floor: recovery.DefaultFloor},
		{Label: "reset confirm", Function: "reset-confirm", Bench: keyResetConfirm, Capacity: "reset-confirm", Hashes: 1, HTTP: true},
		{Label: "session check", Function: "login", Bench: keySessionCheck, Capacity: "session-check", HTTP: true},
		{Label: "authorizer call", Function: "authorizer", Bench: keyAuthorize, Capacity: "authorizer"},
		{Label: "views select", Function: "views", Bench: keyViewsSelect, Capacity: "views-select", HTTP: true},
		{Label: "login of a two-factor user from a remembered browser", Function: "login", Bench: keyDeviceLogin, Capacity: "login-remembered-device", Hashes: 1, HTTP: true},
	}
}

// Cost is one invocation's modelled cost.
type Cost struct {
	MemoryMB int
	// CPU is the work (non-hash and hash) at one full vCPU; IO the wall
	// time waiting for DynamoDB and SES.
	CPU, IO time.Duration
	// Duration is the modelled wall time, Billed the billed one.
	Duration, Billed time.Duration
	// Per invocation, in dollars.
	Lambda, APIGateway, DynamoDB, SES, Logs float64
}

// Total is the cost of one invocation.
func (c Cost) Total() float64 { return c.Lambda + c.APIGateway + c.DynamoDB + c.SES + c.Logs }

// hashCPU is one argon2id derivation at the OWASP parameters on the code
// path arm64 runs (pure Go), falling back to the assembly one.
func (in Inputs) hashCPU() (float64, bool) {
	for _, k := range []string{keyVerifyPure, "password.BenchmarkVerifyOWASP"} {
		if s, ok := in.bench(k); ok {
			return s.Median["ns/op"], true
		}
	}
	return 0, false
}

// MemoryOf returns the memory size the tenant stack gives function.
func (m Model) MemoryOf(function string) int {
	if f, ok := routes.Lookup(function); ok && f.Hashes {
		return m.HashMemoryMB
	}
	return m.PlainMemoryMB
}

// Cost models f at memoryMB (0: the stack's size for its function). It
// reports false when a figure it needs was not measured.
func (m Model) Cost(in Inputs, p Prices, f Flow, memoryMB int) (Cost, bool) {
	if memoryMB == 0 {
		memoryMB = m.MemoryOf(f.Function)
	}
	bench, ok1 := in.bench(f.Bench)
	capa, ok2 := in.capacity(f.Capacity)
	hash, ok3 := in.hashCPU()
	if !ok1 || !ok2 || (f.Hashes > 0 && !ok3) {
		return Cost{}, false
	}
	cpu := time.Duration(bench.Median["cpu-ns/op"] + float64(f.Hashes)*hash)
	var io time.Duration
	for op, n := range capa.Calls {
		switch op {
		case "TransactWriteItems":
			io += time.Duration(n) * m.TransactLatency
		case "BatchGetItem", "Query", "GetItem":
			io += time.Duration(n) * m.ReadLatency
		default:
			io += time.Duration(n) * m.WriteLatency
		}
	}
	io += time.Duration(capa.Mails) * m.SESLatency
	stretch := math.Max(1, float64(m.FullCPUMemoryMB)/float64(memoryMB))
	d := time.Duration(float64(cpu)*stretch) + io
	billed := max(d, f.Floor)
	billed = (billed + time.Millisecond - 1).Truncate(time.Millisecond)
	c := Cost{MemoryMB: memoryMB, CPU: cpu, IO: io, Duration: max(d, f.Floor), Billed: billed}
	c.Lambda = billed.Seconds()*float64(memoryMB)/1024*p.LambdaGBSecond + p.LambdaRequest
	if f.HTTP {
		c.APIGateway = p.HTTPAPIRequest
	}
	c.DynamoDB = capa.RRU*p.RRU + capa.WRU*p.WRU
	c.SES = float64(capa.Mails) * p.SESMail
	logBytes := capa.LogBytes + m.PlatformLogBytes
	if f.HTTP {
		logBytes += m.APIAccessLogBytes
	}
	c.Logs = float64(logBytes) / (1 << 30) * p.LogsGB
	return c, true
}

// MemorySizes are the sizes the memory search tries.
func MemorySizes() []int { return []int{128, 256, 512, 768, 1024, 1280, 1536, 1769, 2048, 3008} }

// BestMemory returns the size of MemorySizes minimising cost × latency of
// f, with its cost.
func (m Model) BestMemory(in Inputs, p Prices, f Flow) (Cost, bool) {
	var best Cost
	found := false
	for _, mem := range MemorySizes() {
		c, ok := m.Cost(in, p, f, mem)
		if !ok {
			return Cost{}, false
		}
		if !found || c.Total()*c.Duration.Seconds() < best.Total()*best.Duration.Seconds() {
			best, found = c, true
		}
	}
	return best, found
}

// SignInBundle is what one sign-in costs in the Cognito comparison: the
// login, a view choice and page loads that check the session.
type SignInBundle struct {
	Logins, ViewSelects, SessionChecks int
}

// DefaultBundle is one login, one view choice and 20 session checks.
func DefaultBundle() SignInBundle { return SignInBundle{Logins: 1, ViewSelects: 1, SessionChecks: 20} }

// bundleCost is one sign-in bundle's cost.
func (m Model) bundleCost(in Inputs, p Prices, b SignInBundle) (float64, bool) {
	flows := Flows()
	parts := []struct {
		f Flow
		n int
	}{{flows[0], b.Logins}, {flows[7], b.ViewSelects}, {flows[5], b.SessionChecks}}
	total := 0.0
	for _, part := range parts {
		c, ok := m.Cost(in, p, part.f, 0)
		if !ok {
			return 0, false
		}
		total += float64(part.n) * c.Total()
	}
	return total, true
}

// CostModel renders docs/cost-model.md.
func CostModel(in Inputs, p Prices, m Model) string {
	var b strings.Builder
	b.WriteString("# Gatepass cost model\n\n")
	b.WriteString("Generated by `make bench` from the figures of [performance.md](performance.md)")
	fmt.Fprintf(&b, " (run of %s); do not edit by hand. ", orDash(in.Meta.Date))
	b.WriteString("Every cost below is computed from measured figures and the prices and assumptions listed here: ")
	b.WriteString("change them in `infra/bench/report/cost.go` and run `go run ./infra/bench -render` to redo it.\n\n")

	b.WriteString("## Prices\n\n")
	fmt.Fprintf(&b, "Region **%s**, on-demand, as published %s. Free tiers are left out (they favour small tenants).\n\n", p.Region, p.AsOf)
	table(&b, "lrl", []string{"item", "price", "unit"}, [][]string{
		{"Lambda duration, arm64", fmt.Sprintf("$%.10f", p.LambdaGBSecond), "per GB-second (first 7.5 billion GB-s a month)"},
		{"Lambda requests", usd(p.LambdaRequest * 1e6), "per 1 M requests"},
		{"API Gateway HTTP API", usd(p.HTTPAPIRequest * 1e6), "per 1 M requests (first 300 M a month; 512 KB steps)"},
		{"DynamoDB on-demand reads", usd(p.RRU * 1e6), "per 1 M read request units"},
		{"DynamoDB on-demand writes", usd(p.WRU * 1e6), "per 1 M write request units"},
		{"SES outbound mail", usd(p.SESMail * 1000), "per 1,000 mails"},
		{"CloudWatch Logs ingestion", usd(p.LogsGB), "per GB (standard class)"},
		{"Cognito user pool, Lite", tierText(p.CognitoLite), "per MAU signing in directly"},
		{"Cognito user pool, Essentials", tierText(p.CognitoEssentials), "per MAU signing in directly"},
		{"Cognito, SAML or OIDC federation", tierText(p.CognitoFederated), "per federated MAU"},
	})
	b.WriteString("\n")

	b.WriteString("## How a request's cost is modelled\n\n")
	fmt.Fprintf(&b, "- **Memory**: the tenant stack's sizes (`infra/aws/tenant`): %d MB for the functions that hash (%s), %d MB for the others.\n",
		m.HashMemoryMB, strings.Join(hashingFunctions(), ", "), m.PlainMemoryMB)
	fmt.Fprintf(&b, "- **CPU work** = Gatepass's own CPU per request (the flow's cheap-hasher benchmark, `cpu-ns/op`) + one argon2id derivation per hash, measured with the pure-Go code path arm64 runs (`BenchmarkVerifyOWASPPurego`, %s here). It is measured on this host and used as the time at one full Graviton vCPU; Graviton cores are likely slower than this one, so read the durations as lower bounds.\n",
		hashText(in))
	fmt.Fprintf(&b, "- **CPU share**: Lambda gives one full vCPU at %d MB and a proportional share below, so CPU work stretches by max(1, %d / memory). argon2id with p=1 uses one core: more than %d MB buys nothing.\n",
		m.FullCPUMemoryMB, m.FullCPUMemoryMB, m.FullCPUMemoryMB)
	fmt.Fprintf(&b, "- **Waiting**: every DynamoDB request of the flow as counted on the real adapter (performance.md), %s per BatchGetItem or Query, %s per single conditional write or BatchWriteItem, %s per TransactWriteItems; %s per mail sent through SES. These latencies are assumptions for in-region calls, not measurements.\n",
		durD(m.ReadLatency), durD(m.WriteLatency), durD(m.TransactLatency), durD(m.SESLatency))
	fmt.Fprintf(&b, "- **Duration** = CPU work × stretch + waiting, at least the flow's floor (the reset request is paced to %s so that timing tells nothing), billed per started millisecond.\n", durD(recovery.DefaultFloor))
	b.WriteString("- **DynamoDB units** by the published rules (strongly consistent read: 1 RRU per key and 4 KB, missing keys included, an eventually consistent one half of that; write: 1 WRU per KB, doubled in a transaction), from the requests the real adapter sent for the flow.\n")
	fmt.Fprintf(&b, "- **Logs**: the JSON lines the flow wrote, %d bytes of Lambda's START/END/REPORT lines and, for a request through API Gateway, its %d-byte access log line.\n\n", m.PlatformLogBytes, m.APIAccessLogBytes)

	b.WriteString("## Cost per 1 M requests, by flow\n\n")
	var rows [][]string
	for _, f := range Flows() {
		c, ok := m.Cost(in, p, f, 0)
		if !ok {
			rows = append(rows, []string{f.Label, f.Function, "not measured", "", "", "", "", "", "", ""})
			continue
		}
		rows = append(rows, costRow(f.Label, f.Function, c))
	}
	if first, ok1 := m.Cost(in, p, Flows()[1], 0); ok1 {
		if step, ok2 := m.Cost(in, p, Flows()[2], 0); ok2 {
			sum := Cost{MemoryMB: first.MemoryMB, Duration: first.Duration + step.Duration, Billed: first.Billed + step.Billed,
				Lambda: first.Lambda + step.Lambda, APIGateway: first.APIGateway + step.APIGateway,
				DynamoDB: first.DynamoDB + step.DynamoDB, SES: first.SES + step.SES, Logs: first.Logs + step.Logs}
			rows = append(rows, costRow("two-factor sign-in (first step + MFA step)", "login", sum))
		}
	}
	table(&b, "llrrrrrrrr", []string{"flow", "function (MB)", "modelled duration", "billed", "Lambda", "API Gateway", "DynamoDB", "SES", "Logs", "total per 1 M"}, rows)
	b.WriteString("\n")
	b.WriteString(costFindings(in, p, m))

	b.WriteString("## Memory size of the hashing functions\n\n")
	b.WriteString("Cost × latency for the login (the hashing flow that runs most), by memory size; the reset confirm behaves alike. ")
	b.WriteString("With CPU work H and waiting S, latency = H × 1769/memory + S below 1769 MB and H + S above. The duration charge is memory × latency, so cost × latency ∝ (1769 H + S × memory)² / memory: alone it would be lowest at memory = 1769 × H / S. ")
	b.WriteString("The per-request charges that do not depend on memory (API Gateway, DynamoDB, Lambda requests, logs) weigh only latency and push the optimum up; above 1769 MB latency stops falling while cost keeps rising. The table searches the sizes with every charge included.\n\n")
	for _, f := range []Flow{Flows()[0], Flows()[4]} {
		best, ok := m.BestMemory(in, p, f)
		if !ok {
			fmt.Fprintf(&b, "%s: not measured.\n\n", f.Label)
			continue
		}
		var mrows [][]string
		for _, mem := range MemorySizes() {
			c, _ := m.Cost(in, p, f, mem)
			mark := ""
			if mem == best.MemoryMB {
				mark = " ← lowest cost × latency"
			}
			if mem == m.MemoryOf(f.Function) {
				mark += " (today's setting)"
			}
			mrows = append(mrows, []string{fmt.Sprintf("%d MB%s", mem, mark), durD(c.Duration.Round(100 * time.Microsecond)),
				usd(c.Total() * 1e6), fmt.Sprintf("%.3f", c.Total()*1e6*c.Duration.Seconds())})
		}
		fmt.Fprintf(&b, "**%s** (CPU work %s at one vCPU, waiting %s):\n\n", f.Label, durD(best.CPU), durD(best.IO))
		table(&b, "lrrr", []string{"memory", "modelled duration", "cost per 1 M", "cost per 1 M × seconds"}, mrows)
		b.WriteString("\n")
	}
	b.WriteString(memoryFindings(in, p, m))

	b.WriteString("## Cold starts\n\n")
	b.WriteString("Lambda bills the init phase too. A cold start's cost is its init time (exec → first /next, measured on this host) at the function's memory; it does not depend on the traffic, only on how often an execution environment is created.\n\n")
	var crows [][]string
	for _, r := range in.ColdStart {
		if r.Function == BaselineFunction || len(r.ExecToNext) == 0 {
			continue
		}
		mem := m.MemoryOf(r.Function)
		init := stats.Median(r.ExecToNext)
		billed := (init + time.Millisecond - 1).Truncate(time.Millisecond)
		crows = append(crows, []string{r.Function, fmt.Sprint(mem), durD(init), usd(billed.Seconds() * float64(mem) / 1024 * p.LambdaGBSecond * 1e6)})
	}
	if len(crows) == 0 {
		b.WriteString("Not measured.\n\n")
	} else {
		table(&b, "lrrr", []string{"function", "memory (MB)", "init (median)", "per 1 M cold starts"}, crows)
		b.WriteString("\n")
	}

	b.WriteString(cognito(in, p, m))
	return b.String()
}

func tierText(tiers []Tier) string {
	var parts []string
	for i, t := range tiers {
		upto := ""
		if i+1 < len(tiers) {
			upto = fmt.Sprintf("–%s", thousands(tiers[i+1].From-1))
		} else {
			upto = "+"
		}
		price := "free"
		if t.Price > 0 {
			price = fmt.Sprintf("$%g", t.Price)
		}
		parts = append(parts, fmt.Sprintf("%s%s: %s", thousands(t.From), upto, price))
	}
	return strings.Join(parts, "; ")
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func hashText(in Inputs) string {
	if h, ok := in.hashCPU(); ok {
		return ms(h)
	}
	return "not measured"
}

func costRow(label, function string, c Cost) []string {
	return []string{label, fmt.Sprintf("%s (%d)", function, c.MemoryMB), durD(c.Duration.Round(100 * time.Microsecond)), durD(c.Billed),
		usd(c.Lambda * 1e6), usd(c.APIGateway * 1e6), usd(c.DynamoDB * 1e6), usd(c.SES * 1e6), usd(c.Logs * 1e6), "**" + usd(c.Total()*1e6) + "**"}
}

// costFindings says what dominates the per-flow costs.
func costFindings(in Inputs, p Prices, m Model) string {
	login, ok := m.Cost(in, p, Flows()[0], 0)
	if !ok {
		return ""
	}
	var b strings.Builder
	share := func(v float64) string { return fmt.Sprintf("%.0f %%", 100*v/login.Total()) }
	fmt.Fprintf(&b, "A password login costs %s per million: DynamoDB %s of it, Lambda %s, API Gateway %s, logs %s. ",
		usd(login.Total()*1e6), share(login.DynamoDB), share(login.Lambda), share(login.APIGateway), share(login.Logs))
	if c, ok := in.capacity("login"); ok {
		fmt.Fprintf(&b, "Its %s WRU — the attempt counted before the hash; the sign-in recorded on the account by a conditional write, which also clears the account's failures; session and audit event appended by one BatchWriteItem, a unit each where a transaction counts every item twice — cost %s per million, and its %s RRU %s.",
			count(c.WRU), usd(c.WRU*p.WRU*1e6), count(c.RRU), usd(c.RRU*p.RRU*1e6))
	}
	b.WriteString("\n\n")
	if f, ok := m.LoginFloor(in, p); ok {
		fmt.Fprintf(&b, "**Budget ≤ %s per million password logins (issue 2.6): %s.** ", usd(BudgetLoginCost*1e6), metText(login.Total() <= BudgetLoginCost))
		fmt.Fprintf(&b, "%s at today's %d MB, %s at %d MB, the cheapest size. ", usd(login.Total()*1e6), login.MemoryMB, usd(f.Cheapest.Total()*1e6), f.Cheapest.MemoryMB)
		fmt.Fprintf(&b, "What a password login cannot do without comes to %s: the per-request charges %s (API Gateway and Lambda's request fee), the argon2id derivation %s (%s of one vCPU: the same GB-seconds at every size up to %d MB), "+
			"%d writes %s — the attempt counted before the check (SECURITY.md), the sign-in recorded on the account (the \"last sign-in\" the next session shows, API.md; recording it also clears the failures), the session, the audit event — and the reads %s. "+
			"Waiting for DynamoDB (%s at %d MB) and the log lines (%s) come on top.\n\n",
			usd(f.Total()*1e6), usd(f.Requests*1e6), usd(f.Hash*1e6), durD(f.HashCPU), m.FullCPUMemoryMB,
			f.Writes, usd(f.WriteCost*1e6), usd(f.ReadCost*1e6), usd(f.Waiting*1e6), login.MemoryMB, usd(login.Logs*1e6))
	}
	return b.String()
}

// BudgetLoginCost is issue 2.6's budget for a password login, in dollars.
const BudgetLoginCost = 5.00 / 1e6

// LoginWrites are the writes a password login without a second factor
// cannot do without: the attempt counted before the check, the sign-in
// recorded on the account, the session, the audit event.
const LoginWrites = 4

// LoginFloor is what a password login costs at least, by part.
type LoginFloor struct {
	// Requests are the per-request charges (API Gateway, Lambda).
	Requests float64
	// Hash is the argon2id derivation's GB-seconds, HashCPU its CPU time.
	Hash    float64
	HashCPU time.Duration
	// Writes are LoginWrites, costing WriteCost; ReadCost is the reads
	// the login made.
	Writes              int
	WriteCost, ReadCost float64
	// Waiting is the duration charge of the waiting at today's size.
	Waiting float64
	// Cheapest is the login at the cheapest memory size.
	Cheapest Cost
}

// Total is the floor without waiting and logs.
func (f LoginFloor) Total() float64 { return f.Requests + f.Hash + f.WriteCost + f.ReadCost }

// LoginFloor works out the parts of a password login's cost that no memory
// size, latency or log setting removes.
func (m Model) LoginFloor(in Inputs, p Prices) (LoginFloor, bool) {
	f := Flows()[0]
	now, ok := m.Cost(in, p, f, 0)
	c, ok2 := in.capacity(f.Capacity)
	hash, ok3 := in.hashCPU()
	if !ok || !ok2 || !ok3 {
		return LoginFloor{}, false
	}
	out := LoginFloor{
		Requests: p.LambdaRequest + p.HTTPAPIRequest,
		HashCPU:  time.Duration(hash),
		Hash:     time.Duration(hash).Seconds() * float64(m.FullCPUMemoryMB) / 1024 * p.LambdaGBSecond,
		Writes:   LoginWrites, WriteCost: LoginWrites * p.WRU, ReadCost: c.RRU * p.RRU,
		Waiting: now.IO.Seconds() * float64(now.MemoryMB) / 1024 * p.LambdaGBSecond,
	}
	for _, mem := range MemorySizes() {
		if c, ok := m.Cost(in, p, f, mem); ok && (out.Cheapest.MemoryMB == 0 || c.Total() < out.Cheapest.Total()) {
			out.Cheapest = c
		}
	}
	return out, true
}

func metText(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}

// memoryFindings compares the best memory size with today's.
func memoryFindings(in Inputs, p Prices, m Model) string {
	f := Flows()[0]
	best, ok := m.BestMemory(in, p, f)
	if !ok {
		return ""
	}
	now, _ := m.Cost(in, p, f, 0)
	var b strings.Builder
	fmt.Fprintf(&b, "**Result:** cost × latency is lowest at **%d MB** for the login (modelled %s and %s per million, against %s and %s at today's %d MB). ",
		best.MemoryMB, durD(best.Duration.Round(100*time.Microsecond)), usd(best.Total()*1e6),
		durD(now.Duration.Round(100*time.Microsecond)), usd(now.Total()*1e6), now.MemoryMB)
	alone := float64(m.FullCPUMemoryMB) * float64(best.CPU) / float64(max(best.IO, 1))
	fmt.Fprintf(&b, "CPU work is %s and waiting %s, so the duration charge alone would put the optimum at 1769 × H / S ≈ %.0f MB", durD(best.CPU), durD(best.IO), alone)
	switch {
	case alone >= float64(m.FullCPUMemoryMB):
		fmt.Fprintf(&b, ", beyond one full vCPU: the optimum is %d MB, the size above which argon2id (p=1) gets no faster. ", best.MemoryMB)
	default:
		fmt.Fprintf(&b, "; the per-request charges move it to %d MB. ", best.MemoryMB)
	}
	b.WriteString("Cost alone is lowest at the smallest size (the GB-seconds of pure CPU work do not change with memory, the waiting gets cheaper) but a login would then take several times longer; the reserved concurrency of the hashing functions (10 each by default) also caps the logins per second at concurrency ÷ duration, which favours the faster setting.\n\n")
	return b.String()
}

// cognito compares Gatepass's monthly cost with Cognito's per-MAU prices.
func cognito(in Inputs, p Prices, m Model) string {
	var b strings.Builder
	b.WriteString("## Compared with Cognito's per-MAU prices\n\n")
	bundle := DefaultBundle()
	per, ok := m.bundleCost(in, p, bundle)
	if !ok {
		b.WriteString("Not measured.\n")
		return b.String()
	}
	fixed := 0.0
	var fixedItems []string
	for _, f := range p.Fixed {
		fixed += f.Month
		fixedItems = append(fixedItems, fmt.Sprintf("%s %s", f.Item, usd(f.Month)))
	}
	fmt.Fprintf(&b, "Each user signs in twice a day (60 sign-ins a month); a sign-in is %d login, %d view choice and %d session checks (page loads), %s per 1,000 sign-ins. ",
		bundle.Logins, bundle.ViewSelects, bundle.SessionChecks, usd(per*1000))
	fmt.Fprintf(&b, "Gatepass adds a fixed %s a month (%s); storage and backups are left out on both sides. ", usd(fixed), strings.Join(fixedItems, ", "))
	b.WriteString("Cognito bills every user who signs in during a month once (MAU), however often; its hosted sign-in would replace the login, MFA and reset flows, while session checks and the authorizer would become JWT checks without a store read.\n\n")
	var rows [][]string
	for _, users := range []int{200, 2_000, 20_000, 200_000} {
		signIns := users * 2 * 30
		gp := float64(signIns)*per + fixed
		rows = append(rows, []string{thousands(users), thousands(signIns), usd(gp),
			usd(Tiered(p.CognitoLite, users)), usd(Tiered(p.CognitoEssentials, users)), usd(Tiered(p.CognitoFederated, users))})
	}
	table(&b, "rrrrrr", []string{"users (MAU)", "sign-ins a month", "Gatepass", "Cognito Lite", "Cognito Essentials", "Cognito, all federated (SAML/OIDC)"}, rows)
	b.WriteString("\n")
	perUser := 60 * per
	gatepass := func(users int) float64 { return float64(users*60)*per + fixed }
	fmt.Fprintf(&b, "Per user and month Gatepass's variable cost is %s, against Cognito's %s (Lite), %s (Essentials) or %s (federated) per MAU above the free tiers. ",
		usd(perUser), usd(p.CognitoLite[1].Price), usd(p.CognitoEssentials[1].Price), usd(p.CognitoFederated[1].Price))
	for _, c := range []struct {
		name  string
		tiers []Tier
	}{{"Lite", p.CognitoLite}, {"Essentials", p.CognitoEssentials}, {"federated sign-in", p.CognitoFederated}} {
		fmt.Fprintf(&b, "Against Cognito %s, Gatepass is cheaper %s. ", c.name,
			cheaperText(cheaperRanges(gatepass, func(u int) float64 { return Tiered(c.tiers, u) })))
	}
	b.WriteString("For the 200-user tenant both are a matter of cents to a few dollars: Gatepass's fixed cost dominates its bill, and Cognito's direct sign-ins stay inside its 10,000-MAU free tier while federated users are billed after the first 50. ")
	b.WriteString("Gatepass's SSO (7/8) federates through the stack's Cognito user pool, so SSO users add the federated per-MAU price to Gatepass's own cost.\n")
	return b.String()
}

// scanLimit is the largest tenant the comparison looks at.
const scanLimit = 10_000_000

// cheaperRanges returns the user counts, in steps of 100 up to scanLimit,
// where gatepass(users) is below cognito(users), as [from, to] ranges.
func cheaperRanges(gatepass, cognito func(int) float64) [][2]int {
	var out [][2]int
	for u := 100; u <= scanLimit; u += 100 {
		if gatepass(u) >= cognito(u) {
			continue
		}
		if n := len(out); n > 0 && out[n-1][1] == u-100 {
			out[n-1][1] = u
		} else {
			out = append(out, [2]int{u, u})
		}
	}
	return out
}

// cheaperText words cheaperRanges.
func cheaperText(ranges [][2]int) string {
	if len(ranges) == 0 {
		return "at no size up to " + thousands(scanLimit) + " users"
	}
	var parts []string
	for _, r := range ranges {
		switch {
		case r[0] == 100 && r[1] == scanLimit:
			parts = append(parts, "at every size up to "+thousands(scanLimit)+" users")
		case r[1] == scanLimit:
			parts = append(parts, "from about "+thousands(r[0])+" users on")
		default:
			parts = append(parts, "from about "+thousands(r[0])+" to "+thousands(r[1])+" users")
		}
	}
	return strings.Join(parts, " and ")
}

// hashingFunctions are the functions the route table marks as hashing.
func hashingFunctions() []string {
	var out []string
	for _, f := range routes.Table() {
		if f.Hashes {
			out = append(out, f.Name)
		}
	}
	return out
}
