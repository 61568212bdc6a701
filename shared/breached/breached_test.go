package breached_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/breached"
	"github.com/gatepass/gatepass/shared/clock"
)

const tenant = "acme"

// start is the fake clock's time; its Unix milliseconds are the metric
// lines' timestamp.
var start = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// The password most tests query, and its SHA-1 in the protocol's form.
const (
	password = "hunter2"
	hash     = "F3BBBD66A63D4BF1747940578EC3D0103530E21D"
	prefix   = "F3BBB"
	suffix   = "D66A63D4BF1747940578EC3D0103530E21D"
)

// otherSuffix returns a suffix that is not suffix, different for each i.
func otherSuffix(i int) string {
	return fmt.Sprintf("%X", sha1.Sum([]byte(fmt.Sprint("other ", i))))[breached.PrefixLen:]
}

// padding returns n lines with other suffixes and a count of 0, each
// ending in CRLF.
func padding(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(otherSuffix(i) + ":0\r\n")
	}
	return b.String()
}

// request is what the server saw of one request.
type request struct {
	Method, Path, RawQuery, RequestURI string
	Header                             http.Header
	Body                               []byte
}

// server is a range service answering with handler and recording requests.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
}

func newServer(t *testing.T, handler http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, request{r.Method, r.URL.Path, r.URL.RawQuery, r.RequestURI, r.Header.Clone(), body})
		s.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.reqs...)
}

// body answers 200 with b.
func body(b string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, b) }
}

// logs captures a client's log lines.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// lines returns the log lines, decoded.
func (l *logs) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// newClient returns a client of base (the server's /range/ by default)
// whose log lines go to the returned logs.
func newClient(t *testing.T, srv *server, edit func(*breached.Config)) (*breached.Client, *logs) {
	t.Helper()
	l := &logs{}
	cfg := breached.Config{
		BaseURL:    srv.URL + "/range/",
		HTTPClient: srv.Client(),
		Clock:      clock.NewFake(start),
		Logger:     slog.New(slog.NewJSONHandler(l, nil)),
		Tenant:     tenant,
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := breached.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, l
}

// assertNoSecret fails if s holds the password, its hash, its prefix or its
// suffix, in either case.
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	up := strings.ToUpper(s)
	for _, secret := range []string{password, hash, prefix, suffix} {
		if strings.Contains(up, strings.ToUpper(secret)) {
			t.Errorf("%s holds %q: %s", what, secret, s)
		}
	}
}

func TestCheck(t *testing.T) {
	if upperSHA1(password) != hash || hash != prefix+suffix {
		t.Fatal("the test's hash constants are not the password's")
	}
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"hit among padding", padding(3) + suffix + ":42\r\n" + padding(2), true},
		{"hit, first line", suffix + ":1\r\n" + padding(5), true},
		{"hit, last line without line end", padding(5) + suffix + ":7", true},
		{"hit, LF line ends", strings.ReplaceAll(padding(3), "\r\n", "\n") + suffix + ":3\n", true},
		{"hit, lower-case suffix", padding(3) + strings.ToLower(suffix) + ":3\r\n", true},
		{"hit, mixed-case suffix", padding(3) + strings.ToLower(suffix[:10]) + suffix[10:] + ":3\r\n", true},
		{"hit, large count", padding(1) + suffix + ":52256179\r\n", true},
		{"hit beside a padding line for the same suffix", suffix + ":0\r\n" + suffix + ":2\r\n", true},
		{"miss", otherSuffix(1) + ":12\r\n" + otherSuffix(2) + ":1\r\n", false},
		{"padding line for the suffix is ignored", padding(3) + suffix + ":0\r\n" + padding(2), false},
		{"lower-case padding line for the suffix is ignored", strings.ToLower(suffix) + ":0\n", false},
		{"padding only", padding(800), false},
		{"MaxLines lines", padding(breached.MaxLines-1) + suffix + ":1", true},
		{"count with leading zeros is a count", suffix + ":0007\r\n", true},
		{"count of zeros is padding", suffix + ":000\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, body(tt.body))
			c, l := newClient(t, srv, nil)
			got, err := c.Check(t.Context(), password)
			if err != nil || got != tt.want {
				t.Fatalf("Check = %v, %v; want %v, nil", got, err, tt.want)
			}
			if got := c.Breached(t.Context(), password); got != tt.want {
				t.Fatalf("Breached = %v, want %v", got, tt.want)
			}
			if l.String() != "" {
				t.Errorf("a successful check logged: %s", l)
			}
			if n := len(srv.requests()); n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
	}
}

