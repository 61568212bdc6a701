package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/validate"
)

func TestConstructors(t *testing.T) {
	tests := []struct {
		name   string
		p      *Problem
		status int
		code   string
	}{
		{"InvalidRequest", InvalidRequest("bad"), 400, "invalid_request"},
		{"InvalidRequestViolations", InvalidRequestViolations(nil), 400, "invalid_request"},
		{"UnsupportedMediaType", UnsupportedMediaType(), 415, "unsupported_media_type"},
		{"PayloadTooLarge", PayloadTooLarge(), 413, "payload_too_large"},
		{"InvalidCredentials", InvalidCredentials(), 401, "invalid_credentials"},
		{"Unauthenticated", Unauthenticated(), 401, "unauthenticated"},
		{"InvalidCode", InvalidCode(), 401, "invalid_code"},
		{"ChallengeInvalid", ChallengeInvalid(), 401, "challenge_invalid"},
		{"CurrentPasswordInvalid", CurrentPasswordInvalid(), 400, "current_password_invalid"},
		{"PasswordMismatch", PasswordMismatch(), 400, "password_mismatch"},
		{"PasswordPolicy", PasswordPolicy(nil), 422, "password_policy"},
		{"MFAEnrolmentRequired", MFAEnrolmentRequired(), 403, "mfa_enrolment_required"},
		{"TokenInvalid", TokenInvalid(), 410, "token_invalid"},
		{"Forbidden", Forbidden(), 403, "forbidden"},
		{"PasswordChangeRequired", PasswordChangeRequired(), 403, "password_change_required"},
		{"SSOAccount", SSOAccount(), 403, "sso_account"},
		{"StepUpRequired", StepUpRequired(), 403, "step_up_required"},
		{"MFARequiredByPolicy", MFARequiredByPolicy(), 403, "mfa_required_by_policy"},
		{"NotFound", NotFound(), 404, "not_found"},
		{"Conflict", Conflict("taken"), 409, "conflict"},
		{"TooManyRequests", TooManyRequests(time.Minute), 429, "too_many_requests"},
		{"Internal", Internal(), 500, "internal"},
		{"Unavailable", Unavailable(), 503, "unavailable"},
		{"NewProblem", NewProblem(418, "teapot", "", "d"), 418, "teapot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.p.Status != tt.status || tt.p.Code != tt.code {
				t.Fatalf("got %d %s, want %d %s", tt.p.Status, tt.p.Code, tt.status, tt.code)
			}
			if tt.p.Type != "/problems/"+tt.code {
				t.Errorf("type = %q", tt.p.Type)
			}
			if tt.p.Title == "" || tt.p.Title == tt.code {
				t.Errorf("title = %q, want a human title", tt.p.Title)
			}
			if tt.p.Error() != tt.code {
				t.Errorf("Error() = %q, want the code", tt.p.Error())
			}
		})
	}
}

func TestProblemErrorNeverShowsDetail(t *testing.T) {
	p := InvalidRequest("user typed hunter2")
	if strings.Contains(p.Error(), "hunter2") {
		t.Fatalf("Error() leaks detail: %q", p.Error())
	}
}

func TestProblemIs(t *testing.T) {
	err := fmt.Errorf("login: %w", InvalidCredentials())
	if !errors.Is(err, InvalidCredentials()) {
		t.Error("errors.Is should match a wrapped problem with the same code")
	}
	if errors.Is(err, Unauthenticated()) {
		t.Error("errors.Is should not match another code")
	}
	var p *Problem
	if !errors.As(err, &p) || p.Code != CodeInvalidCredentials {
		t.Error("errors.As should find the problem")
	}
}

func TestNewProblemTitle(t *testing.T) {
	tests := []struct {
		status      int
		code, title string
		wantTitle   string
	}{
		{403, CodePasswordChangeRequired, "", "Password change required"},
		{410, CodeTokenInvalid, "Custom", "Custom"},
		{418, "brew", "", "I'm a teapot"},
		{599, "odd", "", "Error"},
	}
	for _, tt := range tests {
		if got := NewProblem(tt.status, tt.code, tt.title, "").Title; got != tt.wantTitle {
			t.Errorf("NewProblem(%d, %q, %q).Title = %q, want %q", tt.status, tt.code, tt.title, got, tt.wantTitle)
		}
	}
}

// decodeProblemBody checks the problem media type and decodes the body.
func decodeProblemBody(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, rec.Body)
	}
	return body
}

func TestWriteProblem(t *testing.T) {
	tests := []struct {
		name           string
		p              *Problem
		wantStatus     int
		wantRetryAfter string
	}{
		{"plain", NotFound(), 404, ""},
		{"retry rounded up", TooManyRequests(1500 * time.Millisecond), 429, "2"},
		{"retry exact", TooManyRequests(300 * time.Second), 429, "300"},
		{"retry just over", TooManyRequests(59*time.Second + time.Nanosecond), 429, "60"},
		{"retry zero becomes 1", TooManyRequests(0), 429, "1"},
		{"retry negative becomes 1", TooManyRequests(-time.Hour), 429, "1"},
		{"429 literal without duration", &Problem{Status: 429, Code: CodeTooManyRequests}, 429, "1"},
		{"503 with retry", &Problem{Status: 503, Code: CodeUnavailable, RetryAfter: 10 * time.Second}, 503, "10"},
		{"nil", nil, 500, ""},
		{"bad status", &Problem{Status: 200, Code: "ok"}, 500, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteProblem(rec, httptest.NewRequest(http.MethodGet, "/api/x", nil), tt.p)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("Retry-After"); got != tt.wantRetryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetryAfter)
			}
			body := decodeProblemBody(t, rec)
			for _, k := range []string{"type", "title", "status", "code", "detail"} {
				if _, ok := body[k]; !ok {
					t.Errorf("member %q missing: %s", k, rec.Body)
				}
			}
			if int(body["status"].(float64)) != tt.wantStatus {
				t.Errorf("status member = %v", body["status"])
			}
			if _, ok := body["violations"]; ok {
				t.Errorf("violations should be omitted when empty: %s", rec.Body)
			}
		})
	}
}

