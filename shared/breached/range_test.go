package breached_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gatepass/gatepass/shared/breached"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/policy"
)

// corpus is the local handler's corpus in these tests: "hunter2" twice, a
// password with the same prefix as nothing else, and non-ASCII.
var corpus = []string{password, "correct horse battery staple", "pässwörd", password, "Tr0ub4dor&3"}

// rangeServer serves h at /range/, as the local stack mounts it.
func rangeServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /range/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func localClient(t *testing.T, srv *httptest.Server) (*breached.Client, *logs) {
	t.Helper()
	l := &logs{}
	c, err := breached.New(breached.Config{BaseURL: srv.URL + "/range/", HTTPClient: srv.Client(),
		Clock: clock.NewFake(start), Logger: slog.New(slog.NewJSONHandler(l, nil)), Tenant: tenant})
	if err != nil {
		t.Fatal(err)
	}
	return c, l
}

func TestRangeHandlerRoundTrip(t *testing.T) {
	srv := rangeServer(t, breached.RangeHandler(corpus))
	c, l := localClient(t, srv)
	tests := []struct {
		password string
		want     bool
	}{
		{password, true},
		{"correct horse battery staple", true},
		{"pässwörd", true},
		{"Tr0ub4dor&3", true},
		{"Hunter2", false}, // case matters: the hash is of the password as given
		{"hunter2 ", false},
		{"passwörd", false},
		{"vivid-otter-elk-quartz", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.password, func(t *testing.T) {
			got, err := c.Check(t.Context(), tt.password)
			if err != nil || got != tt.want {
				t.Fatalf("Check = %v, %v; want %v, nil", got, err, tt.want)
			}
			if got := c.Breached(t.Context(), tt.password); got != tt.want {
				t.Fatalf("Breached = %v, want %v", got, tt.want)
			}
		})
	}
	if l.String() != "" {
		t.Errorf("checks against the local handler logged: %s", l)
	}
}

