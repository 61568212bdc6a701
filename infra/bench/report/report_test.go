package report

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/infra/bench/coldstart"
	"github.com/gatepass/gatepass/infra/bench/flowbench"
	"github.com/gatepass/gatepass/infra/bench/gobench"
	"github.com/gatepass/gatepass/infra/bench/hashlimit"
	"github.com/gatepass/gatepass/infra/bench/loadtest"
	"github.com/gatepass/gatepass/infra/bench/procstat"
	"github.com/gatepass/gatepass/shared/routes"
)

// summary is a gobench summary of one benchmark with the same figure in
// every run.
func summary(key string, metrics map[string]float64) gobench.Summary {
	pkg, name, _ := strings.Cut(key, ".")
	return gobench.Summary{Pkg: "github.com/gatepass/gatepass/shared/" + pkg, Name: name, Runs: 5,
		Median: metrics, Min: metrics, Max: metrics}
}

// fixture is a complete set of inputs.
func fixture() Inputs {
	ms := float64(time.Millisecond)
	cheap := func(cpu float64) map[string]float64 {
		return map[string]float64{"ns/op": cpu, "cpu-ns/op": cpu, "B/op": 50_000, "allocs/op": 400, "reads/op": 2, "writes/op": 2}
	}
	in := Inputs{
		Meta: Meta{Date: "2026-11-23", GoVersion: "go1.26", OS: "linux", Arch: "amd64", CPU: "Test CPU", NumCPU: 2,
			Settings: []string{"-count 5"}, Steps: []Step{{"build", 30 * time.Second}, {"gobench", 3 * time.Minute}}},
		Bench: []gobench.Summary{
			summary(keyLoginHash, map[string]float64{"ns/op": 30 * ms, "cpu-ns/op": 30 * ms, "B/op": 20 << 20, "allocs/op": 440, "reads/op": 2, "writes/op": 2}),
			summary(keyLoginNoFsync, cheap(0.25*ms)),
			summary(keyVerifyPure, map[string]float64{"ns/op": 32 * ms, "B/op": 20 << 20, "allocs/op": 27}),
			summary("password.BenchmarkVerifyOWASP", map[string]float64{"ns/op": 26 * ms, "B/op": 20 << 20, "allocs/op": 27}),
			summary(keyMFAStep, cheap(0.3*ms)),
			summary(keyResetRequest, cheap(0.4*ms)),
			summary(keyResetConfirm, cheap(0.5*ms)),
			summary(keySessionCheck, cheap(0.03*ms)),
			summary(keyAuthorize, cheap(0.02*ms)),
			summary(keyViewsSelect, cheap(0.3*ms)),
			summary(keyDeviceLogin, cheap(0.25*ms)),
			summary(keyPasskey, cheap(0.6*ms)),
			summary(keyPasskeyCrypt, map[string]float64{"ns/op": 0.12 * ms, "B/op": 12_000, "allocs/op": 140}),
		},
		Sizes: []Size{{"login", 9 << 20}, {"admin", 11 << 20}},
		ColdStart: []coldstart.Result{
			{Function: "login", Event: "GET /api/auth/config", Outcome: "200", HostBytes: 10 << 20,
				ExecToNext:  []time.Duration{40 * time.Millisecond, 45 * time.Millisecond, 42 * time.Millisecond},
				FirstInvoke: []time.Duration{10 * time.Millisecond}, Warm: []time.Duration{time.Millisecond, 2 * time.Millisecond},
				InitCalls: "secretsmanager.GetSecretValue×1", InvokeCalls: "dynamodb.BatchGetItem×1",
				PackageInit: 12 * time.Millisecond, SlowestInits: []coldstart.PackageInit{{Package: "x/schemas", Took: 3 * time.Millisecond}},
				RIEInit:        []time.Duration{50 * time.Millisecond, 60 * time.Millisecond, 55 * time.Millisecond},
				RIEFirstInvoke: []time.Duration{70 * time.Millisecond}},
			{Function: coldstart.Baseline, Event: "echo", Outcome: "echoed", ExecToNext: []time.Duration{90 * time.Millisecond},
				FirstInvoke: []time.Duration{time.Millisecond}, Warm: []time.Duration{time.Millisecond}},
		},
		Load: &loadtest.Result{Hash: LoadHash, GOMAXPROCS: 2, NumCPU: 2, MADVFree: true,
			Limit: hashlimit.Limit{Derivations: 80, CPU: 25 * time.Millisecond, User: 25 * time.Millisecond, Cores: 2, PerSecond: 80, FaultCost: 10 * time.Microsecond,
				Measurements: []time.Duration{24900 * time.Microsecond, 25100 * time.Microsecond}},
			Levels: []loadtest.Level{
				{Concurrency: 1, Logins: 300, PerSecond: 30, Elapsed: 10 * time.Second, P50: 33 * time.Millisecond, P99: 40 * time.Millisecond, Max: 50 * time.Millisecond, CPUPerLogin: 33 * time.Millisecond, CoresUsed: 1,
					Hash: hashlimit.Load{PercentOfLimit: 37.5, Process: procstat.PerOp{User: 25200 * time.Microsecond, System: 200 * time.Microsecond, MinorFaults: 30}, PageFaultCPU: 300 * time.Microsecond, NonHashCPU: 400 * time.Microsecond},
					RSS:  100 << 20, PeakRSS: 110 << 20, RSSGrowth: 300 * 4 << 10},
				{Concurrency: 2, Logins: 760, PerSecond: 76, Elapsed: 10 * time.Second, P50: 26 * time.Millisecond, P99: 60 * time.Millisecond, Max: 70 * time.Millisecond, CPUPerLogin: 26 * time.Millisecond, CoresUsed: 1.98,
					Hash: hashlimit.Load{PercentOfLimit: 95, Process: procstat.PerOp{User: 25300 * time.Microsecond, System: 150 * time.Microsecond, MinorFaults: 2}, PageFaultCPU: 20 * time.Microsecond, NonHashCPU: 450 * time.Microsecond},
					RSS:  150 << 20, PeakRSS: 160 << 20, RSSGrowth: -1 << 20},
			},
			Reference: &loadtest.Level{Concurrency: 2, Logins: 650, PerSecond: 65, Elapsed: 10 * time.Second, P50: 30 * time.Millisecond, P99: 60 * time.Millisecond, Max: 70 * time.Millisecond, CPUPerLogin: 30 * time.Millisecond, CoresUsed: 1.98,
				Hash: hashlimit.Load{PercentOfLimit: 81.25, Process: procstat.PerOp{User: 26 * time.Millisecond, System: 4 * time.Millisecond, MinorFaults: 350}, PageFaultCPU: 3500 * time.Microsecond, NonHashCPU: 5 * time.Millisecond},
				RSS:  120 << 20, PeakRSS: 155 << 20},
		},
		LoadProfile: []ProfileEntry{{"golang.org/x/crypto/argon2.blamkaSSE4", 48}, {"runtime.memclrNoHeapPointers", 10.5}},
	}
	capa := func(flow string, r, w int64, calls map[string]int, rru, wru float64, mails int) flowbench.Capacity {
		return flowbench.Capacity{Flow: flow, Reads: r, Writes: w, Calls: calls, KeysRead: int(rru), RRU: rru, WRU: wru, Mails: mails, LogBytes: 300}
	}
	login := map[string]int{"BatchGetItem": 2, "PutItem": 1, "TransactWriteItems": 1}
	in.Capacity = []flowbench.Capacity{
		capa("login", 2, 2, login, 6, 9, 0),
		capa("login-mfa-first-step", 2, 2, login, 6, 5, 0),
		capa("mfa-step", 1, 2, map[string]int{"BatchGetItem": 1, "PutItem": 1, "TransactWriteItems": 1}, 4, 11, 0),
		capa("reset-request", 2, 1, map[string]int{"BatchGetItem": 2, "TransactWriteItems": 1}, 6, 10, 1),
		capa("reset-confirm", 2, 2, map[string]int{"BatchGetItem": 1, "Query": 1, "DeleteItem": 1, "TransactWriteItems": 1}, 4, 9, 1),
		capa("session-check", 1, 0, map[string]int{"BatchGetItem": 1}, 4, 0, 0),
		capa("authorizer", 1, 0, map[string]int{"BatchGetItem": 1}, 4, 0, 0),
		capa("views-select", 2, 1, map[string]int{"BatchGetItem": 2, "TransactWriteItems": 1}, 4, 6, 0),
		capa("login-remembered-device", 2, 2, login, 6, 9, 0),
	}
	return in
}

