// Command testrun is make test: every Go test of the repository's modules in
// one run, against one DynamoDB Local and one aws-ses-v2-local for all of
// them, with the slowest packages and tests and the wall time at the end.
//
//	go run ./shared/internal/testrun [-go go] [-modules .,infra/aws] [packages]
//
// It starts both emulators once, before any package compiles, and hands
// their endpoints to every test binary through dynamolocal.EndpointEnv and
// seslocal.EndpointEnv: a package's TestMain then attaches to them instead of
// starting its own JVM and node process (each package keeps its own
// DynamoDB database and its own mail addresses; see dynamolocal.Attach and
// seslocal.Attach). The emulators are stopped on every exit: at the end, on
// SIGINT or SIGTERM, and by the kernel should testrun itself be killed. A
// missing emulator fails the run in CI (CI=true) and, elsewhere, leaves the
// packages to skip the tests that need it.
//
// The tests run with -short: the ones that measure wall-clock time (a budget
// timed while other packages share the cores would time those) skip
// themselves and make bench runs them; each keeps a correctness check here.
//
// Race detection is decided per package directory (see raceDetected and
// the -race flag). The packages with and without it run as two go test
// invocations at the same time, so that one's tests overlap the other's
// compiles.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/internal/emulator"
	"github.com/gatepass/gatepass/shared/internal/seslocal"
)

// raceDetected lists the package directories tested with -race, relative
// to the repository root: a directory, dir/... for a subtree, ... for all; a
// leading "-" excludes, and the last matching pattern decides.
//
// Every package runs with -race, the CDK app's (infra/aws) included, and
// make test builds testrun itself with -race: what decides a cold run is how
// many packages are compiled, and with one mode every package is compiled
// once. Measured on this 2-core machine with an empty build cache, compiling
// and linking every test binary of the service module costs 305 s of CPU
// without -race and 338 s with it, +11 %. A split compiles what the two
// sides share once per mode: the 16 packages whose tests run the code under
// test concurrently (stores, flows with concurrent winners, the emulator's
// buffers, the local stack) share 402 of their 416 dependencies (the
// standard library, the AWS SDK, shared/...) with the 43 others, and
// infra/aws without -race compiled 300 of its 618 (the standard library, the
// SDK, 48 of shared/...) a second time, plain, besides the 190 of the CDK.
var raceDetected = []string{"..."}

