package seslocal

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// recordingTB records how Require ended a test. Skip and Fatal stop the
// calling goroutine, as testing.T does.
type recordingTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Skipf(format string, args ...any) {
	r.skipped, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recordingTB) Fatal(args ...any) {
	r.failed, r.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

func require(s *Shared) *recordingTB {
	r := &recordingTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Require(r)
	}()
	<-done
	return r
}

func TestRequire(t *testing.T) {
	notInstalled := &Shared{err: fmt.Errorf("%w: no package.json; %s", ErrNotInstalled, InstallHint)}
	crashed := &Shared{err: errors.New("node exited")}
	running := &Shared{server: &Server{endpoint: "http://127.0.0.1:1"}}

	for _, tc := range []struct {
		name        string
		ci          string
		s           *Shared
		skip, fail  bool
		wantMessage string
	}{
		{name: "missing locally skips", ci: "", s: notInstalled, skip: true, wantMessage: "npm ci --prefix infra/emulators"},
		{name: "missing in CI fails", ci: "true", s: notInstalled, fail: true, wantMessage: "npm ci --prefix infra/emulators"},
		{name: "missing with CI=1 fails", ci: "1", s: notInstalled, fail: true, wantMessage: "npm ci --prefix infra/emulators"},
		{name: "start error fails", ci: "", s: crashed, fail: true, wantMessage: "node exited"},
		{name: "nil fails", ci: "", s: nil, fail: true, wantMessage: "StartShared"},
		{name: "running passes", ci: "true", s: running},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := require(tc.s)
			if r.skipped != tc.skip || r.failed != tc.fail {
				t.Fatalf("skipped=%v failed=%v (%q), want skipped=%v failed=%v", r.skipped, r.failed, r.msg, tc.skip, tc.fail)
			}
			if tc.wantMessage != "" && !strings.Contains(r.msg, tc.wantMessage) {
				t.Fatalf("message %q does not mention %q", r.msg, tc.wantMessage)
			}
		})
	}
}

func TestCLIPath(t *testing.T) {
	for _, tc := range []struct {
		name, packageJSON string
		makeCLI           bool
		notInstalled      bool
		fail              bool
	}{
		{name: "bin map", packageJSON: `{"bin": {"aws-ses-v2-local": "dist/cli.js"}}`, makeCLI: true},
		{name: "bin string", packageJSON: `{"bin": "dist/cli.js"}`, makeCLI: true},
		{name: "no package", notInstalled: true},
		{name: "cli missing", packageJSON: `{"bin": "dist/cli.js"}`, notInstalled: true},
		{name: "no bin", packageJSON: `{"name": "x"}`, fail: true},
		{name: "other bin", packageJSON: `{"bin": {"other": "x.js"}}`, fail: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.packageJSON != "" {
				if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(tc.packageJSON), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			want := filepath.Join(dir, "dist", "cli.js")
			if tc.makeCLI {
				if err := os.MkdirAll(filepath.Dir(want), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(want, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := cliPath(dir)
			switch {
			case tc.notInstalled:
				if !errors.Is(err, ErrNotInstalled) {
					t.Fatalf("cliPath = %q, %v; want ErrNotInstalled", got, err)
				}
			case tc.fail:
				if err == nil || errors.Is(err, ErrNotInstalled) {
					t.Fatalf("cliPath = %q, %v; want another error", got, err)
				}
			default:
				if err != nil || got != want {
					t.Fatalf("cliPath = %q, %v; want %q", got, err, want)
				}
			}
		})
	}
}

func TestChildEnvDropsForwarding(t *testing.T) {
	got := childEnv([]string{"PATH=/bin", `SMTP_TRANSPORT={"host":"smtp"}`, "AWS_SES_ACCOUNT={}", "HOME=/h"})
	if !slices.Equal(got, []string{"PATH=/bin", "HOME=/h"}) {
		t.Fatalf("childEnv = %q", got)
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

// TestTakenPortIsRecognised makes node fail to bind a port another listener
// holds: Start retries on errPortTaken with a fresh port.
func TestTakenPortIsRecognised(t *testing.T) {
	node, cli, err := locate()
	if errors.Is(err, ErrNotInstalled) && !InCI() {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s, err := start(t.Context(), node, cli, l.Addr().(*net.TCPAddr).Port)
	if err == nil {
		_ = s.Stop()
		t.Fatal("start on a taken port succeeded")
	}
	if !errors.Is(err, errPortTaken) {
		t.Fatalf("start = %v, want errPortTaken", err)
	}
}
