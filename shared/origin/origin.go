// Package origin makes CloudFront the only way into Gatepass's HTTP
// functions (API.md "The client address", SECURITY.md "Operations").
//
// CloudFront adds the deployment's origin-verification secret to every
// request it forwards to the API, as the origin custom header Header, and
// the viewer's address and port as ViewerAddressHeader. The functions run
// every request through a Verifier (Verifier.Admit, in httpapi.Chain) before
// anything else reads it: a request without the right secret gets 403
// forbidden and reaches no handler and no store; a request with it has the
// secret header removed and its RemoteAddr replaced with the viewer's
// address, which httpapi.ClientIP then reads as before. So per-address
// lockout, audit entries and session records see the person's address and
// not CloudFront's, and calling the API Gateway endpoint directly, around
// CloudFront, gets nowhere.
//
// The secret lives in Secrets Manager in AWS (package awssecret reads it) and
// is a random value per start in the local stack, whose gateway plays
// CloudFront with SetEdgeHeaders. Two values are accepted, the current one
// and the previous one, so that the secret can be rotated without downtime;
// a refused request makes a warm Verifier read the secret again, at most
// once per RefreshInterval, so that it picks up a rotation by itself.
//
// Neither the secret nor the header's value is ever logged or put in an
// error.
package origin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/metrics"
)

// Header is the origin custom header that carries the origin-verification
// secret from CloudFront to the functions. The CDK stack names it in the
// distribution's origin, the local gateway sets it, and the functions strip
// it before any handler sees the request.
const Header = "X-Gatepass-Origin"

// ViewerAddressHeader is the header in which CloudFront sends the viewer's
// address and port ("203.0.113.9:46532"; an IPv6 address without brackets,
// "2001:db8::1:46532"). The distribution's origin request policy must
// forward it. It is trusted only on a request that carries the secret.
const ViewerAddressHeader = "CloudFront-Viewer-Address"

// RefreshInterval is how often, at most, a refused request makes a Verifier
// read the secret again.
const RefreshInterval = time.Minute

// MinSecretLength is the shortest secret value accepted. A value is
// MinSecretLength or more visible ASCII characters (no spaces, no control
// characters), so that it travels unchanged as a header value.
const MinSecretLength = 32

// refreshTimeout bounds a re-read made on the request path.
const refreshTimeout = 5 * time.Second

// The CloudWatch metrics (namespace metrics.Namespace, dimension
// MetricDimension = the tenant) the Verifier counts.
const (
	// RefusedMetric counts requests refused for a missing or wrong secret:
	// calls around CloudFront, or a rotation gone wrong.
	RefusedMetric = "OriginRefused"
	// ViewerAddressMissingMetric counts verified requests without a usable
	// ViewerAddressHeader, whose client address fell back to API Gateway's
	// source address (an origin request policy that does not forward it).
	ViewerAddressMissingMetric = "ViewerAddressMissing"
	// MetricDimension is the dimension of both metrics.
	MetricDimension = "Tenant"
)

// ErrInvalidSecret is returned (wrapped) when the current secret value is
// missing or not a valid value (see MinSecretLength). The error never holds
// the value.
var ErrInvalidSecret = errors.New("origin: the secret is not a valid origin-verification value")

// Values are the secret's accepted values.
type Values struct {
	// Current is the value CloudFront sends once it is deployed. Required.
	Current string
	// Previous is the value before the last rotation, accepted until the
	// distribution sends Current everywhere; "" when there is none.
	Previous string
}

// Source reads the secret's values: Secrets Manager in AWS (package
// awssecret), a fixed value locally (Static).
type Source interface {
	Values(ctx context.Context) (Values, error)
}

// Static is a Source that always returns the same values: the local stack's
// per-start secret, and tests'.
type Static Values

// Values implements Source.
func (s Static) Values(context.Context) (Values, error) { return Values(s), nil }

// NewSecret returns a fresh random secret value (256 bits, base64url): the
// local stack's per-start secret.
func NewSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Config configures a Verifier.
type Config struct {
	// Source reads the secret. Required.
	Source Source
	// Clock paces re-reads. Required.
	Clock clock.Clock
	// Logger receives re-read and fallback notes (never a secret); nil
	// means slog.Default(). Per-request lines go to the request's logger
	// (httpapi.Logger).
	Logger *slog.Logger
	// Tenant is the metrics' dimension value.
	Tenant string
}