// TestRequest checks that the request carries the 5-character prefix of the
// hash in its path and nothing else of the password.
func TestRequest(t *testing.T) {
	tests := []struct {
		password string
		prefix   string
	}{
		{password, prefix},
		{"correct horse battery staple", "ABF7A"},
		{"pässwörd — ünïcödé", upperSHA1("pässwörd — ünïcödé")[:5]},
		{"Password", "8BE3C"},
		{"password", "5BAA6"},
		{"", "DA39A"},
		{strings.Repeat("x", 1024), upperSHA1(strings.Repeat("x", 1024))[:5]},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			if got := upperSHA1(tt.password)[:5]; got != tt.prefix {
				t.Fatalf("test table: prefix of %q is %s, not %s", tt.password, got, tt.prefix)
			}
			srv := newServer(t, body(padding(10)))
			c, _ := newClient(t, srv, nil)
			if _, err := c.Check(t.Context(), tt.password); err != nil {
				t.Fatalf("Check: %v", err)
			}
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodGet || r.Path != "/range/"+tt.prefix || r.RawQuery != "" ||
				r.RequestURI != "/range/"+tt.prefix || len(r.Body) != 0 {
				t.Errorf("request %s %s (path %q, query %q), body %q; want GET /range/%s, no query, no body",
					r.Method, r.RequestURI, r.Path, r.RawQuery, r.Body, tt.prefix)
			}
			if got := r.Header.Get("Add-Padding"); got != "true" {
				t.Errorf("Add-Padding = %q, want true", got)
			}
			if got := r.Header.Get("User-Agent"); got != "gatepass" {
				t.Errorf("User-Agent = %q, want gatepass", got)
			}
			// Nothing but the prefix: the rest of the hash and the password
			// appear nowhere in the request.
			all := fmt.Sprint(r.RequestURI, r.Header, string(r.Body))
			rest := upperSHA1(tt.password)[5:]
			for _, s := range []string{rest, rest[:8], rest[len(rest)-8:]} {
				if strings.Contains(strings.ToUpper(all), s) {
					t.Errorf("request holds part of the hash beyond the prefix: %s", all)
				}
			}
			if tt.password != "" && strings.Contains(all, tt.password) {
				t.Errorf("request holds the password: %s", all)
			}
		})
	}
}

func upperSHA1(s string) string { return fmt.Sprintf("%X", sha1.Sum([]byte(s))) }