func TestBudgets(t *testing.T) {
	got := map[string]Status{}
	for _, b := range Budgets(fixture()) {
		got[b.Name] = b.Status
		if b.Measured == "" {
			t.Errorf("%s: nothing measured", b.Name)
		}
	}
	want := map[string]Status{
		"Non-hash CPU ≤ 0.3 ms per login":                                                                        Met,
		"≥ 65 logins/s on this machine, argon2id m=19 MiB t=2 p=1":                                               Met,
		"≤ 2 store round trips per password login (no MFA)":                                                      NotMet,
		"Every bootstrap ≤ 12 MB (12 MiB, as make build checks)":                                                 Met,
		"Exec to first /next ≤ 50 ms":                                                                            Met, // the baseline's 90 ms does not count
		"`make bench` under 10 minutes":                                                                          Met,
		"Password login unchanged or better than round 1 (0.213 ms CPU, ±10% noise)":                             NotMet, // 0.25 ms
		"Passkey sign-in ≤ 2 reads + 2 writes and ≤ 1 ms non-crypto CPU":                                         Met,
		"Password sign-in of a TOTP user from a remembered browser: no more round trips than a password sign-in": Met,
		"≤ $5.00 per million password logins (docs/cost-model.md)":                                               NotMet,
		"≥ 95 % of the hash limit (cores ÷ CPU of one derivation, same run) — local stack":                       Met,
		"Page-fault CPU ≤ 500 µs per login — local stack":                                                        Met, // the reference's 3.5 ms does not count
		"Non-hash CPU of the whole process ≤ 500 µs per login over HTTP — local stack":                           Met,
		"Resident memory with argon2's memory kept ≤ the hashing functions' 1024 MB — local stack":               Met,
		"≥ 95 % of the hash limit (cores ÷ CPU of one derivation, same run) — Lambda path (RIE)":                 NotMeasured,
		"Page-fault CPU ≤ 500 µs per login — Lambda path (RIE)":                                                  NotMeasured,
		"Non-hash CPU of the whole process ≤ 500 µs per login over the Runtime API — Lambda path (RIE)":          NotMeasured,
		"Resident memory with argon2's memory kept ≤ the hashing functions' 1024 MB — Lambda path (RIE)":         NotMeasured,
	}
	if len(got) != len(want) {
		t.Errorf("%d budgets, want %d", len(got), len(want))
	}
	for name, s := range want {
		if got[name] != s {
			t.Errorf("%s: %q, want %q", name, got[name], s)
		}
	}
	// The load budget holds only at the production hash and without errors.
	in := fixture()
	in.Load.Hash = "m=64,t=1,p=1"
	if b := Budgets(in)[1]; b.Status != NotMet {
		t.Errorf("cheap hash accepted: %+v", b)
	}
	// Each of issue 2.6's load budgets fails on its own figure.
	for name, spoil := range map[string]func(*loadtest.Result){
		"≥ 95 % of the hash limit":      func(r *loadtest.Result) { r.Levels[1].Hash.PercentOfLimit = 94.9 },
		"Page-fault CPU":                func(r *loadtest.Result) { r.Levels[0].Hash.PageFaultCPU = 501 * time.Microsecond },
		"Non-hash CPU of the whole":     func(r *loadtest.Result) { r.Levels[1].Hash.NonHashCPU = 501 * time.Microsecond },
		"Resident memory":               func(r *loadtest.Result) { r.Levels[0].PeakRSS = 1025 << 20 },
		"≥ 65 logins/s on this machine": func(r *loadtest.Result) { r.Levels[1].PerSecond = 64.9 },
	} {
		in := fixture()
		spoil(in.Load)
		found := false
		for _, b := range Budgets(in) {
			if strings.HasPrefix(b.Name, name) && !strings.HasSuffix(b.Name, PathLambda) {
				found = true
				if b.Status != NotMet {
					t.Errorf("%s: %s after spoiling it", b.Name, b.Status)
				}
			}
		}
		if !found {
			t.Errorf("no budget %q", name)
		}
	}
	// A limit that drifted more than the budget between its measurements
	// leaves the non-hash CPU undecided, whatever the subtraction gives.
	in = fixture()
	in.Load.Limit.Measurements = []time.Duration{24 * time.Millisecond, 25 * time.Millisecond}
	for _, b := range Budgets(in) {
		if strings.HasPrefix(b.Name, "Non-hash CPU of the whole") && !strings.HasSuffix(b.Name, PathLambda) &&
			(b.Status != Inconclusive || !strings.Contains(b.Measured, "moved by 1.00 ms")) {
			t.Errorf("%s: %s, %s", b.Name, b.Status, b.Measured)
		}
	}
	if perf := Performance(in); !strings.Contains(perf, "— inconclusive**: ") {
		t.Error("the notes do not say what is inconclusive")
	}
	// The Lambda path's rows read the same figures from their own file.
	in = fixture()
	in.LoadLambda = fixture().Load
	for _, b := range Budgets(in) {
		if strings.HasSuffix(b.Name, PathLambda) && b.Status != Met {
			t.Errorf("%s: %s with the local stack's figures", b.Name, b.Status)
		}
	}
	for _, b := range Budgets(Inputs{}) {
		if b.Status != NotMeasured {
			t.Errorf("%s with no inputs: %s", b.Name, b.Status)
		}
	}
}

