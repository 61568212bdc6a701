// Command bench is `make bench`: it measures Gatepass — the per-flow Go
// benchmarks, the DynamoDB round trips and request units of every flow, the
// Lambda binaries' sizes, each function's cold start and warm invocation
// against a loopback Lambda Runtime API, and a bounded sign-in load test of
// the local stack — keeps the raw outputs in docs/bench/raw/, and renders
// docs/performance.md and docs/cost-model.md from them.
//
//	go run ./infra/bench                  # everything (what make bench runs)
//	go run ./infra/bench -quick           # short runs, indicative figures only
//	go run ./infra/bench -steps load      # one step; the others' raw files are reused
//	go run ./infra/bench -render          # redraw the documents from the raw files
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gatepass/gatepass/infra/bench/coldstart"
	"github.com/gatepass/gatepass/infra/bench/flowbench"
	"github.com/gatepass/gatepass/infra/bench/loadtest"
	"github.com/gatepass/gatepass/infra/bench/report"
	"github.com/gatepass/gatepass/infra/bench/rie"
	"github.com/gatepass/gatepass/shared/app/hashmem"
)

// Step names, in the order they run.
const (
	stepBuild     = "build"
	stepGoBench   = "gobench"
	stepCapacity  = "capacity"
	stepColdStart = "coldstart"
	stepLoad      = "load"
	// stepLoadLambda is the load test's Lambda path, a step of its own so
	// that it can be run alone (-steps lambda-load) and its time shows.
	stepLoadLambda = "lambda-load"
)

// allSteps lists every step in order.
func allSteps() []string {
	return []string{stepBuild, stepGoBench, stepCapacity, stepColdStart, stepLoad, stepLoadLambda}
}

// options are the command's flags.
type options struct {
	steps         []string
	render        bool
	benchtime     string
	hashBenchtime string
	count         int
	runs, warm    int
	rieRuns       int
	loadDuration  time.Duration
	loadWarmup    time.Duration
	concurrency   []int
	goCmd         string
	// loadChild, when set, makes this process a load test child (see
	// load): it runs the load test, with a CPU profile to loadProfile if
	// set, and writes the result there.
	loadChild, loadProfile string
}

