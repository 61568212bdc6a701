// Package coldstart measures Gatepass's Lambda functions as processes: each
// `bootstrap`, built for the host with the Makefile's Lambda flags, is
// executed against a loopback Lambda Runtime API (package lambdaapi) with
// the environment Lambda would give it and its AWS calls answered by
// loopback fakes (package awsfake). It times exec → first GET
// …/invocation/next (the cold start: Go runtime start, configuration, SDK
// clients, the function's own init and the Secrets Manager reads — the
// origin secret's two stages for every HTTP function, the sealing key for
// the two-factor ones), then invocations with a cheap real event, sent as
// CloudFront sends it (origin secret, CloudFront-Viewer-Address). With
// Config.Emulator the same binaries are also started under the official
// emulator, aws-lambda-rie (package rie), for its own init duration.
package coldstart

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/events"

	"github.com/gatepass/gatepass/infra/bench/awsfake"
	"github.com/gatepass/gatepass/infra/bench/lambdaapi"
	"github.com/gatepass/gatepass/infra/bench/rie"
	"github.com/gatepass/gatepass/shared/apigw"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/origin"
	"github.com/gatepass/gatepass/shared/routes"
	"github.com/gatepass/gatepass/shared/sessions"
)

// BuildFlags are the Makefile's LAMBDA_FLAGS as go build arguments (a test
// keeps them equal).
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-buildvcs=false"}

// Baseline names the minimal Go Lambda (BaselinePackage) measured beside
// the functions.
const Baseline = "baseline"

// BaselinePackage is the baseline function's package.
const BaselinePackage = "./infra/bench/baseline"

// PublicURL is the public URL the functions are configured with.
const PublicURL = "https://gatepass.example.com"

// Config says what to measure.
type Config struct {
	// Root is the repository root (where go.mod and functions/ are).
	Root string
	// Functions are the function names (directories under functions/).
	Functions []string
	// Dir receives the binaries and the fake's files.
	Dir string
	// Runs is the number of process starts per function.
	Runs int
	// Warm is the number of invocations timed after the first, per run.
	Warm int
	// MemoryMB is what AWS_LAMBDA_FUNCTION_MEMORY_SIZE says.
	MemoryMB int
	// Emulator, when set, is aws-lambda-rie (package rie): each function is
	// also started EmulatorRuns times under it, with the same environment
	// and fakes, and invoked once, for the emulator's own init duration.
	Emulator     string
	EmulatorRuns int
}

// Result is one function's measurement.
type Result struct {
	Function string `json:"function"`
	// Event describes the invocation ("GET /api/auth/config", …) and
	// Outcome what the function answered ("200", "deny", …).
	Event   string `json:"event"`
	Outcome string `json:"outcome"`
	// HostBytes is the size of the host binary that was run.
	HostBytes int64 `json:"hostBytes"`
	// ExecToNext is exec → first …/next, per run; FirstInvoke the first
	// invocation's latency, per run; Warm every later invocation's.
	ExecToNext  []time.Duration `json:"execToNext"`
	FirstInvoke []time.Duration `json:"firstInvoke"`
	Warm        []time.Duration `json:"warm"`
	// InitCalls are the AWS requests during the cold start (first run);
	// InvokeCalls those of one warm invocation.
	InitCalls   string `json:"initCalls"`
	InvokeCalls string `json:"invokeCalls"`
	// PackageInit is the package initialisation time of one extra start
	// with GODEBUG=inittrace=1 (not part of ExecToNext), and SlowestInits
	// its three slowest packages.
	PackageInit  time.Duration `json:"packageInit"`
	SlowestInits []PackageInit `json:"slowestInits"`
	// RIEInit is, per start under aws-lambda-rie (Config.Emulator), the
	// init duration the emulator reports (INIT REPORT: exec → first
	// …/next, as it sees them), and RIEFirstInvoke the Duration of its
	// REPORT line for the first invocation. Empty without an emulator.
	RIEInit        []time.Duration `json:"rieInit,omitempty"`
	RIEFirstInvoke []time.Duration `json:"rieFirstInvoke,omitempty"`
}

