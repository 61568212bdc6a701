package apigw

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// eventTime is the fixed time events are made at.
func eventTime() time.Time { return time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC) }

func TestNewEvent(t *testing.T) {
	binary := []byte{0x00, 0x01, 0xfe, 0xff}
	tests := []struct {
		name  string
		build func() *http.Request
		check func(t *testing.T, ev events.APIGatewayV2HTTPRequest)
	}{
		{
			name: "headers, cookies, source",
			build: func() *http.Request {
				r := httptest.NewRequest("GET", "http://127.0.0.1:8080/api/auth/session", nil)
				r.RemoteAddr = "192.0.2.10:51234"
				r.Header.Set("User-Agent", "Mozilla/5.0")
				r.Header.Add("Accept", "application/json")
				r.Header.Add("Accept", "text/plain")
				r.Header.Add("Cookie", "__Host-gp=tok=en==; theme=dark")
				r.Header.Add("Cookie", "lang=de")
				return r
			},
			check: func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
				expect(t, "version", ev.Version, "2.0")
				expect(t, "routeKey", ev.RouteKey, "$default")
				expect(t, "accept", ev.Headers["accept"], "application/json,text/plain")
				expect(t, "user-agent", ev.Headers["user-agent"], "Mozilla/5.0")
				expect(t, "host", ev.Headers["host"], "127.0.0.1:8080")
				expect(t, "cookies", ev.Cookies, []string{"__Host-gp=tok=en==", "theme=dark", "lang=de"})
				if _, ok := ev.Headers["cookie"]; ok {
					t.Error("cookie must not stay in headers")
				}
				for name := range ev.Headers {
					if name != strings.ToLower(name) {
						t.Errorf("header name %q is not lower case", name)
					}
				}
				expect(t, "x-forwarded-for", ev.Headers["x-forwarded-for"], "192.0.2.10")
				expect(t, "x-forwarded-proto", ev.Headers["x-forwarded-proto"], "http")
				expect(t, "x-forwarded-port", ev.Headers["x-forwarded-port"], "8080")
				rc := ev.RequestContext
				expect(t, "sourceIp", rc.HTTP.SourceIP, "192.0.2.10")
				expect(t, "userAgent", rc.HTTP.UserAgent, "Mozilla/5.0")
				expect(t, "method", rc.HTTP.Method, "GET")
				expect(t, "protocol", rc.HTTP.Protocol, "HTTP/1.1")
				expect(t, "domainName", rc.DomainName, "127.0.0.1:8080")
				expect(t, "domainPrefix", rc.DomainPrefix, "127")
				expect(t, "timeEpoch", rc.TimeEpoch, eventTime().UnixMilli())
				expect(t, "time", rc.Time, "23/Nov/2026:08:00:00 +0000")
				expect(t, "stage", rc.Stage, "$default")
				if len(rc.RequestID) != 16 {
					t.Errorf("requestId = %q", rc.RequestID)
				}
				expect(t, "body", ev.Body, "")
				expect(t, "isBase64Encoded", ev.IsBase64Encoded, false)
				if _, ok := ev.Headers["content-length"]; ok {
					t.Error("no content-length without a body")
				}
			},
		},
		{
			name: "IPv6 source over TLS",
			build: func() *http.Request {
				r := httptest.NewRequest("GET", "https://gp.example/api/x", nil)
				r.RemoteAddr = "[2001:db8::5]:443"
				r.TLS = &tls.ConnectionState{}
				r.Header.Set("X-Forwarded-For", "198.51.100.7")
				return r
			},
			check: func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
				expect(t, "sourceIp", ev.RequestContext.HTTP.SourceIP, "2001:db8::5")
				expect(t, "x-forwarded-for", ev.Headers["x-forwarded-for"], "198.51.100.7, 2001:db8::5")
				expect(t, "x-forwarded-proto", ev.Headers["x-forwarded-proto"], "https")
				expect(t, "x-forwarded-port", ev.Headers["x-forwarded-port"], "443")
				expect(t, "domainPrefix", ev.RequestContext.DomainPrefix, "gp")
			},
		},
		{
			name: "encoded path and query",
			build: func() *http.Request {
				return httptest.NewRequest("GET", "/api/admin/users/a%2Fb?query=j%C3%B6rg+x&status=active&status=invited&x=%26", nil)
			},
			check: func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
				expect(t, "rawPath", ev.RawPath, "/api/admin/users/a%2Fb")
				expect(t, "http.path", ev.RequestContext.HTTP.Path, "/api/admin/users/a%2Fb")
				expect(t, "rawQueryString", ev.RawQueryString, "query=j%C3%B6rg+x&status=active&status=invited&x=%26")
				expect(t, "queryStringParameters", ev.QueryStringParameters,
					map[string]string{"query": "jörg x", "status": "active,invited", "x": "&"})
			},
		},
		{
			name: "json body as text",
			build: func() *http.Request {
				r := httptest.NewRequest("POST", "/api/auth/login", strings.NewReader(`{"username":"jdoe","password":"Zoë"}`))
				r.Header.Set("Content-Type", "application/json")
				return r
			},
			check: func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
				expect(t, "body", ev.Body, `{"username":"jdoe","password":"Zoë"}`)
				expect(t, "isBase64Encoded", ev.IsBase64Encoded, false)
				expect(t, "content-length", ev.Headers["content-length"], "37")
				expect(t, "content-type", ev.Headers["content-type"], "application/json")
			},
		},
		{
			name: "binary body as base64",
			build: func() *http.Request {
				r := httptest.NewRequest("POST", "/upload", bytes.NewReader(binary))
				r.Header.Set("Content-Type", "application/octet-stream")
				return r
			},
			check: func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
				expect(t, "body", ev.Body, base64.StdEncoding.EncodeToString(binary))
				expect(t, "isBase64Encoded", ev.IsBase64Encoded, true)
			},
		},
		{
			name:  "text without content type is base64",
			build: func() *http.Request { return httptest.NewRequest("POST", "/", strings.NewReader("hello")) },
			check: func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
				expect(t, "isBase64Encoded", ev.IsBase64Encoded, true)
			},
		},
		{
			name: "invalid utf-8 json is base64",
			build: func() *http.Request {
				r := httptest.NewRequest("POST", "/", strings.NewReader("{\"a\":\"\xff\"}"))
				r.Header.Set("Content-Type", "application/json")
				return r
			},
			check: func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
				expect(t, "isBase64Encoded", ev.IsBase64Encoded, true)
			},
		},
		{
			name: "exactly at the limit",
			build: func() *http.Request {
				r := httptest.NewRequest("POST", "/", bytes.NewReader(make([]byte, MaxEventBodyBytes)))
				r.Header.Set("Content-Type", "application/octet-stream")
				return r
			},
			check: func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
				expect(t, "content-length", ev.Headers["content-length"], "10485760")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := NewEvent(tt.build(), "", eventTime())
			if err != nil {
				t.Fatalf("NewEvent: %v", err)
			}
			tt.check(t, ev)
		})
	}
}

