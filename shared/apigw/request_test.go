package apigw

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatepass/gatepass/shared/httpapi"
)

// baseEvent is a realistic payload 2.0 event, as API Gateway sends it.
func baseEvent() events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       "$default",
		RawPath:        "/api/auth/session",
		RawQueryString: "",
		Headers: map[string]string{
			"accept":          "application/json",
			"host":            "gp.example",
			"user-agent":      "curl/8.5.0",
			"x-forwarded-for": "203.0.113.9",
		},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:   "$default",
			AccountID:  "123456789012",
			Stage:      "$default",
			RequestID:  "JKJaXmPLvHcESHA=",
			APIID:      "abc123",
			DomainName: "gp.example",
			TimeEpoch:  1767225600000,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    "GET",
				Path:      "/api/auth/session",
				Protocol:  "HTTP/1.1",
				SourceIP:  "203.0.113.9",
				UserAgent: "curl/8.5.0",
			},
		},
	}
}

func TestNewRequest(t *testing.T) {
	binary := []byte{0x89, 'P', 'N', 'G', 0x00, 0xff, 0xfe}
	tests := []struct {
		name  string
		edit  func(ev *events.APIGatewayV2HTTPRequest)
		check func(t *testing.T, r *http.Request)
	}{
		{
			name: "basics",
			edit: func(*events.APIGatewayV2HTTPRequest) {},
			check: func(t *testing.T, r *http.Request) {
				expect(t, "method", r.Method, "GET")
				expect(t, "path", r.URL.Path, "/api/auth/session")
				expect(t, "RequestURI", r.RequestURI, "/api/auth/session")
				expect(t, "host", r.Host, "gp.example")
				expect(t, "host header", r.Header.Get("Host"), "")
				expect(t, "accept", r.Header.Get("Accept"), "application/json")
				expect(t, "user agent", r.UserAgent(), "curl/8.5.0")
				expect(t, "remote addr", r.RemoteAddr, "203.0.113.9")
				expect(t, "client ip", httpapi.ClientIP(r), "203.0.113.9")
				expect(t, "proto", r.Proto, "HTTP/1.1")
				expect(t, "cookie", r.Header.Get("Cookie"), "")
				if r.ContentLength != 0 || r.Body != http.NoBody {
					t.Errorf("empty body: ContentLength %d, Body %T", r.ContentLength, r.Body)
				}
				rc, ok := RequestContext(r.Context())
				if !ok || rc.RequestID != "JKJaXmPLvHcESHA=" || rc.APIID != "abc123" {
					t.Errorf("RequestContext = %+v, %v", rc, ok)
				}
			},
		},
		{
			name: "query with encoded characters",
			edit: func(ev *events.APIGatewayV2HTTPRequest) {
				ev.RawQueryString = "q=a%20b%2Bc&x=%26&x=%E2%82%AC&empty="
			},
			check: func(t *testing.T, r *http.Request) {
				expect(t, "raw query", r.URL.RawQuery, "q=a%20b%2Bc&x=%26&x=%E2%82%AC&empty=")
				expect(t, "q", r.URL.Query().Get("q"), "a b+c")
				expect(t, "x", r.URL.Query()["x"], []string{"&", "€"})
				expect(t, "RequestURI", r.RequestURI, "/api/auth/session?q=a%20b%2Bc&x=%26&x=%E2%82%AC&empty=")
			},
		},
		{
			name: "encoded slash kept",
			edit: func(ev *events.APIGatewayV2HTTPRequest) { ev.RawPath = "/api/admin/users/a%2Fb" },
			check: func(t *testing.T, r *http.Request) {
				expect(t, "path", r.URL.Path, "/api/admin/users/a/b")
				expect(t, "escaped", r.URL.EscapedPath(), "/api/admin/users/a%2Fb")
				expect(t, "RequestURI", r.RequestURI, "/api/admin/users/a%2Fb")
			},
		},
		{
			name: "decoded path as real HTTP APIs send it",
			edit: func(ev *events.APIGatewayV2HTTPRequest) {
				ev.RawPath = "/api/a b?c#d/é/100%"
				ev.RawQueryString = "real=1"
			},
			check: func(t *testing.T, r *http.Request) {
				expect(t, "path", r.URL.Path, "/api/a b?c#d/é/100%")
				expect(t, "escaped", r.URL.EscapedPath(), "/api/a%20b%3Fc%23d/%C3%A9/100%25")
				expect(t, "query", r.URL.Query().Get("real"), "1")
			},
		},
		{
			name: "path fallback and leading slash",
			edit: func(ev *events.APIGatewayV2HTTPRequest) {
				ev.RawPath = ""
				ev.RequestContext.HTTP.Path = "api/x"
			},
			check: func(t *testing.T, r *http.Request) { expect(t, "path", r.URL.Path, "/api/x") },
		},
		{
			name: "double slash is a path, not a host",
			edit: func(ev *events.APIGatewayV2HTTPRequest) { ev.RawPath = "//evil.example/x" },
			check: func(t *testing.T, r *http.Request) {
				expect(t, "path", r.URL.Path, "//evil.example/x")
				expect(t, "url host", r.URL.Host, "")
				expect(t, "host", r.Host, "gp.example")
			},
		},
		{
			name: "cookies with = in values",
			edit: func(ev *events.APIGatewayV2HTTPRequest) {
				ev.Cookies = []string{"__Host-gp_session=abc==def=", "theme=dark", "b64=eyJhIjoxfQ=="}
			},
			check: func(t *testing.T, r *http.Request) {
				expect(t, "Cookie", r.Header["Cookie"], []string{"__Host-gp_session=abc==def=; theme=dark; b64=eyJhIjoxfQ=="})
				c, err := r.Cookie("__Host-gp_session")
				if err != nil || c.Value != "abc==def=" {
					t.Errorf("session cookie = %v, %v", c, err)
				}
				if len(r.Cookies()) != 3 {
					t.Errorf("cookies = %v", r.Cookies())
				}
			},
		},
		{
			name: "cookie header and cookies array merged",
			edit: func(ev *events.APIGatewayV2HTTPRequest) {
				ev.Headers["cookie"] = "a=1"
				ev.Cookies = []string{"b=2", ""}
			},
			check: func(t *testing.T, r *http.Request) { expect(t, "Cookie", r.Header["Cookie"], []string{"a=1; b=2"}) },
		},
		{
			name: "repeated headers kept as joined",
			edit: func(ev *events.APIGatewayV2HTTPRequest) {
				ev.Headers["accept-language"] = "de-DE,de;q=0.9,en;q=0.8"
				ev.Headers["x-custom"] = "one,two"
			},
			check: func(t *testing.T, r *http.Request) {
				expect(t, "accept-language", r.Header["Accept-Language"], []string{"de-DE,de;q=0.9,en;q=0.8"})
				expect(t, "x-custom", r.Header["X-Custom"], []string{"one,two"})
			},
		},
		{
			name: "text body",
			edit: func(ev *events.APIGatewayV2HTTPRequest) {
				ev.RequestContext.HTTP.Method = "POST"
				ev.Headers["content-type"] = "application/json"
				ev.Headers["content-length"] = "999"
				ev.Body = `{"username":"jdoe"}`
			},
			check: func(t *testing.T, r *http.Request) {
				expect(t, "body", readAll(t, r.Body), []byte(`{"username":"jdoe"}`))
				expect(t, "content length", r.ContentLength, int64(19))
				expect(t, "content-length header", r.Header.Get("Content-Length"), "19")
			},
		},
		{
			name: "base64 body",
			edit: func(ev *events.APIGatewayV2HTTPRequest) {
				ev.RequestContext.HTTP.Method = "PUT"
				ev.Headers["content-type"] = "application/octet-stream"
				ev.Body = base64.StdEncoding.EncodeToString(binary)
				ev.IsBase64Encoded = true
			},
			check: func(t *testing.T, r *http.Request) {
				expect(t, "body", readAll(t, r.Body), binary)
				expect(t, "content length", r.ContentLength, int64(len(binary)))
			},
		},
		{
			name: "domainName preferred, host header fallback",
			edit: func(ev *events.APIGatewayV2HTTPRequest) {
				ev.RequestContext.DomainName = ""
				ev.Headers["host"] = "fallback.example"
			},
			check: func(t *testing.T, r *http.Request) { expect(t, "host", r.Host, "fallback.example") },
		},
		{
			name: "IPv6 source",
			edit: func(ev *events.APIGatewayV2HTTPRequest) { ev.RequestContext.HTTP.SourceIP = "2001:db8::7" },
			check: func(t *testing.T, r *http.Request) {
				expect(t, "remote addr", r.RemoteAddr, "2001:db8::7")
				expect(t, "client ip", httpapi.ClientIP(r), "2001:db8::7")
			},
		},
		{
			name: "HTTP/2",
			edit: func(ev *events.APIGatewayV2HTTPRequest) { ev.RequestContext.HTTP.Protocol = "HTTP/2.0" },
			check: func(t *testing.T, r *http.Request) {
				if r.ProtoMajor != 2 {
					t.Errorf("proto = %s", r.Proto)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := baseEvent()
			tt.edit(&ev)
			r, err := NewRequest(t.Context(), ev)
			if err != nil {
				t.Fatalf("NewRequest: %v", err)
			}
			tt.check(t, r)
		})
	}
}

func TestNewRequestErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(ev *events.APIGatewayV2HTTPRequest)
	}{
		{"invalid base64", func(ev *events.APIGatewayV2HTTPRequest) { ev.Body, ev.IsBase64Encoded = "not base64!!", true }},
		{"no method", func(ev *events.APIGatewayV2HTTPRequest) { ev.RequestContext.HTTP.Method = "" }},
		{"invalid method", func(ev *events.APIGatewayV2HTTPRequest) { ev.RequestContext.HTTP.Method = "GE T" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := baseEvent()
			tt.edit(&ev)
			if _, err := NewRequest(t.Context(), ev); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestRequestContextAbsent(t *testing.T) {
	if _, ok := RequestContext(t.Context()); ok {
		t.Fatal("no request context expected")
	}
}

func TestEscapeInvalid(t *testing.T) {
	tests := []struct {
		in    string
		query bool
		want  string
	}{
		{"/plain/path", false, "/plain/path"},
		{"/a%2Fb%20c", false, "/a%2Fb%20c"},
		{"/a b", false, "/a%20b"},
		{"/a?b", false, "/a%3Fb"},
		{"a=1&b=?x", true, "a=1&b=?x"},
		{"a=b c#d", true, "a=b%20c%23d"},
		{"/%", false, "/%25"},
		{"/%zz%4", false, "/%25zz%254"},
		{"/é", false, "/%C3%A9"},
		{"/\x00\x7f", false, "/%00%7F"},
		{"/~!$&'()*+,;=:@", false, "/~!$&'()*+,;=:@"},
	}
	for _, tt := range tests {
		if got := escapeInvalid(tt.in, tt.query); got != tt.want {
			t.Errorf("escapeInvalid(%q, %v) = %q, want %q", tt.in, tt.query, got, tt.want)
		}
	}
}

func expect[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if b == nil {
		b = []byte{}
	}
	return bytes.Clone(b)
}
