package apigw

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatepass/gatepass/shared/httpapi"
)

// MaxEventBodyBytes is API Gateway's request payload limit (10 MB). NewEvent
// refuses larger bodies.
const MaxEventBodyBytes = 10 << 20

// NewEvent builds the payload format 2.0 event API Gateway would send for r.
// The local stack uses it to play API Gateway. routeKey is the matched route
// ("$default" when empty); now gives time and timeEpoch.
//
//   - headers: lower-case names, repeated headers joined with ",", host from
//     r.Host, Cookie removed and split on ";" into the cookies array (values
//     untouched, "=" inside them included), content-length of the body, and
//     x-forwarded-for/-proto/-port added as API Gateway adds them;
//   - rawPath is r.URL.EscapedPath() (encoded: NewRequest accepts it as well
//     as the decoded form real HTTP APIs send), rawQueryString is
//     r.URL.RawQuery and queryStringParameters its decoded values, repeated
//     keys joined with ",";
//   - body as text when it is valid UTF-8 of a textual content type (see
//     IsTextual), else base64 with isBase64Encoded set;
//   - requestContext: a fresh requestId, domainName r.Host (with its port,
//     unlike AWS, so that a local listener's address survives the round
//     trip), http.sourceIp the host part of r.RemoteAddr, userAgent, and
//     placeholders "local" and "000000000000" for apiId and accountId.
//
// The body is read through a limit: one over MaxEventBodyBytes gives an error
// wrapping *http.MaxBytesError, which the caller answers with 413 (as
// httpapi.WriteError does).
func NewEvent(r *http.Request, routeKey string, now time.Time) (events.APIGatewayV2HTTPRequest, error) {
	body, err := readLimited(r)
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}
	if routeKey == "" {
		routeKey = "$default"
	}
	sourceIP := httpapi.ClientIP(r)

	headers := make(map[string]string, len(r.Header)+4)
	var cookies []string
	for _, name := range slices.Sorted(maps.Keys(r.Header)) {
		lower := strings.ToLower(name)
		values := r.Header[name]
		if lower == "cookie" {
			cookies = append(cookies, splitCookies(values)...)
			continue
		}
		if len(values) == 0 {
			continue
		}
		joined := strings.Join(values, ",")
		if prev, ok := headers[lower]; ok {
			joined = prev + "," + joined
		}
		headers[lower] = joined
	}
	if r.Host != "" {
		headers["host"] = r.Host
	}
	delete(headers, "transfer-encoding")
	if len(body) > 0 {
		headers["content-length"] = strconv.Itoa(len(body))
	} else {
		delete(headers, "content-length")
	}
	if prev := headers["x-forwarded-for"]; prev != "" {
		headers["x-forwarded-for"] = prev + ", " + sourceIP
	} else if sourceIP != "" {
		headers["x-forwarded-for"] = sourceIP
	}
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if _, p, err := net.SplitHostPort(r.Host); err == nil && p != "" {
		port = p
	}
	headers["x-forwarded-proto"] = proto
	headers["x-forwarded-port"] = port

	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              routeKey,
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: queryParameters(r.URL.RawQuery),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     routeKey,
			AccountID:    "000000000000",
			Stage:        "$default",
			RequestID:    newEventRequestID(),
			APIID:        "local",
			DomainName:   r.Host,
			DomainPrefix: domainPrefix(r.Host),
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.EscapedPath(),
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	switch {
	case len(body) == 0:
	case IsTextual(r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding")) && utf8.Valid(body):
		ev.Body = string(body)
	default:
		ev.Body = base64.StdEncoding.EncodeToString(body)
		ev.IsBase64Encoded = true
	}
	return ev, nil
}

// readLimited reads r's body, refusing more than MaxEventBodyBytes.
func readLimited(r *http.Request) ([]byte, error) {
	tooLarge := &http.MaxBytesError{Limit: MaxEventBodyBytes}
	if r.ContentLength > MaxEventBodyBytes {
		return nil, fmt.Errorf("apigw: request body: %w", tooLarge)
	}
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxEventBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("apigw: read request body: %w", err)
	}
	if len(body) > MaxEventBodyBytes {
		return nil, fmt.Errorf("apigw: request body: %w", tooLarge)
	}
	return body, nil
}

// splitCookies splits Cookie header values into "name=value" pairs.
func splitCookies(values []string) []string {
	var cookies []string
	for _, v := range values {
		for c := range strings.SplitSeq(v, ";") {
			if c = strings.TrimSpace(c); c != "" {
				cookies = append(cookies, c)
			}
		}
	}
	return cookies
}

// queryParameters decodes a raw query as API Gateway does for
// queryStringParameters: repeated keys joined with ",". nil when empty.
func queryParameters(rawQuery string) map[string]string {
	values, _ := url.ParseQuery(rawQuery) // keeps what parsed, like API Gateway
	if len(values) == 0 {
		return nil
	}
	params := make(map[string]string, len(values))
	for k, v := range values {
		params[k] = strings.Join(v, ",")
	}
	return params
}

// domainPrefix is the first label of host, without any port.
func domainPrefix(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	prefix, _, _ := strings.Cut(host, ".")
	return prefix
}

// newEventRequestID returns an id shaped like API Gateway's
// ("JKJaXmPLvHcESHA="): 10 random bytes in standard base64.
func newEventRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return base64.StdEncoding.EncodeToString(b[:])
}

// WriteResponse writes resp to w as API Gateway would: status (200 when
// zero), each header as one (comma-joined) value, each entry of Cookies as
// its own Set-Cookie header, and the body, base64-decoded when
// IsBase64Encoded. multiValueHeaders is not part of payload format 2.0 and is
// ignored. An invalid base64 body is reported before anything is written.
func WriteResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) error {
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		decoded, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return fmt.Errorf("apigw: decode base64 response body: %w", err)
		}
		body = decoded
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	h := w.Header()
	for _, name := range slices.Sorted(maps.Keys(resp.Headers)) {
		if http.CanonicalHeaderKey(name) == "Set-Cookie" {
			h.Add("Set-Cookie", resp.Headers[name])
			continue
		}
		h.Set(name, resp.Headers[name])
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	if !bodyAllowed(status) {
		h.Del("Content-Length")
		w.WriteHeader(status)
		return nil
	}
	if len(body) > 0 || h.Get("Content-Length") == "" {
		// An empty body with a declared length is a HEAD response: keep it.
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("apigw: write response body: %w", err)
	}
	return nil
}
