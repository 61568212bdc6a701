package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gatepass/gatepass/infra/bench/coldstart"
	"github.com/gatepass/gatepass/infra/bench/gobench"
	"github.com/gatepass/gatepass/infra/bench/hashlimit"
	"github.com/gatepass/gatepass/infra/bench/loadtest"
	"github.com/gatepass/gatepass/infra/bench/stats"
)

// Budget limits of issue 8/8, tightened by issue 2.6 (non-hash CPU was 1 ms,
// the sign-in rate 55 logins/s).
const (
	BudgetNonHashCPU   = 300 * time.Microsecond
	BudgetLoginsPerSec = 65.0
	BudgetRoundTrips   = 2
	// BudgetPasskeyCPU is issue 2.4's non-crypto CPU of a passkey sign-in.
	BudgetPasskeyCPU = time.Millisecond
	BudgetBootstrap  = 12 << 20 // the Makefile's MAX_BOOTSTRAP_BYTES, 12 MiB
	BudgetExecToNext = 50 * time.Millisecond
	BudgetBenchTime  = 10 * time.Minute
	// BudgetRound1LoginCPU is the non-hash CPU of a password login that
	// round 1 measured (docs/performance.md of 2026-11-23): issue 2.4 asks
	// for "unchanged or better", within this machine's noise (10%).
	BudgetRound1LoginCPU = 213 * time.Microsecond
	// LoadHash is the argon2id cost the load test must run at.
	LoadHash = "m=19456,t=2,p=1"
)

// Issue 2.6's budgets of the load test (item 4), for the local stack and
// the Lambda path alike.
const (
	// BudgetShareOfHashLimit is the least share of the hash limit (cores ÷
	// CPU of one derivation, measured in the same run) the best level must
	// reach, in percent.
	BudgetShareOfHashLimit = 95.0
	// BudgetPageFaultCPU is the most page-fault CPU per login at any level.
	BudgetPageFaultCPU = 500 * time.Microsecond
	// BudgetNonHashCPUOverHTTP is the most CPU per login the whole serving
	// process may spend besides the derivation, at the best level.
	BudgetNonHashCPUOverHTTP = 500 * time.Microsecond
)

// Status of a budget.
type Status string

// Statuses.
const (
	Met         Status = "met"
	NotMet      Status = "**not met**"
	NotMeasured Status = "not measured"
	// Inconclusive is a budget the run measured less precisely than the
	// budget is tight: its figure is shown, but neither met nor not met.
	Inconclusive Status = "**inconclusive**"
)

// Budget is one budget and how the run fared.
type Budget struct {
	Name     string `json:"name"`
	Measured string `json:"measured"`
	Status   Status `json:"status"`
}