func parseFlags(args []string) (options, error) {
	fl := flag.NewFlagSet("bench", flag.ContinueOnError)
	o := options{}
	steps := fl.String("steps", strings.Join(allSteps(), ","), "steps to run, comma-separated: "+strings.Join(allSteps(), ", "))
	fl.BoolVar(&o.render, "render", false, "only render docs/performance.md and docs/cost-model.md from docs/bench/raw")
	quick := fl.Bool("quick", false, "short runs for development (figures are indicative only)")
	fl.StringVar(&o.benchtime, "benchtime", "1s", "-benchtime of the Go benchmarks")
	fl.StringVar(&o.hashBenchtime, "hash-benchtime", "40x", "-benchtime of the benchmarks that hash with argon2id")
	fl.IntVar(&o.count, "count", 6, "-count of the Go benchmarks (benchstat wants at least 6)")
	fl.IntVar(&o.runs, "coldstart-runs", 11, "process starts per function")
	fl.IntVar(&o.warm, "warm", 20, "warm invocations timed per process start")
	fl.IntVar(&o.rieRuns, "rie-runs", 5, "cold starts per function under aws-lambda-rie (0: none)")
	fl.DurationVar(&o.loadDuration, "load-duration", 10*time.Second, "load test time per concurrency level")
	fl.DurationVar(&o.loadWarmup, "load-warmup", 2*time.Second, "load test warm-up per level")
	levels := fl.String("concurrency", "1,2,4", "load test concurrency levels")
	fl.StringVar(&o.loadChild, "load-child", "", "internal: run the load test in this process and write its result to this file")
	fl.StringVar(&o.loadProfile, "load-profile", "", "internal: the load test child's CPU profile")
	if err := fl.Parse(args); err != nil {
		return o, err
	}
	if *quick {
		o.benchtime, o.hashBenchtime, o.count = "100x", "5x", 1
		o.runs, o.warm, o.loadDuration, o.loadWarmup = 3, 5, 3*time.Second, 500*time.Millisecond
		o.rieRuns = min(o.rieRuns, 3)
	}
	for _, s := range strings.Split(*steps, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if !slices.Contains(allSteps(), s) {
			return o, fmt.Errorf("unknown step %q (steps: %s)", s, strings.Join(allSteps(), ", "))
		}
		o.steps = append(o.steps, s)
	}
	for _, l := range strings.Split(*levels, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(l), &n); err != nil || n < 1 {
			return o, fmt.Errorf("bad concurrency level %q", l)
		}
		o.concurrency = append(o.concurrency, n)
	}
	o.goCmd = os.Getenv("GO")
	if o.goCmd == "" {
		o.goCmd = "go"
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.loadChild != "" {
		err = loadChild(ctx, o)
	} else {
		err = run(ctx, o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// bench is one run: where things go and what was measured.
type bench struct {
	o    options
	root string
	raw  string
	tmp  string
	meta report.Meta
	log  io.Writer
}

func run(ctx context.Context, o options) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	b := &bench{o: o, root: root, raw: filepath.Join(root, "docs", "bench", "raw"), log: os.Stderr}
	if err := os.MkdirAll(b.raw, 0o755); err != nil {
		return fmt.Errorf("raw dir: %w", err)
	}
	if !o.render {
		if err := b.measure(ctx); err != nil {
			return err
		}
	}
	return b.render(ctx)
}

// measure runs the chosen steps and updates the run's meta file.
func (b *bench) measure(ctx context.Context) error {
	if slices.Equal(b.o.steps, allSteps()) {
		if err := b.keepPrevious(); err != nil {
			return err
		}
	}
	in, err := report.Load(b.raw)
	if err != nil {
		return err
	}
	b.meta = in.Meta
	b.meta.Date = time.Now().Format("2006-01-02")
	b.meta.GoVersion, b.meta.OS, b.meta.Arch, b.meta.NumCPU = runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU()
	if b.meta.CPU == "" {
		b.meta.CPU = cpuModel()
	}
	b.meta.Settings = []string{
		fmt.Sprintf("Go benchmarks -benchtime %s (argon2id ones %s) -count %d", b.o.benchtime, b.o.hashBenchtime, b.o.count),
		fmt.Sprintf("cold start %d process starts × (1 + %d invocations) per function, and %d under aws-lambda-rie", b.o.runs, b.o.warm, b.o.rieRuns),
		fmt.Sprintf("load test %s per level after %s of warm-up, concurrency %s", b.o.loadDuration, b.o.loadWarmup, joinInts(b.o.concurrency)),
	}
	tmp, err := os.MkdirTemp("", "gatepass-bench-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	b.tmp = tmp
	steps := map[string]func(context.Context) error{
		stepBuild: b.build, stepGoBench: b.goBench, stepCapacity: b.capacity,
		stepColdStart: b.coldStart, stepLoad: b.load, stepLoadLambda: b.loadLambda,
	}
	for _, name := range b.o.steps {
		fmt.Fprintf(b.log, "bench: %s…\n", name)
		began := time.Now()
		if err := steps[name](ctx); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		took := time.Since(began)
		fmt.Fprintf(b.log, "bench: %s done in %s\n", name, took.Round(100*time.Millisecond))
		b.setStep(name, took)
		if err := report.WriteJSON(filepath.Join(b.raw, report.FileMeta), b.meta); err != nil {
			return err
		}
	}
	return nil
}

// setStep records a step's time, in allSteps order, keeping other steps'
// times from earlier runs.
func (b *bench) setStep(name string, took time.Duration) {
	var out []report.Step
	for _, s := range allSteps() {
		switch {
		case s == name:
			out = append(out, report.Step{Name: s, Took: took})
		default:
			for _, old := range b.meta.Steps {
				if old.Name == s {
					out = append(out, old)
				}
			}
		}
	}
	b.meta.Steps = out
}

// runDir is docs/bench/run/: the figures of the run the documents show,
// committed with them, so that the next run can be compared with it.
func (b *bench) runDir() string { return filepath.Join(b.root, "docs", "bench", "run") }

// keepPrevious copies the last rendered run (docs/bench/run/) into the raw
// directory's previous/, replacing what was there, before a full run
// overwrites the raw files. Without a last run there is no previous one.
func (b *bench) keepPrevious() error {
	prev := filepath.Join(b.raw, report.DirPrevious)
	if err := os.RemoveAll(prev); err != nil {
		return fmt.Errorf("previous run: %w", err)
	}
	if err := os.MkdirAll(prev, 0o755); err != nil {
		return fmt.Errorf("previous run: %w", err)
	}
	for _, name := range report.RunFiles() {
		data, err := os.ReadFile(filepath.Join(b.runDir(), name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("previous run: %w", err)
		}
		if err := os.WriteFile(filepath.Join(prev, name), data, 0o644); err != nil {
			return fmt.Errorf("previous run: %w", err)
		}
	}
	return nil
}

// compareWithPrevious runs benchstat over the previous run's Go benchmarks
// and this run's into the raw directory's benchstat.txt; without both there
// is nothing to compare and no file. benchstat is pinned and fetched through
// the module proxy like any module (make bench needs the proxy anyway).
func (b *bench) compareWithPrevious(ctx context.Context) error {
	out := filepath.Join(b.raw, report.FileBenchstat)
	if err := os.Remove(out); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("benchstat: %w", err)
	}
	prev := filepath.Join(b.raw, report.DirPrevious, report.FileGoBench)
	cur := filepath.Join(b.raw, report.FileGoBench)
	for _, p := range []string{prev, cur} {
		if _, err := os.Stat(p); err != nil {
			return nil
		}
	}
	cmd := exec.CommandContext(ctx, b.o.goCmd, "run", "golang.org/x/perf/cmd/benchstat@"+report.BenchstatVersion,
		"previous="+prev, "this="+cur)
	cmd.Dir = b.tmpOr(b.root)
	text, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			stderr = ee.Stderr
		}
		return fmt.Errorf("benchstat: %w\n%s", err, stderr)
	}
	return os.WriteFile(out, text, 0o644)
}

// tmpOr is the run's temporary directory, or dir outside a measuring run.
func (b *bench) tmpOr(dir string) string {
	if b.tmp != "" {
		return b.tmp
	}
	return dir
}

// writeRun keeps the rendered run in docs/bench/run/ for the next one.
func (b *bench) writeRun(in report.Inputs) error {
	if err := os.MkdirAll(b.runDir(), 0o755); err != nil {
		return fmt.Errorf("run dir: %w", err)
	}
	if err := report.WriteJSON(filepath.Join(b.runDir(), report.FileMeta), in.Meta); err != nil {
		return err
	}
	if err := report.WriteJSON(filepath.Join(b.runDir(), report.FileBudgets), report.Budgets(in)); err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(b.raw, report.FileGoBench))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("run dir: %w", err)
	}
	return os.WriteFile(filepath.Join(b.runDir(), report.FileGoBench), data, 0o644)
}