// PackageInit is one package's init time.
type PackageInit struct {
	Package string        `json:"package"`
	Took    time.Duration `json:"took"`
}

// initLine is a GODEBUG=inittrace=1 line: "init <pkg> @0.5 ms, 3.1 ms
// clock, 1024 bytes, 12 allocs".
var initLine = regexp.MustCompile(`(?m)^init (\S+) @[0-9.]+ ms, ([0-9.]+) ms clock`)

// ParseInitTrace sums the clock time of a GODEBUG=inittrace=1 output and
// returns it with the n slowest packages, slowest first.
func ParseInitTrace(out string, n int) (time.Duration, []PackageInit) {
	var total time.Duration
	var all []PackageInit
	for _, m := range initLine.FindAllStringSubmatch(out, -1) {
		ms, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		d := time.Duration(ms * float64(time.Millisecond))
		total += d
		all = append(all, PackageInit{Package: m[1], Took: d})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Took > all[j].Took })
	return total, all[:min(n, len(all))]
}

// Options say how Build compiles the functions; the zero value is how
// Lambda runs them.
type Options struct {
	// Flags are go build's flags: BuildFlags, the Makefile's, unless set. A
	// test that only needs the functions to work passes its own flags (its
	// -race, no -trimpath), so that the build reuses the packages the test
	// compiled instead of compiling every one again another way.
	Flags []string
	// CGO keeps the environment's CGO_ENABLED (the go command's default, as
	// the tests are built) instead of turning cgo off as for Lambda.
	CGO bool
}

// flags are the go build flags o stands for.
func (o Options) flags() []string {
	if o.Flags != nil {
		return o.Flags
	}
	return BuildFlags
}

// env is the go command's environment for o: the host's target.
func (o Options) env() []string {
	env := append(os.Environ(), "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if !o.CGO {
		env = append(env, "CGO_ENABLED=0")
	}
	return env
}

// Build compiles every function (./functions/<name>, or BaselinePackage)
// for the host into dir/<name>/bootstrap with BuildFlags, CGO off, and
// returns the binaries' paths by name. One go build makes them all, so the
// packages are loaded once and compiled and linked in parallel.
func Build(ctx context.Context, root, dir string, functions []string) (map[string]string, error) {
	return BuildWith(ctx, root, dir, functions, Options{})
}

// BuildWith is Build with o's flags and cgo setting.
func BuildWith(ctx context.Context, root, dir string, functions []string, o Options) (map[string]string, error) {
	if len(functions) == 0 {
		return map[string]string{}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("coldstart: build: %w", err)
	}
	staging, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return nil, fmt.Errorf("coldstart: build: %w", err)
	}
	defer os.RemoveAll(staging)
	args := append([]string{"build"}, o.flags()...)
	args = append(args, "-o", staging+string(filepath.Separator))
	for _, f := range functions {
		if f == Baseline {
			args = append(args, BaselinePackage)
		} else {
			args = append(args, "./functions/"+f)
		}
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = o.env()
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("coldstart: build %s: %w\n%s", strings.Join(functions, ", "), err, b)
	}
	out := map[string]string{}
	for _, f := range functions {
		bin := filepath.Join(dir, f, "bootstrap")
		if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
			return nil, fmt.Errorf("coldstart: build: %w", err)
		}
		// go build -o dir/ names each binary after its package's directory.
		if err := os.Rename(filepath.Join(staging, f), bin); err != nil {
			return nil, fmt.Errorf("coldstart: build %s: %w", f, err)
		}
		out[f] = bin
	}
	return out, nil
}