func TestNewEventRouteKeyAndFreshIDs(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	a, _ := NewEvent(r, "GET /api/x", eventTime())
	b, _ := NewEvent(r, "GET /api/x", eventTime())
	expect(t, "routeKey", a.RouteKey, "GET /api/x")
	expect(t, "requestContext.routeKey", a.RequestContext.RouteKey, "GET /api/x")
	if a.RequestContext.RequestID == b.RequestContext.RequestID {
		t.Error("request ids must differ")
	}
}

func TestNewEventBodyTooLarge(t *testing.T) {
	tests := []struct {
		name          string
		contentLength int64
	}{
		{"unknown length", -1},
		{"declared length", MaxEventBodyBytes + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", io.LimitReader(zeros{}, MaxEventBodyBytes+1))
			r.ContentLength = tt.contentLength
			_, err := NewEvent(r, "", eventTime())
			var tooLarge *http.MaxBytesError
			if !errors.As(err, &tooLarge) || tooLarge.Limit != MaxEventBodyBytes {
				t.Fatalf("err = %v, want *http.MaxBytesError", err)
			}
		})
	}
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestWriteResponse(t *testing.T) {
	binary := []byte{0x89, 'P', 'N', 'G', 0x00, 0xff}
	tests := []struct {
		name       string
		resp       events.APIGatewayV2HTTPResponse
		wantStatus int
		wantBody   []byte
		wantHeader http.Header
	}{
		{
			name: "text with cookies",
			resp: events.APIGatewayV2HTTPResponse{StatusCode: 200,
				Headers: map[string]string{"content-type": "application/json", "vary": "Origin, Cookie"},
				Cookies: []string{"a=1; Path=/", "b=x=y; HttpOnly"},
				Body:    `{"ok":true}`},
			wantStatus: 200,
			wantBody:   []byte(`{"ok":true}`),
			wantHeader: http.Header{"Content-Type": {"application/json"}, "Vary": {"Origin, Cookie"},
				"Set-Cookie": {"a=1; Path=/", "b=x=y; HttpOnly"}, "Content-Length": {"11"}},
		},
		{
			name:       "base64 body",
			resp:       events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "image/png"}, Body: base64.StdEncoding.EncodeToString(binary), IsBase64Encoded: true},
			wantStatus: 200,
			wantBody:   binary,
			wantHeader: http.Header{"Content-Type": {"image/png"}, "Content-Length": {"6"}},
		},
		{
			name:       "zero status is 200",
			resp:       events.APIGatewayV2HTTPResponse{Headers: map[string]string{"Content-Type": "text/plain"}, Body: "hi"},
			wantStatus: 200,
			wantBody:   []byte("hi"),
			wantHeader: http.Header{"Content-Type": {"text/plain"}, "Content-Length": {"2"}},
		},
		{
			name:       "HEAD response keeps its declared length",
			resp:       events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json", "Content-Length": "7"}},
			wantStatus: 200,
			wantBody:   []byte{},
			wantHeader: http.Header{"Content-Type": {"application/json"}, "Content-Length": {"7"}},
		},
		{
			name:       "no content",
			resp:       events.APIGatewayV2HTTPResponse{StatusCode: 204, Cookies: []string{"s=; Max-Age=0"}},
			wantStatus: 204,
			wantBody:   []byte{},
			wantHeader: http.Header{"Set-Cookie": {"s=; Max-Age=0"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := WriteResponse(rec, tt.resp); err != nil {
				t.Fatalf("WriteResponse: %v", err)
			}
			expect(t, "status", rec.Code, tt.wantStatus)
			expect(t, "body", readAll(t, rec.Body), tt.wantBody)
			expect(t, "header", rec.Header(), tt.wantHeader)
		})
	}
}

