package apigw

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestResponseWriter(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0x00, 0xff}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    events.APIGatewayV2HTTPResponse
	}{
		{
			name: "json",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write([]byte(`{"name":"Zoë"}`))
			},
			want: events.APIGatewayV2HTTPResponse{StatusCode: 201,
				Headers: map[string]string{"Content-Type": "application/json; charset=utf-8"},
				Body:    `{"name":"Zoë"}`},
		},
		{
			name: "problem json",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"code":"unauthenticated"}`))
			},
			want: events.APIGatewayV2HTTPResponse{StatusCode: 401,
				Headers: map[string]string{"Content-Type": "application/problem+json"},
				Body:    `{"code":"unauthenticated"}`},
		},
		{
			name: "binary body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "image/png")
				_, _ = w.Write(png)
			},
			want: events.APIGatewayV2HTTPResponse{StatusCode: 200,
				Headers: map[string]string{"Content-Type": "image/png"},
				Body:    base64.StdEncoding.EncodeToString(png), IsBase64Encoded: true},
		},
		{
			name: "svg is text",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "image/svg+xml")
				_, _ = w.Write([]byte("<svg/>"))
			},
			want: events.APIGatewayV2HTTPResponse{StatusCode: 200,
				Headers: map[string]string{"Content-Type": "image/svg+xml"}, Body: "<svg/>"},
		},
		{
			name: "invalid utf-8 text goes base64",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = w.Write([]byte{'a', 0xff})
			},
			want: events.APIGatewayV2HTTPResponse{StatusCode: 200,
				Headers: map[string]string{"Content-Type": "text/plain"},
				Body:    base64.StdEncoding.EncodeToString([]byte{'a', 0xff}), IsBase64Encoded: true},
		},
		{
			name: "gzip json goes base64",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "gzip")
				_, _ = w.Write([]byte("{}"))
			},
			want: events.APIGatewayV2HTTPResponse{StatusCode: 200,
				Headers: map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"},
				Body:    base64.StdEncoding.EncodeToString([]byte("{}")), IsBase64Encoded: true},
		},
		{
			name: "cookies and joined headers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.SetCookie(w, &http.Cookie{Name: "__Host-s", Value: "v=1", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
				http.SetCookie(w, &http.Cookie{Name: "old", Value: "", Path: "/", MaxAge: -1})
				w.Header().Add("Vary", "Origin")
				w.Header().Add("Vary", "Cookie")
				w.WriteHeader(http.StatusNoContent)
			},
			want: events.APIGatewayV2HTTPResponse{StatusCode: 204,
				Headers: map[string]string{"Vary": "Origin, Cookie"},
				Cookies: []string{"__Host-s=v=1; Path=/; HttpOnly; Secure; SameSite=Strict", "old=; Path=/; Max-Age=0"}},
		},
		{
			name:    "nothing written",
			handler: func(w http.ResponseWriter, r *http.Request) {},
			want:    events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{}},
		},
		{
			name: "headers after WriteHeader are not sent, second status ignored, 1xx ignored",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusEarlyHints)
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusAccepted)
				w.Header().Set("X-Late", "1")
				w.WriteHeader(http.StatusTeapot)
				_, _ = w.Write([]byte("ok"))
			},
			want: events.APIGatewayV2HTTPResponse{StatusCode: 202,
				Headers: map[string]string{"Content-Type": "text/plain"}, Body: "ok"},
		},
		{
			name: "content type sniffed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte("<html><body>hi</body></html>"))
			},
			want: events.APIGatewayV2HTTPResponse{StatusCode: 200,
				Headers: map[string]string{"Content-Type": "text/html; charset=utf-8"},
				Body:    "<html><body>hi</body></html>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := Handler(tt.handler)(t.Context(), baseEvent())
			if err != nil {
				t.Fatalf("Handler: %v", err)
			}
			expect(t, "response", resp, tt.want)
		})
	}
}

func TestResponseWriterBodyNotAllowed(t *testing.T) {
	for _, status := range []int{http.StatusNoContent, http.StatusNotModified} {
		w := NewResponseWriter()
		w.WriteHeader(status)
		if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrBodyNotAllowed) {
			t.Errorf("%d: Write error = %v, want ErrBodyNotAllowed", status, err)
		}
		if resp := w.Response(); resp.Body != "" {
			t.Errorf("%d: body = %q", status, resp.Body)
		}
	}
}

func TestResponseWriterInvalidStatusPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("want a panic")
		}
	}()
	NewResponseWriter().WriteHeader(42)
}

func TestHandlerHeadDropsBody(t *testing.T) {
	ev := baseEvent()
	ev.RequestContext.HTTP.Method = http.MethodHead
	resp, err := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"a":1}`))
	}))(t.Context(), ev)
	if err != nil || resp.Body != "" || resp.StatusCode != 200 {
		t.Fatalf("got %+v, %v", resp, err)
	}
}

func TestHandlerConversionErrorIs400(t *testing.T) {
	ev := baseEvent()
	ev.Body, ev.IsBase64Encoded = "%%%not-base64", true
	called := false
	resp, err := Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))(t.Context(), ev)
	if err != nil {
		t.Fatalf("want a response, not a Lambda error: %v", err)
	}
	if called {
		t.Error("handler ran for an unreadable event")
	}
	if resp.StatusCode != 400 || resp.Headers["Content-Type"] != "application/problem+json" || resp.IsBase64Encoded {
		t.Fatalf("got %+v", resp)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body["code"] != "invalid_request" {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
	if strings.Contains(resp.Body, "not-base64") {
		t.Errorf("body echoes the request: %s", resp.Body)
	}
	if resp.Headers["Cache-Control"] != "no-store" {
		t.Errorf("Cache-Control = %q", resp.Headers["Cache-Control"])
	}
}

func TestIsTextual(t *testing.T) {
	tests := []struct {
		contentType, encoding string
		want                  bool
	}{
		{"text/plain", "", true},
		{"text/html; charset=utf-8", "", true},
		{"application/json", "", true},
		{"Application/JSON; charset=UTF-8", "", true},
		{"application/problem+json", "", true},
		{"application/javascript", "", true},
		{"application/xml", "", true},
		{"image/svg+xml", "", true},
		{"application/x-www-form-urlencoded", "", true},
		{"application/json", "identity", true},
		{"application/json", "gzip", false},
		{"image/png", "", false},
		{"application/octet-stream", "", false},
		{"multipart/form-data; boundary=x", "", false},
		{"", "", false},
		{";;", "", false},
	}
	for _, tt := range tests {
		if got := IsTextual(tt.contentType, tt.encoding); got != tt.want {
			t.Errorf("IsTextual(%q, %q) = %v, want %v", tt.contentType, tt.encoding, got, tt.want)
		}
	}
}