// Measure builds and measures every function of cfg, one after the other.
func Measure(ctx context.Context, cfg Config) ([]Result, error) {
	if cfg.Runs < 1 || cfg.Warm < 1 {
		return nil, errors.New("coldstart: Runs and Warm must be at least 1")
	}
	bins, err := Build(ctx, cfg.Root, filepath.Join(cfg.Dir, "bin"), cfg.Functions)
	if err != nil {
		return nil, err
	}
	fake, err := awsfake.Start(cfg.Dir)
	if err != nil {
		return nil, err
	}
	defer fake.Close()
	cfnAck, err := startCFNResponder()
	if err != nil {
		return nil, err
	}
	defer cfnAck.close()
	var results []Result
	for _, f := range cfg.Functions {
		r, err := measureOne(ctx, cfg, f, bins[f], fake, cfnAck)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	return results, nil
}

func measureOne(ctx context.Context, cfg Config, name, bin string, fake *awsfake.Server, ack *cfnResponder) (Result, error) {
	var ev event
	if name == Baseline {
		ev = event{payload: []byte(`{"ping":true}`), describe: "echo", outcome: func([]byte) (string, error) { return "echoed", nil }}
	} else {
		fn, ok := routes.Lookup(name)
		if !ok {
			return Result{}, fmt.Errorf("coldstart: %s is not in the route table", name)
		}
		var err error
		if ev, err = eventFor(fn, ack.url, fake.OriginSecret); err != nil {
			return Result{}, err
		}
	}
	fi, err := os.Stat(bin)
	if err != nil {
		return Result{}, fmt.Errorf("coldstart: %w", err)
	}
	res := Result{Function: name, Event: ev.describe, HostBytes: fi.Size()}
	for run := range cfg.Runs {
		if err := oneRun(ctx, cfg, name, bin, ev, fake, &res, run == 0); err != nil {
			return Result{}, fmt.Errorf("coldstart: %s run %d: %w", name, run+1, err)
		}
	}
	if cfg.Emulator != "" {
		for run := range cfg.EmulatorRuns {
			if err := emulatorRun(ctx, cfg, name, bin, ev, fake, &res); err != nil {
				return Result{}, fmt.Errorf("coldstart: %s under aws-lambda-rie, run %d: %w", name, run+1, err)
			}
		}
	}
	trace, err := initTrace(ctx, cfg, name, bin, fake)
	if err != nil {
		return Result{}, fmt.Errorf("coldstart: %s init trace: %w", name, err)
	}
	res.PackageInit, res.SlowestInits = ParseInitTrace(trace, 3)
	return res, nil
}

// emulatorRun starts the function under aws-lambda-rie, invokes it once
// and records the emulator's init duration and first REPORT.
func emulatorRun(ctx context.Context, cfg Config, name, bin string, ev event, fake *awsfake.Server, res *Result) error {
	runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	f, err := rie.Start(runCtx, rie.Config{Emulator: cfg.Emulator, Bootstrap: bin,
		Env: append(Environment(name, "", cfg.MemoryMB), fake.Env()...)})
	if err != nil {
		return err
	}
	defer f.Stop()
	inv, err := f.Invoke(runCtx, ev.payload)
	if err == nil && inv.Status != http.StatusOK {
		err = fmt.Errorf("the emulator answered %d: %s", inv.Status, inv.Body)
	}
	if err == nil {
		_, err = ev.outcome(inv.Body)
	}
	var in rie.Init
	if err == nil {
		in, err = f.Init(runCtx)
	}
	if err != nil {
		out, log := f.Output()
		return fmt.Errorf("%w\noutput:\n%s\nemulator log:\n%s", err, out, log)
	}
	fake.Calls()
	res.RIEInit = append(res.RIEInit, in.Duration)
	res.RIEFirstInvoke = append(res.RIEFirstInvoke, inv.Report.Duration)
	return nil
}

// initTrace starts the function once more with GODEBUG=inittrace=1 and
// returns its output up to its first …/next.
func initTrace(ctx context.Context, cfg Config, name, bin string, fake *awsfake.Server) (string, error) {
	api, err := lambdaapi.Start()
	if err != nil {
		return "", err
	}
	defer api.Close()
	output := &limited{n: 256 << 10}
	cmd := exec.Command(bin)
	cmd.Env = append(append(Environment(name, api.Addr(), cfg.MemoryMB), fake.Env()...), "GODEBUG=inittrace=1")
	cmd.Stdout, cmd.Stderr = output, output
	runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
		cancel()
	}()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	if _, err := api.WaitNext(runCtx); err != nil {
		return "", fmt.Errorf("%w; output:\n%s", err, output.String())
	}
	fake.Calls()
	return output.String(), nil
}

