package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func mustChain(t *testing.T, h http.Handler, cfg Config) http.Handler {
	t.Helper()
	c, err := Chain(h, cfg)
	if err != nil {
		t.Fatalf("Chain: %v", err)
	}
	return c
}

// okHandler answers 200 {"ok":true}.
func okHandler(w http.ResponseWriter, r *http.Request) {
	_ = WriteJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func TestChainConfig(t *testing.T) {
	tests := []struct {
		publicURL string
		wantErr   bool
	}{
		{"https://gp.example", false},
		{"http://127.0.0.1:8080", false},
		{"https://gp.example/admin/", false},
		{"", true},
		{"gp.example", true},
		{"ftp://gp.example", true},
		{"https://", true},
		{"https://user:pw@gp.example", true},
		{"://bad", true},
	}
	for _, tt := range tests {
		_, err := Chain(http.HandlerFunc(okHandler), Config{PublicURL: tt.publicURL})
		if (err != nil) != tt.wantErr {
			t.Errorf("Chain(%q) error = %v, want error %v", tt.publicURL, err, tt.wantErr)
		}
		if err != nil && strings.Contains(tt.publicURL, "pw@") && strings.Contains(err.Error(), "pw") {
			t.Errorf("error leaks URL credentials: %v", err)
		}
	}
	if _, err := Chain(nil, Config{PublicURL: "https://gp.example"}); err == nil {
		t.Error("Chain(nil) should fail")
	}
}

func TestChainStateChangingChecks(t *testing.T) {
	const json = "application/json"
	tests := []struct {
		name        string
		publicURL   string
		method      string
		contentType string
		origins     []string // nil: no Origin header
		wantStatus  int
		wantCode    string
	}{
		{"GET without content type", "https://gp.example", "GET", "", nil, 200, ""},
		{"HEAD passes", "https://gp.example", "HEAD", "", []string{"https://evil.example"}, 200, ""},
		{"OPTIONS passes", "https://gp.example", "OPTIONS", "", []string{"https://evil.example"}, 200, ""},
		{"GET with foreign origin passes", "https://gp.example", "GET", "", []string{"https://evil.example"}, 200, ""},

		{"POST json no origin", "https://gp.example", "POST", json, nil, 200, ""},
		{"POST json same origin", "https://gp.example", "POST", json, []string{"https://gp.example"}, 200, ""},
		{"POST json origin upper case", "https://gp.example", "POST", json, []string{"HTTPS://GP.EXAMPLE"}, 200, ""},
		{"public URL with path and default port", "https://GP.example:443/base/", "POST", json, []string{"https://gp.example"}, 200, ""},
		{"local origin with port", "http://127.0.0.1:8080", "PUT", json, []string{"http://127.0.0.1:8080"}, 200, ""},
		{"charset allowed", "https://gp.example", "PATCH", "application/json; charset=utf-8", nil, 200, ""},

		{"foreign origin", "https://gp.example", "POST", json, []string{"https://evil.example"}, 403, "forbidden"},
		{"null origin", "https://gp.example", "POST", json, []string{"null"}, 403, "forbidden"},
		{"empty origin", "https://gp.example", "POST", json, []string{""}, 403, "forbidden"},
		{"scheme mismatch", "https://gp.example", "POST", json, []string{"http://gp.example"}, 403, "forbidden"},
		{"port mismatch", "http://127.0.0.1:8080", "POST", json, []string{"http://127.0.0.1:9090"}, 403, "forbidden"},
		{"suffix host", "https://gp.example", "POST", json, []string{"https://gp.example.evil.example"}, 403, "forbidden"},
		{"origin with path", "https://gp.example", "POST", json, []string{"https://gp.example/"}, 403, "forbidden"},
		{"two origins", "https://gp.example", "POST", json, []string{"https://gp.example", "https://evil.example"}, 403, "forbidden"},
		{"foreign origin and wrong type", "https://gp.example", "POST", "text/plain", []string{"https://evil.example"}, 403, "forbidden"},
		{"DELETE foreign origin", "https://gp.example", "DELETE", json, []string{"https://evil.example"}, 403, "forbidden"},

		{"POST without content type", "https://gp.example", "POST", "", nil, 415, "unsupported_media_type"},
		{"POST text/plain", "https://gp.example", "POST", "text/plain", []string{"https://gp.example"}, 415, "unsupported_media_type"},
		{"POST form", "https://gp.example", "POST", "application/x-www-form-urlencoded", nil, 415, "unsupported_media_type"},
		{"POST multipart", "https://gp.example", "POST", "multipart/form-data; boundary=x", nil, 415, "unsupported_media_type"},
		{"DELETE without content type", "https://gp.example", "DELETE", "", nil, 415, "unsupported_media_type"},
		{"PUT without content type", "https://gp.example", "PUT", "", nil, 415, "unsupported_media_type"},
		{"PATCH text", "https://gp.example", "PATCH", "text/json", nil, 415, "unsupported_media_type"},
		{"unknown method is checked", "https://gp.example", "PROPFIND", "", nil, 415, "unsupported_media_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			h := mustChain(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				okHandler(w, r)
			}), Config{PublicURL: tt.publicURL, Logger: discardLogger()})
			req := httptest.NewRequest(tt.method, "/api/auth/login", strings.NewReader(`{}`))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			for _, o := range tt.origins {
				req.Header.Add("Origin", o)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus != 200 {
				if called {
					t.Error("handler ran on a refused request")
				}
				if got := decodeProblemBody(t, rec)["code"]; got != tt.wantCode {
					t.Errorf("code = %v, want %s", got, tt.wantCode)
				}
			}
		})
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestChainRequestID(t *testing.T) {
	generated := regexp.MustCompile(`^[0-9a-f]{32}$`)
	tests := []struct {
		name   string
		sent   string
		echoed bool
	}{
		{"none", "", false},
		{"valid", "abc-123_X.y:z", true},
		{"max length", strings.Repeat("a", 128), true},
		{"too long", strings.Repeat("a", 129), false},
		{"space", "abc 123", false},
		{"slash", "abc/123", false},
		{"non-ascii", "abcé", false},
		{"newline injection", "abc\r\nSet-Cookie: x=y", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inHandler, fromLogger string
			var logs bytes.Buffer
			h := mustChain(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				inHandler = RequestID(r.Context())
				Logger(r.Context()).Info("inside")
				okHandler(w, r)
			}), Config{PublicURL: "https://gp.example", Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			req := httptest.NewRequest("GET", "/api/auth/session", nil)
			if tt.sent != "" {
				req.Header["X-Request-Id"] = []string{tt.sent}
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Header().Get("X-Request-Id")
			if tt.echoed && got != tt.sent {
				t.Errorf("X-Request-Id = %q, want echo of %q", got, tt.sent)
			}
			if !tt.echoed && !generated.MatchString(got) {
				t.Errorf("X-Request-Id = %q, want a fresh 32-hex id", got)
			}
			if inHandler != got {
				t.Errorf("RequestID(ctx) = %q, header %q", inHandler, got)
			}
			for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatal(err)
				}
				if rec["msg"] == "inside" {
					fromLogger, _ = rec["request_id"].(string)
				}
			}
			if fromLogger != got {
				t.Errorf("Logger(ctx) request_id = %q, want %q", fromLogger, got)
			}
		})
	}
}

