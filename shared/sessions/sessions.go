// Package sessions issues, checks and describes Gatepass sessions — the
// thing the rest of the Backoffice trusts (SECURITY.md "Sessions and
// authorization", API.md "Sessions").
//
// The cookie value is "<user id>.<256-bit random token>". Only the SHA-256
// of the whole value is stored, under the user. The user id in front is a
// routing hint, not a credential: it lets one round trip read the session,
// its account and the tenant parameters together, and a value whose hint does
// not match the stored session's owner simply finds nothing.
package sessions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

// ErrUnauthenticated means the request carries no usable session.
var ErrUnauthenticated = errors.New("sessions: unauthenticated")

// TouchInterval is how stale LastSeenAt may grow before a request records
// activity. It bounds session writes to one per minute per session while
// enforcing the idle timeout to within a minute.
const TouchInterval = time.Minute

// Store is what the session manager needs from the store.
type Store interface {
	Load(ctx context.Context, q store.Query) (store.Snapshot, error)
	Commit(ctx context.Context, ops ...store.Op) error
}

// Manager issues and checks sessions.
type Manager struct {
	store  Store
	clock  clock.Clock
	secure bool
}

// NewManager returns a manager. secure is true when the public URL is https:
// the cookie then carries Secure and the __Host- prefix.
func NewManager(s Store, c clock.Clock, secure bool) *Manager {
	return &Manager{store: s, clock: c, secure: secure}
}

// CookieName is the session cookie's name.
func (m *Manager) CookieName() string {
	if m.secure {
		return "__Host-gatepass"
	}
	return "gatepass"
}

// Meta describes the client a session is issued to.
type Meta struct {
	IP        string
	UserAgent string
}

// Issued is a new session: the token for the cookie and the record to store.
type Issued struct {
	Token   string
	Session store.Session
	// Replaces is the key of the session a renewal continues; zero for a
	// new sign-in.
	Replaces store.SessionKey
}

// Op is the write that stores the session: a new one for a sign-in, and for
// a renewal the replacement of the session it continues, conditional on
// that one still being live — so that of concurrent renewals of one session
// exactly one wins and a session never forks (ErrConflict for the others).
func (is Issued) Op() store.Op {
	if is.Replaces != (store.SessionKey{}) {
		return store.ReplaceSession{Old: is.Replaces, Session: is.Session}
	}
	return store.PutSession{Session: is.Session}
}

// StepUpWindow is how recent an authentication sensitive actions need
// (API.md POST /api/auth/reauth): older, and they answer step_up_required.
const StepUpWindow = 10 * time.Minute

// New makes the session of a completed sign-in for account, opening view v,
// without storing it; the caller commits issued.Op() together with the rest
// of its flow's writes. The sign-in is the session's authentication time.
func (m *Manager) New(a *store.Account, meta Meta, restriction string, v View, p params.Parameters) Issued {
	now := m.clock.Now()
	s := store.Session{
		UserID:          a.ID,
		ID:              ids.New("s"),
		CreatedAt:       now,
		LastSeenAt:      now,
		ExpiresAt:       now.Add(p.Session.AbsoluteTimeout()),
		IP:              meta.IP,
		UserAgent:       truncate(meta.UserAgent, 512),
		Restriction:     restriction,
		ViewType:        v.Type,
		FacilityID:      v.FacilityID,
		Epoch:           a.SessionEpoch,
		AuthenticatedAt: now,
	}
	return issue(s)
}

// Renew replaces the token of a session that continues — a lifted
// restriction, a new view, a re-authentication — keeping its public id, its
// creation, its authentication time and its absolute timeout, so that
// renewing never extends a session (API.md: the token is replaced at MFA
// completion and view selection). The caller commits issued.Op(), which
// replaces old only while old is live.
func (m *Manager) Renew(old store.Session, a *store.Account, restriction string, v View, meta Meta) Issued {
	now := m.clock.Now()
	s := old
	s.LastSeenAt = now
	s.IP, s.UserAgent = meta.IP, truncate(meta.UserAgent, 512)
	s.Restriction = restriction
	s.ViewType, s.FacilityID = v.Type, v.FacilityID
	s.Epoch = a.SessionEpoch
	is := issue(s)
	is.Replaces = store.SessionKey{UserID: old.UserID, Hash: old.Hash}
	return is
}