// Budgets evaluates every budget on in.
func Budgets(in Inputs) []Budget {
	var out []Budget

	b := Budget{Name: "Non-hash CPU ≤ 0.3 ms per login", Status: NotMeasured}
	if s, ok := in.bench(keyLoginNoFsync); ok {
		cpu := s.Median["cpu-ns/op"]
		b.Measured = fmt.Sprintf("%s CPU per login (%s wall), median of %d; BenchmarkLoginCheapHasherNoFsync", ms(cpu), ms(s.Median["ns/op"]), s.Runs)
		b.Status = status(cpu <= float64(BudgetNonHashCPU))
	}
	out = append(out, b)

	b = Budget{Name: "≥ 65 logins/s on this machine, argon2id m=19 MiB t=2 p=1", Status: NotMeasured}
	if in.Load != nil {
		best := slices.MaxFunc(in.Load.Levels, func(a, b loadtest.Level) int { return cmpFloat(a.PerSecond, b.PerSecond) })
		errs := 0
		for _, l := range in.Load.Levels {
			errs += l.Errors
		}
		b.Measured = fmt.Sprintf("%.1f logins/s at concurrency %d (best level; %s; %d errors in all levels)",
			best.PerSecond, best.Concurrency, in.Load.Hash, errs)
		b.Status = status(best.PerSecond >= BudgetLoginsPerSec && errs == 0 && in.Load.Hash == LoadHash)
	}
	out = append(out, b)

	b = Budget{Name: "≤ 2 store round trips per password login (no MFA)", Status: NotMeasured}
	if c, ok := in.capacity("login"); ok {
		b.Measured = fmt.Sprintf("%d (%d reads + %d writes; on DynamoDB: %s)", c.Reads+c.Writes, c.Reads, c.Writes, calls(c.Calls))
		b.Status = status(c.Reads+c.Writes <= BudgetRoundTrips)
	} else if s, ok := in.bench(keyLoginNoFsync); ok {
		r, w := s.Median["reads/op"], s.Median["writes/op"]
		b.Measured = fmt.Sprintf("%s (%s reads + %s writes)", count(r+w), count(r), count(w))
		b.Status = status(r+w <= BudgetRoundTrips)
	}
	out = append(out, b)

	b = Budget{Name: "Every bootstrap ≤ 12 MB (12 MiB, as make build checks)", Status: NotMeasured}
	if len(in.Sizes) > 0 {
		largest := slices.MaxFunc(in.Sizes, func(a, b Size) int { return cmpFloat(float64(a.Bytes), float64(b.Bytes)) })
		b.Measured = fmt.Sprintf("largest %s (%s), linux/arm64", bytesIEC(float64(largest.Bytes)), largest.Function)
		b.Status = status(largest.Bytes <= BudgetBootstrap)
	}
	out = append(out, b)

	b = Budget{Name: "Exec to first /next ≤ 50 ms", Status: NotMeasured}
	if len(in.ColdStart) > 0 {
		worst, name := time.Duration(0), ""
		for _, r := range in.ColdStart {
			if m := stats.Median(r.ExecToNext); m > worst && r.Function != BaselineFunction {
				worst, name = m, r.Function
			}
		}
		b.Measured = fmt.Sprintf("slowest median %s (%s), linux/amd64 host binaries", durD(worst), name)
		b.Status = status(worst <= BudgetExecToNext)
	}
	out = append(out, b)

	b = Budget{Name: "`make bench` under 10 minutes", Status: NotMeasured}
	if len(in.Meta.Steps) > 0 {
		var total time.Duration
		for _, s := range in.Meta.Steps {
			total += s.Took
		}
		b.Measured = fmt.Sprintf("%s for the steps (make build and every build of the tests and functions included; compiling the bench command comes on top)", minutes(total))
		b.Status = status(total <= BudgetBenchTime)
	}
	out = append(out, b)

	// Issue 2.4's budgets.
	b = Budget{Name: "Password login unchanged or better than round 1 (0.213 ms CPU, ±10% noise)", Status: NotMeasured}
	if s, ok := in.bench(keyLoginNoFsync); ok {
		cpu := s.Median["cpu-ns/op"]
		b.Measured = fmt.Sprintf("%s CPU per login, %.0f%% of round 1's", ms(cpu), 100*cpu/float64(BudgetRound1LoginCPU))
		b.Status = status(cpu <= 1.1*float64(BudgetRound1LoginCPU))
	}
	out = append(out, b)

	b = Budget{Name: "Passkey sign-in ≤ 2 reads + 2 writes and ≤ 1 ms non-crypto CPU", Status: NotMeasured}
	if s, ok := in.bench(keyPasskey); ok {
		cpu, r, w := s.Median["cpu-ns/op"], s.Median["reads/op"], s.Median["writes/op"]
		crypto := 0.0
		if v, ok := in.bench(keyPasskeyCrypt); ok {
			crypto = v.Median["ns/op"]
		}
		b.Measured = fmt.Sprintf("%s R + %s W; %s CPU, of which %s the assertion's parse and signature check: %s besides",
			count(r), count(w), ms(cpu), ms(crypto), ms(cpu-crypto))
		b.Status = status(r <= 2 && w <= 2 && cpu-crypto <= float64(BudgetPasskeyCPU))
	}
	out = append(out, b)

	// 2.4 asked for the round trips of a password sign-in (then 2 + 2);
	// since 2.6 a password sign-in is 2 + 3, its last write split in two so
	// that session and audit event are not transactional.
	b = Budget{Name: "Password sign-in of a TOTP user from a remembered browser: no more round trips than a password sign-in", Status: NotMeasured}
	if c, ok := in.capacity("login-remembered-device"); ok {
		if l, ok := in.capacity("login"); ok {
			b.Measured = fmt.Sprintf("%d R + %d W, a password sign-in %d R + %d W (on DynamoDB: %s)", c.Reads, c.Writes, l.Reads, l.Writes, calls(c.Calls))
			b.Status = status(c.Reads <= l.Reads && c.Writes <= l.Writes)
		}
	}
	out = append(out, b)

	// Issue 2.6's budgets.
	b = Budget{Name: fmt.Sprintf("≤ %s per million password logins (docs/cost-model.md)", usd(BudgetLoginCost*1e6)), Status: NotMeasured}
	if c, ok := DefaultModel().Cost(in, Published(), Flows()[0], 0); ok {
		b.Measured = fmt.Sprintf("%s at %d MB (DynamoDB %s, Lambda %s, API Gateway %s, logs %s)", usd(c.Total()*1e6), c.MemoryMB,
			usd(c.DynamoDB*1e6), usd(c.Lambda*1e6), usd(c.APIGateway*1e6), usd(c.Logs*1e6))
		if f, ok := DefaultModel().LoginFloor(in, Published()); ok {
			b.Measured += fmt.Sprintf("; floor without waiting and logs %s", usd(f.Total()*1e6))
		}
		b.Status = status(c.Total() <= BudgetLoginCost)
	}
	out = append(out, b)

	out = append(out, loadBudgets(PathLocal, in.Load, DefaultModel().HashMemoryMB)...)
	out = append(out, loadBudgets(PathLambda, in.LoadLambda, DefaultModel().HashMemoryMB)...)
	return out
}

