// Package rie runs a Lambda function's `bootstrap` under the AWS Lambda
// Runtime Interface Emulator (aws-lambda-rie), the official emulator of the
// Lambda execution environment, and invokes it the way its documentation
// says: POST InvokePath with the event as the body.
//
// The emulator is built from the Go module proxy with `go install
// Module@Version` into a directory of the user's cache (Install), once per
// machine: it is not a dependency of the Gatepass module, so the functions'
// binaries do not change.
//
// What this version of the emulator does, read from its source
// (internal/lambda/rie and internal/lambda/rapid):
//
//   - it starts the bootstrap lazily, at the first invocation, with its own
//     environment (so Start gives the emulator the function's environment)
//     and AWS_LAMBDA_RUNTIME_API pointing at its Runtime API;
//   - its log (stderr) has, for the init phase, "INIT REPORT(durationMs:
//     41.192000)": the time from starting the runtime domain (exec of the
//     bootstrap) to the bootstrap's first GET …/invocation/next — the same
//     span as Lambda's Init Duration. Init.Duration is that figure;
//   - its stdout has, per invocation, "REPORT RequestId: <id>\tInit
//     Duration: 1.71 ms\tDuration: 48.10 ms\t…", Lambda's REPORT line, with
//     the Init Duration on the first invocation only. In this version that
//     figure only times the emulator's asynchronous Init call, not the
//     bootstrap's init (which is why Init keeps both and the bench reports
//     INIT REPORT's); Duration covers the invocation, including the wait for
//     an init still running;
//   - the bootstrap's own stdout and stderr are copied to the emulator's.
package rie

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Module is the emulator's command package and Version the pinned version
// Install builds.
const (
	Module  = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"
	Version = "v0.0.0-20261030222936-bef5c4ba774d"
)

// InvokePath is the emulator's invocation endpoint.
const InvokePath = "/2015-03-31/functions/function/invocations"

// Timeout is what the emulator is told the function's timeout is
// (AWS_LAMBDA_FUNCTION_TIMEOUT, seconds) unless the environment says
// otherwise: an invocation that hangs ends in time for a test to report it.
const Timeout = 30

// ErrNotBuilt reports that Install could not build the emulator (no Go
// toolchain, or no access to the module proxy). Tests skip on it outside CI.
var ErrNotBuilt = errors.New("rie: aws-lambda-rie could not be built")

// InstallHint tells how to make Install work.
const InstallHint = "Install runs `go install " + Module + "@" + Version + "`, which needs the Go module proxy (or the module in GOMODCACHE)"

const (
	startAttempts = 3
	readyTimeout  = 10 * time.Second
	reportTimeout = 5 * time.Second
	stopTimeout   = 3 * time.Second
	outputLimit   = 1 << 20
)

// CacheDir is where Install keeps the emulator: <user cache>/gatepass/aws-lambda-rie/<Version>.
func CacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("rie: cache dir: %w", err)
	}
	return filepath.Join(base, "gatepass", "aws-lambda-rie", Version), nil
}

// Install returns the path of aws-lambda-rie at Version in CacheDir,
// building it there with goCmd ("go" when empty) the first time. The
// binary is installed into a fresh directory and renamed into place, so
// that concurrent test processes never see half a file. Errors wrap
// ErrNotBuilt when the build itself fails.
func Install(ctx context.Context, goCmd string) (string, error) {
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	return InstallIn(ctx, goCmd, dir)
}

// InstallIn is Install with dir in place of CacheDir.
func InstallIn(ctx context.Context, goCmd, dir string) (string, error) {
	if goCmd == "" {
		goCmd = "go"
	}
	bin := filepath.Join(dir, "aws-lambda-rie")
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("rie: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, ".install-")
	if err != nil {
		return "", fmt.Errorf("rie: %w", err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, goCmd, "install", Module+"@"+Version)
	cmd.Dir = tmp // outside any module: go install pkg@version ignores go.mod anyway
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH,
		"GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w: %v\n%s\n%s", ErrNotBuilt, err, tail(out, 4<<10), InstallHint)
	}
	if err := os.Rename(filepath.Join(tmp, "aws-lambda-rie"), bin); err != nil {
		return "", fmt.Errorf("rie: install: %w", err)
	}
	return bin, nil
}

// Config says what to run.
type Config struct {
	// Emulator is the path of aws-lambda-rie (Install's result).
	Emulator string
	// Bootstrap is the function's binary; it runs in its directory.
	Bootstrap string
	// Env is the function's environment. The emulator passes its own
	// environment to the bootstrap, so this is the emulator's environment;
	// AWS_LAMBDA_RUNTIME_API is the emulator's to set and is dropped.
	Env []string
}