// Verifier checks the origin-verification secret of requests. It keeps only
// SHA-256 digests of the accepted values. It is safe for concurrent use.
type Verifier struct {
	source Source
	clock  clock.Clock
	logger *slog.Logger
	tenant string

	mu       sync.RWMutex
	accepted accepted

	refreshMu sync.Mutex
	lastRead  time.Time // guarded by refreshMu
}

// accepted are the digests of the accepted values.
type accepted struct {
	current, previous [sha256.Size]byte
	hasPrevious       bool
}

// NewVerifier reads the secret once and returns a Verifier for it. It fails,
// so that a function fails its cold start rather than serve unverified, when
// the source cannot be read or the current value is not valid. A previous
// value that is not valid is ignored (and logged as such).
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	if cfg.Source == nil || cfg.Clock == nil {
		return nil, errors.New("origin: NewVerifier needs a Source and a Clock")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	v := &Verifier{source: cfg.Source, clock: cfg.Clock, logger: logger, tenant: cfg.Tenant}
	a, err := v.read(ctx)
	if err != nil {
		return nil, err
	}
	v.accepted, v.lastRead = a, cfg.Clock.Now()
	return v, nil
}

// read reads the source and digests its values.
func (v *Verifier) read(ctx context.Context) (accepted, error) {
	vals, err := v.source.Values(ctx)
	if err != nil {
		return accepted{}, fmt.Errorf("origin: read the secret: %w", err)
	}
	if err := checkValue(vals.Current); err != nil {
		return accepted{}, fmt.Errorf("origin: current value: %w", err)
	}
	a := accepted{current: sha256.Sum256([]byte(vals.Current))}
	if vals.Previous != "" {
		if err := checkValue(vals.Previous); err != nil {
			v.logger.Warn("origin: the secret's previous value is not a valid value and is not accepted",
				slog.Any("error", err))
		} else {
			a.previous, a.hasPrevious = sha256.Sum256([]byte(vals.Previous)), true
		}
	}
	return a, nil
}

// checkValue reports whether s can be an origin secret: MinSecretLength or
// more visible ASCII characters. The error never holds s.
func checkValue(s string) error {
	if len(s) < MinSecretLength {
		return fmt.Errorf("shorter than %d characters: %w", MinSecretLength, ErrInvalidSecret)
	}
	for i := range len(s) {
		if s[i] < 0x21 || s[i] > 0x7e {
			return fmt.Errorf("characters other than visible ASCII: %w", ErrInvalidSecret)
		}
	}
	return nil
}

// Verify reports whether presented is an accepted value, comparing in
// constant time against the current and the previous value. When it is
// not, and the secret was last read RefreshInterval or longer ago, it reads
// the secret again (a rotation may have happened) and checks once more. A
// failed re-read keeps the values it had.
func (v *Verifier) Verify(ctx context.Context, presented string) bool {
	if presented == "" {
		return false // never worth a re-read
	}
	digest := sha256.Sum256([]byte(presented))
	if v.matches(&digest) {
		return true
	}
	// Compare again whatever refresh says: a concurrent refusal may have
	// re-read the secret between the first compare and this one, and then
	// this refresh finds the interval not yet over.
	v.refresh(ctx)
	return v.matches(&digest)
}

// matches compares digest with both accepted values, always both, in
// constant time.
func (v *Verifier) matches(digest *[sha256.Size]byte) bool {
	v.mu.RLock()
	a := v.accepted
	v.mu.RUnlock()
	current := subtle.ConstantTimeCompare(digest[:], a.current[:])
	previous := subtle.ConstantTimeCompare(digest[:], a.previous[:])
	hasPrevious := 0
	if a.hasPrevious {
		hasPrevious = 1
	}
	return current|(previous&hasPrevious) == 1
}

