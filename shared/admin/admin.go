// Package admin is the administration capability behind /api/admin (API.md
// "Admin endpoints"): users, facilities, parameters, the audit trail and the
// help requests of accounts without an email.
//
// Authorization is deny by default (SECURITY.md "Sessions and
// authorization"): every route declares who may call it (authz.go), and the
// routes that act on a user also check the caller against that user — an
// admin may not touch an admin or super_admin, a supervisor only the
// operators of its own facilities. Roles are read from the store on every
// request (sessions.Manager.Authenticate loads the account), so a removed role
// takes effect on the next request.
//
// The service (users.go, actions.go, help.go, facilities.go, parameters.go)
// decides and writes; the handlers (handler.go and the HTTP halves of the
// same files) decode, call and render. Every change is committed together
// with its audit event.
package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/credential"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// Store is what administration needs from the store.
type Store interface {
	Load(ctx context.Context, q store.Query) (store.Snapshot, error)
	Commit(ctx context.Context, ops ...store.Op) error
	ListSessions(ctx context.Context, userID string) ([]store.Session, error)
	ListAudit(ctx context.Context, q store.AuditQuery) (store.AuditPage, error)
	ListFacilities(ctx context.Context) ([]store.Facility, error)
	ListAccounts(ctx context.Context, q store.AccountQuery) (store.AccountPage, error)
	ListCredentials(ctx context.Context, userID string, kind store.CredentialKind) ([]store.Credential, error)
	ListHelpRequests(ctx context.Context) ([]store.HelpRequest, error)
}

// Inviter creates and sends invitation links (package recovery).
type Inviter interface {
	NewAccountInvitation(a *store.Account, p params.Parameters) (string, store.Op)
	PrepareInvitation(a *store.Account, p params.Parameters) (string, []store.Op)
	SendInvitation(ctx context.Context, a store.Account, link string, p params.Parameters, src audit.Source)
}

// MFAResetter removes a user's second factor (package mfa). It audits the
// reset itself and returns store.ErrNotFound for an unknown user.
type MFAResetter interface {
	AdminReset(ctx context.Context, userID string, src audit.Source) error
}

// AliasPublisher tells the edge which admin alias to enforce (package
// alias): in AWS it writes the CloudFront KeyValueStore the edge function
// reads (package alias/kvs). Locally there is none: the gateway reads the
// parameters on every request.
type AliasPublisher interface {
	// PublishAlias makes alias ("" for none) the one the edge enforces.
	// Its errors never contain the alias.
	PublishAlias(ctx context.Context, alias string) error
}

// Notifier mails an account (package notify).
type Notifier interface {
	Send(ctx context.Context, kind mail.Kind, a store.Account, link string, expiresIn time.Duration) bool
}

// Authenticator finds the request's session and answers 401 or the
// restriction's 403 itself when there is none to go on with
// (sessions.Manager.Require).
type Authenticator interface {
	Require(w http.ResponseWriter, r *http.Request, lifts ...string) (sessions.Current, bool)
}

// Errors of the admin flows. Handlers map them to problem documents; a
// *credential.PolicyError (422 password_policy), a *validate.Error (400, or
// 422 when it refuses characters: validate.CodeInvalidCharacters) and a
// *ParametersError (422) may come back as well.
var (
	// ErrForbidden means the caller may not do this (to this user).
	ErrForbidden = errors.New("admin: forbidden")
	// ErrNotFound means the user or facility does not exist.
	ErrNotFound = errors.New("admin: not found")
	// ErrConflict means the request clashes with the current state; a
	// *ConflictError says how.
	ErrConflict = errors.New("admin: conflict")
	// ErrSSOAccount means the user signs in through SSO and has no local
	// password.
	ErrSSOAccount = errors.New("admin: sso account")
	// ErrStepUpRequired means a sensitive action needs a more recent
	// authentication (Actor.stepUp); nothing was changed.
	ErrStepUpRequired = errors.New("admin: step-up required")
)

// ConflictError is an ErrConflict with a detail shown to the client. The
// detail never holds a secret.
type ConflictError struct{ Detail string }

func (e *ConflictError) Error() string { return "admin: conflict: " + e.Detail }

// Unwrap makes errors.Is(err, ErrConflict) hold.
func (e *ConflictError) Unwrap() error { return ErrConflict }

func conflict(detail string) error { return &ConflictError{Detail: detail} }

// errChanged is the conflict of a record that kept changing while a flow
// retried.
func errChanged(what string) error {
	return conflict("The " + what + " changed meanwhile; reload and try again.")
}

// ParametersError carries the violations of a parameters document that is
// out of bounds (422).
type ParametersError struct{ Violations []validate.Violation }

func (e *ParametersError) Error() string {
	return "admin: " + (&validate.Error{Violations: e.Violations}).Error()
}

// maxAttempts bounds the read-decide-write rounds of a flow whose record
// changed under it (optimistic concurrency: store.ErrConflict on a version).
const maxAttempts = 4

// Config holds the service's dependencies.
type Config struct {
	Store    Store
	Clock    clock.Clock
	Setter   *credential.Setter
	Inviter  Inviter
	MFA      MFAResetter
	Notifier Notifier
	Logger   *slog.Logger
	// AliasEdge tells that the edge in front of this deployment strips the
	// admin alias and marks requests with it (package alias). Without it,
	// and without an AliasPublisher, a set alias would hide Gatepass from
	// everyone, so setting one is refused.
	AliasEdge bool
	// AliasPublisher, when set, is told every change of the alias before
	// the parameters holding it are committed (see UpdateParameters); nil
	// when the edge reads the parameters itself (the local gateway).
	AliasPublisher AliasPublisher
}

// Service runs the admin flows.
type Service struct {
	store    Store
	clock    clock.Clock
	setter   *credential.Setter
	inviter  Inviter
	mfa      MFAResetter
	notifier Notifier
	logger   *slog.Logger
	// aliasEdge and publisher: see Config.AliasEdge and AliasPublisher.
	aliasEdge bool
	publisher AliasPublisher
}

// NewService returns the admin service.
func NewService(c Config) *Service {
	logger := c.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{store: c.Store, clock: c.Clock, setter: c.Setter, inviter: c.Inviter, mfa: c.MFA,
		notifier: c.Notifier, logger: logger, aliasEdge: c.AliasEdge, publisher: c.AliasPublisher}
}

// commit writes ops followed by the audit events, and logs the events once
// written.
// writeErr wraps a failed write of flow for the caller, leaving a conflict
// as it is for the optimistic retry (store.Optimistic) to see.
func writeErr(flow string, err error) error {
	if err == nil || errors.Is(err, store.ErrConflict) {
		return err
	}
	return fmt.Errorf("admin: %s: %w", flow, err)
}

func (s *Service) commit(ctx context.Context, ops []store.Op, events ...store.AuditEvent) error {
	for _, e := range events {
		ops = append(ops, audit.Op(e))
	}
	if err := s.store.Commit(ctx, ops...); err != nil {
		return err
	}
	for _, e := range events {
		audit.Log(ctx, s.logger, e)
	}
	return nil
}