// The load test's two paths: the local stack over loopback HTTP, and a
// Lambda bootstrap under the runtime interface emulator.
const (
	PathLocal  = "local stack"
	PathLambda = "Lambda path (RIE)"
)

// bestLevel is the level with the most logins a second.
func bestLevel(r *loadtest.Result) loadtest.Level {
	return slices.MaxFunc(r.Levels, func(a, b loadtest.Level) int { return cmpFloat(a.PerSecond, b.PerSecond) })
}

// loadBudgets are issue 2.6's budgets of one path's load test: the share
// of the hash limit and the CPU besides the hash at the best level, the
// page-fault CPU at the worst, and the resident memory that keeping
// argon2's memory costs against the hashing functions' memory (memoryMB).
func loadBudgets(path string, r *loadtest.Result, memoryMB int) []Budget {
	// The local stack serves sign-ins over HTTP; a bootstrap takes its
	// events from the Runtime API (HTTP too, plus the event's JSON).
	over := "over HTTP"
	if path == PathLambda {
		over = "over the Runtime API"
	}
	names := []string{
		fmt.Sprintf("≥ %.0f %% of the hash limit (cores ÷ CPU of one derivation, same run) — %s", BudgetShareOfHashLimit, path),
		fmt.Sprintf("Page-fault CPU ≤ %s per login — %s", durD(BudgetPageFaultCPU), path),
		fmt.Sprintf("Non-hash CPU of the whole process ≤ %s per login %s — %s", durD(BudgetNonHashCPUOverHTTP), over, path),
		fmt.Sprintf("Resident memory with argon2's memory kept ≤ the hashing functions' %d MB — %s", memoryMB, path),
	}
	out := make([]Budget, len(names))
	for i, n := range names {
		out[i] = Budget{Name: n, Status: NotMeasured, Measured: "not measured"}
	}
	if r == nil || len(r.Levels) == 0 {
		if path == PathLambda {
			for i := range out {
				out[i].Measured = "not measured: the lambda-load step writes docs/bench/raw/" + FileLoadLambda + " (TestLoginLoadUnderTheEmulator, the login bootstrap under aws-lambda-rie)"
			}
		}
		return out
	}
	best, lim := bestLevel(r), r.Limit
	if lim.PerSecond > 0 {
		out[0].Measured = fmt.Sprintf("%.0f %%: %.1f logins/s at concurrency %d of %.1f (%s ÷ %s per derivation); the hash is %.0f %% of the process's CPU per login, %.2f of %s busy",
			best.Hash.PercentOfLimit, best.PerSecond, best.Concurrency, lim.PerSecond, coresText(lim.Cores), durD(lim.CPU),
			100*float64(lim.CPU)/float64(max(best.Hash.Process.CPU(), 1)), best.CoresUsed, coresText(r.GOMAXPROCS))
		out[0].Status = status(best.Hash.PercentOfLimit >= BudgetShareOfHashLimit)

		out[2].Measured = fmt.Sprintf("%s at concurrency %d (%s of CPU per login, %s user + %s system, less %s per derivation)",
			durD(best.Hash.NonHashCPU), best.Concurrency, durD(best.Hash.Process.CPU()), durD(best.Hash.Process.User),
			durD(best.Hash.Process.System), durD(lim.CPU))
		out[2].Status = status(best.Hash.NonHashCPU <= BudgetNonHashCPUOverHTTP)
		if d := drift(lim); d > BudgetNonHashCPUOverHTTP {
			out[2].Measured += fmt.Sprintf("; but a derivation's CPU moved by %s between the limit's two measurements, more than the budget, on a machine shared with other work", durD(d))
			out[2].Status = Inconclusive
		}
	}
	if lim.FaultCost > 0 {
		worst := slices.MaxFunc(r.Levels, func(a, b loadtest.Level) int {
			return cmpFloat(float64(a.Hash.PageFaultCPU), float64(b.Hash.PageFaultCPU))
		})
		out[1].Measured = fmt.Sprintf("worst %s at concurrency %d (%s faults × %s per fault, %s of them first touches that grew RSS by %s; %s of system CPU in all)",
			durD(worst.Hash.PageFaultCPU), worst.Concurrency, faults(worst.Hash.Process.MinorFaults), durD(lim.FaultCost),
			faults(worst.FirstTouchFaults()), bytesIEC(float64(max(worst.RSSGrowth, 0))), durD(worst.Hash.Process.System))
		if ref := r.Reference; ref != nil {
			out[1].Measured += fmt.Sprintf("; with the runtime's default release %s at concurrency %d (%s faults)",
				durD(ref.Hash.PageFaultCPU), ref.Concurrency, faults(ref.Hash.Process.MinorFaults))
		}
		out[1].Status = status(worst.Hash.PageFaultCPU <= BudgetPageFaultCPU)
	}
	peak := slices.MaxFunc(r.Levels, func(a, b loadtest.Level) int { return cmpFloat(float64(a.PeakRSS), float64(b.PeakRSS)) })
	if peak.PeakRSS > 0 {
		out[3].Measured = fmt.Sprintf("peak %s at concurrency %d", bytesIEC(float64(peak.PeakRSS)), peak.Concurrency)
		if ref := r.Reference; ref != nil && ref.PeakRSS > 0 {
			top := r.Levels[len(r.Levels)-1]
			out[3].Measured += fmt.Sprintf("; at concurrency %d %s at the end of the level against %s with the runtime's default release (peaks %s and %s)",
				top.Concurrency, bytesIEC(float64(top.RSS)), bytesIEC(float64(ref.RSS)), bytesIEC(float64(top.PeakRSS)), bytesIEC(float64(ref.PeakRSS)))
		}
		out[3].Status = status(peak.PeakRSS <= int64(memoryMB)<<20)
	}
	return out
}