// Function is a running emulator with its bootstrap (started at the first
// invocation).
type Function struct {
	cmd    *exec.Cmd
	url    string
	stdout *output
	stderr *output
	done   chan struct{}
	client *http.Client

	stopOnce sync.Once
}

// Start runs the emulator for cfg on two free loopback ports (its invoke
// endpoint and its Runtime API) and waits until its invoke endpoint
// accepts connections. When a port turns out to be taken it tries again
// with others, three times in all.
func Start(ctx context.Context, cfg Config) (*Function, error) {
	if cfg.Emulator == "" || cfg.Bootstrap == "" {
		return nil, errors.New("rie: Config needs Emulator and Bootstrap")
	}
	var lastErr error
	for range startAttempts {
		f, err := start(ctx, cfg)
		if err == nil {
			return f, nil
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

var errPortTaken = errors.New("rie: port taken")

func start(ctx context.Context, cfg Config) (*Function, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	invokeAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	runtimeAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	bootstrap, err := filepath.Abs(cfg.Bootstrap)
	if err != nil {
		return nil, fmt.Errorf("rie: %w", err)
	}
	cmd := exec.Command(cfg.Emulator,
		"--log-level", "info",
		"--runtime-interface-emulator-address", invokeAddr,
		"--runtime-api-address", runtimeAddr,
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = environment(cfg.Env)
	f := &Function{
		cmd: cmd, url: "http://" + invokeAddr + InvokePath,
		stdout: newOutput(outputLimit), stderr: newOutput(outputLimit),
		done:   make(chan struct{}),
		client: &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}},
	}
	cmd.Stdout, cmd.Stderr = f.stdout, f.stderr
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("rie: start %s: %w", cfg.Emulator, err)
	}
	go func() {
		_ = cmd.Wait()
		close(f.done)
	}()
	if err := f.waitReady(ctx, invokeAddr); err != nil {
		_ = f.Stop()
		if strings.Contains(f.stderr.String(), "address already in use") {
			return nil, fmt.Errorf("%w: %v", errPortTaken, err)
		}
		return nil, fmt.Errorf("%w; emulator log:\n%s", err, f.stderr.String())
	}
	return f, nil
}

// environment is env without AWS_LAMBDA_RUNTIME_API, with Timeout unless
// env sets a timeout.
func environment(env []string) []string {
	out := make([]string, 0, len(env)+1)
	timeout := false
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "AWS_LAMBDA_RUNTIME_API":
			continue
		case "AWS_LAMBDA_FUNCTION_TIMEOUT":
			timeout = true
		}
		out = append(out, kv)
	}
	if !timeout {
		out = append(out, "AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(Timeout))
	}
	return out
}

