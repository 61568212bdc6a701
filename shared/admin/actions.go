package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/credential"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// Deactivate makes a user inactive: every session ends at once (the session
// epoch rises) and the live reset and invitation links are revoked, in one
// commit with user.deactivated. Deactivating an inactive user changes
// nothing and is not audited again. Nobody deactivates their own account.
func (s *Service) Deactivate(ctx context.Context, actor Actor, id string) error {
	var done *store.Account
	err := s.changeUser(ctx, actor, id, nil, func(t target) (userChange, error) {
		a := *t.account
		done = nil
		if a.ID == actor.Account.ID {
			return userChange{}, conflict("You cannot deactivate your own account.")
		}
		if a.Status == store.StatusInactive {
			return userChange{}, nil
		}
		event := audit.New(t.now, audit.UserDeactivated, a.ID, actor.Source, map[string]string{"previousStatus": a.Status})
		a.Status = store.StatusInactive
		a.SessionEpoch++
		a.UpdatedAt = t.now
		ops := dropLinks(&a)
		ops = append([]store.Op{store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey}}, ops...)
		done = &a
		return userChange{ops: ops, events: []store.AuditEvent{event}}, nil
	})
	if err == nil && done != nil {
		s.cleanUpSessions(ctx, *done)
	}
	return err
}

// activationStatus is the status activating a gives: invited again when the
// account still has no password to sign in with but can be invited (a local
// account with an email), else active.
func activationStatus(a store.Account) string {
	if a.PasswordHash == "" && !a.SSO && a.Email != "" {
		return store.StatusInvited
	}
	return store.StatusActive
}

// Activate makes an inactive user active again (invited, for one that never
// set a password: send it a new invitation with ResendInvitation). A user
// already active or invited is left as it is, without an audit event.
func (s *Service) Activate(ctx context.Context, actor Actor, id string) error {
	err := s.changeUser(ctx, actor, id, nil, func(t target) (userChange, error) {
		a := *t.account
		if a.Status != store.StatusInactive {
			return userChange{}, nil
		}
		a.Status = activationStatus(a)
		a.UpdatedAt = t.now
		event := audit.New(t.now, audit.UserActivated, a.ID, actor.Source, map[string]string{"status": a.Status})
		return userChange{ops: []store.Op{store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey}},
			events: []store.AuditEvent{event}}, nil
	})
	return err
}

// Unlock clears the user's sign-in lockout counter (SECURITY.md: admins see
// and clear locks), audited as user.unlocked with whether it was locked.
func (s *Service) Unlock(ctx context.Context, actor Actor, id string) error {
	err := s.changeUser(ctx, actor, id, nil, func(t target) (userChange, error) {
		event := audit.New(t.now, audit.UserUnlocked, t.account.ID, actor.Source,
			map[string]string{"wasLocked": strconv.FormatBool(t.locked())})
		return userChange{ops: []store.Op{store.DeleteCounter{Key: lockout.AccountKey(t.account.ID)}},
			events: []store.AuditEvent{event}}, nil
	})
	return err
}

// ResetMFA removes the user's second factor and revokes its sessions
// (package mfa audits mfa.reset_by_admin).
func (s *Service) ResetMFA(ctx context.Context, actor Actor, id string) error {
	t, err := s.load(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, actor, t.account, true); err != nil {
		return err
	}
	if err := actor.stepUp(t.now); err != nil {
		return err
	}
	err = s.mfa.AdminReset(ctx, id, actor.Source)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrNotFound // deleted in between
	case err != nil:
		return fmt.Errorf("admin: reset mfa: %w", err)
	}
	return nil
}

// ResendInvitation sends an invited user a new invitation link, which
// supersedes the previous one. Only an invited local user with an email can
// be invited (else 409).
func (s *Service) ResendInvitation(ctx context.Context, actor Actor, id string) error {
	var (
		invited store.Account
		link    string
		p       params.Parameters
	)
	err := s.changeUser(ctx, actor, id, nil, func(t target) (userChange, error) {
		a := *t.account
		if a.Status != store.StatusInvited || a.Email == "" || a.SSO {
			return userChange{}, conflict("Only an invited user with an email address can be sent an invitation.")
		}
		var ops []store.Op
		link, ops = s.inviter.PrepareInvitation(&a, t.params)
		invited, p = a, t.params
		return userChange{ops: ops}, nil
	})
	if err != nil {
		return err
	}
	s.inviter.SendInvitation(ctx, invited, link, p, actor.Source)
	return nil
}

