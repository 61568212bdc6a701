// Package audit names the audit event types of API.md and builds events.
// Events never hold a secret: no password, token, code or mail body.
package audit

import (
	"context"
	"log/slog"
	"time"

	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/store"
)

// Event types (API.md "Audit event types").
const (
	LoginSucceeded         = "login.succeeded"
	LoginFailed            = "login.failed"
	LoginLocked            = "login.locked"
	MFAChallengeFailed     = "mfa.challenge.failed"
	PasswordResetRequested = "password.reset.requested"
	PasswordResetCompleted = "password.reset.completed"
	PasswordChanged        = "password.changed"
	PasswordSetByAdmin     = "password.set_by_admin"
	InvitationSent         = "invitation.sent"
	InvitationAccepted     = "invitation.accepted"
	MFATOTPEnabled         = "mfa.totp.enabled"
	MFATOTPDisabled        = "mfa.totp.disabled"
	MFAResetByAdmin        = "mfa.reset_by_admin"
	MFARecoveryCodeUsed    = "mfa.recovery_code.used"
	SessionRevoked         = "session.revoked"
	UserCreated            = "user.created"
	UserUpdated            = "user.updated"
	UserDeactivated        = "user.deactivated"
	UserActivated          = "user.activated"
	UserUnlocked           = "user.unlocked"
	UserDeleted            = "user.deleted"
	ViewSelected           = "view.selected"
	SSOLoginSucceeded      = "sso.login.succeeded"
	SSOLoginFailed         = "sso.login.failed"
	ParametersChanged      = "parameters.changed"
	// MFARecoveryCodesRegenerated: a new set of recovery codes replaced the
	// old one.
	MFARecoveryCodesRegenerated = "mfa.recovery_codes.regenerated"
	// MFAPasskeyAdded and MFAPasskeyRemoved: a passkey was registered or
	// removed (detail: its id and name).
	MFAPasskeyAdded   = "mfa.passkey.added"
	MFAPasskeyRemoved = "mfa.passkey.removed"
	// MFADeviceRemembered and MFADeviceForgotten: a browser was remembered
	// at the second step, or forgotten by its user.
	MFADeviceRemembered = "mfa.device.remembered"
	MFADeviceForgotten  = "mfa.device.forgotten"
	// PasswordHelpRequested: a reset request for an active local account
	// without an email opened a help request for its administrators.
	// PasswordHelpResolved: the request was closed — detail.how is
	// "password_set" (an administrator set a password) or "dismissed".
	PasswordHelpRequested = "password.help.requested"
	PasswordHelpResolved  = "password.help.resolved"
)

// How a help request was resolved (detail "how" of PasswordHelpResolved).
const (
	HelpResolvedPasswordSet = "password_set"
	HelpResolvedDismissed   = "dismissed"
)

// Event types beyond API.md's list (which allows extension): facility
// administration, and step-up re-authentication.
const (
	FacilityCreated = "facility.created"
	FacilityUpdated = "facility.updated"
	FacilityDeleted = "facility.deleted"
	// SessionReauthenticated: a signed-in person proved again who they are
	// (POST /api/auth/reauth), as sensitive admin actions require.
	SessionReauthenticated = "session.reauthenticated"
)

// Source is who and where an event comes from.
type Source struct {
	ActorID   string
	IP        string
	UserAgent string
}

// maxUserAgent bounds what a client can make us store.
const maxUserAgent = 512

// New builds an event of type typ about userID at now.
func New(now time.Time, typ, userID string, src Source, detail map[string]string) store.AuditEvent {
	ua := src.UserAgent
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	return store.AuditEvent{
		ID: ids.TimeOrdered("a", now), At: now, Type: typ, UserID: userID,
		ActorID: src.ActorID, IP: src.IP, UserAgent: ua, Detail: detail,
	}
}

// Op wraps an event as a store operation, to be committed with the change it
// records.
func Op(e store.AuditEvent) store.Op { return store.AppendAudit{Event: e} }

// Log writes the event as a structured log line as well (SECURITY.md
// "Operations": auth events go to the logs and to the audit trail).
func Log(ctx context.Context, logger *slog.Logger, e store.AuditEvent) {
	attrs := []slog.Attr{
		slog.String("event", e.Type), slog.String("user_id", e.UserID), slog.String("ip", e.IP),
	}
	if e.ActorID != "" {
		attrs = append(attrs, slog.String("actor_id", e.ActorID))
	}
	for k, v := range e.Detail {
		attrs = append(attrs, slog.String("detail."+k, v))
	}
	logger.LogAttrs(ctx, slog.LevelInfo, "audit", attrs...)
}

// Committer commits store operations.
type Committer interface {
	Commit(ctx context.Context, ops ...store.Op) error
}

// CommitInBatches commits ops — deletes of records that are many, such as
// a user's sessions or remembered devices — in batches that fit one commit,
// each with the audit event that event makes for its n operations, logged
// once committed. It stops at the first failure.
func CommitInBatches(ctx context.Context, s Committer, logger *slog.Logger, ops []store.Op,
	event func(n int) store.AuditEvent) error {
	for len(ops) > 0 {
		n := min(len(ops), store.MaxOps-1)
		e := event(n)
		if err := s.Commit(ctx, append(ops[:n:n], Op(e))...); err != nil {
			return err
		}
		Log(ctx, logger, e)
		ops = ops[n:]
	}
	return nil
}
