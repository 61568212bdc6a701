// Package breached checks a new password against a breached-password corpus
// through a k-anonymity range query, the protocol of Have I Been Pwned's
// Pwned Passwords (API.md "Parameters", passwordPolicy.blockBreached;
// SECURITY.md "Accounts and passwords").
//
// Only the first 5 hex characters of the password's SHA-1 leave the process:
// [Client] asks GET <base URL><prefix> with "Add-Padding: true", and the
// range service answers every suffix it knows under that prefix, plus
// padding lines with a count of 0, so that neither the service nor anyone
// watching learns the password or whether it matched. [Client.Breached] is
// what the password policy calls: it fails open, so a slow or broken service
// never blocks setting a password; that is logged and counted instead.
//
// [RangeHandler] serves the same protocol from a list of passwords (the
// common-password list of package policy), so the option works in the local
// stack, offline.
//
// Nothing in this package logs or puts in an error the password, its hash or
// its prefix.
package breached

import (
	"context"
	"crypto/sha1" // the range protocol's hash; not used for anything secret
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/metrics"
)

// DefaultTimeout bounds one range query when Config.Timeout is zero. It fits
// in the budget of the requests that set a password (reset, change, forced
// change, invitation, admin set): a password is hashed afterwards, so the
// query may take up to this long on top.
const DefaultTimeout = time.Second

// Bounds of a range response. Pwned Passwords answers about 1,000 lines of
// about 40 bytes (padding included); anything much larger is not a range
// response and is refused before it costs memory or time.
const (
	// MaxBodyBytes is the largest response body read.
	MaxBodyBytes = 1 << 20
	// MaxLines is the most lines a response may have.
	MaxLines = 10_000
)

// PrefixLen is the number of hex characters of the SHA-1 sent to the range
// service; SuffixLen the number of the rest, which each response line
// starts with.
const (
	PrefixLen = 5
	SuffixLen = 2*sha1.Size - PrefixLen
)

// UnavailableMetric is the CloudWatch metric (namespace metrics.Namespace,
// an EMF line in the log) that counts the checks [Client.Breached] could not
// make and let pass. Its one dimension is UnavailableMetricDimension, whose
// value is the tenant.
const (
	UnavailableMetric          = "BreachedCheckUnavailable"
	UnavailableMetricDimension = "Tenant"
)

// Errors of [Client.Check], one per class of failure. Each error Check
// returns wraps exactly one of them, and possibly its cause; none holds the
// password, its hash, its prefix or the request URL.
var (
	// ErrTimeout means the query did not complete within the timeout or
	// the caller's deadline.
	ErrTimeout = errors.New("breached: range query timed out")
	// ErrCanceled means the caller's context was canceled.
	ErrCanceled = errors.New("breached: range query canceled")
	// ErrUnreachable means the request failed before a response: DNS,
	// connection, TLS.
	ErrUnreachable = errors.New("breached: range service unreachable")
	// ErrStatus means the service answered a status other than 200
	// (redirects are not followed).
	ErrStatus = errors.New("breached: range service answered status")
	// ErrMalformed means the body is not a range response.
	ErrMalformed = errors.New("breached: malformed range response")
	// ErrOversized means the body is over MaxBodyBytes or MaxLines.
	ErrOversized = errors.New("breached: range response too large")
)

// Config configures a [Client].
type Config struct {
	// BaseURL is the range endpoint the prefix is appended to, ending in
	// "/": "https://api.pwnedpasswords.com/range/", or the local
	// RangeHandler's. http or https, no user info, query or fragment.
	BaseURL string
	// Timeout bounds one query, response body included; zero means
	// DefaultTimeout. The caller's context deadline applies too.
	Timeout time.Duration
	// HTTPClient makes the requests; nil uses a client on
	// http.DefaultTransport. The Client uses a copy that does not follow
	// redirects (a redirect is ErrStatus). Tests pass one with their own
	// Transport.
	HTTPClient *http.Client
	// Clock timestamps the UnavailableMetric lines.
	Clock clock.Clock
	// Logger receives Breached's warnings and metric lines.
	Logger *slog.Logger
	// Tenant is the value of UnavailableMetric's dimension.
	Tenant string
}

