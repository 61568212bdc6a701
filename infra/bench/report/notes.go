package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatepass/gatepass/infra/bench/coldstart"
	"github.com/gatepass/gatepass/infra/bench/loadtest"
	"github.com/gatepass/gatepass/infra/bench/rie"
	"github.com/gatepass/gatepass/infra/bench/stats"
)

// BenchstatVersion is the benchstat the documents tell to run (the Go
// module proxy resolved it when this was written; make bench never needs
// it).
const BenchstatVersion = "v0.0.0-20260908200009-22c9c6c9d4da"

// howMeasured is the "How measured" section.
func howMeasured(in Inputs) string {
	var b strings.Builder
	b.WriteString("## How measured\n\n")
	b.WriteString("- **Go benchmarks** (`-benchmem`; per-flow `*_bench_test.go` in the owning packages): each package's test binary is built with `go test -c` and run from a temporary directory, so that the packages' `TestMain` finds no repository and does not start DynamoDB Local beside the benchmark. ")
	b.WriteString("Flows run through the real handlers (`apptest`: every function routed as in AWS, the alias gate and middleware included) on the embedded store; `cpu-ns/op` is the process's CPU time per operation and `reads/op`, `writes/op` the store round trips counted by `shared/store/storecount` (package `infra/bench/flowbench`). ")
	b.WriteString("Preparation that is not the flow (a fresh challenge, a fresh reset link) runs with the timer and the counters stopped. A cheap hasher replaces argon2id except in the rows that say argon2id; the argon2id verify is measured alone, with the amd64 assembly and with `-tags purego`, the pure-Go code the arm64 Lambdas run.\n")
	b.WriteString("- **Round trips and request units**: `TestFlowCapacityOnDynamoDB` (`shared/store/dynamo`) runs every flow once through the real DynamoDB adapter on DynamoDB Local, counting requests per operation; request units follow DynamoDB's published rules, since DynamoDB Local neither charges missing keys nor doubles transactional writes. ")
	b.WriteString("Exact round-trip counts are asserted in the owning packages' tests (login, MFA step, reset request and confirm, session check, authorizer, views), on both stores.\n")
	b.WriteString("- **Binary sizes**: `bin/<function>/bootstrap` as `make build` leaves them (linux/arm64, `-tags lambda.norpc -trimpath -ldflags='-s -w'`).\n")
	b.WriteString("- **Cold start**: each function is built for this host (linux/" + orDash(in.Meta.Arch) + ", the Makefile's flags) and executed against a loopback Lambda Runtime API (`infra/bench/lambdaapi`) with the environment Lambda and the tenant stack give it and fake credentials. ")
	b.WriteString("Its AWS calls go through `HTTPS_PROXY` to loopback fakes (`infra/bench/awsfake`: TLS terminated with a throw-away CA in `SSL_CERT_FILE` after the system roots; DynamoDB answers every key missing, Secrets Manager a fixed key, SES accepts) — nothing leaves the machine. ")
	b.WriteString("Timed: exec → first `GET /2018-06-01/runtime/invocation/next` (Go runtime start, configuration, SDK clients, the function's init and, for login, mfa and admin, the Secrets Manager read); then the first invocation and the warm ones, from writing the event to receiving the response. ")
	b.WriteString("The event is each function's cheapest real request: an HTTP function's first route without a session, the authorizer a well-formed cookie of no session (one read, deny), the custom resource a CloudFormation Delete. `baseline` is a minimal aws-lambda-go function: the floor any Go function pays here. ")
	if slices.ContainsFunc(in.ColdStart, func(r coldstart.Result) bool { return len(r.RIEInit) > 0 }) {
		b.WriteString("The same binaries are also started under the official emulator, `aws-lambda-rie` " + rie.Version + " (`infra/bench/rie`; built from the Go module proxy into the user cache), with the same environment and fakes, and invoked once per start: its init figure is the emulator's own `INIT REPORT` (exec → first /next as it times it, with its runtime-domain set-up; its `REPORT` line's Init Duration only times an asynchronous call in this version), and its first invocation's `REPORT` Duration includes waiting for that init. ")
	}
	b.WriteString("A Lambda cold start adds what this cannot see: fetching the code, starting the micro-VM, and a slower CPU share below 1769 MB.\n")
	b.WriteString("- **Load test**: the local stack started in this process on a free loopback port, with argon2id at the production parameters (the load test reads them back from a stored hash), one user per client so that no two sign-ins contend for one account (lockout counts only failures and a success clears them); each level signs in for a fixed time after a warm-up, over keep-alive HTTP. Clients and stack share the machine's cores, as `make run` and a browser would. " +
		"The bench runs it in a child process with `GODEBUG=madvdontneed=0`, as the local stack runs (`shared/app/hashmem`: the runtime releases freed memory with MADV_FREE, so argon2's block array stays mapped between sign-ins), and the highest level again in another child with the runtime's default MADV_DONTNEED, the reference; the runtime reads the setting only at start. " +
		"*Hash limit*: before the levels and again after them, derivations of the load test's own stored hash (the production hasher's Verify) on as many goroutines as cores, timed with the process's CPU time (getrusage); the limit is cores ÷ the mean CPU per derivation, and other processes' CPU does not count in it. " +
		"The stack is first warmed at the highest level until a warm-up takes almost no page faults, so that the levels measure a stack whose heap has reached its high-water mark. " +
		"Per level the process's user and system CPU and minor page faults are read from `/proc/<pid>/stat` before and after (10 ms ticks), its RSS from `/proc/<pid>/status` (every 50 ms for the peak) — `infra/bench/procstat`, which reads any process, so that a Lambda bootstrap under the runtime interface emulator gets the same figures. " +
		"*Page-fault CPU* is the minor faults per login × the CPU of one fault, measured by touching 16 MiB of fresh anonymous pages; not the system CPU, which also holds the loopback and fsync system calls. " +
		"*Non-hash CPU* is the process's CPU per login less one derivation's: clients, HTTP, store, runtime and page faults.\n")
	if in.LoadLambda != nil {
		b.WriteString("- **Load test, Lambda path**: the real `login` bootstrap (host build, the Makefile's flags) under `aws-lambda-rie`, on DynamoDB Local through the bench's AWS proxy, one client signing in after another for the same time as a level, after warm-ups until its heap settles (the first level also after signing in for as long unmeasured: without it, whichever level ran first was slower in wall time — most likely DynamoDB Local, a JVM, compiling its request paths) (`TestLoginLoadUnderTheEmulator` in `shared/internal/lambdae2e`, which runs only when the bench's `lambda-load` step names its result file). " +
			"One Lambda execution environment serves one invocation at a time and argon2id with p=1 uses one core, so its hash limit is one core's: 1 ÷ the CPU of one derivation. The figures are the bootstrap process's own, from `/proc`; once with `GODEBUG=madvdontneed=0`, as the tenant stack sets it on the hashing functions, once with the runtime's default as the reference. " +
			"Its share of the limit is bounded by waiting, not CPU: each sign-in waits for its store requests (DynamoDB Local, a Java process on the same two cores, answers in milliseconds) and the emulator's own hand-offs, during which the environment's core idles, as it does in Lambda while DynamoDB answers; the CPU figures per login are the ones that carry over.\n")
	}
	fmt.Fprintf(&b, "- **Raw outputs** are in `docs/bench/raw/` (not committed); `%s` is benchstat input. `go run ./infra/bench -render` redraws both documents from them. "+
		"**The previous run**: each render also writes the run's meta, budgets and Go benchmark output to `docs/bench/run/` (committed with the documents); a full `make bench` first copies those into `docs/bench/raw/previous/`, and the render sets each budget beside its previous figure and compares the Go benchmarks with benchstat.\n\n", FileGoBench)
	if len(in.Meta.Steps) > 0 {
		var parts []string
		var total time.Duration
		for _, s := range in.Meta.Steps {
			parts = append(parts, fmt.Sprintf("%s %s", s.Name, durD(s.Took.Round(100*time.Millisecond))))
			total += s.Took
		}
		fmt.Fprintf(&b, "This run took %s: %s.\n\n", minutes(total), strings.Join(parts, ", "))
	}
	return b.String()
}