func (f *Function) waitReady(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-f.done:
			return fmt.Errorf("rie: the emulator exited before listening (%v)", f.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("rie: the emulator does not listen on %s: %w", addr, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Invocation is one invocation's outcome.
type Invocation struct {
	// RequestID is the invocation's id (X-Amzn-RequestId).
	RequestID string
	// Status is the emulator's HTTP status: 200 when the function
	// answered, 502 when its init or invocation failed.
	Status int
	// Body is the function's response (or error document).
	Body []byte
	// Took is the round trip as the caller saw it.
	Took time.Duration
	// Report is the emulator's REPORT line for the invocation.
	Report Report
}

// Invoke sends payload as one invocation and returns the answer with the
// emulator's REPORT line for it.
func (f *Function) Invoke(ctx context.Context, payload []byte) (Invocation, error) {
	id := requestID()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(payload))
	if err != nil {
		return Invocation{}, fmt.Errorf("rie: invoke: %w", err)
	}
	req.Header.Set("X-Amzn-RequestId", id)
	began := time.Now()
	resp, err := f.client.Do(req)
	if err != nil {
		return Invocation{}, fmt.Errorf("rie: invoke: %w", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	inv := Invocation{RequestID: id, Status: resp.StatusCode, Body: body, Took: time.Since(began)}
	if err != nil {
		return inv, fmt.Errorf("rie: invoke: read answer: %w", err)
	}
	// The emulator prints REPORT before it answers; the pipe may lag.
	wait, cancel := context.WithTimeout(ctx, reportTimeout)
	defer cancel()
	rep, err := waitFor(wait, f.stdout, func(s string) (Report, bool) { return FindReport(s, id) })
	if err != nil {
		return inv, fmt.Errorf("rie: no REPORT line for %s: %w", id, err)
	}
	inv.Report = rep
	return inv, nil
}

// Init is the init phase as the emulator reports it.
type Init struct {
	// Duration is INIT REPORT's durationMs: exec of the bootstrap to its
	// first …/next.
	Duration time.Duration
	// Reported is the Init Duration of the first REPORT line (see the
	// package documentation: in this version, not the bootstrap's init).
	Reported time.Duration
}

// Init waits (up to 5 s) for the emulator to report the init phase, which
// it runs at the first invocation.
func (f *Function) Init(ctx context.Context) (Init, error) {
	wait, cancel := context.WithTimeout(ctx, reportTimeout)
	defer cancel()
	d, err := waitFor(wait, f.stderr, ParseInitReport)
	if err != nil {
		return Init{}, fmt.Errorf("rie: no INIT REPORT: %w", err)
	}
	in := Init{Duration: d}
	if r, ok := FindReport(f.stdout.String(), ""); ok {
		in.Reported = r.InitDuration
	}
	return in, nil
}

// BootstrapPID is the process id of the bootstrap the emulator runs (its
// child, started at the first invocation), or 0 when there is none (yet, or
// off Linux): whose CPU, page faults and memory a load reports.
func (f *Function) BootstrapPID() int {
	for _, pid := range childProcesses(f.cmd.Process.Pid) {
		return pid
	}
	return 0
}

// Output is what the emulator and the bootstrap wrote to stdout (the
// bootstrap's logs, START/END/REPORT) and the emulator's own log, up to
// 1 MiB each.
func (f *Function) Output() (stdout, log string) { return f.stdout.String(), f.stderr.String() }

// Stop ends the emulator and the bootstrap it started (which the emulator
// puts in a process group of its own and does not stop when it exits). It
// always returns nil: a process that is gone is what Stop wants; the
// error is there for the callers' cleanup signatures.
func (f *Function) Stop() error {
	f.stopOnce.Do(func() {
		children := childProcesses(f.cmd.Process.Pid)
		_ = f.cmd.Process.Signal(terminate())
		select {
		case <-f.done:
		case <-time.After(stopTimeout):
			_ = f.cmd.Process.Kill()
			<-f.done
		}
		killGroups(children)
	})
	return nil
}

// Report is an emulator REPORT line.
type Report struct {
	RequestID string
	// InitDuration is set on the first invocation's line only.
	InitDuration time.Duration
	HasInit      bool
	Duration     time.Duration
}

// reportLine matches the emulator's REPORT line (printEndReports in
// internal/lambda/rie/handlers.go).
var reportLine = regexp.MustCompile(`(?m)^REPORT RequestId: (\S+)\t(?:Init Duration: ([0-9.]+) ms\t)?Duration: ([0-9.]+) ms\t`)

// FindReport finds the REPORT line of request id in out (any request's
// first when id is empty).
func FindReport(out, id string) (Report, bool) {
	for _, m := range reportLine.FindAllStringSubmatch(out, -1) {
		if id != "" && m[1] != id {
			continue
		}
		r := Report{RequestID: m[1], Duration: millis(m[3])}
		if m[2] != "" {
			r.InitDuration, r.HasInit = millis(m[2]), true
		}
		return r, true
	}
	return Report{}, false
}

// initReport matches rapid's "INIT REPORT(durationMs: 41.192000)"
// (InitReportData.String in internal/lambda/interop/events_api.go).
var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// ParseInitReport returns the duration of the first INIT REPORT in log.
func ParseInitReport(log string) (time.Duration, bool) {
	m := initReport.FindStringSubmatch(log)
	if m == nil {
		return 0, false
	}
	return millis(m[1]), true
}

func millis(s string) time.Duration {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return time.Duration(v * float64(time.Millisecond))
}

func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("rie: free port: %w", err)
		}
		lns = append(lns, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// waitFor polls o's content with find until it finds something, o is
// written to again, or ctx ends.
func waitFor[T any](ctx context.Context, o *output, find func(string) (T, bool)) (T, error) {
	for {
		s, changed := o.snapshot()
		if v, ok := find(s); ok {
			return v, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
}

// output keeps the first limit bytes written to it and tells waiters when
// it grows; safe for concurrent use.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	limit   int
	changed chan struct{}
}

func newOutput(limit int) *output { return &output{limit: limit, changed: make(chan struct{})} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if k := min(len(p), o.limit-o.buf.Len()); k > 0 {
		o.buf.Write(p[:k])
		close(o.changed)
		o.changed = make(chan struct{})
	}
	return len(p), nil
}

func (o *output) snapshot() (string, <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String(), o.changed
}

func (o *output) String() string {
	s, _ := o.snapshot()
	return s
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