// Client queries a range service. Build it once with [New] and share it: it
// is immutable and safe for concurrent use.
type Client struct {
	base    string
	timeout time.Duration
	http    *http.Client
	clock   clock.Clock
	logger  *slog.Logger
	tenant  string
}

// New returns a Client for cfg, or an error naming what is wrong with it.
func New(cfg Config) (*Client, error) {
	if err := checkBaseURL(cfg.BaseURL); err != nil {
		return nil, err
	}
	switch {
	case cfg.Timeout < 0:
		return nil, errors.New("breached: negative timeout")
	case cfg.Clock == nil:
		return nil, errors.New("breached: no clock")
	case cfg.Logger == nil:
		return nil, errors.New("breached: no logger")
	case cfg.Tenant == "":
		return nil, errors.New("breached: no tenant")
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		*hc = *cfg.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{base: cfg.BaseURL, timeout: timeout, http: hc, clock: cfg.Clock,
		logger: cfg.Logger, tenant: cfg.Tenant}, nil
}

// checkBaseURL reports what is wrong with a base URL; the error does not
// repeat it, as it might hold credentials.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case s == "":
		return errors.New("breached: no base URL")
	case err != nil:
		return errors.New("breached: base URL does not parse")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("breached: base URL is not http or https")
	case u.Host == "":
		return errors.New("breached: base URL has no host")
	case u.User != nil:
		return errors.New("breached: base URL has user info")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(s, "?#"):
		return errors.New("breached: base URL has a query or a fragment")
	case !strings.HasSuffix(u.Path, "/"):
		return errors.New(`breached: base URL does not end in "/"`)
	}
	return nil
}

// Breached reports whether password is in the breached-password corpus. It
// fails open: when the query fails for any reason (timeout, cancellation,
// unreachable service, a status other than 200, a malformed or oversized
// body) it returns false, logs one warning naming only the class of the
// failure ("timeout", "status 503", "malformed", ...) and counts one
// UnavailableMetric. The caller refuses the password (violation "breached")
// only on true.
func (c *Client) Breached(ctx context.Context, password string) bool {
	found, class, err := c.query(ctx, password)
	if err != nil {
		c.logger.LogAttrs(ctx, slog.LevelWarn, "breached-password check unavailable; password accepted",
			slog.String("error", class))
		metrics.Count(ctx, c.logger, c.clock.Now(), UnavailableMetric, UnavailableMetricDimension, c.tenant)
		return false
	}
	return found
}

// Check queries the range service for password's SHA-1 prefix and reports
// whether the response lists its suffix with a count above 0; lines with a
// count of 0 are padding. On failure it returns false and an error wrapping
// one of ErrTimeout, ErrCanceled, ErrUnreachable, ErrStatus, ErrMalformed
// and ErrOversized. It logs nothing. The password is hashed exactly as
// received (its UTF-8 bytes).
func (c *Client) Check(ctx context.Context, password string) (bool, error) {
	found, _, err := c.query(ctx, password)
	return found, err
}