func (b *bench) render(ctx context.Context) error {
	if err := b.compareWithPrevious(ctx); err != nil {
		return err
	}
	in, err := report.Load(b.raw)
	if err != nil {
		return err
	}
	docs := filepath.Join(b.root, "docs")
	for name, text := range map[string]string{
		"performance.md": report.Performance(in),
		"cost-model.md":  report.CostModel(in, report.Published(), report.DefaultModel()),
	} {
		if err := os.WriteFile(filepath.Join(docs, name), []byte(text), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	if err := b.writeRun(in); err != nil {
		return err
	}
	fmt.Fprintln(b.log, "bench: wrote docs/performance.md, docs/cost-model.md and docs/bench/run/")
	for _, bg := range report.Budgets(in) {
		fmt.Fprintf(b.log, "  %-60s %-14s %s\n", bg.Name, strings.Trim(string(bg.Status), "*"), bg.Measured)
	}
	return nil
}

// build runs make build (linux/arm64 bootstraps) and records their sizes.
func (b *bench) build(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "build", "GO="+b.o.goCmd)
	cmd.Dir = b.root
	out, err := cmd.CombinedOutput()
	_ = os.WriteFile(filepath.Join(b.raw, "build.txt"), out, 0o644)
	if err != nil {
		return fmt.Errorf("make build: %w\n%s", err, out)
	}
	fns, err := functions(b.root)
	if err != nil {
		return err
	}
	var sizes []report.Size
	for _, f := range fns {
		fi, err := os.Stat(filepath.Join(b.root, "bin", f, "bootstrap"))
		if err != nil {
			return fmt.Errorf("size of %s: %w", f, err)
		}
		sizes = append(sizes, report.Size{Function: f, Bytes: fi.Size()})
	}
	return report.WriteJSON(filepath.Join(b.raw, report.FileSizes), sizes)
}

// goBench builds each benchmarked package's test binary once and runs its
// benchmarks from a directory outside the repository.
func (b *bench) goBench(ctx context.Context) error {
	type group struct {
		pkg, tags, suffix string
		hash              bool
		names             []string
	}
	var groups []*group
	for _, s := range report.Benches() {
		var g *group
		for _, x := range groups {
			if x.pkg == s.Pkg && x.tags == s.Tags && x.hash == s.Hash && x.suffix == s.Suffix {
				g = x
			}
		}
		if g == nil {
			g = &group{pkg: s.Pkg, tags: s.Tags, suffix: s.Suffix, hash: s.Hash}
			groups = append(groups, g)
		}
		g.names = append(g.names, s.Name)
	}
	var all bytes.Buffer
	for i, g := range groups {
		bin := filepath.Join(b.tmp, fmt.Sprintf("bench%d.test", i))
		args := []string{"test", "-c", "-o", bin}
		if g.tags != "" {
			args = append(args, "-tags", g.tags)
		}
		build := exec.CommandContext(ctx, b.o.goCmd, append(args, g.pkg)...)
		build.Dir = b.root
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %w\n%s", g.pkg, err, out)
		}
		benchtime := b.o.benchtime
		if g.hash {
			benchtime = b.o.hashBenchtime
		}
		cmd := exec.CommandContext(ctx, bin, "-test.run=^$", "-test.bench=^("+strings.Join(g.names, "|")+")$",
			"-test.benchmem", fmt.Sprintf("-test.count=%d", b.o.count), "-test.benchtime="+benchtime)
		// Outside the repository the packages' TestMain finds no go.mod
		// and starts no DynamoDB Local beside the benchmarks.
		cmd.Dir = b.tmp
		var out bytes.Buffer
		cmd.Stdout = io.MultiWriter(&out, b.log)
		cmd.Stderr = b.log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("run %s benchmarks: %w", g.pkg, err)
		}
		all.Write(renameBenchmarks(out.Bytes(), g.suffix))
		if cpu := cpuLine(out.Bytes()); cpu != "" {
			b.meta.CPU = cpu
		}
	}
	return os.WriteFile(filepath.Join(b.raw, report.FileGoBench), all.Bytes(), 0o644)
}