// oneRun starts the process, times its cold start and cfg.Warm+1
// invocations, and stops it.
func oneRun(ctx context.Context, cfg Config, name, bin string, ev event, fake *awsfake.Server, res *Result, first bool) error {
	api, err := lambdaapi.Start()
	if err != nil {
		return err
	}
	defer api.Close()
	output := &limited{n: 64 << 10}
	cmd := exec.Command(bin)
	cmd.Env = append(Environment(name, api.Addr(), cfg.MemoryMB), fake.Env()...)
	cmd.Stdout, cmd.Stderr = output, output
	runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	fake.Calls()
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
		cancel()
	}()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	next, err := api.WaitNext(runCtx)
	if err != nil {
		return fmt.Errorf("%w; output:\n%s", err, output.String())
	}
	res.ExecToNext = append(res.ExecToNext, next.Sub(began))
	if first {
		res.InitCalls = awsfake.FormatCalls(fake.Calls())
	}
	for i := range cfg.Warm + 1 {
		r, err := api.Invoke(runCtx, ev.payload)
		if err != nil {
			return fmt.Errorf("invoke: %w; output:\n%s", err, output.String())
		}
		if r.Failed {
			return fmt.Errorf("invocation failed: %s; output:\n%s", r.Body, output.String())
		}
		outcome, err := ev.outcome(r.Body)
		if err != nil {
			return err
		}
		res.Outcome = outcome
		if i == 0 {
			res.FirstInvoke = append(res.FirstInvoke, r.Latency())
			fake.Calls()
			continue
		}
		res.Warm = append(res.Warm, r.Latency())
	}
	if first {
		res.InvokeCalls = perInvoke(fake.Calls(), cfg.Warm)
	}
	return nil
}

// perInvoke renders calls divided by n invocations.
func perInvoke(calls map[string]int, n int) string {
	for k, v := range calls {
		calls[k] = (v + n/2) / n
	}
	return awsfake.FormatCalls(calls)
}

// Environment is what Lambda and the tenant stack give a function, with
// fake credentials: no real account is ever reached.
func Environment(name, runtimeAPI string, memoryMB int) []string {
	return []string{
		"AWS_LAMBDA_RUNTIME_API=" + runtimeAPI,
		"AWS_LAMBDA_FUNCTION_NAME=gatepass-bench-" + name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		fmt.Sprintf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%d", memoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/gatepass-bench-" + name,
		"AWS_REGION=eu-central-1",
		"AWS_DEFAULT_REGION=eu-central-1",
		"AWS_ACCESS_KEY_ID=AKIDGATEPASSBENCH",
		"AWS_SECRET_ACCESS_KEY=gatepass-bench-not-a-secret",
		"AWS_SESSION_TOKEN=gatepass-bench",
		"TZ=:UTC",
		"GATEPASS_TABLE=gatepass-bench",
		"GATEPASS_TENANT=bench",
		"GATEPASS_PUBLIC_URL=" + PublicURL,
		"GATEPASS_MAIL_FROM=no-reply@gatepass.example.com",
		"GATEPASS_KEY_SECRET=gatepass-bench-key",
		"GATEPASS_ORIGIN_SECRET_ARN=" + awsfake.OriginSecretID,
	}
}

// event is one function's invocation: its payload, a description and how
// to read the answer.
type event struct {
	payload  []byte
	describe string
	outcome  func([]byte) (string, error)
}

