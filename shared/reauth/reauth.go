// Package reauth is step-up re-authentication (API.md POST /api/auth/reauth):
// a signed-in person proves again who they are — the password, and the
// second factor when the account has one — and the session's authentication
// time becomes now. Sensitive admin actions need that time to be recent
// (sessions.StepUpWindow) and answer 403 step_up_required otherwise; the web
// app then asks for the proof in a dialog and retries the action.
package reauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/mfa"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// Route is the route key of the re-authentication endpoint (package routes,
// function login).
const Route = "POST /api/auth/reauth"

// ErrSSOAccount means the account signs in through its identity provider:
// it re-authenticates by signing in there again.
var ErrSSOAccount = errors.New("reauth: sso account")

// Store is what re-authentication needs from the store.
type Store interface {
	Load(ctx context.Context, q store.Query) (store.Snapshot, error)
	Commit(ctx context.Context, ops ...store.Op) error
}

// PasskeyChallenges reads the passkey challenge of a step-up (package
// passkey's SignIn): the ceremony state its proof is checked against, and
// the op that uses the challenge up. ok is false for an unknown, expired,
// used or foreign handle.
type PasskeyChallenges interface {
	ReauthChallenge(ctx context.Context, userID, handle string) (state map[string]string, use store.Op, ok bool, err error)
}

// Service re-authenticates signed-in people.
type Service struct {
	store      Store
	verifier   mfa.Verifier
	challenges PasskeyChallenges
	sessions   *sessions.Manager
	clock      clock.Clock
	logger     *slog.Logger
}

// NewService returns a re-authentication service; challenges (nil: no
// passkey proofs) reads the passkey challenges of step-ups.
func NewService(s Store, v mfa.Verifier, challenges PasskeyChallenges, m *sessions.Manager, c clock.Clock,
	logger *slog.Logger) *Service {
	return &Service{store: s, verifier: v, challenges: challenges, sessions: m, clock: c, logger: logger}
}

// Proof is what the person submits: the password, and — for an account with
// a second factor — a TOTP code, or a passkey assertion answering the
// challenge of POST /api/auth/reauth/passkey/begin.
type Proof struct {
	Password  string
	Code      string
	Challenge string
	Passkey   []byte
}

// Reauthenticate checks the proof — counted towards the account lockout
// before it is checked — and renews the session's token with its
// authentication time set to now, in one commit with the used second
// factor (a TOTP step, a passkey's counter and its challenge), the cleared
// counter and the session.reauthenticated event. Renewing the token on a
// change of privilege is OWASP's session-management advice; the renewal
// keeps the session's id, view and absolute timeout. An account with a
// second factor must prove it as well.
//
// Errors: ErrSSOAccount, a *validate.Error (no second-factor proof for an
// account that has a second factor), mfa.ErrCurrentPasswordInvalid,
// mfa.ErrInvalidCode, *lockout.LockedError, sessions.ErrUnauthenticated (the
// session was renewed or revoked meanwhile).
func (s *Service) Reauthenticate(ctx context.Context, cur sessions.Current, in Proof, meta sessions.Meta) (sessions.Issued, error) {
	a := cur.Account
	if a.SSO {
		return sessions.Issued{}, ErrSSOAccount
	}
	needsFactor := mfa.HasSecondFactor(a)
	passkey := len(in.Passkey) > 0 && string(in.Passkey) != "null"
	var v validate.List
	switch {
	case in.Password == "":
		v.Add("password", "required", "Enter your password.")
	case in.Code != "" && passkey:
		v.Add("code", "not_allowed", "Send a code or a passkey, not both.")
	case needsFactor && in.Code == "" && !passkey:
		v.Add("code", "required", "Enter a code from your authenticator app, or use your passkey.")
	case !needsFactor && (in.Code != "" || passkey):
		v.Add("code", "not_allowed", "This account has no second factor.")
	case passkey && in.Challenge == "":
		v.Add("challenge", "required", "The passkey challenge is missing; start again.")
	}
	if err := v.Err(); err != nil {
		return sessions.Issued{}, err
	}
	now := s.clock.Now()
	src := audit.Source{ActorID: a.ID, IP: meta.IP, UserAgent: meta.UserAgent}
	re := mfa.Reauthentication{Password: in.Password}
	var useChallenge store.Op
	switch {
	case in.Code != "":
		re.Proof = &mfa.Proof{Method: mfa.MethodTOTP, Code: in.Code}
	case passkey:
		re.Proof = &mfa.Proof{Method: mfa.MethodPasskey, Response: in.Passkey}
		if s.challenges != nil {
			state, use, ok, err := s.challenges.ReauthChallenge(ctx, a.ID, in.Challenge)
			if err != nil {
				return sessions.Issued{}, fmt.Errorf("reauth: %w", err)
			}
			if ok {
				re.State, useChallenge = state, use
			}
		}
	}
	proved, err := s.verifier.Reauthenticate(ctx, cur, re, src, now)
	if err != nil {
		return sessions.Issued{}, err
	}
	issued := s.sessions.Renew(cur.Session, &a, cur.Session.Restriction, sessions.StoredView(cur.Session), meta)
	issued.Session.AuthenticatedAt = now
	event := audit.New(now, audit.SessionReauthenticated, a.ID, src, map[string]string{"method": proved.Method})
	ops := []store.Op{issued.Op(), store.DeleteCounter{Key: lockout.AccountKey(a.ID)}, audit.Op(event)}
	if proved.Use != nil {
		// The proof is used: committed under its credential's version (and
		// with its challenge), so a concurrent use of the same code fails.
		ops = append(ops, proved.Use.Ops...)
	}
	if useChallenge != nil {
		ops = append(ops, useChallenge)
	}
	err = s.store.Commit(ctx, ops...)
	switch {
	case errors.Is(err, store.ErrConflict) && proved.Use != nil:
		return sessions.Issued{}, mfa.ErrInvalidCode // the code or the session was used first
	case errors.Is(err, store.ErrConflict):
		return sessions.Issued{}, sessions.ErrUnauthenticated
	case err != nil:
		return sessions.Issued{}, fmt.Errorf("reauth: commit: %w", err)
	}
	audit.Log(ctx, s.logger, event)
	return issued, nil
}

