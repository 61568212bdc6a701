package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gatepass/gatepass/shared/metrics"
)

// RequestIDHeader carries the request id on requests and responses.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLength bounds a client-supplied request id.
const maxRequestIDLength = 128

// Config configures Chain.
type Config struct {
	// PublicURL is the deployment's public URL (e.g.
	// "https://backoffice.example.com"); any path is ignored. Its origin is
	// the only Origin accepted on state-changing requests, and an https
	// scheme turns on Strict-Transport-Security. Required.
	PublicURL string
	// Logger receives the access log and error logs. nil means
	// slog.Default().
	Logger *slog.Logger
	// Admit, when set, decides whether a request may go on at all. It runs
	// on every request once the security headers and the request id are in
	// place (so a refusal looks like every other response and is logged
	// like one), before the CSRF checks and before the handler: a refused
	// request reaches nothing else. It returns the request the rest of the
	// chain sees, or the problem to answer instead. The origin check
	// (package origin) is the one Gatepass's functions use. nil admits
	// every request as it is.
	Admit func(*http.Request) (*http.Request, *Problem)
	// Tenant is the value of ServerErrorsMetric's dimension.
	Tenant string
}

// ServerErrorsMetric counts the responses with a 5xx status (namespace
// metrics.Namespace, dimension ServerErrorsDimension = the tenant, and the
// aggregate across tenants): an API that answers 500 for a failing store
// has no Lambda error to alarm on.
const (
	ServerErrorsMetric    = "ServerErrors"
	ServerErrorsDimension = "Tenant"
)

// chain is the handler built by Chain.
type chain struct {
	next   http.Handler
	admit  func(*http.Request) (*http.Request, *Problem)
	tenant string
	logger *slog.Logger
	origin string // lower-case scheme://host[:port], default port removed
	https  bool
}

// Chain wraps h with the middleware every Gatepass API handler runs behind,
// outermost first:
//   - security headers on every response, set before h runs (Cache-Control:
//     no-store, Referrer-Policy, nosniff, X-Frame-Options, a JSON-only CSP,
//     and HSTS when PublicURL is https);
//   - a request id: the client's X-Request-Id when valid (1–128 characters
//     of [A-Za-z0-9._:-]), else a new random one, echoed on the response and
//     available through RequestID and Logger;
//   - one access log line per request (method, path without query,
//     client_ip — the admitted client's, else the source address — status,
//     duration_ms, request_id), never bodies, cookies or credentials;
//   - panic recovery: a 500 internal problem, the panic logged;
//   - Config.Admit, when set: a refused request gets its problem and goes
//     no further;
//   - CSRF checks on every method but GET, HEAD and OPTIONS (deny by
//     default, so POST, PUT, PATCH, DELETE and any other): an Origin header,
//     when present, must be the public origin (else 403 forbidden; "null"
//     is refused), and Content-Type must be application/json (else 415).
//
// It returns an error when PublicURL is not an absolute http(s) URL.
func Chain(h http.Handler, cfg Config) (http.Handler, error) {
	if h == nil {
		return nil, errors.New("httpapi: Chain needs a handler")
	}
	origin, https, err := publicOrigin(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return &chain{next: h, admit: cfg.Admit, tenant: cfg.Tenant, logger: logger, origin: origin, https: https}, nil
}

// publicOrigin returns the RFC 6454 serialisation of the public URL's origin
// as browsers send it in Origin: lower-case scheme and host, no default port.
func publicOrigin(raw string) (origin string, https bool, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		// *url.Error quotes the input; keep only the reason.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return "", false, fmt.Errorf("httpapi: parse public URL: %w", err)
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "https" && scheme != "http") || u.Hostname() == "" || u.User != nil {
		return "", false, errors.New("httpapi: public URL must be an absolute http or https URL without user info")
	}
	host := strings.ToLower(u.Host)
	if port := u.Port(); (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		host = strings.TrimSuffix(host, ":"+port)
	}
	return scheme + "://" + host, scheme == "https", nil
}