// pathParam is a {name} or {name+} segment of a route.
var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// eventFor builds the cheap real invocation of fn: for an HTTP function its
// first route as API Gateway's v2 event of a request through CloudFront
// (originSecret, CloudFront-Viewer-Address), without a session (a GET, or a
// POST of "{}" from the right Origin); for the authorizer a well-formed
// session cookie of no session (one read, deny); for the custom resource a
// CloudFormation Delete (nothing to do, acknowledged at responseURL).
func eventFor(fn routes.Function, responseURL, originSecret string) (event, error) {
	switch fn.Kind {
	case routes.KindHTTP:
		if len(fn.Routes) == 0 {
			return event{}, fmt.Errorf("coldstart: %s has no routes", fn.Name)
		}
		key := fn.Routes[0]
		method, pattern := routes.Split(key)
		path := pathParam.ReplaceAllString(pattern, "bench")
		var body io.Reader
		if method != http.MethodGet {
			body = strings.NewReader("{}")
		}
		r := httptest.NewRequest(method, PublicURL+path, body)
		r.RemoteAddr = "203.0.113.7:41000"
		r.Header.Set("User-Agent", "gatepass-bench/1.0")
		if method != http.MethodGet {
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Origin", PublicURL)
		}
		origin.SetEdgeHeaders(r, originSecret)
		ev, err := apigw.NewEvent(r, key, time.Now())
		if err != nil {
			return event{}, fmt.Errorf("coldstart: event for %s: %w", key, err)
		}
		return jsonEvent(ev, key, func(b []byte) (string, error) {
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(b, &resp); err != nil || resp.StatusCode == 0 {
				return "", fmt.Errorf("coldstart: %s answered %q", key, b)
			}
			return fmt.Sprint(resp.StatusCode), nil
		})
	case routes.KindAuthorizer:
		token := ids.UserToken(ids.New("u"))
		if _, ok := sessions.ParseToken(token); !ok {
			return event{}, errors.New("coldstart: ids.UserToken no longer makes a session token")
		}
		cookie := sessions.NewManager(nil, clock.System{}, true).CookieName() + "=" + token
		ev := events.APIGatewayV2CustomAuthorizerV2Request{
			Version: "2.0", Type: "REQUEST", RouteKey: "GET /api/orders", RawPath: "/api/orders",
			Cookies: []string{cookie}, Headers: map[string]string{"host": "gatepass.example.com"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "bench", RouteKey: "GET /api/orders", Stage: "$default"},
		}
		return jsonEvent(ev, "unknown session cookie", func(b []byte) (string, error) {
			var resp events.APIGatewayV2CustomAuthorizerSimpleResponse
			if err := json.Unmarshal(b, &resp); err != nil {
				return "", fmt.Errorf("coldstart: authorizer answered %q", b)
			}
			if resp.IsAuthorized {
				return "allow", nil
			}
			return "deny", nil
		})
	case routes.KindCustomResource:
		ev := cfn.Event{
			RequestType: cfn.RequestDelete, RequestID: "bench", ResponseURL: responseURL,
			ResourceType: "Custom::GatepassBootstrap", LogicalResourceID: "Bootstrap",
			StackID:            "arn:aws:cloudformation:eu-central-1:111111111111:stack/gatepass-bench/bench",
			PhysicalResourceID: "gatepass-bootstrap-bench",
			ResourceProperties: map[string]any{"AdminEmail": "it@example.com"},
		}
		return jsonEvent(ev, "CloudFormation Delete", func([]byte) (string, error) { return "acknowledged", nil })
	default:
		return event{}, fmt.Errorf("coldstart: %s is a %q function, which this tool cannot invoke", fn.Name, fn.Kind)
	}
}

func jsonEvent(v any, describe string, outcome func([]byte) (string, error)) (event, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return event{}, fmt.Errorf("coldstart: encode %s: %w", describe, err)
	}
	return event{payload: b, describe: describe, outcome: outcome}, nil
}

// cfnResponder plays the pre-signed S3 URL CloudFormation hands a custom
// resource for its answer.
type cfnResponder struct {
	url string
	srv *http.Server
}

func startCFNResponder() (*cfnResponder, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("coldstart: listen: %w", err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})}
	go func() { _ = srv.Serve(ln) }()
	return &cfnResponder{url: "http://" + ln.Addr().String() + "/cloudformation-response", srv: srv}, nil
}

func (c *cfnResponder) close() { _ = c.srv.Close() }

// limited keeps the first n bytes written to it (a process's output, for
// error messages) and drops the rest; safe for concurrent use.
type limited struct {
	mu  sync.Mutex
	buf bytes.Buffer
	n   int
}

func (l *limited) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if k := min(len(p), l.n-l.buf.Len()); k > 0 {
		l.buf.Write(p[:k])
	}
	return len(p), nil
}

func (l *limited) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