// refresh re-reads the secret unless that happened less than
// RefreshInterval ago. Concurrent refusals wait for one re-read.
func (v *Verifier) refresh(ctx context.Context) {
	v.refreshMu.Lock()
	defer v.refreshMu.Unlock()
	now := v.clock.Now()
	if now.Sub(v.lastRead) < RefreshInterval {
		return
	}
	v.lastRead = now
	// The read serves every later request too: a client that goes away
	// does not cut it short.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	a, err := v.read(ctx)
	if err != nil {
		v.logger.Warn("origin: re-reading the secret failed; the values read before stay accepted",
			slog.Any("error", err))
		return
	}
	v.mu.Lock()
	changed := a != v.accepted
	v.accepted = a
	v.mu.Unlock()
	if changed {
		v.logger.Info("origin: the secret changed; the new values are accepted")
	}
}

// Admit is the httpapi.Config.Admit of every HTTP function. A request
// without exactly one Header holding an accepted value gets 403 forbidden.
// A verified request goes on as a copy without Header, whose RemoteAddr is
// the address and port of ViewerAddressHeader in canonical form — or, when
// that header is missing or unusable, the RemoteAddr it came with (API
// Gateway's source address), which is logged and counted
// (ViewerAddressMissingMetric).
func (v *Verifier) Admit(r *http.Request) (*http.Request, *httpapi.Problem) {
	ctx := r.Context()
	presented := r.Header.Values(Header)
	if len(presented) != 1 || !v.Verify(ctx, presented[0]) {
		metrics.Count(ctx, httpapi.Logger(ctx), v.clock.Now(), RefusedMetric, MetricDimension, v.tenant)
		return nil, httpapi.Forbidden()
	}
	admitted := new(http.Request)
	*admitted = *r
	admitted.Header = r.Header.Clone()
	admitted.Header.Del(Header)
	if viewer, ok := ParseViewerAddress(r.Header.Get(ViewerAddressHeader)); ok {
		admitted.RemoteAddr = viewer.String()
	} else {
		logger := httpapi.Logger(ctx)
		logger.Warn("origin: verified request without a usable "+ViewerAddressHeader+"; the client address is the source address",
			slog.Bool("header_present", r.Header.Get(ViewerAddressHeader) != ""),
			slog.String("ip", httpapi.ClientIP(r)))
		metrics.Count(ctx, logger, v.clock.Now(), ViewerAddressMissingMetric, MetricDimension, v.tenant)
	}
	return admitted, nil
}

// ParseViewerAddress parses a CloudFront-Viewer-Address value: an address
// and a port separated by the last colon ("203.0.113.9:46532",
// "2001:db8::1:46532"), or the bracketed form ("[2001:db8::1]:46532").
// IPv4-mapped IPv6 addresses come back as IPv4. It reports false for
// anything else, zoned addresses included.
func ParseViewerAddress(s string) (netip.AddrPort, bool) {
	s = strings.TrimSpace(s)
	var host, port string
	if strings.HasPrefix(s, "[") {
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return netip.AddrPort{}, false
		}
		host, port = h, p
	} else {
		i := strings.LastIndexByte(s, ':')
		if i < 0 {
			return netip.AddrPort{}, false
		}
		host, port = s[:i], s[i+1:]
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || addr.Zone() != "" {
		return netip.AddrPort{}, false
	}
	n, err := strconv.ParseUint(port, 10, 16) // digits only: no sign, no base prefix
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(addr.Unmap(), uint16(n)), true
}

// FormatViewerAddress writes ap as CloudFront writes ViewerAddressHeader:
// address, colon, port, without brackets around an IPv6 address.
func FormatViewerAddress(ap netip.AddrPort) string {
	return ap.Addr().Unmap().String() + ":" + strconv.Itoa(int(ap.Port()))
}

// SetEdgeHeaders does to r what CloudFront does before it forwards a
// request to the API, for the local gateway and tests that play CloudFront:
// it deletes whatever Header and ViewerAddressHeader the client sent, sets
// Header to secret and ViewerAddressHeader to the TCP peer of r.RemoteAddr
// (in CloudFront's format). When RemoteAddr holds no address and port, no
// ViewerAddressHeader is set. It changes r.Header in place.
func SetEdgeHeaders(r *http.Request, secret string) {
	r.Header.Del(Header)
	r.Header.Del(ViewerAddressHeader)
	r.Header.Set(Header, secret)
	if peer, err := netip.ParseAddrPort(strings.TrimSpace(r.RemoteAddr)); err == nil && peer.Addr().Zone() == "" {
		r.Header.Set(ViewerAddressHeader, FormatViewerAddress(peer))
	}
}