// The documents are a pure function of the inputs, and every part shows.
func TestRenderingIsDeterministic(t *testing.T) {
	in := fixture()
	perf, cost := Performance(in), CostModel(in, Published(), DefaultModel())
	for range 5 {
		if Performance(fixture()) != perf || CostModel(fixture(), Published(), DefaultModel()) != cost {
			t.Fatal("rendering differs between calls")
		}
	}
	for _, want := range []string{
		"| area | item | median | spread | details |",
		"| Non-hash CPU ≤ 0.3 ms per login | 0.250 ms CPU per login",
		"| Go benchmark | login, cheap hasher, no fsync: Gatepass's own work | 250 µs | 250 µs–250 µs (5 runs) | CPU 250 µs · 48.8 KiB/op · 400 allocs/op · 2 R + 2 W |",
		"| Go benchmark | password policy checker, NewChecker (the list itself loads at the first check) | not measured |",
		"| DynamoDB round trips (real adapter on DynamoDB Local) | login | 2 R + 2 W |",
		"| bootstrap size, linux/arm64 (make build) | admin | 11.0 MiB |",
		"| cold start, exec → first /next (host binary) | login | 42.0 ms | 40.0 ms–45.0 ms (3 runs) |",
		"| cold start, init under aws-lambda-rie (host binary) | login | 55.0 ms | 50.0 ms–60.0 ms (3 runs) | the emulator's INIT REPORT · loopback harness, same binary: exec → first /next 42.0 ms · first invocation's REPORT Duration 70.0 ms |",
		"package init 12.0 ms (slowest: x/schemas 3.00 ms)",
		"| concurrency 2, MADV_FREE | 76.0 logins/s |",
		"| load test, local stack over loopback (m=19456,t=2,p=1) | hash limit (cores ÷ CPU of one derivation) | 80.0 logins/s |",
		"| concurrency 2, MADV_DONTNEED (the runtime's default) | 65.0 logins/s |",
		"25.0 ms CPU per derivation (25.0 ms user + 0 ns system, 0 page faults), 80 derivations on 2 cores, half before the levels (24.9 ms per derivation) and half after (25.1 ms) · a page fault costs 10.0 µs",
		"95 % of the hash limit · p50 26.0 ms",
		"per login: CPU 25.4 ms (25.3 ms user + 150 µs system), 2 page faults (20.0 µs), 450 µs besides the hash · RSS 150 MiB at the end (−1.00 MiB over the level), peak 160 MiB",
		"| 95 %: 76.0 logins/s at concurrency 2 of 80.0 (2 cores ÷ 25.0 ms per derivation); the hash is 98 % of the process's CPU per login, 1.98 of 2 cores busy | — | met |",
		"worst 300 µs at concurrency 1 (30 faults × 10.0 µs per fault, 1 of them first touches that grew RSS by 1.17 MiB; 200 µs of system CPU in all); with the runtime's default release 3.50 ms at concurrency 2 (350 faults)",
		"peak 160 MiB at concurrency 2; at concurrency 2 150 MiB at the end of the level against 120 MiB with the runtime's default release (peaks 160 MiB and 155 MiB)",
		"not measured: the lambda-load step writes docs/bench/raw/loadtest-lambda.json (TestLoginLoadUnderTheEmulator",
		"not met: 2 reads + 2 writes.",
		"runtime.memclrNoHeapPointers` (10.5 %)",
	} {
		if !strings.Contains(perf, want) {
			t.Errorf("performance.md lacks %q", want)
		}
	}
	if strings.Count(perf, "| area | item |") != 1 {
		t.Error("more than one results table")
	}
	for _, want := range []string{"## Cost per 1 M requests, by flow", "## Memory size of the hashing functions",
		"← lowest cost × latency", "## Compared with Cognito's per-MAU prices", "| 200 | 12,000 |"} {
		if !strings.Contains(cost, want) {
			t.Errorf("cost-model.md lacks %q", want)
		}
	}
	empty := Performance(Inputs{})
	if !strings.Contains(empty, "not measured") {
		t.Error("an empty run does not say what was not measured")
	}
}