// renameBenchmarks appends suffix to every benchmark name in out, before
// its -GOMAXPROCS suffix.
func renameBenchmarks(out []byte, suffix string) []byte {
	if suffix == "" {
		return out
	}
	var b bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Benchmark") {
			name, rest, _ := strings.Cut(line, " ")
			base, procs, found := cutLast(name, "-")
			if found && isDigits(procs) {
				name = base + suffix + "-" + procs
			} else {
				name += suffix
			}
			line = name + " " + rest
		}
		b.WriteString(line + "\n")
	}
	return b.Bytes()
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// cpuLine is the "cpu: …" line of go test's benchmark output.
func cpuLine(out []byte) string {
	for _, line := range strings.Split(string(out), "\n") {
		if c, ok := strings.CutPrefix(line, "cpu: "); ok {
			return strings.TrimSpace(c)
		}
	}
	return ""
}

// cpuModel reads the processor's name from /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// capacity runs the DynamoDB capacity test on DynamoDB Local.
func (b *bench) capacity(ctx context.Context) error {
	path := filepath.Join(b.raw, report.FileCapacity)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	cmd := exec.CommandContext(ctx, b.o.goCmd, "test", "-count=1", "-run", "^TestFlowCapacityOnDynamoDB$", "-v", "./shared/store/dynamo")
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(), flowbench.CapacityOutEnv+"="+path)
	cmd.Stdout, cmd.Stderr = b.log, b.log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("capacity test: %w", err)
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("the capacity test wrote no figures (DynamoDB Local missing? run make emulators): %w", err)
	}
	return nil
}