// notes explains the budgets not met and points at what looks slow, from
// the figures.
func notes(in Inputs) string {
	var b strings.Builder
	b.WriteString("## Notes\n\n")
	for _, bg := range Budgets(in) {
		if bg.Status == Inconclusive {
			fmt.Fprintf(&b, "- **%s — inconclusive**: %s.\n", bg.Name, bg.Measured)
			continue
		}
		if bg.Status != NotMet {
			continue
		}
		switch {
		case strings.HasSuffix(bg.Name, PathLambda):
			// The Load note below reads the local stack; the Lambda
			// path's reasons are in how it was measured.
			fmt.Fprintf(&b, "- **%s — not met**: %s; why is under *Load test, Lambda path* above.\n", bg.Name, bg.Measured)
		case strings.HasPrefix(bg.Name, "≤ 2 store round trips"):
			b.WriteString(roundTripNote(in))
		case strings.HasPrefix(bg.Name, "Exec to first"):
			fmt.Fprintf(&b, "- **%s — not met**: %s; what the time goes to is under *Cold start* below.\n", bg.Name, bg.Measured)
		case strings.HasPrefix(bg.Name, "≥ 55 logins/s"), strings.HasPrefix(bg.Name, "≥ 65 logins/s"),
			strings.Contains(bg.Name, "of the hash limit"), strings.HasPrefix(bg.Name, "Page-fault CPU"),
			strings.HasPrefix(bg.Name, "Non-hash CPU of the whole process"):
			fmt.Fprintf(&b, "- **%s — not met**: %s; why is under *Load* below.\n", bg.Name, bg.Measured)
		default:
			fmt.Fprintf(&b, "- **%s — not met**: %s.\n", bg.Name, bg.Measured)
		}
	}
	if s := coldStartNote(in); s != "" {
		b.WriteString(s)
	}
	if s := loadNote(in); s != "" {
		b.WriteString(s)
	}
	if s := hashNote(in); s != "" {
		b.WriteString(s)
	}
	return b.String()
}