// RevokeSessions ends every session of the user at once (the session epoch
// rises), audited as session.revoked with scope all, by admin.
func (s *Service) RevokeSessions(ctx context.Context, actor Actor, id string) error {
	var done store.Account
	err := s.changeUser(ctx, actor, id, nil, func(t target) (userChange, error) {
		a := *t.account
		a.SessionEpoch++
		a.UpdatedAt = t.now
		done = a
		event := audit.New(t.now, audit.SessionRevoked, a.ID, actor.Source, map[string]string{"scope": "all", "by": "admin"})
		return userChange{ops: []store.Op{store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey}},
			events: []store.AuditEvent{event}}, nil
	})
	if err == nil {
		s.cleanUpSessions(ctx, done)
	}
	return err
}

// SetPassword sets a user's password, temporary (to be changed at the next
// sign-in) or not, under the same policy as every other path. It revokes the
// user's sessions, clears its lockout counter and its live links, resolves
// its open help request, and makes an invited user active — one commit with
// password.set_by_admin (and password.help.resolved). A supervisor may only
// set temporary passwords; SSO users have none an administrator may set,
// whatever sso.allowLocalPassword says (API.md).
func (s *Service) SetPassword(ctx context.Context, actor Actor, id, pw string, temporary bool) error {
	if actor.rank() == rankSupervisor && !temporary {
		return ErrForbidden
	}
	var (
		done   store.Account
		notify bool
	)
	err := s.changeUser(ctx, actor, id, nil, func(t target) (userChange, error) {
		before := *t.account
		if before.SSO {
			return userChange{}, ErrSSOAccount
		}
		if err := actor.stepUp(t.now); err != nil {
			return userChange{}, err
		}
		a, err := s.setter.Set(ctx, before, t.params, credential.Request{Password: pw, Repeat: pw, Temporary: temporary}, t.now)
		if err != nil {
			return userChange{}, err
		}
		a = activated(a)
		links := dropLinks(&a) // a new password supersedes any link
		ops := append([]store.Op{store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey},
			store.DeleteCounter{Key: lockout.AccountKey(a.ID)}}, links...)
		done, notify = a, before.PasswordHash != ""
		events := []store.AuditEvent{audit.New(t.now, audit.PasswordSetByAdmin, a.ID, actor.Source,
			map[string]string{"temporary": strconv.FormatBool(temporary)})}
		helpOps, helpEvents := resolveHelp(t, actor, audit.HelpResolvedPasswordSet)
		return userChange{ops: append(ops, helpOps...), events: append(events, helpEvents...)}, nil
	})
	if err != nil {
		return err
	}
	s.afterPasswordSet(ctx, done, notify)
	return nil
}

// HTTP.

// action serves a bodiless POST on a user.
func (h *Handlers) action(w http.ResponseWriter, r *http.Request, actor Actor,
	do func(ctx context.Context, actor Actor, id string) error) {
	if err := decodeEmpty(r); err != nil {
		writeError(w, r, err)
		return
	}
	if err := do(r.Context(), actor, r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.NoContent(w)
}

func (h *Handlers) deactivate(w http.ResponseWriter, r *http.Request, actor Actor) {
	h.action(w, r, actor, h.service.Deactivate)
}

func (h *Handlers) activate(w http.ResponseWriter, r *http.Request, actor Actor) {
	h.action(w, r, actor, h.service.Activate)
}

func (h *Handlers) unlock(w http.ResponseWriter, r *http.Request, actor Actor) {
	h.action(w, r, actor, h.service.Unlock)
}

func (h *Handlers) resetMFA(w http.ResponseWriter, r *http.Request, actor Actor) {
	h.action(w, r, actor, h.service.ResetMFA)
}

func (h *Handlers) resendInvitation(w http.ResponseWriter, r *http.Request, actor Actor) {
	h.action(w, r, actor, h.service.ResendInvitation)
}

func (h *Handlers) revokeSessions(w http.ResponseWriter, r *http.Request, actor Actor) {
	h.action(w, r, actor, h.service.RevokeSessions)
}

type passwordRequest struct {
	Password  string `json:"password"`
	Temporary bool   `json:"temporary"`
}

func (h *Handlers) setPassword(w http.ResponseWriter, r *http.Request, actor Actor) {
	var req passwordRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	var v validate.List
	switch {
	case req.Password == "":
		v.Add("password", "required", "Enter a password.")
	case len(req.Password) > accounts.MaxIdentifierBytes:
		v.Add("password", "too_long", "The password is too long.") // before any hashing work
	}
	if err := v.Err(); err != nil {
		writeError(w, r, err)
		return
	}
	if err := h.service.SetPassword(r.Context(), actor, r.PathValue("id"), req.Password, req.Temporary); err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.NoContent(w)
}