// Handlers serves the re-authentication endpoint.
type Handlers struct {
	service  *Service
	sessions *sessions.Manager
}

// NewHandlers returns the HTTP side of re-authentication.
func NewHandlers(s *Service, m *sessions.Manager) *Handlers {
	return &Handlers{service: s, sessions: m}
}

// Routes maps the endpoint's route key to its handler.
func (h *Handlers) Routes() map[string]http.Handler {
	return map[string]http.Handler{Route: http.HandlerFunc(h.reauth)}
}

type reauthRequest struct {
	Password  string          `json:"password"`
	Code      string          `json:"code"`
	Challenge string          `json:"challenge"`
	Passkey   json.RawMessage `json:"passkey"`
}

// maxPasskeyBytes bounds a WebAuthn assertion before it is parsed.
const maxPasskeyBytes = 16 << 10

// maxCodeBytes bounds a submitted code before any work is done on it.
const maxCodeBytes = 64

func (h *Handlers) reauth(w http.ResponseWriter, r *http.Request) {
	cur, ok := h.sessions.Require(w, r) // restricted sessions have nothing to step up to
	if !ok {
		return
	}
	var req reauthRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	var v validate.List
	if len(req.Password) > accounts.MaxIdentifierBytes {
		v.Add("password", "too_long", "The password is too long.") // before any hashing work
	}
	if len(req.Code) > maxCodeBytes || len(req.Challenge) > 256 || len(req.Passkey) > maxPasskeyBytes {
		v.Add("code", "too_long", "The code is too long.")
	}
	if err := v.Err(); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	issued, err := h.service.Reauthenticate(r.Context(), cur,
		Proof{Password: req.Password, Code: req.Code, Challenge: req.Challenge, Passkey: req.Passkey},
		sessions.Meta{IP: httpapi.ClientIP(r), UserAgent: r.UserAgent()})
	var locked *lockout.LockedError
	switch {
	case err == nil:
		h.sessions.SetCookie(w, issued)
		httpapi.NoContent(w)
	case errors.Is(err, ErrSSOAccount):
		httpapi.WriteError(w, r, httpapi.SSOAccount())
	case errors.Is(err, mfa.ErrCurrentPasswordInvalid):
		httpapi.WriteError(w, r, httpapi.CurrentPasswordInvalid())
	case errors.Is(err, mfa.ErrInvalidCode):
		httpapi.WriteError(w, r, httpapi.InvalidCode())
	case errors.As(err, &locked):
		httpapi.WriteError(w, r, httpapi.TooManyRequests(locked.RetryAfter))
	case errors.Is(err, sessions.ErrUnauthenticated):
		h.sessions.ClearCookie(w)
		httpapi.WriteError(w, r, httpapi.Unauthenticated())
	default:
		httpapi.WriteError(w, r, err) // *validate.Error → 400, else 500
	}
}
