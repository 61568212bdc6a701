package httpapi

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type loginBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Nested   struct {
		Count int `json:"count"`
	} `json:"nested"`
	Small int8 `json:"small"`
}

// jsonOfSize returns a valid JSON object of exactly n bytes.
func jsonOfSize(n int) string {
	const prefix, suffix = `{"username":"`, `"}`
	return prefix + strings.Repeat("x", n-len(prefix)-len(suffix)) + suffix
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name         string
		contentType  string
		body         string
		wantStatus   int // 0: success
		wantCode     string
		wantInDetail string
		mustNotLeak  string
	}{
		{name: "ok", contentType: "application/json", body: `{"username":"jdoe","password":"pw"}`},
		{name: "ok charset", contentType: "application/json; charset=utf-8", body: `{}`},
		{name: "ok upper case", contentType: "Application/JSON; Charset=UTF-8", body: `{}`},
		{name: "ok surrounding whitespace", contentType: "application/json", body: " \n{\"username\":\"a\"}\n\t "},
		{name: "ok exactly 16 KiB", contentType: "application/json", body: jsonOfSize(MaxBodyBytes)},

		{name: "no content type", contentType: "", body: `{}`, wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "text/plain", contentType: "text/plain", body: `{}`, wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "form", contentType: "application/x-www-form-urlencoded", body: `a=b`, wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "json suffix type", contentType: "application/problem+json", body: `{}`, wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "json prefix lookalike", contentType: "application/jsonx", body: `{}`, wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "other charset", contentType: "application/json; charset=latin1", body: `{}`, wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "malformed content type", contentType: "application/json;;;=", body: `{}`, wantStatus: 415, wantCode: "unsupported_media_type"},

		{name: "16 KiB + 1", contentType: "application/json", body: jsonOfSize(MaxBodyBytes + 1), wantStatus: 413, wantCode: "payload_too_large"},
		{name: "far too large", contentType: "application/json", body: jsonOfSize(1 << 20), wantStatus: 413, wantCode: "payload_too_large"},

		{name: "unknown field", contentType: "application/json", body: `{"username":"a","isAdmin":"yes-secret"}`, wantStatus: 400, wantCode: "invalid_request", wantInDetail: `"isAdmin"`, mustNotLeak: "yes-secret"},
		{name: "nested unknown field", contentType: "application/json", body: `{"nested":{"extra":1}}`, wantStatus: 400, wantCode: "invalid_request", wantInDetail: `"extra"`},
		{name: "trailing object", contentType: "application/json", body: `{"username":"a"}{"username":"b"}`, wantStatus: 400, wantCode: "invalid_request"},
		{name: "trailing garbage", contentType: "application/json", body: `{"username":"a"} x`, wantStatus: 400, wantCode: "invalid_request"},
		{name: "empty", contentType: "application/json", body: ``, wantStatus: 400, wantCode: "invalid_request"},
		{name: "whitespace only", contentType: "application/json", body: "  \n", wantStatus: 400, wantCode: "invalid_request"},
		{name: "array", contentType: "application/json", body: `[{"username":"a"}]`, wantStatus: 400, wantCode: "invalid_request"},
		{name: "null", contentType: "application/json", body: `null`, wantStatus: 400, wantCode: "invalid_request"},
		{name: "string", contentType: "application/json", body: `"hunter2"`, wantStatus: 400, wantCode: "invalid_request", mustNotLeak: "hunter2"},
		{name: "syntax error", contentType: "application/json", body: `{"password":"hunter2",}`, wantStatus: 400, wantCode: "invalid_request", mustNotLeak: "hunter2"},
		{name: "truncated", contentType: "application/json", body: `{"password":"hunter2"`, wantStatus: 400, wantCode: "invalid_request", mustNotLeak: "hunter2"},
		{name: "wrong type", contentType: "application/json", body: `{"password":123456789}`, wantStatus: 400, wantCode: "invalid_request", wantInDetail: `"password"`, mustNotLeak: "123456789"},
		{name: "overflow", contentType: "application/json", body: `{"small":987654321}`, wantStatus: 400, wantCode: "invalid_request", mustNotLeak: "987654321"},
		{name: "invalid utf-8", contentType: "application/json", body: "{\"password\":\"\xff\xfe\"}", wantStatus: 400, wantCode: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/api/auth/login", strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			var dst loginBody
			err := DecodeJSON(req, &dst)
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("DecodeJSON: %v", err)
				}
				return
			}
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("want *Problem, got %T %v", err, err)
			}
			if p.Status != tt.wantStatus || p.Code != tt.wantCode {
				t.Fatalf("got %d %s (%s), want %d %s", p.Status, p.Code, p.Detail, tt.wantStatus, tt.wantCode)
			}
			if tt.wantInDetail != "" && !strings.Contains(p.Detail, tt.wantInDetail) {
				t.Errorf("detail %q should contain %s", p.Detail, tt.wantInDetail)
			}
			if tt.mustNotLeak != "" {
				for _, s := range []string{p.Detail, p.Error(), p.Title} {
					if strings.Contains(s, tt.mustNotLeak) {
						t.Errorf("problem leaks submitted value: %q", s)
					}
				}
				for _, v := range p.Violations {
					if strings.Contains(v.Message+v.Field+v.Code, tt.mustNotLeak) {
						t.Errorf("violation leaks submitted value: %+v", v)
					}
				}
			}
		})
	}
}

