// Package emulator runs local emulators of cloud services as child processes
// of a test binary. It holds what every emulator needs and none knows about
// a particular one: starting the process in its own process group (killed
// with the test binary on Linux), picking a free loopback port and retrying
// when another process takes it first, waiting until the emulator answers
// HTTP, keeping the tail of its output for error messages, and sharing one
// process between the tests of a package (see Shared), or attaching to an
// emulator that another process runs (see Attach) so that one server serves
// every test package of a run.
//
// Packages such as dynamolocal and seslocal describe their emulator with a
// Spec and wrap the Process that Start returns.
package emulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNotInstalled is matched (with errors.Is) by the errors NotInstalled
// makes: an emulator or its runtime is missing from the machine. Shared
// skips tests on it, except in CI.
var ErrNotInstalled = errors.New("emulator: not installed")

// ErrPortTaken reports that the emulator could not bind the port it was
// given, typically because another process took it after FreePort released
// it. Start retries on it with another port.
var ErrPortTaken = errors.New("emulator: port taken")

// NotInstalled returns a new sentinel error with text msg that also matches
// ErrNotInstalled, for an emulator package to export as its own
// ErrNotInstalled.
func NotInstalled(msg string) error { return &notInstalledError{msg: msg} }

type notInstalledError struct{ msg string }

func (e *notInstalledError) Error() string        { return e.msg }
func (e *notInstalledError) Is(target error) bool { return target == ErrNotInstalled }

const (
	// StartTimeout bounds how long Start waits for the emulator to answer.
	StartTimeout = 60 * time.Second
	// OutputLimit is how much of the emulator's output a Process keeps.
	OutputLimit = 64 << 10

	startAttempts = 3
	stopTimeout   = 10 * time.Second
	probeInterval = 50 * time.Millisecond
)

// Spec describes how to run one emulator.
type Spec struct {
	// Name names the emulator in error messages, such as "DynamoDB Local".
	Name string
	// Command returns the (not yet started) command that runs the emulator
	// listening on port, with its arguments, working directory and
	// environment set. Its Stdout, Stderr and process attributes are
	// overwritten.
	Command func(port int) *exec.Cmd
	// ProbePath is the path that is requested with GET until the emulator
	// answers, such as "/health-check"; empty means the root.
	ProbePath string
	// ProbeStatus is the HTTP status that means ready; 0 accepts any answer.
	ProbeStatus int
	// PortTakenMarkers are substrings of the emulator's output that mean it
	// exited because its port was taken, such as "EADDRINUSE".
	PortTakenMarkers []string
}

// Process is a running emulator: a child process that Start started, or one
// that another process runs and Attach found answering.
type Process struct {
	name     string
	endpoint string
	cmd      *exec.Cmd // nil when attached
	out      *tailBuffer
	done     chan struct{} // closed when the process has exited; never when attached
	waitErr  error         // set before done is closed

	stopOnce sync.Once
	stopErr  error
}