func TestTiered(t *testing.T) {
	p := Published()
	for _, c := range []struct {
		tiers []Tier
		n     int
		want  float64
	}{
		{p.CognitoLite, 200, 0},
		{p.CognitoLite, 10_000, 0},
		{p.CognitoLite, 20_000, 10_000 * 0.0055},
		{p.CognitoLite, 200_000, 90_000*0.0055 + 100_000*0.0046},
		{p.CognitoFederated, 200, 150 * 0.015},
		{p.CognitoEssentials, 20_000, 10_000 * 0.015},
	} {
		if got := Tiered(c.tiers, c.n); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Tiered(%d) = %v, want %v", c.n, got, c.want)
		}
	}
}

// The cost of a login worked out by hand from the fixture: 0.25 ms + 32 ms
// of CPU stretched by 1769/1024, 2 reads + 1 write + 1 transaction of
// waiting.
func TestCostOfALogin(t *testing.T) {
	in, p, m := fixture(), Published(), DefaultModel()
	c, ok := m.Cost(in, p, Flows()[0], 0)
	if !ok {
		t.Fatal("not computed")
	}
	cpu := 32.25 * float64(time.Millisecond)
	wantDur := time.Duration(cpu*1769/1024) + 25*time.Millisecond
	if c.MemoryMB != 1024 || c.Duration != wantDur || c.Billed != (wantDur+time.Millisecond-1).Truncate(time.Millisecond) {
		t.Fatalf("cost %+v, want duration %v", c, wantDur)
	}
	wantLambda := c.Billed.Seconds()*p.LambdaGBSecond + p.LambdaRequest
	if math.Abs(c.Lambda-wantLambda) > 1e-15 || c.APIGateway != p.HTTPAPIRequest ||
		math.Abs(c.DynamoDB-(6*p.RRU+9*p.WRU)) > 1e-15 || c.SES != 0 {
		t.Fatalf("cost %+v", c)
	}
	// The reset request lasts its pacing floor, and the authorizer is not
	// an API Gateway request of Gatepass's.
	rr, _ := m.Cost(in, p, Flows()[3], 0)
	if rr.Billed != 400*time.Millisecond || rr.MemoryMB != 256 || rr.SES != p.SESMail {
		t.Fatalf("reset request %+v", rr)
	}
	if az, _ := m.Cost(in, p, Flows()[6], 0); az.APIGateway != 0 {
		t.Fatalf("authorizer billed for API Gateway: %+v", az)
	}
}