// coldStart measures every function and the baseline.
func (b *bench) coldStart(ctx context.Context) error {
	fns, err := functions(b.root)
	if err != nil {
		return err
	}
	fns = append(fns, coldstart.Baseline)
	emulator := ""
	if b.o.rieRuns > 0 {
		// Built once per machine into the user cache (package rie).
		emulator, err = rie.Install(ctx, b.o.goCmd)
		if errors.Is(err, rie.ErrNotBuilt) && !rie.InCI() {
			fmt.Fprintf(b.log, "bench: cold starts without aws-lambda-rie: %v\n", err)
			emulator, err = "", nil
		}
		if err != nil {
			return err
		}
	}
	res, err := coldstart.Measure(ctx, coldstart.Config{Root: b.root, Functions: fns, Dir: filepath.Join(b.tmp, "coldstart"),
		Runs: b.o.runs, Warm: b.o.warm, MemoryMB: 1024, Emulator: emulator, EmulatorRuns: b.o.rieRuns})
	if err != nil {
		return err
	}
	return report.WriteJSON(filepath.Join(b.raw, report.FileColdStart), res)
}

// load runs the load test of the local stack in a child process of this
// command with GODEBUG=madvdontneed=0, as the local stack runs (package
// hashmem; the runtime reads the setting only at start), under a CPU
// profile whose top functions it keeps; then the highest level again in
// another child with the runtime's default release, the reference that
// shows what the setting changes.
func (b *bench) load(ctx context.Context) error {
	profPath := filepath.Join(b.raw, "loadtest.cpu.pprof")
	top := b.o.concurrency[len(b.o.concurrency)-1]
	for _, c := range b.o.concurrency {
		top = max(top, c)
	}
	// The measured levels run unprofiled: a CPU profile's signals cost
	// system CPU that would count as CPU besides the hash. The profile
	// comes from a run of its own at the highest level.
	res, err := b.loadChild(ctx, true, b.o.concurrency, "")
	if err != nil {
		return err
	}
	ref, err := b.loadChild(ctx, false, []int{top}, "")
	if err != nil {
		return err
	}
	if _, err := b.loadChild(ctx, true, []int{top}, profPath); err != nil {
		return err
	}
	if len(ref.Levels) == 1 {
		res.Reference = &ref.Levels[0]
	}
	pp, err := exec.CommandContext(ctx, b.o.goCmd, "tool", "pprof", "-top", "-nodecount=12", profPath).Output()
	if err != nil {
		return fmt.Errorf("read the profile: %w", err)
	}
	if err := report.WriteJSON(filepath.Join(b.raw, report.FileLoadProfile), report.ParsePprofTop(string(pp))); err != nil {
		return err
	}
	fmt.Fprintf(b.log, "  hash limit %.1f logins/s (%s CPU per derivation, %d cores); a page fault costs %s\n",
		res.Limit.PerSecond, res.Limit.CPU.Round(10*time.Microsecond), res.Limit.Cores, res.Limit.FaultCost)
	levels := res.Levels
	if res.Reference != nil {
		levels = append(levels[:len(levels):len(levels)], *res.Reference)
	}
	for i, l := range levels {
		what := ""
		if i == len(res.Levels) {
			what = " (MADV_DONTNEED, the runtime's default)"
		}
		fmt.Fprintf(b.log, "  concurrency %d%s: %.1f logins/s (%.0f %% of the limit), p50 %s, p99 %s, %d errors; per login %s user + %s system CPU, %.0f faults (%s; %.0f first touches), %s besides the hash; RSS %d MiB, peak %d MiB\n",
			l.Concurrency, what, l.PerSecond, l.Hash.PercentOfLimit, l.P50.Round(100*time.Microsecond), l.P99.Round(100*time.Microsecond), l.Errors,
			l.Hash.Process.User.Round(10*time.Microsecond), l.Hash.Process.System.Round(10*time.Microsecond), l.Hash.Process.MinorFaults,
			l.Hash.PageFaultCPU.Round(10*time.Microsecond), l.FirstTouchFaults(), l.Hash.NonHashCPU.Round(10*time.Microsecond), l.RSS>>20, l.PeakRSS>>20)
	}
	return report.WriteJSON(filepath.Join(b.raw, report.FileLoad), res)
}