func TestWriteProblemViolations(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteProblem(rec, nil, PasswordPolicy([]validate.Violation{{Field: "password", Code: "too_short", Message: "m"}}))
	var got struct {
		Code       string               `json:"code"`
		Violations []validate.Violation `json:"violations"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 422 || got.Code != "password_policy" || len(got.Violations) != 1 || got.Violations[0].Code != "too_short" {
		t.Fatalf("got %d %+v", rec.Code, got)
	}
}

func TestWriteError(t *testing.T) {
	const secret = "dynamodb: ConditionalCheckFailed for token=s3cr3t"
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
		wantLogged bool
		wantViol   int
	}{
		{"problem", Forbidden(), 403, "forbidden", false, 0},
		{"wrapped problem", fmt.Errorf("admin: %w", NotFound()), 404, "not_found", false, 0},
		{"wrapped 5xx problem is logged", fmt.Errorf("store: %s: %w", secret, Unavailable()), 503, "unavailable", true, 0},
		{"validation", fmt.Errorf("create: %w", &validate.Error{Violations: []validate.Violation{
			{Field: "username", Code: "required", Message: "m"}, {Field: "email", Code: "invalid", Message: "m"},
		}}), 400, "invalid_request", false, 2},
		{"validation refusing characters is unprocessable, whatever else is listed", fmt.Errorf("create: %w", &validate.Error{Violations: []validate.Violation{
			{Field: "username", Code: validate.CodeInvalidCharacters, Message: "m"}, {Field: "email", Code: "invalid", Message: "m"},
		}}), 422, "invalid_request", false, 2},
		{"max bytes", fmt.Errorf("read: %w", &http.MaxBytesError{Limit: 10}), 413, "payload_too_large", false, 0},
		{"other", errors.New(secret), 500, "internal", true, 0},
		{"wrapped other", fmt.Errorf("login: %w", errors.New(secret)), 500, "internal", true, 0},
		{"nil", nil, 500, "internal", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&logs, nil))
			h := mustChain(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				WriteError(w, r, tt.err)
			}), Config{PublicURL: "https://gp.example", Logger: logger})
			req := httptest.NewRequest(http.MethodGet, "/api/thing?token=q", nil)
			req.Header.Set("X-Request-Id", "req-42")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			body := decodeProblemBody(t, rec)
			if body["code"] != tt.wantCode {
				t.Errorf("code = %v, want %s", body["code"], tt.wantCode)
			}
			if strings.Contains(rec.Body.String(), "s3cr3t") || strings.Contains(rec.Body.String(), "dynamodb") {
				t.Errorf("response leaks the error: %s", rec.Body)
			}
			viol, _ := body["violations"].([]any)
			if len(viol) != tt.wantViol {
				t.Errorf("violations = %v, want %d", body["violations"], tt.wantViol)
			}
			errorLine := findLog(t, &logs, "ERROR")
			if tt.wantLogged != (errorLine != nil) {
				t.Fatalf("error logged = %v, want %v; logs: %s", errorLine != nil, tt.wantLogged, logs.String())
			}
			if errorLine != nil {
				if errorLine["request_id"] != "req-42" {
					t.Errorf("error log lacks request id: %v", errorLine)
				}
				if errorLine["path"] != "/api/thing" {
					t.Errorf("error log path = %v", errorLine["path"])
				}
				if tt.err != nil && !strings.Contains(fmt.Sprint(errorLine["error"]), "s3cr3t") && tt.wantStatus == 500 {
					t.Errorf("the real error should be logged: %v", errorLine)
				}
			}
		})
	}
}

// findLog returns the first JSON log record at level, or nil.
func findLog(t *testing.T, logs *bytes.Buffer, level string) map[string]any {
	t.Helper()
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["level"] == level {
			return rec
		}
	}
	return nil
}

func TestWriteJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := WriteJSON(rec, http.StatusCreated, map[string]string{"id": "u_1"}); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 201 || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("got %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if rec.Body.String() != `{"id":"u_1"}` {
		t.Fatalf("body = %s", rec.Body)
	}
}

func TestWriteJSONEncodeFailure(t *testing.T) {
	rec := httptest.NewRecorder()
	err := WriteJSON(rec, http.StatusOK, map[string]any{"f": func() {}})
	if err == nil {
		t.Fatal("want an error")
	}
	var unsupported *json.UnsupportedTypeError
	if !errors.As(err, &unsupported) {
		t.Errorf("error should wrap the encoding error: %v", err)
	}
	if rec.Code != 500 || decodeProblemBody(t, rec)["code"] != "internal" {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}

func TestNoContent(t *testing.T) {
	rec := httptest.NewRecorder()
	NoContent(rec)
	if rec.Code != 204 || rec.Body.Len() != 0 {
		t.Fatalf("got %d %q", rec.Code, rec.Body)
	}
}