// issue gives a session a fresh token. A facility view's id rides in the
// token as a routing hint, beside the user id, so that the session check
// reads session, account, parameters and facility in one round trip.
func issue(s store.Session) Issued {
	token := s.UserID + "." + ids.Token()
	if s.ViewType == ViewFacility {
		token = s.UserID + "." + s.FacilityID + "." + ids.Token()
	}
	s.Hash = ids.Hash(token)
	return Issued{Token: token, Session: s}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// SetCookie writes the session cookie (API.md: HttpOnly, SameSite=Strict,
// Path=/, Secure and __Host- over https). It lives until the session's
// absolute timeout; the server enforces both timeouts regardless.
func (m *Manager) SetCookie(w http.ResponseWriter, is Issued) {
	http.SetCookie(w, &http.Cookie{
		Name:     m.CookieName(),
		Value:    is.Token,
		Path:     "/",
		Expires:  is.Session.ExpiresAt,
		MaxAge:   max(1, int(is.Session.ExpiresAt.Sub(m.clock.Now()).Seconds())),
		HttpOnly: true,
		Secure:   m.secure,
		SameSite: http.SameSiteStrictMode,
	})
}

// ClearCookie removes the session cookie from the browser.
func (m *Manager) ClearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: m.CookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: m.secure, SameSite: http.SameSiteStrictMode,
	})
}

// Token is a parsed session token: the store key of its session and the
// facility hint of a facility view.
type Token struct {
	Key        store.SessionKey
	FacilityID string
}

// TokenFromRequest parses the request's session cookie.
func (m *Manager) TokenFromRequest(r *http.Request) (Token, bool) {
	c, err := r.Cookie(m.CookieName())
	if err != nil {
		return Token{}, false
	}
	return ParseToken(c.Value)
}

// KeyFromRequest returns the store key of the request's session cookie.
func (m *Manager) KeyFromRequest(r *http.Request) (store.SessionKey, bool) {
	t, ok := m.TokenFromRequest(r)
	return t.Key, ok
}

// ParseToken parses a session token, "<user id>.<secret>" or
// "<user id>.<facility id>.<secret>", or reports false when it is not shaped
// like one. The hash covers the whole value, hints included: a token with an
// altered hint finds nothing.
func ParseToken(token string) (Token, bool) {
	if len(token) > 256 {
		return Token{}, false
	}
	parts := strings.Split(token, ".")
	var userID, facilityID, secret string
	switch len(parts) {
	case 2:
		userID, secret = parts[0], parts[1]
	case 3:
		userID, facilityID, secret = parts[0], parts[1], parts[2]
		if !validHint(facilityID) {
			return Token{}, false
		}
	default:
		return Token{}, false
	}
	if !validHint(userID) || len(secret) != 43 || !ids.URLSafe(secret) {
		return Token{}, false
	}
	return Token{Key: store.SessionKey{UserID: userID, Hash: ids.Hash(token)}, FacilityID: facilityID}, true
}

// matches reports whether the token's facility hint is the session's
// facility view — which the hash already guarantees for issued tokens.
func (t Token) matches(s store.Session) bool {
	if s.ViewType == ViewFacility {
		return t.FacilityID == s.FacilityID
	}
	return t.FacilityID == ""
}

func validHint(s string) bool { return len(s) >= 3 && len(s) <= 64 && ids.URLSafe(s) }

// Current is an authenticated request's session, account and parameters,
// all read in one round trip, and the view the session may use now.
type Current struct {
	Session    store.Session
	Account    store.Account
	Parameters params.Parameters
	// View is the session's view as it stands now: empty when the session
	// chose none or may no longer use the one it chose (a facility removed
	// from the account or deleted, network access withdrawn).
	View View
}

// Authenticate returns the request's live session. It reads the session, its
// account and the parameters in one Load, checks the idle timeout and the
// account's state (every request re-checks them), and records activity at
// most once per TouchInterval. Nothing is cached, so a revocation, a
// deactivation or a role change takes effect on the next request.
func (m *Manager) Authenticate(ctx context.Context, r *http.Request) (Current, error) {
	t, ok := m.TokenFromRequest(r)
	if !ok {
		return Current{}, ErrUnauthenticated
	}
	return m.AuthenticateToken(ctx, t)
}

