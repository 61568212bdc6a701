package origin_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/origin"
)

const (
	current  = "current-origin-secret-0123456789abcdef"
	previous = "previous-origin-secret-0123456789abcdef"
	next     = "next-origin-secret-0123456789abcdefghij"
)

var start = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// source is a Source whose values a test changes, counting reads.
type source struct {
	mu    sync.Mutex
	vals  origin.Values
	err   error
	reads int
}

func (s *source) Values(context.Context) (origin.Values, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	return s.vals, s.err
}

func (s *source) set(v origin.Values, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vals, s.err = v, err
}

func (s *source) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

func newVerifier(t *testing.T, src origin.Source, clk clock.Clock, logs *bytes.Buffer) *origin.Verifier {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	if logs != nil {
		logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	v, err := origin.NewVerifier(context.Background(), origin.Config{Source: src, Clock: clk, Logger: logger, Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseViewerAddress(t *testing.T) {
	tests := []struct {
		in   string
		want string // AddrPort.String(); "" for not parseable
	}{
		{"203.0.113.9:46532", "203.0.113.9:46532"},
		{" 203.0.113.9:443 ", "203.0.113.9:443"},
		{"2001:db8::1:46532", "[2001:db8::1]:46532"},                   // CloudFront's IPv6 form
		{"2001:DB8:0:0:0:0:0:1:80", "[2001:db8::1]:80"},                // canonical form
		{"2001:db8:1:2:3:4:5:6:65535", "[2001:db8:1:2:3:4:5:6]:65535"}, // a full address
		{"[2001:db8::1]:46532", "[2001:db8::1]:46532"},                 // bracketed
		{"::ffff:203.0.113.9:443", "203.0.113.9:443"},                  // IPv4-mapped
		{"[::ffff:203.0.113.9]:443", "203.0.113.9:443"},
		{"", ""},
		{"203.0.113.9", ""},                // no port
		{"203.0.113.9:", ""},               // empty port
		{"203.0.113.9:65536", ""},          // port out of range
		{"203.0.113.9:+80", ""},            // signed port
		{"203.0.113.9:0x50", ""},           // not decimal
		{"2001:db8::1", ""},                // an IPv6 address alone: "2001:db8:" is no address
		{"[2001:db8::1]", ""},              // bracketed, no port
		{"[2001:db8::1:443", ""},           // unbalanced
		{"fe80::1%eth0:443", ""},           // zoned
		{"[fe80::1%eth0]:443", ""},         // zoned, bracketed
		{"example.com:443", ""},            // a name
		{"203.0.113.9:443, 1.2.3.4:5", ""}, // two values joined
		{"garbage", ""},
	}
	for _, tt := range tests {
		got, ok := origin.ParseViewerAddress(tt.in)
		if tt.want == "" {
			if ok {
				t.Errorf("ParseViewerAddress(%q) = %v, want no address", tt.in, got)
			}
			continue
		}
		if !ok || got.String() != tt.want {
			t.Errorf("ParseViewerAddress(%q) = %v, %v; want %s", tt.in, got, ok, tt.want)
		}
	}
}

func TestFormatViewerAddressRoundTrips(t *testing.T) {
	for _, in := range []string{"203.0.113.9:46532", "[2001:db8::1]:443", "[::1]:8080", "[::ffff:192.0.2.1]:1"} {
		ap := netip.MustParseAddrPort(in)
		text := origin.FormatViewerAddress(ap)
		if strings.Contains(text, "[") {
			t.Errorf("FormatViewerAddress(%s) = %q, brackets", in, text)
		}
		back, ok := origin.ParseViewerAddress(text)
		if !ok || back != netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()) {
			t.Errorf("%s → %q → %v, %v", in, text, back, ok)
		}
	}
}

// The current and the previous value are accepted, nothing else.
func TestVerify(t *testing.T) {
	clk := clock.NewFake(start)
	withPrevious := newVerifier(t, origin.Static{Current: current, Previous: previous}, clk, nil)
	withoutPrevious := newVerifier(t, origin.Static{Current: current}, clk, nil)
	tests := []struct {
		name                     string
		presented                string
		withPrevious, noPrevious bool
	}{
		{"none", "", false, false},
		{"wrong", "wrong", false, false},
		{"wrong, same length", strings.Repeat("x", len(current)), false, false},
		{"current with a suffix", current + "x", false, false},
		{"current, prefix", current[:len(current)-1], false, false},
		{"previous", previous, true, false},
		{"current", current, true, true},
	}
	for _, tt := range tests {
		if got := withPrevious.Verify(context.Background(), tt.presented); got != tt.withPrevious {
			t.Errorf("%s with a previous value: %v", tt.name, got)
		}
		if got := withoutPrevious.Verify(context.Background(), tt.presented); got != tt.noPrevious {
			t.Errorf("%s without a previous value: %v", tt.name, got)
		}
	}
}

// Fail closed: no verifier without a readable, valid current value; an
// invalid previous value is ignored, never accepted.
func TestNewVerifierFailsClosed(t *testing.T) {
	tests := []struct {
		name    string
		src     origin.Source
		wantErr error // nil: builds
	}{
		{"unreadable", &source{err: errors.New("AccessDeniedException")}, nil},
		{"no current value", origin.Static{}, origin.ErrInvalidSecret},
		{"short", origin.Static{Current: "0123456789abcdef0123456789abcde"}, origin.ErrInvalidSecret},
		{"a space", origin.Static{Current: "0123456789abcdef 0123456789abcdef"}, origin.ErrInvalidSecret},
		{"a newline", origin.Static{Current: current + "\n"}, origin.ErrInvalidSecret},
		{"not ASCII", origin.Static{Current: current + "é"}, origin.ErrInvalidSecret},
	}
	for _, tt := range tests {
		_, err := origin.NewVerifier(context.Background(), origin.Config{Source: tt.src, Clock: clock.NewFake(start)})
		if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "0123456789abcdef") {
			t.Errorf("%s: the error holds the value: %v", tt.name, err)
		}
	}
	if _, err := origin.NewVerifier(context.Background(), origin.Config{Source: origin.Static{Current: current}}); err == nil {
		t.Error("built without a clock")
	}
	var logs bytes.Buffer
	v := newVerifier(t, origin.Static{Current: current, Previous: "short"}, clock.NewFake(start), &logs)
	if v.Verify(context.Background(), "short") || !v.Verify(context.Background(), current) {
		t.Error("an invalid previous value changed what is accepted")
	}
	if !strings.Contains(logs.String(), "previous value is not a valid value") || strings.Contains(logs.String(), `short"`) {
		t.Errorf("logs: %s", logs.String())
	}
}

// A warm verifier picks up a rotation by itself: a refusal re-reads the
// secret, at most once per RefreshInterval, and a failed or invalid re-read
// keeps what was accepted.
func TestRotationIsPickedUpAfterARefusal(t *testing.T) {
	clk := clock.NewFake(start)
	src := &source{vals: origin.Values{Current: current, Previous: previous}}
	var logs bytes.Buffer
	v := newVerifier(t, src, clk, &logs)
	ctx := context.Background()
	// A new value goes in: AWSCURRENT moves on, the old value becomes
	// AWSPREVIOUS.
	src.set(origin.Values{Current: next, Previous: current}, nil)

	steps := []struct {
		name      string
		advance   time.Duration
		presented string
		want      bool
		wantReads int // reads so far, the cold start's included
	}{
		{"the old value, no re-read needed", 0, current, true, 1},
		{"the new value within a minute of the cold start", 30 * time.Second, next, false, 1},
		{"the new value a minute after the cold start", 30 * time.Second, next, true, 2},
		{"the old value is still accepted (previous)", 0, current, true, 2},
		{"the value before is no longer", 0, previous, false, 2},
		{"a wrong value within the minute", 59 * time.Second, "wrong", false, 2},
		{"a wrong value after the minute", time.Second, "wrong", false, 3},
		{"again at once", 0, "wrong", false, 3},
	}
	for _, s := range steps {
		clk.Advance(s.advance)
		if got := v.Verify(ctx, s.presented); got != s.want {
			t.Fatalf("%s: %v", s.name, got)
		}
		if got := src.count(); got != s.wantReads {
			t.Fatalf("%s: %d reads, want %d", s.name, got, s.wantReads)
		}
	}

	// Secrets Manager fails, then holds something unusable: what was
	// accepted stays accepted.
	src.set(origin.Values{}, errors.New("ThrottlingException"))
	clk.Advance(time.Minute)
	if v.Verify(ctx, "wrong") || src.count() != 4 || !v.Verify(ctx, next) {
		t.Fatalf("after a failed re-read: %d reads", src.count())
	}
	src.set(origin.Values{Current: "short"}, nil)
	clk.Advance(time.Minute)
	if v.Verify(ctx, "short") || src.count() != 5 || !v.Verify(ctx, next) || !v.Verify(ctx, current) {
		t.Fatalf("after an invalid re-read: %d reads", src.count())
	}
	for _, secret := range []string{current, previous, next} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("a secret is in the logs: %s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), "the secret changed") || !strings.Contains(logs.String(), "ThrottlingException") {
		t.Fatalf("logs: %s", logs.String())
	}
}

// Many refusals at once after the minute make one re-read.
func TestConcurrentRefusalsReReadOnce(t *testing.T) {
	clk := clock.NewFake(start)
	src := &source{vals: origin.Values{Current: current}}
	v := newVerifier(t, src, clk, nil)
	src.set(origin.Values{Current: next, Previous: current}, nil)
	clk.Advance(time.Minute)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if !v.Verify(context.Background(), next) {
				t.Error("the new value was refused")
			}
		})
	}
	wg.Wait()
	if got := src.count(); got != 2 {
		t.Fatalf("%d reads, want 2", got)
	}
}