func TestRequestIDsAreFresh(t *testing.T) {
	h := mustChain(t, http.HandlerFunc(okHandler), Config{PublicURL: "https://gp.example", Logger: discardLogger()})
	seen := map[string]bool{}
	for range 50 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		id := rec.Header().Get("X-Request-Id")
		if seen[id] {
			t.Fatalf("request id %q repeated", id)
		}
		seen[id] = true
	}
}

func TestContextHelpersOutsideChain(t *testing.T) {
	ctx := t.Context()
	if RequestID(ctx) != "" {
		t.Error("RequestID outside Chain should be empty")
	}
	if Logger(ctx) != slog.Default() {
		t.Error("Logger outside Chain should be slog.Default()")
	}
}

func TestChainSecurityHeaders(t *testing.T) {
	common := map[string]string{
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "no-referrer",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
	}
	const hsts = "max-age=63072000; includeSubDomains"
	panicking := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	failing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { WriteError(w, r, Unauthenticated()) })
	tests := []struct {
		name      string
		publicURL string
		handler   http.Handler
		method    string
		wantHSTS  bool
		status    int
	}{
		{"https success", "https://gp.example", http.HandlerFunc(okHandler), "GET", true, 200},
		{"http success", "http://127.0.0.1:8080", http.HandlerFunc(okHandler), "GET", false, 200},
		{"https handler error", "https://gp.example", failing, "GET", true, 401},
		{"https refused by middleware", "https://gp.example", http.HandlerFunc(okHandler), "POST", true, 415},
		{"http refused by middleware", "http://localhost:8080", http.HandlerFunc(okHandler), "POST", false, 415},
		{"https panic", "https://gp.example", panicking, "GET", true, 500},
		{"http panic", "http://localhost:8080", panicking, "GET", false, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustChain(t, tt.handler, Config{PublicURL: tt.publicURL, Logger: discardLogger()})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, "/api/x", nil))
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d", rec.Code, tt.status)
			}
			for k, v := range common {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if got := rec.Header().Get("Strict-Transport-Security"); (got == hsts) != tt.wantHSTS || (!tt.wantHSTS && got != "") {
				t.Errorf("Strict-Transport-Security = %q, want present %v", got, tt.wantHSTS)
			}
			if rec.Header().Get("X-Request-Id") == "" {
				t.Error("X-Request-Id missing")
			}
		})
	}
}

