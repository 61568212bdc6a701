package dynamolocal

import (
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
	notInstalled := &Shared{err: fmt.Errorf("%w: no jar; %s", ErrNotInstalled, InstallHint)}
	crashed := &Shared{err: errors.New("java exited")}
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
		{name: "start error fails", ci: "", s: crashed, fail: true, wantMessage: "java exited"},
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

func TestTailBufferKeepsTheEnd(t *testing.T) {
	b := &tailBuffer{max: 8}
	_, _ = b.Write([]byte("0123456789"))
	_, _ = b.Write([]byte("ab"))
	if got := b.String(); got != "456789ab" {
		t.Fatalf("got %q", got)
	}
}