// ServeHTTP implements http.Handler.
func (c *chain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get(RequestIDHeader)
	if !validRequestID(id) {
		id = newRequestID()
	}
	c.setResponseHeaders(w.Header(), id)

	logger := c.logger.With(slog.String("request_id", id))
	r = r.WithContext(context.WithValue(r.Context(), requestKey{}, &requestInfo{id: id, logger: logger}))
	method, path := r.Method, r.URL.Path
	// The client address as far as it is known: the source address, until
	// the edge's check admits the request and names the client.
	client := ClientIP(r)
	sw := &statusWriter{ResponseWriter: w}

	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				c.logAccess(r.Context(), logger, method, path, client, sw.statusOr(http.StatusOK), start)
				panic(v)
			}
			logger.Error("panic while serving request",
				slog.String("method", method), slog.String("path", path),
				slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
			if !sw.wroteHeader {
				// Drop whatever the handler set (cookies included) before answering.
				clear(w.Header())
				c.setResponseHeaders(w.Header(), id)
				WriteProblem(sw, r, Internal())
			}
		}
		c.logAccess(r.Context(), logger, method, path, client, sw.statusOr(http.StatusOK), start)
	}()

	if c.admit != nil {
		admitted, problem := c.admit(r)
		if problem != nil {
			WriteProblem(sw, r, problem)
			return
		}
		if admitted != nil {
			r = admitted
			client = ClientIP(r)
		}
	}
	if problem := c.checkStateChanging(r); problem != nil {
		WriteProblem(sw, r, problem)
		return
	}
	c.next.ServeHTTP(sw, r)
}

func (c *chain) logAccess(ctx context.Context, logger *slog.Logger, method, path, client string, status int, start time.Time) {
	logger.LogAttrs(ctx, slog.LevelInfo, "http request",
		slog.String("method", method),
		slog.String("path", path),
		slog.String("client_ip", client),
		slog.Int("status", status),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()))
	if status >= http.StatusInternalServerError {
		metrics.Count(ctx, logger, time.Now(), ServerErrorsMetric, ServerErrorsDimension, c.tenant)
	}
}

// setResponseHeaders sets the security headers and the request id.
func (c *chain) setResponseHeaders(h http.Header, id string) {
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	if c.https {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	h.Set(RequestIDHeader, id)
}

// checkStateChanging applies the CSRF rules of API.md "Conventions" and
// SECURITY.md "Sessions and authorization" to every method that may change
// state. The Origin check comes first: a cross-site request is refused
// whatever it carries.
func (c *chain) checkStateChanging(r *http.Request) *Problem {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if origins, present := r.Header["Origin"]; present {
		if len(origins) != 1 || strings.ToLower(origins[0]) != c.origin {
			return Forbidden()
		}
	}
	if !IsJSONContentType(r.Header.Get("Content-Type")) {
		return UnsupportedMediaType()
	}
	return nil
}

// validRequestID reports whether id is 1–128 characters of [A-Za-z0-9._:-].
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLength {
		return false
	}
	for i := range len(id) {
		switch b := id[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9',
			b == '.', b == '_', b == ':', b == '-':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns 128 random bits as 32 hex digits.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// requestKey is the context key of *requestInfo.
type requestKey struct{}

// requestInfo is what Chain stores in the request context.
type requestInfo struct {
	id     string
	logger *slog.Logger
}

// RequestID returns the id of the request ctx belongs to, or "" outside
// Chain.
func RequestID(ctx context.Context) string {
	if info, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		return info.id
	}
	return ""
}

// Logger returns the configured logger enriched with the request id of the
// request ctx belongs to, or slog.Default() outside Chain.
func Logger(ctx context.Context) *slog.Logger {
	if info, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		return info.logger
	}
	return slog.Default()
}

// statusWriter records the status sent through it.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

// WriteHeader records the first final status and forwards it.
func (s *statusWriter) WriteHeader(code int) {
	if !s.wroteHeader && code >= 200 {
		s.status = code
		s.wroteHeader = true
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write forwards to the wrapped writer, which sends 200 first if needed.
func (s *statusWriter) Write(b []byte) (int, error) {
	if !s.wroteHeader {
		s.status = http.StatusOK
		s.wroteHeader = true
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// statusOr returns the recorded status, or def when nothing was written.
func (s *statusWriter) statusOr(def int) int {
	if s.wroteHeader {
		return s.status
	}
	return def
}