const (
	emulatorStartTimeout = 90 * time.Second
	interruptGrace       = 10 * time.Second
	slowestShown         = 10
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are testrun's command line.
type options struct {
	goCmd    string
	race     []string // patterns of the packages tested with -race, as in raceDetected
	parallel int      // go test -p: build actions and test binaries at once, per invocation
	modules  []string // directories of the modules to test, relative to the repository root
	packages []string // patterns for the root module; ./... by default
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	fl := flag.NewFlagSet("testrun", flag.ContinueOnError)
	fl.SetOutput(stderr)
	goCmd := fl.String("go", "go", "the go command")
	race := fl.String("race", strings.Join(raceDetected, ","), "comma-separated package directories tested with -race, relative to the repository root (a/b/... for a subtree, ... for all, -a/b/... to exclude, the last match decides; empty for none)")
	parallel := fl.Int("p", 2*runtime.NumCPU(), "go test -p of each go test invocation: the test binaries mostly wait on the emulators, jsii or a pacer, so twice the CPUs keeps them busy")
	modules := fl.String("modules", ".,infra/aws", "comma-separated directories of the modules to test (./... in each but the first, which gets the package arguments)")
	if err := fl.Parse(args); err != nil {
		return options{}, err
	}
	o := options{goCmd: *goCmd, parallel: *parallel, packages: fl.Args()}
	if o.parallel < 1 {
		return options{}, fmt.Errorf("testrun: -p %d: want at least 1", o.parallel)
	}
	for _, p := range strings.Split(*race, ",") {
		if p = strings.TrimSpace(p); p != "" {
			o.race = append(o.race, p)
		}
	}
	for _, m := range strings.Split(*modules, ",") {
		if m = strings.TrimSpace(m); m != "" {
			o.modules = append(o.modules, m)
		}
	}
	if len(o.modules) == 0 {
		return options{}, errors.New("testrun: -modules names no module")
	}
	if len(o.packages) == 0 {
		o.packages = []string{"./..."}
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	began := time.Now()
	o, err := parseOptions(args, stderr)
	if err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	root, err := emulator.RepoRoot()
	if err != nil {
		fmt.Fprintln(stderr, "testrun:", err)
		return 1
	}
	env, stopEmulators, err := startEmulators(ctx, stderr)
	defer func() {
		if err := stopEmulators(); err != nil {
			fmt.Fprintln(stderr, "testrun:", err)
		}
	}()
	if err != nil {
		fmt.Fprintln(stderr, "testrun:", err)
		return 1
	}
	fmt.Fprintf(stdout, "testrun: emulators ready after %v\n", time.Since(began).Round(100*time.Millisecond))

	runs, err := plan(ctx, o, root)
	if err != nil {
		fmt.Fprintln(stderr, "testrun:", err)
		return 1
	}
	rep := newReporter(stdout, began)
	var wg sync.WaitGroup
	errs := make([]error, len(runs))
	for i, r := range runs {
		wg.Go(func() { errs[i] = goTest(ctx, o.goCmd, o.parallel, r, env, rep, stderr) })
	}
	wg.Wait()
	failed := rep.summary(time.Now(), ctx.Err() != nil)
	for _, err := range errs {
		if err != nil {
			failed = true
			fmt.Fprintln(stderr, "testrun:", err)
		}
	}
	if failed {
		return 1
	}
	return 0
}

// startEmulators starts DynamoDB Local and aws-ses-v2-local side by side
// and returns the environment that hands their endpoints to the tests, and
// the function that stops them (always non-nil, safe to call once).
func startEmulators(ctx context.Context, stderr io.Writer) ([]string, func() error, error) {
	ctx, cancel := context.WithTimeout(ctx, emulatorStartTimeout)
	defer cancel()
	var (
		wg           sync.WaitGroup
		ddb          *dynamolocal.Server
		ses          *seslocal.Server
		ddbErr, sErr error
	)
	wg.Go(func() { ddb, ddbErr = dynamolocal.Start(ctx) })
	wg.Go(func() { ses, sErr = seslocal.Start(ctx) })
	wg.Wait()
	stop := func() error {
		var errs []error
		if ddb != nil {
			errs = append(errs, ddb.Stop())
		}
		if ses != nil {
			errs = append(errs, ses.Stop())
		}
		return errors.Join(errs...)
	}
	env := os.Environ()
	for _, e := range []struct {
		name, variable string
		endpoint       func() string
		err            error
	}{
		{"DynamoDB Local", dynamolocal.EndpointEnv, func() string { return ddb.Endpoint() }, ddbErr},
		{"aws-ses-v2-local", seslocal.EndpointEnv, func() string { return ses.Endpoint() }, sErr},
	} {
		switch {
		case e.err == nil:
			env = append(env, e.variable+"="+e.endpoint())
		case errors.Is(e.err, emulator.ErrNotInstalled) && !emulator.InCI():
			// The packages try to start their own and skip what needs it.
			fmt.Fprintf(stderr, "testrun: %s is not installed; the tests that need it will skip (run make emulators): %v\n", e.name, e.err)
		default:
			return nil, stop, fmt.Errorf("start %s: %w", e.name, e.err)
		}
	}
	return env, stop, nil
}

// testRun is one go test invocation.
type testRun struct {
	dir      string   // working directory: the module's
	race     bool     // with -race
	packages []string // import paths
}

// plan lists the packages of every module and splits the root module's
// into the -race run and the plain one.
func plan(ctx context.Context, o options, root string) ([]testRun, error) {
	var runs []testRun
	for i, m := range o.modules {
		dir := filepath.Join(root, m)
		patterns := []string{"./..."}
		if i == 0 {
			patterns = o.packages
		}
		cmd := exec.CommandContext(ctx, o.goCmd, append([]string{"list", "-f", "{{.ImportPath}} {{.Dir}}"}, patterns...)...)
		cmd.Dir = dir
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go list in %s: %w", m, err)
		}
		race, plain := testRun{dir: dir, race: true}, testRun{dir: dir}
		for line := range strings.Lines(string(out)) {
			pkg, pkgDir, ok := strings.Cut(strings.TrimSpace(line), " ")
			if !ok {
				continue
			}
			rel, err := filepath.Rel(root, pkgDir)
			if err != nil {
				return nil, fmt.Errorf("package %s: %w", pkg, err)
			}
			if wantsRace(o.race, filepath.ToSlash(rel)) {
				race.packages = append(race.packages, pkg)
			} else {
				plain.packages = append(plain.packages, pkg)
			}
		}
		for _, r := range []testRun{race, plain} {
			if len(r.packages) > 0 {
				runs = append(runs, r)
			}
		}
	}
	return runs, nil
}

// wantsRace reports whether the package directory rel (relative to the
// repository root) is to be tested with -race: the last of patterns that
// matches it decides (see raceDetected); none matching means no.
func wantsRace(patterns []string, rel string) bool {
	race := false
	for _, p := range patterns {
		want := true
		if rest, ok := strings.CutPrefix(p, "-"); ok {
			p, want = rest, false
		}
		if matchDir(p, rel) {
			race = want
		}
	}
	return race
}

// matchDir reports whether dir matches pattern: ... matches every
// directory, a/... a and every directory below it, a only a.
func matchDir(pattern, dir string) bool {
	if pattern == "..." {
		return true
	}
	if sub, ok := strings.CutSuffix(pattern, "/..."); ok {
		return dir == sub || strings.HasPrefix(dir, sub+"/")
	}
	return dir == pattern
}

// goTest runs go test -json over r's packages and feeds the events to rep.
func goTest(ctx context.Context, goCmd string, parallel int, r testRun, env []string, rep *reporter, stderr io.Writer) error {
	// -short: the tests that measure wall-clock time skip themselves; make
	// bench runs them (MEASUREMENT_TESTS in the Makefile).
	args := []string{"test", "-json", "-count=1", "-short", "-p", strconv.Itoa(parallel)}
	if r.race {
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(ctx, goCmd, append(args, r.packages...)...)
	cmd.Dir = r.dir
	cmd.Env = env
	cmd.Stderr = stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = interruptGrace
	dieWithParent(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("go test: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("go test: %w", err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		rep.line(sc.Bytes())
	}
	scanErr := sc.Err()
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		// Failures are reported by the events; the summary counts them.
		err = nil
	}
	return errors.Join(err, scanErr)
}

// event is a line of go test -json (cmd/test2json), build events included.
type event struct {
	Time       time.Time
	Action     string
	Package    string
	ImportPath string // build-output and build-fail
	Test       string
	Elapsed    float64
	Output     string
}

// pkgResult is what the reporter keeps of a package.
type pkgResult struct {
	started  time.Time
	elapsed  time.Duration
	done     bool
	failed   bool
	output   []string            // package-level output, printed when it fails
	tests    map[string][]string // each running test's output, printed when it fails
	topTests map[string]time.Duration
}

// reporter prints the run as go test would (a line per package, the output
// of what failed) and keeps the timings for the summary. It is fed by both
// go test invocations at once.
type reporter struct {
	mu       sync.Mutex
	out      io.Writer
	began    time.Time
	packages map[string]*pkgResult
	failed   bool // something failed outside a package's events (a build)
}

func newReporter(out io.Writer, began time.Time) *reporter {
	return &reporter{out: out, began: began, packages: map[string]*pkgResult{}}
}

func (r *reporter) pkg(name string) *pkgResult {
	p := r.packages[name]
	if p == nil {
		p = &pkgResult{tests: map[string][]string{}, topTests: map[string]time.Duration{}}
		r.packages[name] = p
	}
	return p
}

// line handles one line of go test -json output.
func (r *reporter) line(raw []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var e event
	if err := json.Unmarshal(raw, &e); err != nil || e.Action == "" {
		fmt.Fprintf(r.out, "%s\n", raw) // not an event: pass it on
		return
	}
	switch e.Action {
	case "build-output":
		fmt.Fprint(r.out, e.Output)
		return
	case "build-fail":
		r.failed = true
		return
	}
	p := r.pkg(e.Package)
	switch {
	case e.Action == "start":
		p.started = e.Time
	case e.Action == "output" && e.Test == "":
		p.output = append(p.output, e.Output)
	case e.Action == "output":
		p.tests[e.Test] = append(p.tests[e.Test], e.Output)
	case e.Test != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
		if e.Action == "fail" && !strings.Contains(e.Test, "/") {
			fmt.Fprint(r.out, strings.Join(testOutput(p, e.Test), ""))
		}
		if !strings.Contains(e.Test, "/") {
			p.topTests[e.Test] = seconds(e.Elapsed)
			for name := range p.tests {
				if name == e.Test || strings.HasPrefix(name, e.Test+"/") {
					delete(p.tests, name)
				}
			}
		}
	case e.Test == "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
		p.done, p.elapsed, p.failed = true, seconds(e.Elapsed), e.Action == "fail"
		if p.failed {
			fmt.Fprint(r.out, strings.Join(p.output, ""))
		} else if n := len(p.output); n > 0 {
			fmt.Fprint(r.out, p.output[n-1]) // "ok  \tpkg\t1.2s" or "?   \tpkg\t[no test files]"
		}
		p.output, p.tests = nil, nil
	}
}

// testOutput is the output of test and its subtests, in the order the
// subtests were named (which is the order they ran, near enough).
func testOutput(p *pkgResult, test string) []string {
	names := make([]string, 0, len(p.tests))
	for name := range p.tests {
		if name == test || strings.HasPrefix(name, test+"/") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var out []string
	for _, name := range names {
		out = append(out, p.tests[name]...)
	}
	return out
}

// summary prints the slowest packages and tests and the wall time, and
// reports whether anything failed.
// An interrupted run is a failed one, whatever the packages reported.
func (r *reporter) summary(now time.Time, interrupted bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	type timing struct {
		name    string
		started time.Duration // since the run began: queueing and compiling
		took    time.Duration
	}
	var pkgs, tests []timing
	failed, ran := r.failed || interrupted, 0
	var failedPkgs []string
	for name, p := range r.packages {
		if !p.done || p.failed {
			failed = true
			failedPkgs = append(failedPkgs, name)
		}
		if p.started.IsZero() {
			continue // no test files
		}
		ran++
		pkgs = append(pkgs, timing{name: name, started: p.started.Sub(r.began), took: p.elapsed})
		for t, d := range p.topTests {
			tests = append(tests, timing{name: name + " " + t, took: d})
		}
	}
	byTook := func(a, b timing) int { return int(b.took - a.took) }
	slices.SortFunc(pkgs, byTook)
	slices.SortFunc(tests, byTook)
	fmt.Fprintf(r.out, "\nslowest packages (ran for; started after — the wait is compiling and queueing):\n")
	for _, t := range pkgs[:min(slowestShown, len(pkgs))] {
		fmt.Fprintf(r.out, "  %7.1fs  +%5.1fs  %s\n", t.took.Seconds(), t.started.Seconds(), t.name)
	}
	fmt.Fprintf(r.out, "slowest tests:\n")
	for _, t := range tests[:min(slowestShown, len(tests))] {
		fmt.Fprintf(r.out, "  %7.1fs  %s\n", t.took.Seconds(), t.name)
	}
	slices.Sort(failedPkgs)
	status := "ok"
	if failed {
		status = "FAIL"
		for _, name := range failedPkgs {
			fmt.Fprintf(r.out, "FAIL %s\n", name)
		}
	}
	if interrupted {
		status = "INTERRUPTED"
	}
	var busy time.Duration
	for _, t := range pkgs {
		busy += t.took
	}
	fmt.Fprintf(r.out, "make test: %s, %d test packages (%v of test binaries running, summed), wall time %v\n",
		status, ran, busy.Round(100*time.Millisecond), now.Sub(r.began).Round(100*time.Millisecond))
	return failed
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
