// Package apigw converts between API Gateway HTTP API Lambda proxy events
// (payload format 2.0) and net/http, in both directions:
//
//   - NewRequest and Handler run a plain http.Handler inside Lambda;
//   - NewEvent and WriteResponse let the local stack play API Gateway on a
//     laptop, so that the same conversion code is exercised there.
//
// Payload format 2.0 as API Gateway sends it: header names are lower case and
// repeated headers are joined with commas; cookies come in the "cookies" array
// and not as a Cookie header; the body is base64-encoded when
// isBase64Encoded is set; requestContext.http.sourceIp is the address of the
// TCP peer API Gateway saw. In the response, headers are a map of single
// (comma-joined) values and every Set-Cookie is an entry of "cookies".
package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// requestContextKey is the context key of the event's request context.
type requestContextKey struct{}

// RequestContext returns the API Gateway request context of the event a
// request was made from by NewRequest, so that an authorizer or a logger can
// read it (request id, stage, authorizer claims, …).
func RequestContext(ctx context.Context) (events.APIGatewayV2HTTPRequestContext, bool) {
	rc, ok := ctx.Value(requestContextKey{}).(events.APIGatewayV2HTTPRequestContext)
	return rc, ok
}

// NewRequest builds the *http.Request that ev describes, as net/http's
// server would have built it:
//   - Method from requestContext.http.method;
//   - URL and RequestURI from rawPath (else requestContext.http.path) and
//     rawQueryString. API Gateway HTTP APIs deliver rawPath percent-decoded,
//     while NewEvent delivers it encoded: characters that can never appear
//     literally in an encoded path or query (space, "?" and "#" in the path,
//     controls, non-ASCII, a "%" not followed by two hex digits) are
//     escaped, valid escapes such as %2F are kept;
//   - Host from requestContext.domainName, else the host header;
//   - Header from headers, names canonicalised, values kept as sent (not
//     split on commas); the cookies array (after any cookie header) becomes
//     one Cookie header joined with "; "; Content-Length is the body's;
//   - Body base64-decoded when isBase64Encoded, ContentLength set;
//   - RemoteAddr is requestContext.http.sourceIp exactly as given (no port);
//   - the context is ctx plus ev.RequestContext (see RequestContext).
//
// It fails on a missing or invalid method and on an invalid base64 body.
func NewRequest(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		decoded, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, fmt.Errorf("apigw: decode base64 body: %w", err)
		}
		body = decoded
	}

	method := ev.RequestContext.HTTP.Method
	if method == "" {
		return nil, errors.New("apigw: event has no requestContext.http.method")
	}
	ctx = context.WithValue(ctx, requestContextKey{}, ev.RequestContext)
	r, err := http.NewRequestWithContext(ctx, method, "/", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("apigw: build request: %w", err)
	}

	rawPath := ev.RawPath
	if rawPath == "" {
		rawPath = ev.RequestContext.HTTP.Path
	}
	if !strings.HasPrefix(rawPath, "/") {
		rawPath = "/" + rawPath
	}
	escapedPath := escapeInvalid(rawPath, false)
	decodedPath, err := url.PathUnescape(escapedPath)
	if err != nil { // unreachable: escapeInvalid leaves only valid escapes
		return nil, fmt.Errorf("apigw: decode path: %w", err)
	}
	rawQuery := escapeInvalid(ev.RawQueryString, true)
	r.URL = &url.URL{Path: decodedPath, RawPath: escapedPath, RawQuery: rawQuery}
	r.RequestURI = escapedPath
	if rawQuery != "" {
		r.RequestURI += "?" + rawQuery
	}

	if proto := ev.RequestContext.HTTP.Protocol; proto != "" {
		if major, minor, ok := http.ParseHTTPVersion(proto); ok {
			r.Proto, r.ProtoMajor, r.ProtoMinor = proto, major, minor
		}
	}

	var hostHeader string
	r.Header, hostHeader = requestHeader(ev.Headers, ev.Cookies)
	if len(body) > 0 || r.Header.Get("Content-Length") != "" {
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	r.Host = ev.RequestContext.DomainName
	if r.Host == "" {
		r.Host = hostHeader
	}
	r.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	return r, nil
}

// requestHeader turns the event's header map and cookies array into an
// http.Header, returning the host header apart as net/http does.
// Names are visited in sorted order so that names differing only in case
// (impossible from API Gateway, possible in hand-written events) merge
// deterministically.
func requestHeader(headers map[string]string, cookies []string) (http.Header, string) {
	h := make(http.Header, len(headers)+1)
	var host string
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		value := headers[name]
		switch key := http.CanonicalHeaderKey(name); key {
		case "Host":
			host = value
		case "Transfer-Encoding": // the body is already complete
		default:
			h[key] = append(h[key], value)
		}
	}
	var crumbs []string
	for _, c := range append(h.Values("Cookie"), cookies...) {
		if c = strings.TrimSpace(c); c != "" {
			crumbs = append(crumbs, c)
		}
	}
	h.Del("Cookie")
	if len(crumbs) > 0 {
		h.Set("Cookie", strings.Join(crumbs, "; "))
	}
	return h, host
}

// escapeInvalid percent-encodes every byte of s that may not appear literally
// in an encoded path (or, when query is set, query), keeping valid %XX
// escapes as they are: an encoded string comes back unchanged and a decoded
// one comes back encoded enough to parse (RFC 3986 §3.3, §3.4).
func escapeInvalid(s string, query bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteString(s[i : i+3])
			i += 2
			continue
		case allowedLiterally(c, query):
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0x0f])
	}
	return b.String()
}

// allowedLiterally reports whether c is a pchar other than "%" or "/"
// (or, in a query, also "?").
func allowedLiterally(c byte, query bool) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', // unreserved
		'!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', // sub-delims
		':', '@', '/':
		return true
	case '?':
		return query
	}
	return false
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}
