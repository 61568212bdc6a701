package apigw

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatepass/gatepass/shared/httpapi"
)

// TestRoundTripThroughChain runs httpapi.Chain inside the adapter the way a
// Lambda does: middleware headers, the request id, the CSRF checks and the
// client IP all survive both conversions.
func TestRoundTripThroughChain(t *testing.T) {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Username string `json:"username"`
		}
		if err := httpapi.DecodeJSON(r, &body); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		_ = httpapi.WriteJSON(w, http.StatusOK, map[string]string{"user": body.Username, "ip": httpapi.ClientIP(r)})
	})
	chained, err := httpapi.Chain(app, httpapi.Config{PublicURL: "https://gp.example", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		origin     string
		body       string
		wantStatus int
		wantInBody string
	}{
		{"same origin", "https://gp.example", `{"username":"jdoe"}`, 200, `"ip":"2001:db8::9"`},
		{"foreign origin", "https://evil.example", `{"username":"jdoe"}`, 403, `"code":"forbidden"`},
		{"unknown field", "https://gp.example", `{"username":"jdoe","admin":true}`, 400, `"code":"invalid_request"`},
		{"too large", "", `{"username":"` + strings.Repeat("x", httpapi.MaxBodyBytes) + `"}`, 413, `"code":"payload_too_large"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "https://gp.example/api/auth/login", strings.NewReader(tt.body))
			r.RemoteAddr = "[2001:db8::9]:443"
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-Request-Id", "rt-1")
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			ev, err := NewEvent(r, "POST /api/auth/login", eventTime())
			if err != nil {
				t.Fatal(err)
			}
			resp, err := Handler(chained)(t.Context(), viaJSON(t, ev))
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			if err := WriteResponse(rec, viaJSON(t, resp)); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantInBody) {
				t.Fatalf("got %d %s", rec.Code, rec.Body)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Errorf("body is not JSON: %s", rec.Body)
			}
			for k, v := range map[string]string{
				"X-Request-Id":              "rt-1",
				"Cache-Control":             "no-store",
				"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
				"X-Content-Type-Options":    "nosniff",
			} {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}
