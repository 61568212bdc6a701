package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatepass/gatepass/shared/httpapi"
)

// LambdaHandler is the function signature lambda.Start accepts for an API
// Gateway HTTP API (payload format 2.0) integration.
type LambdaHandler = func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Handler adapts h to lambda.Start: each event is converted with NewRequest,
// served by h into a ResponseWriter, and returned as its Response. The body
// of a HEAD response is dropped, as net/http's server does.
//
// An event that cannot be converted (e.g. an invalid base64 body) is answered
// with a 400 invalid_request problem, not a Lambda error, and logged through
// slog.Default without any body. Handler never returns an error; a panic in h
// is h's to recover (httpapi.Chain does).
func Handler(h http.Handler) LambdaHandler {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		w := NewResponseWriter()
		r, err := NewRequest(ctx, ev)
		if err != nil {
			slog.Default().WarnContext(ctx, "apigw: cannot convert event",
				slog.String("aws_request_id", ev.RequestContext.RequestID),
				slog.String("error", err.Error()))
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			httpapi.WriteProblem(w, nil, httpapi.InvalidRequest("The request could not be read."))
			return w.Response(), nil
		}
		h.ServeHTTP(w, r)
		if r.Method == http.MethodHead {
			w.body.Reset()
		}
		return w.Response(), nil
	}
}

// ResponseWriter is an http.ResponseWriter that buffers a response and turns
// it into an API Gateway payload 2.0 response. It follows net/http's rules:
// headers are fixed at WriteHeader (or the first Write), the first final
// status wins, 1xx statuses are ignored, the status defaults to 200, a body
// written for 204 or 304 is refused with http.ErrBodyNotAllowed, and a
// missing Content-Type is sniffed from the body. The zero value is not
// usable; call NewResponseWriter.
type ResponseWriter struct {
	header  http.Header
	sent    http.Header // snapshot taken when the status was written
	status  int
	body    bytes.Buffer
	written bool
}

// NewResponseWriter returns an empty ResponseWriter.
func NewResponseWriter() *ResponseWriter {
	return &ResponseWriter{header: make(http.Header)}
}

// Header returns the header map that WriteHeader will send.
func (w *ResponseWriter) Header() http.Header { return w.header }

// WriteHeader records the status code and freezes the headers. Like
// net/http, it panics on a code outside 100–999.
func (w *ResponseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("apigw: invalid WriteHeader code %v", code))
	}
	if w.written || code < 200 {
		return
	}
	w.status = code
	w.written = true
	w.sent = w.header.Clone()
}

// Write buffers b, sending a 200 status first if none was written.
func (w *ResponseWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	return w.body.Write(b)
}

// bodyAllowed reports whether a response with status may carry a body
// (RFC 9110 §6.4.1).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// Response returns the buffered response as API Gateway expects it: status
// (200 when nothing was written), each header's values joined with ", ",
// every Set-Cookie in Cookies, and the body as text when it is valid UTF-8
// of a textual content type, else base64 with IsBase64Encoded set.
func (w *ResponseWriter) Response() events.APIGatewayV2HTTPResponse {
	status, sent := w.status, w.sent
	if !w.written {
		status, sent = http.StatusOK, w.header.Clone()
	}
	body := w.body.Bytes()
	if _, hasType := sent["Content-Type"]; !hasType && len(body) > 0 {
		sent.Set("Content-Type", http.DetectContentType(body))
	}

	resp := events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: make(map[string]string, len(sent))}
	for name, values := range sent {
		if http.CanonicalHeaderKey(name) == "Set-Cookie" {
			resp.Cookies = append(resp.Cookies, values...)
			continue
		}
		if len(values) > 0 {
			resp.Headers[name] = strings.Join(values, ", ")
		}
	}
	switch {
	case len(body) == 0:
	case IsTextual(sent.Get("Content-Type"), sent.Get("Content-Encoding")) && utf8.Valid(body):
		resp.Body = string(body)
	default:
		resp.Body = base64.StdEncoding.EncodeToString(body)
		resp.IsBase64Encoded = true
	}
	return resp
}

// IsTextual reports whether a body with this Content-Type and
// Content-Encoding can travel as text in an API Gateway payload: text/*,
// JSON, XML, JavaScript, form data, and any +json or +xml type (e.g.
// application/problem+json, image/svg+xml), with no content coding. A
// missing or unparseable type is not textual.
func IsTextual(contentType, contentEncoding string) bool {
	if enc := strings.TrimSpace(contentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	if strings.HasPrefix(mediaType, "text/") ||
		strings.HasSuffix(mediaType, "+json") || strings.HasSuffix(mediaType, "+xml") {
		return true
	}
	switch mediaType {
	case "application/json", "application/xml", "application/javascript",
		"application/ecmascript", "application/x-www-form-urlencoded":
		return true
	}
	return false
}
