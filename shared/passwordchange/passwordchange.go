// Package passwordchange is the signed-in password change, including the
// forced change of a temporary password (API.md POST
// /api/auth/password/change).
package passwordchange

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/credential"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/mfa"
	"github.com/gatepass/gatepass/shared/notify"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// Errors of a change.
var (
	// ErrCurrentPasswordInvalid means the current password did not verify.
	ErrCurrentPasswordInvalid = errors.New("passwordchange: current password invalid")
	// ErrSSOAccount means the account signs in through its IdP and has no
	// local password it may use (sso.allowLocalPassword off, or none set).
	ErrSSOAccount = errors.New("passwordchange: sso account")
)

// Store is what a change needs from the store.
type Store interface {
	Load(ctx context.Context, q store.Query) (store.Snapshot, error)
	Commit(ctx context.Context, ops ...store.Op) error
}

// Service changes passwords.
type Service struct {
	store    Store
	hasher   password.Hasher
	setter   *credential.Setter
	sessions *sessions.Manager
	notifier *notify.Notifier
	clock    clock.Clock
	logger   *slog.Logger
}

// NewService returns a password change service.
func NewService(s Store, h password.Hasher, setter *credential.Setter, m *sessions.Manager, n *notify.Notifier,
	c clock.Clock, logger *slog.Logger) *Service {
	return &Service{store: s, hasher: h, setter: setter, sessions: m, notifier: n, clock: c, logger: logger}
}

// Change is one change request.
type Change struct {
	Current, New, Repeat string
	Meta                 sessions.Meta
}

// Change verifies the current password (counted towards the lockout before
// it is checked), sets the new one — which ends the account's reset link —
// and, in one commit, revokes every other session through the epoch while
// re-issuing the caller's own session under the new epoch: unrestricted,
// which ends a forced change, unless the role requires a second factor the
// account does not have yet (restrictionAfter). It returns the re-issued
// session for the cookie. An SSO account changes the local password it
// holds beside its SSO identity only while sso.allowLocalPassword is on;
// otherwise, and without one, it is ErrSSOAccount.
func (s *Service) Change(ctx context.Context, cur sessions.Current, in Change) (sessions.Issued, error) {
	a := cur.Account
	if a.SSO && !accounts.PasswordUsable(&a, cur.Parameters) {
		return sessions.Issued{}, ErrSSOAccount
	}
	req := credential.Request{Password: in.New, Repeat: in.Repeat}
	if err := s.setter.Validate(ctx, a, cur.Parameters, req); err != nil {
		return sessions.Issued{}, err // before any attempt is counted or hash spent
	}
	now := s.clock.Now()
	key := lockout.AccountKey(a.ID)
	src := audit.Source{ActorID: a.ID, IP: in.Meta.IP, UserAgent: in.Meta.UserAgent}
	err := lockout.Guard(ctx, s.store, lockout.ForAccount(cur.Parameters.Lockout), a.ID, a.LastLoginAt, src, now, func() *lockout.Failure {
		if !credential.VerifyCurrent(s.hasher, a, cur.Parameters, in.Current, now) {
			return &lockout.Failure{Err: ErrCurrentPasswordInvalid, Event: audit.LoginFailed,
				Detail: map[string]string{"reason": "wrong_current_password"}}
		}
		return nil
	})
	if err != nil {
		return sessions.Issued{}, err
	}
	updated, err := s.setter.Set(ctx, a, cur.Parameters, req, now)
	if err != nil {
		return sessions.Issued{}, err
	}
	// The renewed token continues the same sign-in: its view, its public id
	// and its absolute timeout carry over (a change never extends a session).
	issued := s.sessions.Renew(cur.Session, &updated, restrictionAfter(cur, updated), sessions.StoredView(cur.Session), in.Meta)
	event := audit.New(now, audit.PasswordChanged, a.ID, src,
		map[string]string{"forced": fmt.Sprint(cur.Session.Restriction == store.RestrictionPasswordChange)})
	err = s.store.Commit(ctx,
		store.UpdateAccount{Account: updated, PreviousEmailKey: a.EmailKey},
		issued.Op(),
		store.DeleteCounter{Key: key},
		audit.Op(event),
	)
	if errors.Is(err, store.ErrConflict) {
		return sessions.Issued{}, fmt.Errorf("password change: the account changed meanwhile: %w", err)
	}
	if err != nil {
		return sessions.Issued{}, fmt.Errorf("password change: commit: %w", err)
	}
	audit.Log(ctx, s.logger, event)
	s.notifier.Send(ctx, mail.KindPasswordChanged, updated, "", 0)
	return issued, nil
}