// Cost × latency is lowest at one full vCPU when CPU work outweighs the
// waiting, and at 1769 × H / S below it otherwise.
func TestBestMemory(t *testing.T) {
	in, p, m := fixture(), Published(), DefaultModel()
	best, ok := m.BestMemory(in, p, Flows()[0])
	if !ok || best.MemoryMB != 1769 {
		t.Fatalf("best %+v", best)
	}
	m.ReadLatency, m.WriteLatency, m.TransactLatency = 100*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond
	best, _ = m.BestMemory(in, p, Flows()[0])
	if best.MemoryMB >= 1769 {
		t.Fatalf("with slow waits, best %d MB", best.MemoryMB)
	}
	// Without the charges that do not depend on memory, the optimum is
	// 1769 × H / S: H = 32.25 ms, S = 400 ms, ≈ 143 MB, nearest size 128.
	p.LambdaRequest, p.HTTPAPIRequest, p.RRU, p.WRU, p.LogsGB = 0, 0, 0, 0, 0
	if best, _ = m.BestMemory(in, p, Flows()[0]); best.MemoryMB != 128 {
		t.Fatalf("duration-only optimum %d MB", best.MemoryMB)
	}
}

// The model's memory sizes are the tenant stack's.
func TestMemorySizesAreTheStacks(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "aws", "tenant", "stack.go"))
	if err != nil {
		t.Skipf("no tenant stack: %v", err)
	}
	m := DefaultModel()
	for name, want := range map[string]int{"HashMemoryMB": m.HashMemoryMB, "PlainMemoryMB": m.PlainMemoryMB} {
		got := regexp.MustCompile(name + `\s*=\s*(\d+)`).FindSubmatch(src)
		if got == nil {
			t.Fatalf("no %s in the tenant stack", name)
		}
		if n, _ := strconv.Atoi(string(got[1])); n != want {
			t.Errorf("%s: stack %d, model %d", name, n, want)
		}
	}
}