// BaselineFunction names the minimal Go Lambda measured beside Gatepass's
// functions: the floor any Go function pays.
const BaselineFunction = coldstart.Baseline

func status(ok bool) Status {
	if ok {
		return Met
	}
	return NotMet
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func minutes(d time.Duration) string {
	return fmt.Sprintf("%d min %02d s", int(d.Minutes()), int(d.Seconds())%60)
}

// calls renders DynamoDB requests by operation in name order.
func calls(c map[string]int) string {
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s×%d", n, c[n])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// Performance renders docs/performance.md.
func Performance(in Inputs) string {
	var b strings.Builder
	b.WriteString("# Gatepass performance\n\n")
	b.WriteString("Generated by `make bench` (`go run ./infra/bench`); do not edit by hand. ")
	fmt.Fprintf(&b, "Run of %s on %s, %d cores, %s %s/%s.\n", orDash(in.Meta.Date), orDash(in.Meta.CPU), in.Meta.NumCPU,
		orDash(in.Meta.GoVersion), orDash(in.Meta.OS), orDash(in.Meta.Arch))
	if len(in.Meta.Settings) > 0 {
		fmt.Fprintf(&b, "Settings: %s.\n", strings.Join(in.Meta.Settings, ", "))
	}
	b.WriteString("The cost model built from these figures is [cost-model.md](cost-model.md).\n\n")

	b.WriteString("## Budgets\n\n")
	var rows [][]string
	for _, bg := range Budgets(in) {
		rows = append(rows, []string{bg.Name, orDash(bg.Measured), in.Previous.previousCell(bg), string(bg.Status)})
	}
	table(&b, "llll", []string{"budget", "measured", "previous run", "status"}, rows)
	b.WriteString("\n")

	b.WriteString("## Results\n\n")
	b.WriteString("Medians; the spread is the lowest and highest of the runs. ")
	b.WriteString("CPU is the process's user + system time per operation (garbage collection included).\n\n")
	table(&b, "llrrl", []string{"area", "item", "median", "spread", "details"}, resultRows(in))
	b.WriteString("\n")
	b.WriteString(againstPrevious(in))
	b.WriteString(howMeasured(in))
	b.WriteString(notes(in))
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// resultRows is the one results table.
func resultRows(in Inputs) [][]string {
	var rows [][]string
	known := map[string]bool{}
	for _, spec := range Benches() {
		known[spec.Key()] = true
		s, ok := in.bench(spec.Key())
		if !ok {
			rows = append(rows, []string{"Go benchmark", spec.Label, "not measured", "", ""})
			continue
		}
		rows = append(rows, benchRow(spec.Label, s))
	}
	var extra []gobench.Summary
	for _, s := range in.Bench {
		if !known[gobench.Key(s.Pkg, s.Name)] {
			extra = append(extra, s)
		}
	}
	slices.SortFunc(extra, func(a, b gobench.Summary) int {
		return strings.Compare(gobench.Key(a.Pkg, a.Name), gobench.Key(b.Pkg, b.Name))
	})
	for _, s := range extra {
		rows = append(rows, benchRow(gobench.Key(s.Pkg, s.Name), s))
	}

	for _, c := range in.Capacity {
		mail := ""
		if c.Mails > 0 {
			mail = fmt.Sprintf(" · %d mail", c.Mails)
		}
		rows = append(rows, []string{"DynamoDB round trips (real adapter on DynamoDB Local)", c.Flow,
			fmt.Sprintf("%d R + %d W", c.Reads, c.Writes), "",
			fmt.Sprintf("%s · %s RRU, %s WRU by the published rules (DynamoDB Local reports %s, %s)%s · %s of log lines",
				calls(c.Calls), count(c.RRU), count(c.WRU), count(c.LocalRRU), count(c.LocalWRU), mail, bytesIEC(float64(c.LogBytes)))})
	}

	for _, s := range in.Sizes {
		detail := ""
		if r, ok := in.coldStart(s.Function); ok {
			detail = "host build (linux/" + orDash(in.Meta.Arch) + ") " + bytesIEC(float64(r.HostBytes))
		}
		rows = append(rows, []string{"bootstrap size, linux/arm64 (make build)", s.Function, bytesIEC(float64(s.Bytes)), "", detail})
	}

	for _, r := range in.ColdStart {
		if len(r.ExecToNext) == 0 {
			continue
		}
		warm := stats.Summarise(r.Warm)
		var slow []string
		for _, p := range r.SlowestInits {
			slow = append(slow, fmt.Sprintf("%s %s", p.Package, durD(p.Took)))
		}
		rows = append(rows, []string{"cold start, exec → first /next (host binary)", r.Function,
			durD(stats.Median(r.ExecToNext)),
			fmt.Sprintf("%s–%s (%d runs)", durD(slices.Min(r.ExecToNext)), durD(slices.Max(r.ExecToNext)), len(r.ExecToNext)),
			fmt.Sprintf("first invoke %s · warm invoke p50 %s, p99 %s (%d) · AWS calls at init: %s; per invoke: %s · %s → %s · package init %s (slowest: %s)",
				durD(stats.Median(r.FirstInvoke)), durD(warm.P50), durD(warm.P99), warm.N, r.InitCalls, r.InvokeCalls, r.Event, r.Outcome,
				durD(r.PackageInit), orDash(strings.Join(slow, ", ")))})
	}
	for _, r := range in.ColdStart {
		if len(r.RIEInit) == 0 {
			continue
		}
		rows = append(rows, []string{"cold start, init under aws-lambda-rie (host binary)", r.Function,
			durD(stats.Median(r.RIEInit)),
			fmt.Sprintf("%s–%s (%d runs)", durD(slices.Min(r.RIEInit)), durD(slices.Max(r.RIEInit)), len(r.RIEInit)),
			fmt.Sprintf("the emulator's INIT REPORT · loopback harness, same binary: exec → first /next %s · first invocation's REPORT Duration %s",
				durD(stats.Median(r.ExecToNext)), durD(stats.Median(r.RIEFirstInvoke)))})
	}

	rows = append(rows, loadRows("load test, local stack over loopback", in.Load)...)
	rows = append(rows, loadRows("load test, Lambda path under RIE", in.LoadLambda)...)
	return rows
}

// faults renders page faults per operation: whole from 10 on, one decimal
// below.
func faults(v float64) string {
	if v >= 10 || v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// signedIEC is a change of size: "+2.0 MiB", "−512 KiB".
func signedIEC(b int64) string {
	if b < 0 {
		return "−" + bytesIEC(float64(-b))
	}
	return "+" + bytesIEC(float64(b))
}

// drift is how far apart the limit's measurements of a derivation's CPU
// were: the precision of any figure that subtracts it.
func drift(l hashlimit.Limit) time.Duration {
	if len(l.Measurements) < 2 {
		return 0
	}
	return slices.Max(l.Measurements) - slices.Min(l.Measurements)
}

// measurements says when the limit was measured and what each gave.
func measurements(l hashlimit.Limit) string {
	switch len(l.Measurements) {
	case 1:
		return " before the levels"
	case 2:
		return fmt.Sprintf(", half before the levels (%s per derivation) and half after (%s)", durD(l.Measurements[0]), durD(l.Measurements[1]))
	}
	return ""
}

// loadRows are one load test's rows: the hash limit, every level, and the
// reference level with the runtime's default release.
func loadRows(area string, r *loadtest.Result) [][]string {
	if r == nil {
		return nil
	}
	area += " (" + r.Hash + ")"
	var rows [][]string
	if lim := r.Limit; lim.PerSecond > 0 {
		rows = append(rows, []string{area, "hash limit (cores ÷ CPU of one derivation)", fmt.Sprintf("%.1f logins/s", lim.PerSecond), "",
			fmt.Sprintf("%s CPU per derivation (%s user + %s system, %s page faults), %d derivations on %s%s · a page fault costs %s",
				durD(lim.CPU), durD(lim.User), durD(lim.System), faults(lim.MinorFaults), lim.Derivations, coresText(lim.Cores), measurements(lim), durD(lim.FaultCost))})
	}
	release := "MADV_DONTNEED"
	if r.MADVFree {
		release = "MADV_FREE"
	}
	level := func(item string, l loadtest.Level) []string {
		return []string{area, item, fmt.Sprintf("%.1f logins/s", l.PerSecond), "",
			fmt.Sprintf("%.0f %% of the hash limit · p50 %s · p99 %s · max %s · %d logins, %d errors in %s · %.2f of %s busy · per login: CPU %s (%s user + %s system), %s page faults (%s), %s besides the hash · RSS %s at the end (%s over the level), peak %s",
				l.Hash.PercentOfLimit, durD(l.P50), durD(l.P99), durD(l.Max), l.Logins, l.Errors, durD(l.Elapsed.Round(time.Millisecond)),
				l.CoresUsed, coresText(r.GOMAXPROCS), durD(l.Hash.Process.CPU()), durD(l.Hash.Process.User), durD(l.Hash.Process.System),
				faults(l.Hash.Process.MinorFaults), durD(l.Hash.PageFaultCPU), durD(l.Hash.NonHashCPU),
				bytesIEC(float64(l.RSS)), signedIEC(l.RSSGrowth), bytesIEC(float64(l.PeakRSS)))}
	}
	for _, l := range r.Levels {
		rows = append(rows, level(fmt.Sprintf("concurrency %d, %s", l.Concurrency, release), l))
	}
	if ref := r.Reference; ref != nil {
		rows = append(rows, level(fmt.Sprintf("concurrency %d, MADV_DONTNEED (the runtime's default)", ref.Concurrency), *ref))
	}
	return rows
}

func benchRow(label string, s gobench.Summary) []string {
	var d []string
	if v, ok := s.Median["cpu-ns/op"]; ok {
		d = append(d, "CPU "+dur(v))
	}
	d = append(d, bytesIEC(s.Median["B/op"])+"/op", count(s.Median["allocs/op"])+" allocs/op")
	if r, ok := s.Median["reads/op"]; ok {
		d = append(d, fmt.Sprintf("%s R + %s W", count(r), count(s.Median["writes/op"])))
	}
	return []string{"Go benchmark", label, dur(s.Median["ns/op"]),
		fmt.Sprintf("%s–%s (%d runs)", dur(s.Min["ns/op"]), dur(s.Max["ns/op"]), s.Runs), strings.Join(d, " · ")}
}

// coresText is "1 core" or "n cores".
func coresText(n int) string {
	if n == 1 {
		return "1 core"
	}
	return fmt.Sprintf("%d cores", n)
}
