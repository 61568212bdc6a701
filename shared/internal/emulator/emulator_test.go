package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as a fake emulator when helperEnv is set, so that
// process management is tested without java or node.
const (
	helperEnv     = "EMULATOR_TEST_HELPER"
	helperPortEnv = "EMULATOR_TEST_HELPER_PORT"
)

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "serve":
		serveHelper()
	case "crash":
		fmt.Println("helper: boom")
		os.Exit(3)
	}
}

// serveHelper answers 200 on /ready and exits on /exit.
func serveHelper() {
	l, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv(helperPortEnv))
	if err != nil {
		fmt.Println("helper:", err) // "... address already in use"
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ready", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/exit", func(http.ResponseWriter, *http.Request) { os.Exit(0) })
	fmt.Println("helper: listening")
	_ = http.Serve(l, mux)
	os.Exit(1)
}

func helperSpec(mode string) Spec {
	return Spec{
		Name: "helper emulator",
		Command: func(port int) *exec.Cmd {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperPortEnv+"="+strconv.Itoa(port))
			return cmd
		},
		ProbePath:        "/ready",
		ProbeStatus:      http.StatusOK,
		PortTakenMarkers: []string{"address already in use"},
	}
}

func answers(ctx context.Context, url string) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := (&http.Client{Timeout: time.Second}).Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return true
}

func TestStartStop(t *testing.T) {
	p, err := Start(t.Context(), helperSpec("serve"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Endpoint(), "http://127.0.0.1:") {
		t.Fatalf("endpoint %q is not loopback", p.Endpoint())
	}
	if !strings.Contains(p.Output(), "helper: listening") {
		t.Fatalf("output %q", p.Output())
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if answers(t.Context(), p.Endpoint()+"/ready") {
		t.Fatal("emulator still answers after Stop")
	}
}

func TestStopReportsEarlyExit(t *testing.T) {
	p, err := Start(t.Context(), helperSpec("serve"))
	if err != nil {
		t.Fatal(err)
	}
	answers(t.Context(), p.Endpoint()+"/exit")
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.Stop()
		t.Fatal("helper did not exit")
	}
	if err := p.Stop(); err == nil || !strings.Contains(err.Error(), "exited early") {
		t.Fatalf("Stop = %v, want an early exit error", err)
	}
}

func TestStartOnTakenPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p, err := StartOnPort(t.Context(), helperSpec("serve"), l.Addr().(*net.TCPAddr).Port)
	if err == nil {
		_ = p.Stop()
		t.Fatal("StartOnPort on a taken port succeeded")
	}
	if !errors.Is(err, ErrPortTaken) {
		t.Fatalf("StartOnPort = %v, want ErrPortTaken", err)
	}
}

func TestStartReportsCrash(t *testing.T) {
	_, err := Start(t.Context(), helperSpec("crash"))
	if err == nil || errors.Is(err, ErrPortTaken) || !strings.Contains(err.Error(), "helper: boom") {
		t.Fatalf("Start = %v, want the crash with its output", err)
	}
}

func TestStartWaitsForProbeStatus(t *testing.T) {
	spec := helperSpec("serve")
	spec.ProbePath = "/missing" // answers 404, never ready
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	_, err := Start(ctx, spec)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("Start = %v, want a timeout", err)
	}
}

func TestRepoRoot(t *testing.T) {
	dir := ChdirToEmptyRepo(t)
	if root, err := RepoRoot(); err != nil || root != dir {
		t.Fatalf("RepoRoot = %q, %v; want %q", root, err, dir)
	}
}

func TestNotInstalled(t *testing.T) {
	a, b := NotInstalled("a: not installed"), NotInstalled("b: not installed")
	err := fmt.Errorf("%w: no jar", a)
	if !errors.Is(err, a) || !errors.Is(err, ErrNotInstalled) || errors.Is(err, b) {
		t.Fatalf("errors.Is: a=%v ErrNotInstalled=%v b=%v", errors.Is(err, a), errors.Is(err, ErrNotInstalled), errors.Is(err, b))
	}
	if err.Error() != "a: not installed: no jar" {
		t.Fatalf("message %q", err)
	}
}

func TestInCI(t *testing.T) {
	for ci, want := range map[string]bool{"": false, "true": true, "1": true, "false": false, "yes": false} {
		t.Setenv("CI", ci)
		if got := InCI(); got != want {
			t.Errorf("CI=%q: InCI = %v, want %v", ci, got, want)
		}
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	b := &tailBuffer{max: 8}
	_, _ = b.Write([]byte("0123456789"))
	_, _ = b.Write([]byte("ab"))
	if got := b.String(); got != "456789ab" {
		t.Fatalf("got %q", got)
	}
}

// TestAttach attaches to an emulator another Process runs: it must answer
// through the attached Process, and the attached Stop must leave it running.
func TestAttach(t *testing.T) {
	owner, err := Start(t.Context(), helperSpec("serve"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = owner.Stop() }()
	for _, endpoint := range []string{owner.Endpoint(), owner.Endpoint() + "/"} {
		p, err := Attach(t.Context(), helperSpec("serve"), endpoint)
		if err != nil {
			t.Fatalf("Attach(%q): %v", endpoint, err)
		}
		if !p.Attached() || owner.Attached() || p.Endpoint() != owner.Endpoint() {
			t.Fatalf("Attach(%q): attached=%v endpoint=%q", endpoint, p.Attached(), p.Endpoint())
		}
		if !strings.Contains(p.Output(), "run by another process") {
			t.Fatalf("attached output %q", p.Output())
		}
		if err := p.Stop(); err != nil {
			t.Fatalf("attached Stop: %v", err)
		}
		if !answers(t.Context(), owner.Endpoint()+"/ready") {
			t.Fatal("the attached Stop stopped the owner's emulator")
		}
	}
}

func TestAttachFails(t *testing.T) {
	free, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, endpoint, want string }{
		{"not a URL", "127.0.0.1:8000", "not an http(s) URL"},
		{"no host", "http://", "not an http(s) URL"},
		{"nobody answers", "http://127.0.0.1:" + strconv.Itoa(free), "did not answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			if _, err := Attach(ctx, helperSpec("serve"), tc.endpoint); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Attach(%q) = %v, want %q", tc.endpoint, err, tc.want)
			}
		})
	}
}