// loadLambda is the load test's Lambda path: the real login bootstrap under
// aws-lambda-rie on DynamoDB Local, measured by a test of
// shared/internal/lambdae2e (the emulator helpers are internal to shared/)
// that runs only when told where to write its result.
func (b *bench) loadLambda(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, b.o.goCmd, "test", "-count=1", "-v", "-run", "^TestLoginLoadUnderTheEmulator$",
		"./shared/internal/lambdae2e")
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(),
		"GATEPASS_LAMBDA_LOAD_OUT="+filepath.Join(b.raw, report.FileLoadLambda),
		"GATEPASS_LAMBDA_LOAD_DURATION="+b.o.loadDuration.String(),
		"GATEPASS_LAMBDA_LOAD_WARMUP="+b.o.loadWarmup.String())
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestLoginLoadUnderTheEmulator")) {
		return fmt.Errorf("load test of the Lambda path: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "logins/s") {
			fmt.Fprintln(b.log, "  Lambda path:", strings.TrimSpace(line))
		}
	}
	return nil
}

// loadChild runs the load test at levels in a child process of this
// command, releasing memory with MADV_FREE if madvFree, with a CPU profile
// to profile if set, and reads its result.
func (b *bench) loadChild(ctx context.Context, madvFree bool, levels []int, profile string) (loadtest.Result, error) {
	exe, err := os.Executable()
	if err != nil {
		return loadtest.Result{}, fmt.Errorf("load test child: %w", err)
	}
	out := filepath.Join(b.tmp, fmt.Sprintf("load-%v.json", madvFree))
	cmd := exec.CommandContext(ctx, exe, "-load-child", out, "-load-profile", profile,
		"-concurrency", joinIntsComma(levels), "-load-duration", b.o.loadDuration.String(), "-load-warmup", b.o.loadWarmup.String())
	cmd.Dir = b.root
	cmd.Env = hashmem.With(os.Environ(), madvFree)
	cmd.Stdout, cmd.Stderr = b.log, b.log
	if err := cmd.Run(); err != nil {
		return loadtest.Result{}, fmt.Errorf("load test child: %w", err)
	}
	var res loadtest.Result
	data, err := os.ReadFile(out)
	if err != nil {
		return loadtest.Result{}, fmt.Errorf("load test child: %w", err)
	}
	if err := json.Unmarshal(data, &res); err != nil {
		return loadtest.Result{}, fmt.Errorf("load test child: %w", err)
	}
	if res.MADVFree != madvFree {
		return loadtest.Result{}, fmt.Errorf("load test child: MADV_FREE %v, want %v (GODEBUG=%q)", res.MADVFree, madvFree, os.Getenv("GODEBUG"))
	}
	return res, nil
}

// loadChild is this process as a load test child: the load test in this
// process, under a CPU profile if o.loadProfile is set, its result written
// to o.loadChild.
func loadChild(ctx context.Context, o options) (err error) {
	dir, err := os.MkdirTemp("", "gatepass-load-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	if o.loadProfile != "" {
		prof, err := os.Create(o.loadProfile)
		if err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		defer func() {
			if cerr := prof.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("profile: %w", cerr)
			}
		}()
		if err := pprof.StartCPUProfile(prof); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	res, err := loadtest.Run(ctx, loadtest.Config{Concurrency: o.concurrency, Duration: o.loadDuration,
		Warmup: o.loadWarmup, DataDir: filepath.Join(dir, "load")})
	if err != nil {
		return err
	}
	return report.WriteJSON(o.loadChild, res)
}

// functions lists the function directories, sorted (the Makefile's
// FUNCTIONS).
func functions(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		return nil, fmt.Errorf("list functions: %w", err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out, nil
}

// repoRoot is the nearest directory at or above the working directory with
// a go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory")
		}
		dir = parent
	}
}

func joinIntsComma(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ",")
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ", ")
}