// Admit: a refusal is httpapi.Forbidden; a verified request goes on without
// the secret, from the viewer's address, and the caller's request is left
// as it was.
func TestAdmit(t *testing.T) {
	tests := []struct {
		name       string
		secrets    []string // values of Header; nil: none
		viewer     string   // "": none
		wantAdmit  bool
		wantRemote string
		wantIP     string
		fallback   bool
	}{
		{"no secret", nil, "192.0.2.66:1", false, "", "", false},
		{"wrong secret", []string{"wrong"}, "192.0.2.66:1", false, "", "", false},
		{"secret twice", []string{current, current}, "192.0.2.66:1", false, "", "", false},
		{"previous secret", []string{previous}, "203.0.113.9:46532", true, "203.0.113.9:46532", "203.0.113.9", false},
		{"current secret, IPv6", []string{current}, "2001:db8::1:46532", true, "[2001:db8::1]:46532", "2001:db8::1", false},
		{"current secret, no viewer", []string{current}, "", true, "198.51.100.20", "198.51.100.20", true},
		{"current secret, garbage viewer", []string{current}, "nonsense", true, "198.51.100.20", "198.51.100.20", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			v := newVerifier(t, origin.Static{Current: current, Previous: previous}, clock.NewFake(start), nil)
			var seen *http.Request
			h, err := httpapi.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = r
				w.WriteHeader(http.StatusNoContent)
			}), httpapi.Config{PublicURL: "https://gp.example", Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Admit: v.Admit})
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", "https://gp.example/api/auth/session", nil)
			r.RemoteAddr = "198.51.100.20"
			for _, s := range tt.secrets {
				r.Header.Add(origin.Header, s)
			}
			if tt.viewer != "" {
				r.Header.Set(origin.ViewerAddressHeader, tt.viewer)
			}
			r.Header.Set("X-Forwarded-For", "10.0.0.1")
			before := r.Header.Clone()
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if !tt.wantAdmit {
				if seen != nil || w.Code != 403 || !strings.Contains(w.Body.String(), `"code":"forbidden"`) ||
					w.Header().Get("X-Request-Id") == "" || !strings.Contains(logs.String(), origin.RefusedMetric) {
					t.Fatalf("refusal: reached %v, %d %s; logs %s", seen != nil, w.Code, w.Body, logs.String())
				}
				return
			}
			if seen == nil || w.Code != 204 {
				t.Fatalf("not admitted: %d %s", w.Code, w.Body)
			}
			if seen.Header.Get(origin.Header) != "" || seen.RemoteAddr != tt.wantRemote || httpapi.ClientIP(seen) != tt.wantIP {
				t.Fatalf("handler saw secret %q, RemoteAddr %q, client %q", seen.Header.Get(origin.Header), seen.RemoteAddr, httpapi.ClientIP(seen))
			}
			if r.RemoteAddr != "198.51.100.20" || r.Header.Get(origin.Header) != before.Get(origin.Header) {
				t.Fatal("the caller's request was changed")
			}
			if got := strings.Contains(logs.String(), origin.ViewerAddressMissingMetric); got != tt.fallback {
				t.Fatalf("fallback counted %v; logs %s", got, logs.String())
			}
			if strings.Contains(logs.String(), current) || strings.Contains(logs.String(), previous) {
				t.Fatalf("a secret is in the logs: %s", logs.String())
			}
		})
	}
}