// AuthenticateToken is Authenticate for a parsed token (the Lambda
// authorizer has no http.Request). One Load reads the session, its account,
// the parameters and, for a facility view, the facility.
func (m *Manager) AuthenticateToken(ctx context.Context, t Token) (Current, error) {
	key := t.Key
	snap, err := m.store.Load(ctx, store.Query{Session: &key, AccountID: key.UserID, Parameters: true, Facility: t.FacilityID})
	if err != nil {
		return Current{}, fmt.Errorf("authenticate: %w", err)
	}
	now := m.clock.Now()
	s, a := snap.Session, snap.Account
	if s == nil || s.UserID != key.UserID || a == nil || !Live(*s, *a) || !t.matches(*s) {
		return Current{}, ErrUnauthenticated
	}
	if !now.Before(s.LastSeenAt.Add(snap.Parameters.Session.IdleTimeout())) || !accounts.MayUseSession(a, now) {
		// Idle, or the account may no longer sign in: the session is over.
		if err := m.store.Commit(ctx, store.DeleteSession{Key: key}); err != nil {
			return Current{}, fmt.Errorf("authenticate: end session: %w", err)
		}
		return Current{}, ErrUnauthenticated
	}
	if now.Sub(s.LastSeenAt) >= TouchInterval {
		err := m.store.Commit(ctx, store.TouchSession{Key: key, LastSeenAt: now})
		switch {
		case errors.Is(err, store.ErrConflict):
			return Current{}, ErrUnauthenticated // revoked meanwhile
		case err != nil:
			return Current{}, fmt.Errorf("authenticate: touch: %w", err)
		}
		s.LastSeenAt = now
	}
	cur := Current{Session: *s, Account: *a, Parameters: snap.Parameters}
	if v := StoredView(*s); Allowed(a, v, snap.Facility) {
		cur.View = v
		if snap.Facility != nil && v.Type == ViewFacility {
			cur.View.FacilityName = snap.Facility.Name
		}
	}
	return cur, nil
}

// RecentlyAuthenticated reports whether the session's person proved who
// they are within StepUpWindow of now (API.md: sensitive admin actions).
func (c Current) RecentlyAuthenticated(now time.Time) bool {
	at := c.Session.AuthenticatedAt
	return !at.IsZero() && !now.After(at.Add(StepUpWindow))
}

// Live reports whether a session still belongs to its account's current
// epoch: raising Account.SessionEpoch revokes every older session at once.
func Live(s store.Session, a store.Account) bool { return s.Epoch == a.SessionEpoch }

// Revoke ends the request's session, if any. It succeeds without one.
func (m *Manager) Revoke(ctx context.Context, r *http.Request) (store.SessionKey, bool, error) {
	key, ok := m.KeyFromRequest(r)
	if !ok {
		return key, false, nil
	}
	if err := m.store.Commit(ctx, store.DeleteSession{Key: key}); err != nil {
		return key, false, fmt.Errorf("revoke session: %w", err)
	}
	return key, true, nil
}

// Require authenticates the request and answers it itself when that fails:
// 401 unauthenticated (clearing the cookie) without a live session, and —
// unless the session's restriction is among lifts, the restrictions the
// endpoint lifts — the 403 of a restricted session (API.md). ok reports
// whether the handler may go on.
func (m *Manager) Require(w http.ResponseWriter, r *http.Request, lifts ...string) (cur Current, ok bool) {
	cur, err := m.Authenticate(r.Context(), r)
	switch {
	case errors.Is(err, ErrUnauthenticated):
		m.ClearCookie(w)
		httpapi.WriteError(w, r, httpapi.Unauthenticated())
		return cur, false
	case err != nil:
		httpapi.WriteError(w, r, err)
		return cur, false
	}
	if rs := cur.Session.Restriction; rs != store.RestrictionNone && !slices.Contains(lifts, rs) {
		httpapi.WriteError(w, r, RestrictionProblem(rs))
		return cur, false
	}
	return cur, true
}

// RestrictionProblem is the 403 a restricted session gets outside the
// endpoints that lift its restriction; nil for an unrestricted session.
func RestrictionProblem(restriction string) *httpapi.Problem {
	switch restriction {
	case store.RestrictionNone:
		return nil
	case store.RestrictionMFAEnrolment:
		return httpapi.MFAEnrolmentRequired()
	default:
		return httpapi.PasswordChangeRequired()
	}
}