// Every key the budgets and the cost model read is a benchmark make bench
// runs, and every priced function is in the route table.
func TestKeysAndFunctionsExist(t *testing.T) {
	var keys []string
	for _, b := range Benches() {
		keys = append(keys, b.Key())
	}
	for _, k := range []string{keyLoginHash, keyLoginNoFsync, keyVerifyPure, keyMFAStep, keyResetRequest,
		keyResetConfirm, keySessionCheck, keyAuthorize, keyViewsSelect, keyDeviceLogin, keyPasskey, keyPasskeyCrypt} {
		if !slices.Contains(keys, k) {
			t.Errorf("%s is not in Benches", k)
		}
	}
	for _, f := range Flows() {
		if _, ok := routes.Lookup(f.Function); !ok {
			t.Errorf("flow %q: no function %s", f.Label, f.Function)
		}
	}
}

func TestParsePprofTop(t *testing.T) {
	out := `File: bench
Type: cpu
Showing nodes accounting for 15.81s, 93.55% of 16.90s total
      flat  flat%   sum%        cum   cum%
     8.13s 48.11% 48.11%      8.13s 48.11%  golang.org/x/crypto/argon2.blamkaSSE4
     1.80s 10.65% 80.41%      1.80s 10.65%  runtime.memclrNoHeapPointers
         0     0% 93.55%      2.34s 13.85%  github.com/gatepass/gatepass/infra/local/stack.(*gateway).ServeHTTP
`
	got := ParsePprofTop(out)
	want := []ProfileEntry{{"golang.org/x/crypto/argon2.blamkaSSE4", 48.11}, {"runtime.memclrNoHeapPointers", 10.65},
		{"github.com/gatepass/gatepass/infra/local/stack.(*gateway).ServeHTTP", 0}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v", got)
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{dur(36865), "36.9 µs"}, {dur(197086), "197 µs"}, {dur(33.4e6), "33.4 ms"}, {dur(1.2e9), "1.20 s"}, {dur(12), "12.0 ns"},
		{bytesIEC(54497), "53.2 KiB"}, {bytesIEC(12 << 20), "12.0 MiB"}, {bytesIEC(300), "300 B"},
		{usd(0.00012), "$0.00012"}, {usd(6.4), "$6.40"}, {usd(0.5), "$0.500"}, {usd(0), "$0"},
		{count(2), "2"}, {count(0.5), "0.50"}, {thousands(1234567), "1,234,567"}, {thousands(12), "12"},
		{minutes(9*time.Minute + 5*time.Second), "9 min 05 s"},
		{faults(548.11), "548"}, {faults(0.3), "0.3"}, {faults(2), "2"}, {signedIEC(-1 << 20), "−1.00 MiB"}, {signedIEC(2048), "+2.00 KiB"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestCheaperRanges(t *testing.T) {
	// Cheaper between 1,000 and 5,000 users, and from 9,000 on.
	gatepass := func(u int) float64 {
		if (u >= 1000 && u <= 5000) || u >= 9000 {
			return 0
		}
		return 1
	}
	r := cheaperRanges(gatepass, func(int) float64 { return 0.5 })
	if len(r) != 2 || r[0] != [2]int{1000, 5000} || r[1] != [2]int{9000, scanLimit} {
		t.Fatalf("ranges %v", r)
	}
	if got := cheaperText(r); got != "from about 1,000 to 5,000 users and from about 9,000 users on" {
		t.Fatalf("text %q", got)
	}
	if got := cheaperText(nil); got != "at no size up to 10,000,000 users" {
		t.Fatalf("text %q", got)
	}
}

// A run set beside the previous one: each budget with its previous figure,
// the benchstat comparison shown as benchstat printed it.
func TestPreviousRun(t *testing.T) {
	dir := t.TempDir()
	in := fixture()
	if err := WriteJSON(filepath.Join(dir, FileMeta), in.Meta); err != nil {
		t.Fatal(err)
	}
	prev := filepath.Join(dir, DirPrevious)
	if err := os.MkdirAll(prev, 0o755); err != nil {
		t.Fatal(err)
	}
	old := Budgets(in)
	old[0].Measured = "0.400 ms CPU per login"
	old[0].Status = NotMet
	old = slices.DeleteFunc(old, func(b Budget) bool { return strings.HasPrefix(b.Name, "Every bootstrap") })
	if err := WriteJSON(filepath.Join(prev, FileBudgets), old); err != nil {
		t.Fatal(err)
	}
	oldMeta := in.Meta
	oldMeta.Date = "2026-11-30"
	if err := WriteJSON(filepath.Join(prev, FileMeta), oldMeta); err != nil {
		t.Fatal(err)
	}
	const cmp = "    │ previous │ this │\nLoginCheapHasher-2  250.0µ ± 1%  200.0µ ± 2%  -20.00% (p=0.002 n=6)"
	if err := os.WriteFile(filepath.Join(dir, FileBenchstat), []byte(cmp+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Previous == nil || loaded.Previous.Meta.Date != "2026-11-30" || loaded.Previous.Benchstat != cmp {
		t.Fatalf("previous run not loaded: %+v", loaded.Previous)
	}
	in.Previous = loaded.Previous
	doc := Performance(in)
	for _, want := range []string{
		"| budget | measured | previous run | status |",
		"| Non-hash CPU ≤ 0.3 ms per login | 0.250 ms CPU per login (0.250 ms wall), median of 5; BenchmarkLoginCheapHasherNoFsync | 0.400 ms CPU per login (not met) | met |",
		"| Every bootstrap ≤ 12 MB (12 MiB, as make build checks) | largest 11.0 MiB (admin), linux/arm64 | — (new budget) | met |",
		"| `make bench` under 10 minutes | 3 min 30 s for the steps",
		"| same | met |",
		"The previous run is of 2026-11-30",
		"```\n" + cmp + "\n```",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("performance.md lacks %q", want)
		}
	}

	// Without a previous run the table says so and nothing is compared.
	first := fixture()
	doc = Performance(first)
	if !strings.Contains(doc, "No previous run") || strings.Contains(doc, "```") {
		t.Errorf("a first run renders a comparison")
	}
	if empty, err := Load(t.TempDir()); err != nil || empty.Previous != nil {
		t.Errorf("empty raw directory: previous %+v, %v", empty.Previous, err)
	}
}

// lambdaLoad is a Lambda path's result as TestLoginLoadUnderTheEmulator
// writes it: one client, a limit of one core, the reference beside it.
func lambdaLoad() *loadtest.Result {
	return &loadtest.Result{Hash: LoadHash, GOMAXPROCS: 2, NumCPU: 2, MADVFree: true,
		Limit: hashlimit.Limit{Derivations: 40, CPU: 28 * time.Millisecond, User: 26 * time.Millisecond, System: 2 * time.Millisecond, MinorFaults: 230,
			Cores: 1, PerSecond: 35.7, FaultCost: 10 * time.Microsecond, Measurements: []time.Duration{27 * time.Millisecond, 29 * time.Millisecond}},
		Levels: []loadtest.Level{{Concurrency: 1, Logins: 190, PerSecond: 19, Elapsed: 10 * time.Second, P50: 52 * time.Millisecond, P99: 70 * time.Millisecond, Max: 73 * time.Millisecond, CPUPerLogin: 32 * time.Millisecond, CoresUsed: 0.6,
			Hash: hashlimit.Load{PercentOfLimit: 53.2, Process: procstat.PerOp{User: 29 * time.Millisecond, System: 3 * time.Millisecond, MinorFaults: 0.1}, PageFaultCPU: time.Microsecond, NonHashCPU: 4 * time.Millisecond},
			RSS:  75 << 20, PeakRSS: 75 << 20, RSSGrowth: 8 << 10}},
		Reference: &loadtest.Level{Concurrency: 1, Logins: 200, PerSecond: 20, Elapsed: 10 * time.Second, P50: 48 * time.Millisecond, P99: 65 * time.Millisecond, Max: 66 * time.Millisecond, CPUPerLogin: 36 * time.Millisecond, CoresUsed: 0.72,
			Hash: hashlimit.Load{PercentOfLimit: 56, Process: procstat.PerOp{User: 31 * time.Millisecond, System: 5 * time.Millisecond, MinorFaults: 450}, PageFaultCPU: 4500 * time.Microsecond, NonHashCPU: 8 * time.Millisecond},
			RSS:  72 << 20, PeakRSS: 74 << 20},
	}
}

// The Lambda path renders its one level against one core's limit, the
// non-hash CPU over the Runtime API, and the reference beside it.
func TestLambdaPathRendering(t *testing.T) {
	in := fixture()
	in.LoadLambda = lambdaLoad()
	got := map[string]Budget{}
	for _, b := range Budgets(in) {
		if strings.HasSuffix(b.Name, PathLambda) {
			got[b.Name] = b
		}
	}
	for name, want := range map[string]struct {
		status   Status
		measured string
	}{
		"≥ 95 % of the hash limit (cores ÷ CPU of one derivation, same run) — Lambda path (RIE)": {NotMet,
			"53 %: 19.0 logins/s at concurrency 1 of 35.7 (1 core ÷ 28.0 ms per derivation); the hash is 88 % of the process's CPU per login, 0.60 of 2 cores busy"},
		"Page-fault CPU ≤ 500 µs per login — Lambda path (RIE)": {Met,
			"worst 1.00 µs at concurrency 1 (0.1 faults × 10.0 µs per fault, 0.0 of them first touches that grew RSS by 8.00 KiB; 3.00 ms of system CPU in all); with the runtime's default release 4.50 ms at concurrency 1 (450 faults)"},
		"Non-hash CPU of the whole process ≤ 500 µs per login over the Runtime API — Lambda path (RIE)": {Inconclusive,
			"4.00 ms at concurrency 1 (32.0 ms of CPU per login, 29.0 ms user + 3.00 ms system, less 28.0 ms per derivation); but a derivation's CPU moved by 2.00 ms"},
		"Resident memory with argon2's memory kept ≤ the hashing functions' 1024 MB — Lambda path (RIE)": {Met,
			"peak 75.0 MiB at concurrency 1; at concurrency 1 75.0 MiB at the end of the level against 72.0 MiB with the runtime's default release (peaks 75.0 MiB and 74.0 MiB)"},
	} {
		b, ok := got[name]
		if !ok {
			t.Errorf("no budget %q", name)
			continue
		}
		if b.Status != want.status || !strings.HasPrefix(b.Measured, want.measured) {
			t.Errorf("%s:\n%s: %s\nwant %s: %s…", name, b.Status, b.Measured, want.status, want.measured)
		}
	}
	perf := Performance(in)
	for _, want := range []string{
		"| load test, Lambda path under RIE (m=19456,t=2,p=1) | hash limit (cores ÷ CPU of one derivation) | 35.7 logins/s |",
		"40 derivations on 1 core, half before the levels (27.0 ms per derivation) and half after (29.0 ms)",
		"| load test, Lambda path under RIE (m=19456,t=2,p=1) | concurrency 1, MADV_FREE | 19.0 logins/s |",
		"| load test, Lambda path under RIE (m=19456,t=2,p=1) | concurrency 1, MADV_DONTNEED (the runtime's default) | 20.0 logins/s |",
		"0.60 of 2 cores busy · per login: CPU 32.0 ms (29.0 ms user + 3.00 ms system), 0.1 page faults (1.00 µs), 4.00 ms besides the hash",
		"**Load test, Lambda path**",
		"— Lambda path (RIE) — not met**: 53 %: 19.0 logins/s at concurrency 1 of 35.7 (1 core ÷ 28.0 ms per derivation); the hash is 88 % of the process's CPU per login, 0.60 of 2 cores busy; why is under *Load test, Lambda path* above.",
	} {
		if !strings.Contains(perf, want) {
			t.Errorf("performance.md lacks %q", want)
		}
	}
	if strings.Contains(perf, "not measured: the lambda-load step") {
		t.Error("a measured Lambda path still says it is not measured")
	}
}

// Load reads both load tests back from the raw directory.
func TestLoadReadsBothLoadTests(t *testing.T) {
	dir := t.TempDir()
	local, lambda := fixture().Load, fixture().Load
	lambda.Levels = lambda.Levels[:1]
	if err := WriteJSON(filepath.Join(dir, FileLoad), local); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(filepath.Join(dir, FileLoadLambda), lambda); err != nil {
		t.Fatal(err)
	}
	in, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if in.Load == nil || in.LoadLambda == nil || len(in.Load.Levels) != 2 || len(in.LoadLambda.Levels) != 1 ||
		!reflect.DeepEqual(in.Load.Limit, local.Limit) || *in.Load.Reference != *local.Reference || in.LoadLambda.Levels[0] != lambda.Levels[0] {
		t.Fatalf("read back %+v and %+v", in.Load, in.LoadLambda)
	}
	if in, err := Load(t.TempDir()); err != nil || in.Load != nil || in.LoadLambda != nil {
		t.Fatalf("empty directory: %+v, %v", in, err)
	}
}