func TestChainPanic(t *testing.T) {
	var logs bytes.Buffer
	h := mustChain(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "half-made"})
		w.Header().Set("X-Custom", "x")
		panic("boom: secret internals at handler.go:42")
	}), Config{PublicURL: "https://gp.example", Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Tenant: "acme"})
	req := httptest.NewRequest("GET", "/api/auth/session", nil)
	req.Header.Set("X-Request-Id", "panic-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	if rec.Code != 500 {
		t.Fatalf("status = %d", rec.Code)
	}
	body := decodeProblemBody(t, rec)
	if body["code"] != "internal" {
		t.Errorf("code = %v", body["code"])
	}
	for _, leak := range []string{"boom", "secret", "handler.go", "goroutine"} {
		if strings.Contains(rec.Body.String(), leak) {
			t.Errorf("response leaks %q: %s", leak, rec.Body)
		}
	}
	if rec.Header().Get("Set-Cookie") != "" || rec.Header().Get("X-Custom") != "" {
		t.Errorf("headers set before the panic survived: %v", rec.Header())
	}
	if rec.Header().Get("X-Request-Id") != "panic-1" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("middleware headers missing: %v", rec.Header())
	}
	errorLine := findLog(t, &logs, "ERROR")
	if errorLine == nil || !strings.Contains(errorLine["panic"].(string), "boom") || errorLine["request_id"] != "panic-1" {
		t.Errorf("panic not logged with request id: %s", logs.String())
	}
	access := findLog(t, &logs, "INFO")
	if access == nil || access["status"] != float64(500) {
		t.Errorf("access log should record 500: %s", logs.String())
	}
	// A 5xx is counted, per tenant and across tenants (the operator's alarm).
	if !strings.Contains(logs.String(), `"ServerErrors":1`) || !strings.Contains(logs.String(), `"Tenant":"acme"`) ||
		!strings.Contains(logs.String(), `"Dimensions":[["Tenant"],[]]`) {
		t.Errorf("no ServerErrors metric line: %s", logs.String())
	}
}

func TestChainPanicAfterWrite(t *testing.T) {
	h := mustChain(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		panic("late")
	}), Config{PublicURL: "https://gp.example", Logger: discardLogger()})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusAccepted || rec.Body.Len() != 0 {
		t.Fatalf("a started response must not be rewritten: %d %s", rec.Code, rec.Body)
	}
}