// Start runs the emulator that spec describes on a free loopback port and
// waits until it answers (at most StartTimeout). When the port turns out to
// be taken it tries again with another one, up to three times in all.
func Start(ctx context.Context, spec Spec) (*Process, error) {
	var lastErr error
	for range startAttempts {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		p, err := StartOnPort(ctx, spec, port)
		if err == nil {
			return p, nil
		}
		lastErr = err
		if !errors.Is(err, ErrPortTaken) || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

// StartOnPort runs the emulator that spec describes on port and waits until
// it answers (at most StartTimeout). It returns an error wrapping
// ErrPortTaken when the emulator exits reporting that the port is taken.
func StartOnPort(ctx context.Context, spec Spec, port int) (*Process, error) {
	cmd := spec.Command(port)
	out := &tailBuffer{max: OutputLimit}
	cmd.Stdout = out
	cmd.Stderr = out
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("emulator: start %s: %w", spec.Name, err)
	}
	p := &Process{
		name:     spec.Name,
		endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		cmd:      cmd,
		out:      out,
		done:     make(chan struct{}),
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	if err := p.waitReady(ctx, spec, port); err != nil {
		_ = p.Stop()
		return nil, err
	}
	return p, nil
}

// Attach returns a Process for the emulator that spec describes when another
// process runs it at endpoint (such as "http://127.0.0.1:8000"), once it
// answers spec's probe (at most StartTimeout). Stop leaves that emulator
// running: its owner stops it.
func Attach(ctx context.Context, spec Spec, endpoint string) (*Process, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("emulator: %s endpoint %q is not an http(s) URL", spec.Name, endpoint)
	}
	p := &Process{
		name:     spec.Name,
		endpoint: strings.TrimSuffix(endpoint, "/"),
		out:      &tailBuffer{max: OutputLimit},
		done:     make(chan struct{}),
	}
	fmt.Fprintf(p.out, "(%s is run by another process at %s; its output is there)\n", spec.Name, p.endpoint)
	if err := p.waitReady(ctx, spec, 0); err != nil {
		return nil, err
	}
	return p, nil
}

// Attached reports whether p was found by Attach rather than started.
func (p *Process) Attached() bool { return p.cmd == nil }

// Endpoint is the emulator's base URL, such as "http://127.0.0.1:41234".
func (p *Process) Endpoint() string { return p.endpoint }

// Output returns what the process wrote to stdout and stderr so far (the
// last OutputLimit bytes).
func (p *Process) Output() string { return p.out.String() }

// Stop kills the process group of the emulator and waits for the process to
// exit. It reports an error when the process had already exited by itself.
// It is safe to call more than once. An attached emulator is left running.
func (p *Process) Stop() error {
	p.stopOnce.Do(func() {
		if p.Attached() {
			return
		}
		select {
		case <-p.done:
			// Exited by itself: that is a failure worth reporting.
			p.stopErr = fmt.Errorf("emulator: %s exited early: %v\n%s", p.name, p.waitErr, p.out.String())
			return
		default:
		}
		if err := killGroup(p.cmd); err != nil && !errors.Is(err, os.ErrProcessDone) {
			p.stopErr = fmt.Errorf("emulator: kill %s: %w", p.name, err)
		}
		select {
		case <-p.done:
		case <-time.After(stopTimeout):
			p.stopErr = errors.Join(p.stopErr, fmt.Errorf("emulator: %s did not exit within %v of SIGKILL", p.name, stopTimeout))
		}
	})
	return p.stopErr
}

// waitReady polls spec's probe until it answers as expected, the process
// exits, the context ends or StartTimeout passes.
func (p *Process) waitReady(ctx context.Context, spec Spec, port int) error {
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	probe := &http.Client{
		Timeout:   time.Second,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	}
	tick := time.NewTicker(probeInterval)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.endpoint+spec.ProbePath, nil)
		if err != nil {
			return fmt.Errorf("emulator: %s probe request: %w", spec.Name, err)
		}
		if resp, err := probe.Do(req); err == nil {
			_ = resp.Body.Close()
			// Make sure the answer came from our process, not from whoever
			// else may have taken the port.
			select {
			case <-p.done:
			default:
				if spec.ProbeStatus == 0 || resp.StatusCode == spec.ProbeStatus {
					return nil
				}
			}
		}
		select {
		case <-p.done:
			out := p.out.String()
			for _, marker := range spec.PortTakenMarkers {
				if strings.Contains(out, marker) {
					return fmt.Errorf("%w: %d", ErrPortTaken, port)
				}
			}
			return fmt.Errorf("emulator: %s exited before it answered (%v); output:\n%s", spec.Name, p.waitErr, out)
		case <-ctx.Done():
			return fmt.Errorf("emulator: %s did not answer on %s: %w; output:\n%s", spec.Name, p.endpoint, ctx.Err(), p.out.String())
		case <-tick.C:
		}
	}
}

// FreePort asks the kernel for a free loopback port. Another process may
// take it before the emulator binds it; Start retries then.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("emulator: find a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("emulator: release port: %w", err)
	}
	return port, nil
}

// RepoRoot returns the nearest directory at or above the working directory
// that holds a go.mod; emulators are installed relative to it.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("emulator: working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("emulator: no go.mod at or above the working directory")
		}
		dir = parent
	}
}

// InCI reports whether the environment variable CI is set to a true value
// ("true", "1", …). In CI a missing emulator fails tests instead of
// skipping them.
func InCI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}

// tailBuffer keeps the last max bytes written to it; safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if extra := b.buf.Len() - b.max; extra > 0 {
		b.buf.Next(extra)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