// TestFailures checks every class of failure: Check returns an error of the
// class that holds no secret; Breached fails open, with one warning naming
// the class and one metric line.
func TestFailures(t *testing.T) {
	release := make(chan struct{})
	// hang answers nothing until the client gives up (or the test ends).
	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	// arrived is signalled by hangAndSignal, for the mid-flight cancel.
	arrived := make(chan struct{}, 1)
	hangAndSignal := func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		hang(w, r)
	}
	hit := padding(3) + suffix + ":5\r\n"
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		edit      func(*breached.Config)
		ctx       func(t *testing.T) context.Context
		want      error
		wantClass string
		wantIn    string // in the error's message, when set
	}{
		{name: "status 503", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		}, want: breached.ErrStatus, wantClass: "status 503"},
		{name: "status 404 with a hit in the body", handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, hit)
		}, want: breached.ErrStatus, wantClass: "status 404"},
		{name: "status 429", handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTooManyRequests)
		}, want: breached.ErrStatus, wantClass: "status 429"},
		{name: "redirect not followed", handler: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/elsewhere" {
				http.Redirect(w, r, "/elsewhere", http.StatusFound)
				return
			}
			_, _ = io.WriteString(w, hit)
		}, want: breached.ErrStatus, wantClass: "status 302"},

		{name: "empty body", handler: body(""), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "HTML", handler: body("<!doctype html><title>Hello</title>\n"), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "JSON", handler: body(`{"error":"nope"}`), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "hit, then a malformed line", handler: body(hit + "garbage\r\n"), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "suffix too short", handler: body(suffix[1:] + ":1\r\n"), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "suffix too long", handler: body("0" + suffix + ":1\r\n"), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "suffix not hex", handler: body("G" + suffix[1:] + ":1\r\n"), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "no colon", handler: body(suffix + "1\r\n"), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "no count", handler: body(suffix + ":\r\n"), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "count not a number", handler: body(suffix + ":many\r\n"), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "negative count", handler: body(suffix + ":-1\r\n"), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "count with a sign", handler: body(suffix + ":+1\r\n"), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "count overflows", handler: body(suffix + ":99999999999999999999999\r\n"), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "space in a line", handler: body(suffix + ": 1\r\n"), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "blank line inside", handler: body(padding(2) + "\r\n" + hit), want: breached.ErrMalformed, wantClass: "malformed"},
		{name: "bare CR line ends", handler: body(strings.ReplaceAll(padding(3), "\r\n", "\r")), want: breached.ErrMalformed, wantClass: "malformed"},

		{name: "body over 1 MiB, with Content-Length", handler: func(w http.ResponseWriter, r *http.Request) {
			line := otherSuffix(0) + ":0\r\n"
			b := strings.Repeat(line, breached.MaxBodyBytes/len(line)+1)
			w.Header().Set("Content-Length", fmt.Sprint(len(b)))
			_, _ = io.WriteString(w, b)
		}, want: breached.ErrOversized, wantClass: "oversized", wantIn: "Content-Length over"},
		{name: "body over 1 MiB, streamed without Content-Length", handler: func(w http.ResponseWriter, r *http.Request) {
			chunk := []byte(strings.Repeat(otherSuffix(0)+":0\r\n", 100))
			for range breached.MaxBodyBytes/len(chunk) + 1 {
				_, _ = w.Write(chunk)
				w.(http.Flusher).Flush()
			}
		}, want: breached.ErrOversized, wantClass: "oversized", wantIn: "body over"},
		{name: "body of one long line", handler: body(strings.Repeat("A", breached.MaxBodyBytes+1)),
			want: breached.ErrOversized, wantClass: "oversized", wantIn: "body over"},
		{name: "too many lines", handler: body(strings.Repeat(otherSuffix(0)+":0\n", breached.MaxLines+1)),
			want: breached.ErrOversized, wantClass: "oversized", wantIn: "lines"},

		{name: "timeout", handler: hang, edit: func(c *breached.Config) { c.Timeout = 50 * time.Millisecond },
			want: breached.ErrTimeout, wantClass: "timeout"},
		{name: "timeout while reading the body", handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, padding(2))
			w.(http.Flusher).Flush()
			hang(w, r)
		}, edit: func(c *breached.Config) { c.Timeout = 50 * time.Millisecond },
			want: breached.ErrTimeout, wantClass: "timeout"},
		{name: "caller's deadline before the timeout", handler: hang, ctx: func(t *testing.T) context.Context {
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			t.Cleanup(cancel)
			return ctx
		}, want: breached.ErrTimeout, wantClass: "timeout"},
		{name: "http.Client timeout", handler: hang, edit: func(c *breached.Config) {
			hc := *c.HTTPClient
			hc.Timeout = 50 * time.Millisecond
			c.HTTPClient = &hc
		}, want: breached.ErrTimeout, wantClass: "timeout"},
		{name: "context canceled before", handler: body(hit), ctx: func(t *testing.T) context.Context {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			return ctx
		}, want: breached.ErrCanceled, wantClass: "canceled"},
		{name: "context canceled in flight", handler: hangAndSignal, ctx: func(t *testing.T) context.Context {
			ctx, cancel := context.WithCancel(t.Context())
			go func() {
				<-arrived
				cancel()
			}()
			return ctx
		}, want: breached.ErrCanceled, wantClass: "canceled"},
		{name: "unreachable", handler: body(hit), edit: func(c *breached.Config) {
			dead := httptest.NewServer(http.NotFoundHandler())
			dead.Close()
			c.BaseURL = dead.URL + "/range/"
		}, want: breached.ErrUnreachable, wantClass: "unreachable"},
		{name: "transport error naming the URL", handler: body(hit), edit: func(c *breached.Config) {
			c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				return nil, fmt.Errorf("cannot reach %s", r.URL)
			})}
		}, want: breached.ErrUnreachable, wantClass: "unreachable"},
	}
	srvs := make([]*server, len(tests))
	for i, tt := range tests {
		srvs[i] = newServer(t, tt.handler)
	}
	// Runs before the servers' Close, which waits for hanging handlers.
	t.Cleanup(func() { close(release) })

	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, l := newClient(t, srvs[i], tt.edit)
			ctx := func() context.Context {
				if tt.ctx == nil {
					return t.Context()
				}
				return tt.ctx(t)
			}

			got, err := c.Check(ctx(), password)
			if got || !errors.Is(err, tt.want) {
				t.Fatalf("Check = %v, %v; want false, %v", got, err, tt.want)
			}
			for _, other := range []error{breached.ErrTimeout, breached.ErrCanceled, breached.ErrUnreachable,
				breached.ErrStatus, breached.ErrMalformed, breached.ErrOversized} {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("error %v is also %v", err, other)
				}
			}
			assertNoSecret(t, "error", err.Error())
			if !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("error %q does not say %q", err, tt.wantIn)
			}
			if l.String() != "" {
				t.Errorf("Check logged: %s", l)
			}

			if c.Breached(ctx(), password) {
				t.Fatal("Breached = true, want false (fail open)")
			}
			assertNoSecret(t, "log", l.String())
			lines := l.lines(t)
			if len(lines) != 2 {
				t.Fatalf("%d log lines, want a warning and a metric:\n%s", len(lines), l)
			}
			warn, metric := lines[0], lines[1]
			if warn["level"] != "WARN" || warn["error"] != tt.wantClass ||
				!strings.Contains(fmt.Sprint(warn["msg"]), "breached-password check unavailable") {
				t.Errorf("warning = %v, want level WARN, error %q", warn, tt.wantClass)
			}
			if len(warn) != 4 { // time, level, msg, error
				t.Errorf("warning has other attributes: %v", warn)
			}
			assertMetric(t, metric)
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// assertMetric checks an EMF line counting one BreachedCheckUnavailable of
// the tenant at the fake clock's time.
func assertMetric(t *testing.T, m map[string]any) {
	t.Helper()
	aws, _ := m["_aws"].(map[string]any)
	cwm, _ := aws["CloudWatchMetrics"].([]any)
	if m["msg"] != "metric" || m["Tenant"] != tenant || m[breached.UnavailableMetric] != 1.0 ||
		aws["Timestamp"] != float64(start.UnixMilli()) || len(cwm) != 1 {
		t.Fatalf("metric line = %v", m)
	}
	def, _ := cwm[0].(map[string]any)
	want := fmt.Sprint(map[string]any{
		"Namespace":  "Gatepass",
		"Dimensions": []any{[]any{"Tenant"}, []any{}},
		"Metrics":    []any{map[string]any{"Name": "BreachedCheckUnavailable", "Unit": "Count"}},
	})
	if got := fmt.Sprint(def); got != want {
		t.Errorf("metric definition = %s, want %s", got, want)
	}
}

