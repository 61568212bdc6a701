package emulator

import (
	"context"
	"errors"
	"fmt"
	"runtime"
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

// fakeServer stands for an emulator package's Server.
type fakeServer struct {
	stopped bool
	stopErr error
}

func (f *fakeServer) Stop() error { f.stopped = true; return f.stopErr }

func sharedWith(server *fakeServer, err error) *Shared[*fakeServer] {
	return StartShared(context.Background(), "Fake Emulator", func(context.Context) (*fakeServer, error) {
		return server, err
	})
}

func require(s *Shared[*fakeServer]) (*recordingTB, *fakeServer) {
	r := &recordingTB{}
	var got *fakeServer
	done := make(chan struct{})
	go func() {
		defer close(done)
		got = s.Require(r)
	}()
	<-done
	return r, got
}

func TestRequire(t *testing.T) {
	errFakeNotInstalled := NotInstalled("fake: not installed")
	notInstalled := sharedWith(nil, fmt.Errorf("%w: no jar; run `npm ci --prefix infra/emulators`", errFakeNotInstalled))
	crashed := sharedWith(nil, errors.New("java exited"))
	server := &fakeServer{}
	running := sharedWith(server, nil)

	for _, tc := range []struct {
		name        string
		ci          string
		s           *Shared[*fakeServer]
		skip, fail  bool
		want        *fakeServer
		wantMessage string
	}{
		{name: "missing locally skips", ci: "", s: notInstalled, skip: true, wantMessage: "Fake Emulator not available, skipping: fake: not installed: no jar; run `npm ci --prefix infra/emulators`"},
		{name: "missing in CI fails", ci: "true", s: notInstalled, fail: true, wantMessage: "npm ci --prefix infra/emulators"},
		{name: "missing with CI=1 fails", ci: "1", s: notInstalled, fail: true, wantMessage: "npm ci --prefix infra/emulators"},
		{name: "start error fails", ci: "", s: crashed, fail: true, wantMessage: "Fake Emulator could not be started: java exited"},
		{name: "nil fails", ci: "", s: nil, fail: true, wantMessage: "StartShared"},
		{name: "running passes", ci: "true", s: running, want: server},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r, got := require(tc.s)
			if r.skipped != tc.skip || r.failed != tc.fail {
				t.Fatalf("skipped=%v failed=%v (%q), want skipped=%v failed=%v", r.skipped, r.failed, r.msg, tc.skip, tc.fail)
			}
			if tc.wantMessage != "" && !strings.Contains(r.msg, tc.wantMessage) {
				t.Fatalf("message %q does not mention %q", r.msg, tc.wantMessage)
			}
			if got != tc.want {
				t.Fatalf("Require = %p, want %p", got, tc.want)
			}
		})
	}
}

func TestSharedStop(t *testing.T) {
	var nilShared *Shared[*fakeServer]
	if err := nilShared.Stop(); err != nil {
		t.Fatalf("nil Stop: %v", err)
	}
	if err := sharedWith(nil, errors.New("not started")).Stop(); err != nil {
		t.Fatalf("Stop after a start error: %v", err)
	}
	server := &fakeServer{}
	if err := sharedWith(server, nil).Stop(); err != nil || !server.stopped {
		t.Fatalf("Stop = %v, stopped=%v", err, server.stopped)
	}
	errStop := errors.New("kill failed")
	err := sharedWith(&fakeServer{stopErr: errStop}, nil).Stop()
	if !errors.Is(err, errStop) || !strings.Contains(err.Error(), "Fake Emulator") {
		t.Fatalf("Stop = %v, want the stop error naming the emulator", err)
	}
}

func TestStartOrAttach(t *testing.T) {
	const env = "EMULATOR_TEST_ENDPOINT"
	attached, started := &fakeServer{}, &fakeServer{}
	errAttach := errors.New("nobody answers")
	for _, tc := range []struct {
		name, endpoint string
		attachErr      error
		want           *fakeServer
		wantErr        string
	}{
		{name: "no endpoint starts", want: started},
		{name: "endpoint attaches", endpoint: "http://127.0.0.1:8000", want: attached},
		{name: "attach error names the variable", endpoint: "http://127.0.0.1:8000", attachErr: errAttach,
			wantErr: env + "=http://127.0.0.1:8000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(env, tc.endpoint)
			var gotEndpoint string
			start := StartOrAttach(env,
				func(_ context.Context, endpoint string) (*fakeServer, error) {
					gotEndpoint = endpoint
					return attached, tc.attachErr
				},
				func(context.Context) (*fakeServer, error) { return started, nil })
			got, err := start(t.Context())
			if tc.wantErr != "" {
				if !errors.Is(err, tc.attachErr) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %v naming %q", err, tc.attachErr, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want || gotEndpoint != tc.endpoint {
				t.Fatalf("got %p, %v (endpoint %q), want %p", got, err, gotEndpoint, tc.want)
			}
		})
	}
}