func roundTripNote(in Inputs) string {
	c, ok := in.capacity("login")
	if !ok {
		return "- **Round trips per login — not met.**\n"
	}
	return fmt.Sprintf("- **≤ 2 store round trips per password login — not met: %d reads + %d writes.** "+
		"Read 1 fetches the parameters, the username claim (and the email claim when the name has an @) and the client IP's counter, eventually consistent; read 2 the account and its counter, because the account id is only known from the claim. "+
		"Write 1 counts the attempt before the password is checked (SECURITY.md: \"Count before checking\", which is what bounds parallel guessing); write 2 records the sign-in on the account, conditional on its version, which also clears the account's failures (lockout.Since); write 3 appends session and audit event in one BatchWriteItem. "+
		"Round 1 had 2 + 2, with session, account, counter and audit in one transaction: issue 2.6 spends the third write to cost 4 WRU instead of 9 (see docs/cost-model.md). "+
		"Keeping the account's sign-in data (id, hash, state) on the username claim item would fold read 2 into read 1, saving one BatchGetItem (~%s of waiting, %s RRU) per login. "+
		"Two round trips would also need the count and the read in one conditional UpdateItem returning the item, with the parameters and the IP's counter known without a read (cached per container, so a parameter change would no longer apply on the very next request). "+
		"Both are changes of the store layout and of the login service, not of tooling; the test `TestPasswordLoginRoundTripsExactly` pins today's 2 + 3 so that it cannot creep up.\n",
		c.Reads, c.Writes, durD(DefaultModel().ReadLatency), count(float64(c.KeysRead)/float64(max(c.Reads, 1))))
}