func TestNew(t *testing.T) {
	valid := breached.Config{BaseURL: "https://api.pwnedpasswords.com/range/", Clock: clock.NewFake(start),
		Logger: slog.New(slog.DiscardHandler), Tenant: tenant}
	tests := []struct {
		name    string
		edit    func(*breached.Config)
		wantErr bool
	}{
		{"valid", func(*breached.Config) {}, false},
		{"http", func(c *breached.Config) { c.BaseURL = "http://127.0.0.1:8080/range/" }, false},
		{"no path but /", func(c *breached.Config) { c.BaseURL = "https://range.example/" }, false},
		{"timeout", func(c *breached.Config) { c.Timeout = 300 * time.Millisecond }, false},
		{"own http.Client", func(c *breached.Config) { c.HTTPClient = &http.Client{} }, false},
		{"no base URL", func(c *breached.Config) { c.BaseURL = "" }, true},
		{"no trailing slash", func(c *breached.Config) { c.BaseURL = "https://api.pwnedpasswords.com/range" }, true},
		{"no host", func(c *breached.Config) { c.BaseURL = "https:///range/" }, true},
		{"relative", func(c *breached.Config) { c.BaseURL = "/range/" }, true},
		{"other scheme", func(c *breached.Config) { c.BaseURL = "ftp://range.example/range/" }, true},
		{"user info", func(c *breached.Config) { c.BaseURL = "https://user:s3cr3t@range.example/range/" }, true},
		{"query", func(c *breached.Config) { c.BaseURL = "https://range.example/range/?p=" }, true},
		{"empty query", func(c *breached.Config) { c.BaseURL = "https://range.example/range/?" }, true},
		{"fragment", func(c *breached.Config) { c.BaseURL = "https://range.example/range/#" }, true},
		{"does not parse", func(c *breached.Config) { c.BaseURL = "https://range example/%zz/" }, true},
		{"negative timeout", func(c *breached.Config) { c.Timeout = -time.Second }, true},
		{"no clock", func(c *breached.Config) { c.Clock = nil }, true},
		{"no logger", func(c *breached.Config) { c.Logger = nil }, true},
		{"no tenant", func(c *breached.Config) { c.Tenant = "" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.edit(&cfg)
			c, err := breached.New(cfg)
			if (err != nil) != tt.wantErr || (err == nil) != (c != nil) {
				t.Fatalf("New = %v, %v; want error %v", c, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error repeats the URL's credentials: %v", err)
			}
		})
	}
}

// TestConcurrentUse runs checks in parallel on one Client (for -race).
func TestConcurrentUse(t *testing.T) {
	srv := newServer(t, body(padding(3)+suffix+":5\r\n"))
	c, _ := newClient(t, srv, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if !c.Breached(t.Context(), password) {
				t.Error("Breached = false, want true")
			}
		})
	}
	wg.Wait()
}