func TestDecodeJSONFieldViolations(t *testing.T) {
	tests := []struct {
		body, field, code string
	}{
		{`{"isAdmin":true}`, "isAdmin", "unknown_field"},
		{`{"nested":{"count":"x"}}`, "nested.count", "invalid_type"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
		req.Header.Set("Content-Type", "application/json")
		var p *Problem
		if err := DecodeJSON(req, &loginBody{}); !errors.As(err, &p) {
			t.Fatalf("%s: want problem, got %v", tt.body, err)
		}
		if len(p.Violations) != 1 || p.Violations[0].Field != tt.field || p.Violations[0].Code != tt.code {
			t.Errorf("%s: violations = %+v", tt.body, p.Violations)
		}
	}
}

func TestDecodeJSONLongFieldNameClipped(t *testing.T) {
	name := strings.Repeat("é", 200)
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"`+name+`":1}`))
	req.Header.Set("Content-Type", "application/json")
	var p *Problem
	if err := DecodeJSON(req, &loginBody{}); !errors.As(err, &p) {
		t.Fatalf("want problem, got %v", err)
	}
	if len(p.Detail) > 200 || !strings.Contains(p.Detail, "…") {
		t.Errorf("detail not clipped: %d bytes", len(p.Detail))
	}
}

func TestDecodeJSONDeclaredLengthTooLarge(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = MaxBodyBytes + 1
	if err := DecodeJSON(req, &loginBody{}); !errors.Is(err, PayloadTooLarge()) {
		t.Fatalf("got %v, want payload_too_large", err)
	}
}

// countingReader counts the bytes read from an endless body.
type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	c.n += len(p)
	return len(p), nil
}

func TestDecodeJSONReadsBounded(t *testing.T) {
	body := &countingReader{}
	req := httptest.NewRequest(http.MethodPost, "/", io.NopCloser(body))
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = -1
	if err := DecodeJSON(req, &loginBody{}); !errors.Is(err, PayloadTooLarge()) {
		t.Fatalf("got %v, want payload_too_large", err)
	}
	if body.n > MaxBodyBytes+4096 {
		t.Errorf("read %d bytes from an endless body", body.n)
	}
}

func TestDecodeJSONMaxBytesReader(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"username":"abcdef"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Body = http.MaxBytesReader(httptest.NewRecorder(), req.Body, 5)
	if err := DecodeJSON(req, &loginBody{}); !errors.Is(err, PayloadTooLarge()) {
		t.Fatalf("got %v, want payload_too_large", err)
	}
}

func TestDecodeJSONBadDestinationIsInternal(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	err := DecodeJSON(req, loginBody{}) // not a pointer
	var p *Problem
	if err == nil || errors.As(err, &p) {
		t.Fatalf("want a plain error for a programming mistake, got %v", err)
	}
}