// restrictionAfter is the restriction the caller's session keeps after a
// change: none — except that a forced change never skips the second factor
// the tenant requires for one of the account's roles: without one yet, the
// session goes on to the enrolment (API.md POST /api/auth/password/change).
func restrictionAfter(cur sessions.Current, updated store.Account) string {
	if cur.Session.Restriction == store.RestrictionPasswordChange &&
		!mfa.HasSecondFactor(updated) && mfa.Required(updated, cur.Parameters) {
		return store.RestrictionMFAEnrolment
	}
	return store.RestrictionNone
}

// Handlers serves the password function.
type Handlers struct {
	service  *Service
	sessions *sessions.Manager
}

// NewHandlers returns the HTTP side of password change.
func NewHandlers(s *Service, m *sessions.Manager) *Handlers {
	return &Handlers{service: s, sessions: m}
}

// Routes are the routes of the password function.
func (h *Handlers) Routes() map[string]http.Handler {
	return map[string]http.Handler{"POST /api/auth/password/change": http.HandlerFunc(h.change)}
}

type changeRequest struct {
	CurrentPassword   string `json:"currentPassword"`
	NewPassword       string `json:"newPassword"`
	NewPasswordRepeat string `json:"newPasswordRepeat"`
}

func (h *Handlers) change(w http.ResponseWriter, r *http.Request) {
	cur, ok := h.sessions.Require(w, r, store.RestrictionPasswordChange)
	if !ok {
		return
	}
	var req changeRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	var v validate.List
	if req.CurrentPassword == "" {
		v.Add("currentPassword", "required", "Enter your current password.")
	}
	for field, value := range map[string]string{"currentPassword": req.CurrentPassword,
		"newPassword": req.NewPassword, "newPasswordRepeat": req.NewPasswordRepeat} {
		if len(value) > accounts.MaxIdentifierBytes {
			v.Add(field, "too_long", "The password is too long.")
		}
	}
	if err := v.Err(); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	issued, err := h.service.Change(r.Context(), cur, Change{
		Current: req.CurrentPassword, New: req.NewPassword, Repeat: req.NewPasswordRepeat,
		Meta: sessions.Meta{IP: httpapi.ClientIP(r), UserAgent: r.UserAgent()},
	})
	var pe *credential.PolicyError
	var locked *lockout.LockedError
	switch {
	case err == nil:
		h.sessions.SetCookie(w, issued)
		httpapi.NoContent(w)
	case errors.Is(err, ErrSSOAccount):
		httpapi.WriteError(w, r, httpapi.SSOAccount())
	case errors.Is(err, ErrCurrentPasswordInvalid):
		httpapi.WriteError(w, r, httpapi.CurrentPasswordInvalid())
	case errors.As(err, &locked):
		httpapi.WriteError(w, r, httpapi.TooManyRequests(locked.RetryAfter))
	case errors.Is(err, credential.ErrMismatch):
		httpapi.WriteError(w, r, httpapi.PasswordMismatch())
	case errors.As(err, &pe):
		httpapi.WriteError(w, r, httpapi.PasswordPolicy(pe.Violations))
	case errors.Is(err, store.ErrConflict):
		httpapi.WriteError(w, r, httpapi.Conflict("The account changed meanwhile; try again."))
	default:
		httpapi.WriteError(w, r, err)
	}
}