// query is Check, with the class of a failure for the log.
func (c *Client) query(ctx context.Context, password string) (found bool, class string, err error) {
	hash := upperHex(sha1.Sum([]byte(password)))
	prefix, suffix := hash[:PrefixLen], hash[PrefixLen:]

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+prefix, nil)
	if err != nil {
		return transportFailure(ctx, prefix, err)
	}
	req.Header.Set("Add-Padding", "true")
	req.Header.Set("User-Agent", "gatepass")
	resp, err := c.http.Do(req)
	if err != nil {
		return transportFailure(ctx, prefix, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// A little of the body, so that the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return false, "status " + strconv.Itoa(resp.StatusCode), fmt.Errorf("%w %d", ErrStatus, resp.StatusCode)
	}
	if resp.ContentLength > MaxBodyBytes {
		return false, "oversized", fmt.Errorf("%w: Content-Length over %d bytes", ErrOversized, MaxBodyBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	if err != nil {
		return transportFailure(ctx, prefix, err)
	}
	if len(body) > MaxBodyBytes {
		return false, "oversized", fmt.Errorf("%w: body over %d bytes", ErrOversized, MaxBodyBytes)
	}
	found, err = match(body, suffix)
	switch {
	case errors.Is(err, ErrOversized):
		return false, "oversized", err
	case err != nil:
		return false, "malformed", err
	}
	return found, "", nil
}

// transportFailure classifies a failed request or body read. It drops the
// *url.Error around err, whose message repeats the URL and so the prefix;
// should what is left still mention the prefix (a custom RoundTripper), it
// drops the cause altogether.
func transportFailure(ctx context.Context, prefix string, err error) (bool, string, error) {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	class, kind := "unreachable", ErrUnreachable
	var te interface{ Timeout() bool }
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		class, kind = "canceled", ErrCanceled
	case ctx.Err() != nil, errors.Is(err, context.DeadlineExceeded), errors.As(err, &te) && te.Timeout():
		class, kind = "timeout", ErrTimeout
	}
	if err == nil || strings.Contains(strings.ToUpper(err.Error()), prefix) {
		return false, class, kind
	}
	return false, class, fmt.Errorf("%w: %w", kind, err)
}

// match parses a range response — lines "SUFFIX:COUNT", SUFFIX being
// SuffixLen hex digits of either case, COUNT a decimal count, separated by
// CRLF or LF, the last one optionally terminated — and reports whether it
// lists suffix with a count above 0. Every line is checked, so a malformed
// body is an error even after a match. An empty body is malformed: the
// client asks for padding, and padding is never empty.
func match(body []byte, suffix string) (bool, error) {
	if len(body) == 0 {
		return false, fmt.Errorf("%w: empty body", ErrMalformed)
	}
	found := false
	rest := string(body)
	for n := 1; rest != ""; n++ {
		if n > MaxLines {
			return false, fmt.Errorf("%w: over %d lines", ErrOversized, MaxLines)
		}
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = strings.TrimSuffix(line, "\r")
		s, count, ok := strings.Cut(line, ":")
		if !ok || len(s) != SuffixLen || !isHex(s) {
			return false, fmt.Errorf("%w: line %d: want %d hex digits, a colon and a count", ErrMalformed, n, SuffixLen)
		}
		c, err := strconv.ParseUint(count, 10, 64)
		if err != nil {
			// The cause without the text it quotes.
			if ne, ok := errors.AsType[*strconv.NumError](err); ok {
				err = ne.Err
			}
			return false, fmt.Errorf("%w: line %d: count: %w", ErrMalformed, n, err)
		}
		if c > 0 && strings.EqualFold(s, suffix) {
			found = true
		}
	}
	return found, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if _, ok := hexValue(s[i]); !ok {
			return false
		}
	}
	return true
}

// hexValue is the value of the hex digit b, of either case.
func hexValue(b byte) (uint32, bool) {
	switch {
	case '0' <= b && b <= '9':
		return uint32(b - '0'), true
	case 'a' <= b && b <= 'f':
		return uint32(b - 'a' + 10), true
	case 'A' <= b && b <= 'F':
		return uint32(b - 'A' + 10), true
	}
	return 0, false
}

// upperHex is h in upper-case hex, as the range protocol writes hashes.
func upperHex(h [sha1.Size]byte) string {
	const digits = "0123456789ABCDEF"
	var b [2 * sha1.Size]byte
	for i, v := range h {
		b[2*i], b[2*i+1] = digits[v>>4], digits[v&0x0f]
	}
	return string(b[:])
}
