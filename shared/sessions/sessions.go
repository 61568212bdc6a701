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
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/clock"
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
}

// New makes a session for account without storing it; the caller commits
// store.PutSession{Session: issued.Session} together with the rest of its
// flow's writes.
func (m *Manager) New(a *store.Account, meta Meta, restriction string, p params.Parameters) Issued {
	now := m.clock.Now()
	token := ids.UserToken(a.ID)
	ua := meta.UserAgent
	if len(ua) > 512 {
		ua = ua[:512]
	}
	s := store.Session{
		UserID:      a.ID,
		Hash:        ids.Hash(token),
		ID:          ids.New("s"),
		CreatedAt:   now,
		LastSeenAt:  now,
		ExpiresAt:   now.Add(p.Session.AbsoluteTimeout()),
		IP:          meta.IP,
		UserAgent:   ua,
		Restriction: restriction,
		Epoch:       a.SessionEpoch,
	}
	return Issued{Token: token, Session: s}
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

// KeyFromRequest returns the store key of the request's session cookie.
func (m *Manager) KeyFromRequest(r *http.Request) (store.SessionKey, bool) {
	c, err := r.Cookie(m.CookieName())
	if err != nil {
		return store.SessionKey{}, false
	}
	return ParseToken(c.Value)
}

// ParseToken returns the store key of a session token, or false when it is
// not shaped like one.
func ParseToken(token string) (store.SessionKey, bool) {
	userID, hash, ok := ids.ParseUserToken(token)
	return store.SessionKey{UserID: userID, Hash: hash}, ok
}

// Current is an authenticated request's session, account and parameters,
// all read in one round trip.
type Current struct {
	Session    store.Session
	Account    store.Account
	Parameters params.Parameters
}

// Authenticate returns the request's live session. It reads the session, its
// account and the parameters in one Load, checks the idle timeout and the
// account's state (every request re-checks them), and records activity at
// most once per TouchInterval. Nothing is cached, so a revocation, a
// deactivation or a role change takes effect on the next request.
func (m *Manager) Authenticate(ctx context.Context, r *http.Request) (Current, error) {
	key, ok := m.KeyFromRequest(r)
	if !ok {
		return Current{}, ErrUnauthenticated
	}
	snap, err := m.store.Load(ctx, store.Query{Session: &key, AccountID: key.UserID, Parameters: true})
	if err != nil {
		return Current{}, fmt.Errorf("authenticate: %w", err)
	}
	now := m.clock.Now()
	s, a := snap.Session, snap.Account
	if s == nil || s.UserID != key.UserID || a == nil || !Live(*s, *a) {
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
	return Current{Session: *s, Account: *a, Parameters: snap.Parameters}, nil
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