func TestChainAbortHandlerPanicPropagates(t *testing.T) {
	h := mustChain(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}), Config{PublicURL: "https://gp.example", Logger: discardLogger()})
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Fatalf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestChainAccessLog(t *testing.T) {
	var logs bytes.Buffer
	h := mustChain(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}), Config{PublicURL: "https://gp.example", Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	req := httptest.NewRequest("POST", "/api/auth/login?token=querysecret", strings.NewReader(`{"password":"bodysecret"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer authsecret")
	req.Header.Set("Cookie", "session=cookiesecret")
	req.Header.Set("X-Request-Id", "log-1")
	h.ServeHTTP(httptest.NewRecorder(), req)

	line := findLog(t, &logs, "INFO")
	if line == nil {
		t.Fatalf("no access log: %s", logs.String())
	}
	want := map[string]any{"method": "POST", "path": "/api/auth/login", "status": float64(418), "request_id": "log-1"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %v, want %v", k, line[k], v)
		}
	}
	if _, ok := line["duration_ms"].(float64); !ok {
		t.Errorf("duration_ms missing: %v", line)
	}
	for _, secret := range []string{"querysecret", "bodysecret", "authsecret", "cookiesecret"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log contains %q: %s", secret, logs.String())
		}
	}
}

func TestChainDefaultStatusLogged(t *testing.T) {
	var logs bytes.Buffer
	h := mustChain(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		Config{PublicURL: "https://gp.example", Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if line := findLog(t, &logs, "INFO"); line == nil || line["status"] != float64(200) {
		t.Fatalf("access log: %s", logs.String())
	}
}

// Admit runs once the security headers and the request id are set, before
// the CSRF checks and the handler: a refusal reaches neither and looks like
// every other problem; an admitted request goes on as Admit returns it.
func TestChainAdmit(t *testing.T) {
	tests := []struct {
		name       string
		refuse     bool
		method     string
		ctype      string
		wantStatus int
		wantCode   string
		wantReach  bool
	}{
		{"refused GET", true, "GET", "", 403, CodeForbidden, false},
		{"refused before the content type check", true, "POST", "text/plain", 403, CodeForbidden, false},
		{"admitted, then CSRF", false, "POST", "text/plain", 415, CodeUnsupportedMediaType, false},
		{"admitted", false, "POST", "application/json", 200, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reached bool
			var admitted string
			var logs bytes.Buffer
			h := mustChain(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached, admitted = true, r.Header.Get("X-Admitted")
				okHandler(w, r)
			}), Config{PublicURL: "https://gp.example", Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
				Admit: func(r *http.Request) (*http.Request, *Problem) {
					if RequestID(r.Context()) == "" {
						t.Error("Admit ran before the request id")
					}
					if tt.refuse {
						return nil, Forbidden()
					}
					r = r.Clone(r.Context())
					r.Header.Set("X-Admitted", "yes")
					r.RemoteAddr = "198.51.100.7:443" // the client the edge names
					return r, nil
				}})
			r := httptest.NewRequest(tt.method, "https://gp.example/api/x", strings.NewReader("{}"))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus || reached != tt.wantReach || reached && admitted != "yes" {
				t.Fatalf("%d, handler reached %v with %q", w.Code, reached, admitted)
			}
			if tt.wantCode != "" && !strings.Contains(w.Body.String(), `"code":"`+tt.wantCode+`"`) {
				t.Fatalf("body %s", w.Body)
			}
			if w.Header().Get("X-Request-Id") == "" || w.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("headers %v", w.Header())
			}
			// The access line names the admitted client, else the source.
			want := `"client_ip":"198.51.100.7"`
			if tt.refuse {
				want = `"client_ip":"192.0.2.1"` // httptest's RemoteAddr
			}
			if !strings.Contains(logs.String(), want) {
				t.Fatalf("access line %s lacks %s", logs.String(), want)
			}
		})
	}
}