func TestWriteResponseInvalidBase64WritesNothing(t *testing.T) {
	rec := httptest.NewRecorder()
	err := WriteResponse(rec, events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "!!", IsBase64Encoded: true})
	if err == nil {
		t.Fatal("want an error")
	}
	if rec.Flushed || len(rec.Header()) != 0 || rec.Body.Len() != 0 {
		t.Fatalf("something was written: %v %q", rec.Header(), rec.Body)
	}
}

// TestRoundTrip plays the whole path of the local stack: a net/http request
// becomes an event (sent as JSON, as Lambda would), the event a request for
// the handler, the handler's answer an API Gateway response (sent as JSON),
// and that response an HTTP response again.
func TestRoundTrip(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0x00, 0x00, 0xff}
	tests := []struct {
		name    string
		request func() *http.Request
		// handler checks what arrived and answers.
		handler    func(t *testing.T, w http.ResponseWriter, r *http.Request)
		wantStatus int
		wantBody   []byte
		wantHeader http.Header // checked key by key
	}{
		{
			name: "cookies, repeated headers, json body, several Set-Cookie",
			request: func() *http.Request {
				r := httptest.NewRequest("POST", "http://gp.example/api/auth/login", strings.NewReader(`{"username":"jdoe"}`))
				r.RemoteAddr = "203.0.113.9:40000"
				r.Header.Set("Content-Type", "application/json")
				r.Header.Add("Cookie", "__Host-gp_session=a=b==; theme=dark")
				r.Header.Add("Accept-Language", "de")
				r.Header.Add("Accept-Language", "en;q=0.5")
				return r
			},
			handler: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				expect(t, "method", r.Method, "POST")
				expect(t, "host", r.Host, "gp.example")
				expect(t, "remote", r.RemoteAddr, "203.0.113.9")
				c, err := r.Cookie("__Host-gp_session")
				if err != nil || c.Value != "a=b==" {
					t.Errorf("cookie = %v, %v", c, err)
				}
				if c, err := r.Cookie("theme"); err != nil || c.Value != "dark" {
					t.Errorf("theme = %v, %v", c, err)
				}
				expect(t, "accept-language", r.Header.Get("Accept-Language"), "de,en;q=0.5")
				expect(t, "body", readAll(t, r.Body), []byte(`{"username":"jdoe"}`))
				http.SetCookie(w, &http.Cookie{Name: "__Host-gp_session", Value: "new", Path: "/", HttpOnly: true, Secure: true})
				http.SetCookie(w, &http.Cookie{Name: "challenge", Value: "", Path: "/", MaxAge: -1})
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				_, _ = w.Write([]byte(`{"status":"authenticated"}`))
			},
			wantStatus: 200,
			wantBody:   []byte(`{"status":"authenticated"}`),
			wantHeader: http.Header{
				"Set-Cookie":   {"__Host-gp_session=new; Path=/; HttpOnly; Secure", "challenge=; Path=/; Max-Age=0"},
				"Content-Type": {"application/json; charset=utf-8"},
			},
		},
		{
			name: "binary request and response bodies",
			request: func() *http.Request {
				r := httptest.NewRequest("PUT", "/api/blob", bytes.NewReader(png))
				r.Header.Set("Content-Type", "application/octet-stream")
				return r
			},
			handler: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				expect(t, "body", readAll(t, r.Body), png)
				expect(t, "content length", r.ContentLength, int64(len(png)))
				w.Header().Set("Content-Type", "image/png")
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write(png)
			},
			wantStatus: 201,
			wantBody:   png,
			wantHeader: http.Header{"Content-Type": {"image/png"}},
		},
		{
			name: "encoded query and encoded slash",
			request: func() *http.Request {
				return httptest.NewRequest("GET", "/api/x/a%2Fb%20c?q=a%26b%3Dc&q=%C3%A9&sp=1+2", nil)
			},
			handler: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				expect(t, "path", r.URL.Path, "/api/x/a/b c")
				expect(t, "escaped", r.URL.EscapedPath(), "/api/x/a%2Fb%20c")
				expect(t, "q", r.URL.Query()["q"], []string{"a&b=c", "é"})
				expect(t, "sp", r.URL.Query().Get("sp"), "1 2")
				w.WriteHeader(http.StatusNoContent)
			},
			wantStatus: 204,
			wantBody:   []byte{},
		},
		{
			name: "IPv6 source, empty body, error status",
			request: func() *http.Request {
				r := httptest.NewRequest("DELETE", "/api/auth/sessions", nil)
				r.RemoteAddr = "[2001:db8::1]:5000"
				return r
			},
			handler: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				expect(t, "remote", r.RemoteAddr, "2001:db8::1")
				expect(t, "content length", r.ContentLength, int64(0))
				expect(t, "body", readAll(t, r.Body), []byte{})
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusUnsupportedMediaType)
				_, _ = w.Write([]byte(`{"code":"unsupported_media_type"}`))
			},
			wantStatus: 415,
			wantBody:   []byte(`{"code":"unsupported_media_type"}`),
			wantHeader: http.Header{"Content-Type": {"application/problem+json"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := NewEvent(tt.request(), "$default", eventTime())
			if err != nil {
				t.Fatalf("NewEvent: %v", err)
			}
			ev = viaJSON(t, ev)
			lambda := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tt.handler(t, w, r) }))
			resp, err := lambda(t.Context(), ev)
			if err != nil {
				t.Fatalf("Handler: %v", err)
			}
			resp = viaJSON(t, resp)
			rec := httptest.NewRecorder()
			if err := WriteResponse(rec, resp); err != nil {
				t.Fatalf("WriteResponse: %v", err)
			}
			expect(t, "status", rec.Code, tt.wantStatus)
			expect(t, "body", readAll(t, rec.Body), tt.wantBody)
			for k, v := range tt.wantHeader {
				expect(t, k, rec.Header()[k], v)
			}
		})
	}
}

// viaJSON sends v through its JSON form, as Lambda does between API Gateway
// and the function.
func viaJSON[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