// SetEdgeHeaders plays CloudFront: the client's own origin header and
// viewer address are replaced.
func TestSetEdgeHeaders(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"192.0.2.7:5555", "192.0.2.7:5555"},
		{"[2001:db8::7]:5555", "2001:db8::7:5555"},
		{"[::1]:8080", "::1:8080"},
		{"192.0.2.7", ""}, // no port: no viewer address
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/api/auth/session", nil)
		r.RemoteAddr = tt.remote
		r.Header.Add(origin.Header, "forged")
		r.Header.Add(origin.ViewerAddressHeader, "10.0.0.1:1")
		r.Header.Add(origin.ViewerAddressHeader, "10.0.0.2:2")
		origin.SetEdgeHeaders(r, current)
		if got := r.Header.Values(origin.Header); len(got) != 1 || got[0] != current {
			t.Errorf("%s: origin header %q", tt.remote, got)
		}
		got := r.Header.Values(origin.ViewerAddressHeader)
		if tt.want == "" && len(got) != 0 || tt.want != "" && (len(got) != 1 || got[0] != tt.want) {
			t.Errorf("%s: viewer address %q, want %q", tt.remote, got, tt.want)
		}
	}
}

func TestNewSecretIsAValidValue(t *testing.T) {
	a, b := origin.NewSecret(), origin.NewSecret()
	if a == b {
		t.Fatal("the same secret twice")
	}
	if _, err := origin.NewVerifier(context.Background(), origin.Config{Source: origin.Static{Current: a}, Clock: clock.NewFake(start)}); err != nil {
		t.Fatal(err)
	}
}