func coldStartNote(in Inputs) string {
	base, okBase := in.coldStart(BaselineFunction)
	if !okBase || len(base.ExecToNext) == 0 {
		return ""
	}
	type row struct {
		name string
		med  time.Duration
	}
	var rows []row
	var inits []time.Duration
	for _, r := range in.ColdStart {
		if r.Function != BaselineFunction && len(r.ExecToNext) > 0 {
			rows = append(rows, row{r.Function, stats.Median(r.ExecToNext)})
			inits = append(inits, r.PackageInit)
		}
	}
	if len(rows) == 0 {
		return ""
	}
	slices.SortFunc(rows, func(a, b row) int { return int(b.med - a.med) })
	var parts []string
	for _, r := range rows[:min(3, len(rows))] {
		parts = append(parts, fmt.Sprintf("%s %s", r.name, durD(r.med)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "- **Cold start**: a minimal Go Lambda (`baseline`) reaches its first /next in %s here; the slowest Gatepass functions are %s. ",
		durD(stats.Median(base.ExecToNext)), strings.Join(parts, ", "))
	if len(inits) > 0 && slices.Max(inits) > 0 {
		fmt.Fprintf(&b, "Package initialisation (`GODEBUG=inittrace=1`) takes %s–%s of it (baseline %s), the AWS SDK's generated `schemas` packages for DynamoDB and SES the largest part — upstream code that every function linking those clients pays. ",
			durD(slices.Min(inits)), durD(slices.Max(inits)), durD(base.PackageInit))
	}
	// Pairs of functions that differ in one piece of init work.
	for _, pair := range []struct{ with, without, what string }{
		{"reset-confirm", "reset-request", "building the password policy checker (the 49k common-password list, decompressed and indexed at every cold start of reset-confirm, password and admin; " + checkerText(in) + ", more in a fresh process)"},
		{"login", "views", "the Secrets Manager read of the sealing key at init (login, mfa, admin): the process's first TLS handshake, which also loads the system root bundle"},
		{"admin", "mfa", "what admin builds beside mfa's Secrets Manager read and mailer, the policy checker first"},
	} {
		w, ok1 := in.coldStart(pair.with)
		wo, ok2 := in.coldStart(pair.without)
		if !ok1 || !ok2 || len(w.ExecToNext) == 0 || len(wo.ExecToNext) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s − %s = %s: %s. ", pair.with, pair.without,
			durD(stats.Median(w.ExecToNext)-stats.Median(wo.ExecToNext)), pair.what)
	}
	if v, ok := in.coldStart("views"); ok && len(v.FirstInvoke) > 0 && len(v.Warm) > 0 {
		fmt.Fprintf(&b, "Functions that read nothing at init pay their first TLS handshake on the first request instead (views: first invoke %s, warm %s). ",
			durD(stats.Median(v.FirstInvoke)), durD(stats.Median(v.Warm)))
	}
	b.WriteString("What would make it faster: build the policy checker on the first password set, or embed the list pre-indexed (a sorted table searched in place) instead of decompressing it; and keep the SDK clients each function links to the ones it uses.\n")
	return b.String()
}

func loadNote(in Inputs) string {
	if in.Load == nil || len(in.Load.Levels) == 0 {
		return ""
	}
	hash, ok := in.bench(keyLoginHash)
	if !ok {
		return ""
	}
	cpu := hash.Median["cpu-ns/op"]
	cores := float64(in.Load.GOMAXPROCS)
	best := slices.MaxFunc(in.Load.Levels, func(a, b loadtest.Level) int { return cmpFloat(a.PerSecond, b.PerSecond) })
	return fmt.Sprintf("- **Load**: %s a login costs %s of CPU in-process (BenchmarkLoginArgon2idOWASP), so %d cores sign in at most ~%.0f times a second before HTTP, the gateway and the clients take their share. "+
		"In the load test a login cost %s of CPU for the whole process, and the best level kept %.2f of %d cores busy: %.1f logins/s. "+
		"A level that keeps fewer than min(clients, cores) cores busy lost CPU to other processes on the machine: the budget needs the machine to itself. "+
		"Beyond %d clients logins only queue — latency grows, the rate stays — as reserved concurrency makes them in AWS.%s\n",
		limitNote(in.Load), dur(cpu), in.Load.GOMAXPROCS, cores*1e9/cpu, durD(best.CPUPerLogin), best.CoresUsed, in.Load.GOMAXPROCS, best.PerSecond, in.Load.GOMAXPROCS,
		profileNote(in))
}

// limitNote reads the load test against its hash limit: what the share of
// the limit depends on, and what the memory setting changed.
func limitNote(r *loadtest.Result) string {
	lim := r.Limit
	if lim.PerSecond <= 0 {
		return ""
	}
	best := slices.MaxFunc(r.Levels, func(a, b loadtest.Level) int { return cmpFloat(a.PerSecond, b.PerSecond) })
	s := fmt.Sprintf("one derivation cost %s of CPU with %d at once in this run, a hash limit of %.1f logins/s; the best level reached %.0f %% of it with %.2f of %d cores busy, and there the hash was %.0f %% of the process's CPU per login. "+
		"The limit counts CPU time, which other processes do not take, while logins/s is wall time, which they do: the share of the limit is only meaningful with the machine to itself, and the hash's share of the CPU is the figure that does not depend on it. ",
		durD(lim.CPU), lim.Cores, lim.PerSecond, best.Hash.PercentOfLimit, best.CoresUsed, r.GOMAXPROCS,
		100*float64(lim.CPU)/float64(max(best.Hash.Process.CPU(), 1)))
	if ref := r.Reference; ref != nil {
		var top loadtest.Level
		for _, l := range r.Levels {
			if l.Concurrency == ref.Concurrency {
				top = l
			}
		}
		s += fmt.Sprintf("With the runtime's default release (MADV_DONTNEED) a login at concurrency %d took %s page faults (%s of CPU) against %s with MADV_FREE (%s); RSS ended the level at %s against %s, peaks %s and %s. ",
			ref.Concurrency, faults(ref.Hash.Process.MinorFaults), durD(ref.Hash.PageFaultCPU), faults(top.Hash.Process.MinorFaults), durD(top.Hash.PageFaultCPU),
			bytesIEC(float64(ref.RSS)), bytesIEC(float64(top.RSS)), bytesIEC(float64(ref.PeakRSS)), bytesIEC(float64(top.PeakRSS)))
	}
	return s + "Besides that, "
}

func hashNote(in Inputs) string {
	asm, ok1 := in.bench("password.BenchmarkVerifyOWASP")
	pure, ok2 := in.bench(keyVerifyPure)
	if !ok1 || !ok2 {
		return ""
	}
	return fmt.Sprintf("- **argon2id on arm64**: golang.org/x/crypto/argon2 has assembly only for amd64; the arm64 Lambdas run the pure-Go code, %s per derivation here against %s with assembly (%.0f %% slower), and each derivation allocates %s that the garbage collector must reclaim. The cost model uses the pure-Go figure.\n",
		dur(pure.Median["ns/op"]), dur(asm.Median["ns/op"]), 100*(pure.Median["ns/op"]/asm.Median["ns/op"]-1), bytesIEC(pure.Median["B/op"]))
}

// profileNote reads the load test's CPU profile: where the CPU went, and
// what zeroing argon2id's memory costs.
func profileNote(in Inputs) string {
	if len(in.LoadProfile) == 0 {
		return ""
	}
	argon, clear := 0.0, 0.0
	var top []string
	for i, e := range in.LoadProfile {
		if strings.HasPrefix(e.Function, "golang.org/x/crypto/argon2.") {
			argon += e.Percent
		}
		if e.Function == "runtime.memclrNoHeapPointers" {
			clear = e.Percent
		}
		if i < 5 {
			top = append(top, fmt.Sprintf("%s %.1f %%", e.Function, e.Percent))
		}
	}
	s := fmt.Sprintf(" A CPU profile of the load test at its highest level (`docs/bench/raw/loadtest.cpu.pprof`, a run of its own, so that the profiler's signals do not count in the measured levels) puts %.0f %% of the samples in argon2 itself; the top functions are %s.",
		argon, strings.Join(top, ", "))
	if clear > 0 {
		s += fmt.Sprintf(" `runtime.memclrNoHeapPointers` (%.1f %%) is Go zeroing the 19 MiB block array argon2 allocates for every derivation, although argon2 overwrites every block before it reads it: reusing the array — a pooled argon2id, which golang.org/x/crypto/argon2 does not offer — would give that CPU back to sign-ins.", clear)
	}
	return s
}

// checkerText is the warm cost of building the policy checker.
func checkerText(in Inputs) string {
	if s, ok := in.bench("policy.BenchmarkNewChecker"); ok {
		return dur(s.Median["ns/op"]) + " warm in `policy.BenchmarkNewChecker`"
	}
	return "see `policy.BenchmarkNewChecker`"
}