// get asks srv for path with or without padding and returns the status,
// the header and the body.
func get(t *testing.T, srv *httptest.Server, method, path string, pad bool) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pad {
		req.Header.Set("Add-Padding", "true")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func TestRangeHandlerResponses(t *testing.T) {
	srv := rangeServer(t, breached.RangeHandler(corpus))
	tests := []struct {
		name string
		path string
		pad  bool
		want []string // the lines with a count above 0
	}{
		{"hit", "/range/" + prefix, false, []string{suffix + ":1"}},
		{"hit, lower-case prefix", "/range/" + strings.ToLower(prefix), false, []string{suffix + ":1"}},
		{"miss", "/range/00000", false, nil},
		{"hit, padded", "/range/" + prefix, true, []string{suffix + ":1"}},
		{"miss, padded", "/range/00000", true, nil},
		{"miss, padded, FFFFF", "/range/FFFFF", true, nil},
		{"hit, padded, another path", "/range/" + upperSHA1("pässwörd")[:5], true,
			[]string{upperSHA1("pässwörd")[5:] + ":1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := get(t, srv, http.MethodGet, tt.path, tt.pad)
			if status != http.StatusOK || h.Get("Content-Type") != "text/plain; charset=utf-8" ||
				h.Get("Vary") != "Add-Padding" {
				t.Fatalf("status %d, header %v", status, h)
			}
			if tt.want == nil && !tt.pad && body != "" {
				t.Fatalf("body = %q, want empty", body)
			}
			if body != "" && !strings.HasSuffix(body, "\r\n") {
				t.Errorf("body does not end in CRLF: %q", body)
			}
			lines := strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n")
			if body == "" {
				lines = nil
			}
			var real []string
			for _, line := range lines {
				s, count, ok := strings.Cut(line, ":")
				if !ok || len(s) != breached.SuffixLen || strings.ToUpper(s) != s || (count != "0" && count != "1") {
					t.Fatalf("line %q is not SUFFIX:0 or SUFFIX:1", line)
				}
				if count == "1" {
					real = append(real, line)
				}
			}
			if !slices.Equal(real, tt.want) {
				t.Errorf("real lines = %q, want %q", real, tt.want)
			}
			if !slices.IsSorted(lines) {
				t.Error("lines are not sorted")
			}
			if tt.pad {
				// Hit or miss, a padded response has the same lines of the
				// same length.
				if len(lines) != breached.MinPaddedLines || len(body) != breached.MinPaddedLines*(breached.SuffixLen+4) {
					t.Errorf("padded response has %d lines, %d bytes; want %d lines of %d bytes",
						len(lines), len(body), breached.MinPaddedLines, breached.SuffixLen+4)
				}
				if _, _, again := get(t, srv, http.MethodGet, tt.path, true); again != body {
					t.Error("the same query was padded differently")
				}
			} else if len(lines) != len(tt.want) {
				t.Errorf("unpadded response has %d lines, want %d", len(lines), len(tt.want))
			}
		})
	}

	t.Run("HEAD", func(t *testing.T) {
		_, _, want := get(t, srv, http.MethodGet, "/range/"+prefix, true)
		status, h, body := get(t, srv, http.MethodHead, "/range/"+prefix, true)
		if status != http.StatusOK || body != "" || h.Get("Content-Length") != strconv.Itoa(len(want)) {
			t.Errorf("HEAD: status %d, Content-Length %q, body %q; want 200, %d, empty",
				status, h.Get("Content-Length"), body, len(want))
		}
	})
}

func TestRangeHandlerRefuses(t *testing.T) {
	h := breached.RangeHandler(corpus)
	tests := []struct {
		name   string
		method string
		path   string
		want   int
	}{
		{"no prefix", http.MethodGet, "/range/", http.StatusBadRequest},
		{"4 characters", http.MethodGet, "/range/" + prefix[:4], http.StatusBadRequest},
		{"6 characters", http.MethodGet, "/range/" + prefix + "D", http.StatusBadRequest},
		{"whole hash", http.MethodGet, "/range/" + hash, http.StatusBadRequest},
		{"not hex", http.MethodGet, "/range/F3BBG", http.StatusBadRequest},
		{"a space", http.MethodGet, "/range/F3B%20B", http.StatusBadRequest},
		{"encoded slash", http.MethodGet, "/range/F3%2FBB", http.StatusBadRequest},
		{"trailing slash", http.MethodGet, "/range/" + prefix + "/", http.StatusBadRequest},
		{"extra segment", http.MethodGet, "/range/" + prefix + "/x", http.StatusBadRequest},
		{"non-ASCII", http.MethodGet, "/range/F3BB%C3%A9", http.StatusBadRequest},
		{"POST", http.MethodPost, "/range/" + prefix, http.StatusMethodNotAllowed},
		{"DELETE", http.MethodDelete, "/range/" + prefix, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://gp.test"+tt.path, nil)
			r.Header.Set("Add-Padding", "true")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("%s %s = %d, want %d", tt.method, tt.path, w.Code, tt.want)
			}
			if strings.Contains(w.Body.String(), suffix) || strings.Contains(w.Body.String(), ":0") {
				t.Errorf("refusal has range lines: %q", w.Body.String())
			}
			if tt.want == http.StatusMethodNotAllowed && w.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q", w.Header().Get("Allow"))
			}
		})
	}
}

// TestRangeHandlerCommonPasswords serves policy's common-password list, as
// the local stack does, and queries it with a Client.
func TestRangeHandlerCommonPasswords(t *testing.T) {
	list := policy.NewChecker().CommonPasswords()
	if len(list) < 10000 {
		t.Fatalf("common-password list has %d entries", len(list))
	}
	srv := rangeServer(t, breached.RangeHandler(list))
	c, l := localClient(t, srv)
	tests := []struct {
		password string
		want     bool
	}{
		{list[0], true},
		{list[len(list)-1], true},
		{"password", true},
		{"iloveyou", true},
		{"1qaz2wsx", true},
		{"Password", false}, // the list is lower-case; the query hashes the password as given
		{"vivid-otter-elk-quartz", false},
	}
	for _, tt := range tests {
		if got := c.Breached(t.Context(), tt.password); got != tt.want {
			t.Errorf("Breached(%q) = %v, want %v", tt.password, got, tt.want)
		}
	}
	if l.String() != "" {
		t.Errorf("logged: %s", l)
	}
	// Every padded response has the same size, whatever the prefix holds.
	var size int
	for _, p := range []string{"00000", "5BAA6", "FFFFF", upperSHA1("iloveyou")[:5], "ABCDE"} {
		_, _, body := get(t, srv, http.MethodGet, "/range/"+p, true)
		if size == 0 {
			size = len(body)
		}
		if len(body) != size || strings.Count(body, "\r\n") != breached.MinPaddedLines {
			t.Errorf("padded response for %s: %d bytes, %d lines; want %d bytes, %d lines",
				p, len(body), strings.Count(body, "\r\n"), size, breached.MinPaddedLines)
		}
	}
}
