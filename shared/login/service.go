// Package login is the password sign-in capability: the login, logout,
// session and session-list endpoints of API.md, with lockout and audit.
package login

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/credential"
	"github.com/gatepass/gatepass/shared/devices"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/metrics"
	"github.com/gatepass/gatepass/shared/mfa"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
)

// Statuses of a completed step (API.md POST /api/auth/login).
const (
	StatusAuthenticated          = "authenticated"
	StatusPasswordChangeRequired = "password_change_required"
	StatusMFARequired            = "mfa_required"
	StatusMFAEnrolmentRequired   = "mfa_enrolment_required"
)

// Errors of a sign-in.
var (
	// ErrInvalidCredentials is the one failure of a first step: unknown
	// user, wrong password, deactivated, expired, invited, SSO-only — all
	// alike.
	ErrInvalidCredentials = errors.New("login: invalid credentials")
	// ErrChallengeInvalid means a second step's challenge is unknown,
	// expired, completed or out of tries.
	ErrChallengeInvalid = errors.New("login: challenge invalid")
)

// Challenges of the second step (API.md POST /api/auth/login/mfa).
const (
	ChallengeTTL      = 5 * time.Minute
	ChallengeMaxTries = 5
)

// LockedMetric is the CloudWatch metric (namespace metrics.Namespace, an
// EMF line in the log) that counts the locks sign-in attempts start and
// keep: an account or a client IP locked by a wrong password (the
// login.locked events), an account locked by a wrong second-step code, or
// by a right password of a two-factor account whose count wrong codes
// began. Attempts refused during a lock do not count, nor does a lock that
// the attempt's own success lifts. Its one dimension is
// LockedMetricDimension, whose value is the tenant — never a username or an
// IP. The tenant stack's lockout alarm watches exactly this metric.
const (
	LockedMetric          = "LoginLocked"
	LockedMetricDimension = "Tenant"
)

// Store is what login needs from the store.
type Store interface {
	Load(ctx context.Context, q store.Query) (store.Snapshot, error)
	Commit(ctx context.Context, ops ...store.Op) error
	Append(ctx context.Context, ops ...store.Op) error
	ListSessions(ctx context.Context, userID string) ([]store.Session, error)
	ListCredentials(ctx context.Context, userID string, kind store.CredentialKind) ([]store.Credential, error)
}

// Service signs people in.
type Service struct {
	store    Store
	hasher   password.Hasher
	clock    clock.Clock
	sessions *sessions.Manager
	factors  mfa.Factors
	tenant   string
	logger   *slog.Logger
}

// NewService returns a login service. factors are the second factors the
// second step accepts; tenant is the value of LockedMetric's dimension.
func NewService(s Store, h password.Hasher, c clock.Clock, m *sessions.Manager, factors mfa.Factors, tenant string,
	logger *slog.Logger) *Service {
	return &Service{store: s, hasher: h, clock: c, sessions: m, factors: factors, tenant: tenant, logger: logger}
}

// countLock records one lock started at now (LockedMetric).
func (s *Service) countLock(ctx context.Context, now time.Time) {
	metrics.Count(ctx, s.logger, now, LockedMetric, LockedMetricDimension, s.tenant)
}

// Attempt is one sign-in request.
type Attempt struct {
	Username  string
	Password  string
	IP        string
	UserAgent string
	// Device is the browser's remembered-device token ("" for none).
	Device string
}

// Outcome is a successful step: a session (Issued, possibly restricted),
// or — for mfa_required — a challenge and no session at all.
type Outcome struct {
	Status    string
	Issued    sessions.Issued
	Account   store.Account
	View      sessions.View
	Challenge string
	// Methods and Options are the second factors a challenge accepts and
	// what those that need one must hand the client (the passkey's
	// request options), by method.
	Methods []string
	Options map[string]any
	// Device is a newly remembered device: the token for its cookie and
	// its expiry.
	Device *RememberedDevice
}

// RememberedDevice is a device the second step remembered.
type RememberedDevice struct {
	Token     string
	ExpiresAt time.Time
}

// noAccount is an id no account has ("x" is not an id prefix Gatepass
// makes): reading it gives unknown usernames the same round trips as known
// ones.
const noAccount = "x_none"

// Login runs the password step. It returns ErrInvalidCredentials for every
// kind of failure, a *lockout.LockedError (errors.Is ErrLocked) when the
// account name or the client IP is locked, and any other error only for
// failures of the store.
//
// Round trips: two Loads and three writes, on failure whatever the
// username, so that timing tells nothing, and on a success without a second
// factor alike. A failure writes the account's count, the client IP's count
// and the audit events; a success the account's count, the sign-in on the
// account (conditional) and the session with its audit event.
func (s *Service) Login(ctx context.Context, in Attempt) (Outcome, error) {
	name := accounts.CanonicalUsername(in.Username)
	ipKey := lockout.IPKey(in.IP)

	// Read 1: parameters, who holds the name (as username and, when it can
	// be an address, as email, each in its own canonical form), and the
	// client IP's counter. Eventually consistent, at half the cost: a second
	// of staleness in any of them lets nothing through — the account, its
	// counter and every write below are read and conditioned strongly, and
	// the IP counter's count is a compare-and-swap on a strong re-read.
	claims := []store.ClaimKey{{Kind: store.ClaimUsername, Value: name}}
	if strings.Contains(in.Username, "@") {
		claims = append(claims, store.ClaimKey{Kind: store.ClaimEmail, Value: accounts.CanonicalEmail(in.Username)})
	}
	first, err := s.store.Load(ctx, store.Query{Parameters: true, Claims: claims, Counters: []string{ipKey}, Eventual: true})
	if err != nil {
		return Outcome{}, fmt.Errorf("login: read: %w", err)
	}
	p := first.Parameters
	ipPolicy := lockout.ForIP(p.Lockout)
	now := s.clock.Now()
	if wait, locked := ipPolicy.Locked(first.Counters[ipKey], now); locked {
		return Outcome{}, &lockout.LockedError{RetryAfter: wait}
	}
	var userID string
	known := false
	for _, c := range claims {
		if userID, known = first.Claims[c]; known {
			break
		}
	}

	// Read 2: the account and its counter; for an unknown name a missing
	// account and the name's own counter, so that it locks the same way.
	counterKey := lockout.UnknownKey(name)
	accountID := noAccount
	if known {
		counterKey, accountID = lockout.AccountKey(userID), userID
	}
	// With the account, the browser's remembered device of it, if any: a
	// device skips the second step without another round trip.
	q := store.Query{AccountID: accountID, Counters: []string{counterKey}}
	deviceKey, hasDevice := devices.Key(in.Device, userID)
	if known && hasDevice {
		q.Credentials = []store.CredentialKey{deviceKey}
	}
	second, err := s.store.Load(ctx, q)
	if err != nil {
		return Outcome{}, fmt.Errorf("login: read account: %w", err)
	}
	acct := second.Account
	var device *store.Credential
	if d, ok := second.Credentials[deviceKey]; ok && hasDevice {
		device = &d
	}

	// Count before checking (SECURITY.md): the attempt is on the books before
	// the password is looked at. The account's last sign-in cleared what the
	// counter held before it (lockout.Since).
	src := audit.Source{IP: in.IP, UserAgent: in.UserAgent}
	var lastSuccess time.Time
	if acct != nil {
		lastSuccess = acct.LastLoginAt
	}
	counted, err := lockout.Count(ctx, s.store, lockout.ForAccount(p.Lockout), second.Counters[counterKey], lastSuccess, now)
	if err != nil {
		return Outcome{}, err
	}

	ok, rehash, reason := s.verify(acct, in.Password, p, now)
	if !ok {
		return Outcome{}, s.fail(ctx, first.Counters[ipKey], ipPolicy, acct, counted, reason, src, now)
	}
	return s.succeed(ctx, *acct, device, counted, in, rehash, p, src, now)
}

// verify checks the password. Every path costs one argon2id derivation except
// a password over the policy's maximum, which is refused before any hashing.
// An expired temporary password fails exactly like a wrong one.
func (s *Service) verify(acct *store.Account, pw string, p params.Parameters, now time.Time) (ok, rehash bool, reason string) {
	if utf8.RuneCountInString(pw) > p.PasswordPolicy.MaxLength {
		return false, false, "password_too_long"
	}
	if !accounts.CanSignIn(acct, p, now) {
		s.hasher.VerifyDummy(pw)
		return false, false, ineligibleReason(acct, p, now)
	}
	ok, rehash, err := s.hasher.Verify(pw, acct.PasswordHash)
	if err != nil {
		// A stored hash this build cannot read: fail closed, loudly.
		s.logger.Error("stored password hash unreadable", slog.String("user_id", acct.ID), slog.Any("error", err))
		return false, false, "hash_unreadable"
	}
	if !ok {
		return false, false, "wrong_password"
	}
	if credential.TemporaryExpired(*acct, p, now) {
		return false, false, "temporary_password_expired"
	}
	return true, rehash, ""
}

func ineligibleReason(a *store.Account, p params.Parameters, now time.Time) string {
	switch {
	case a == nil:
		return "unknown_account"
	case a.Status != store.StatusActive:
		return "status_" + a.Status
	case !accounts.MayHoldPassword(a, p):
		return "sso_account"
	case a.PasswordHash == "":
		return "no_password"
	case !accounts.IsValidAt(a, now):
		return "expired"
	default:
		return "not_allowed"
	}
}

// fail records a failure: the client IP's count (a compare-and-swap, one
// write unit), then the audit events appended in one more write. The
// account's count was taken before the check.
func (s *Service) fail(ctx context.Context, ipCounter store.Counter, ipPolicy lockout.Policy, acct *store.Account,
	counted store.Counter, reason string, src audit.Source, now time.Time) error {
	userID := ""
	if acct != nil {
		userID = acct.ID
	}
	events := []store.AuditEvent{audit.New(now, audit.LoginFailed, userID, src, map[string]string{"reason": reason})}
	if !counted.LockedUntil.IsZero() {
		// A nanosecond later, so that it sorts after the failure that caused it.
		events = append(events, audit.New(now.Add(time.Nanosecond), audit.LoginLocked, userID, src,
			map[string]string{"scope": "account", "until": counted.LockedUntil.UTC().Format(time.RFC3339)}))
	}
	ipAfter, err := lockout.Count(ctx, s.store, ipPolicy, ipCounter, time.Time{}, now)
	switch {
	case errors.Is(err, lockout.ErrLocked):
		// The IP locked meanwhile: the events still belong in the trail.
	case err != nil:
		return fmt.Errorf("login: record failure: %w", err)
	case ipAfter.Failures == ipPolicy.MaxFailures:
		events = append(events, audit.New(now.Add(2*time.Nanosecond), audit.LoginLocked, "", src, map[string]string{"scope": "ip"}))
	}
	ops := make([]store.Op, 0, len(events))
	for _, e := range events {
		ops = append(ops, audit.Op(e))
	}
	if err := s.store.Append(ctx, ops...); err != nil {
		return fmt.Errorf("login: record failure: %w", err)
	}
	for _, e := range events {
		audit.Log(ctx, s.logger, e)
		if e.Type == audit.LoginLocked { // the account's, the IP's, or both
			s.countLock(ctx, now)
		}
	}
	return ErrInvalidCredentials
}

// succeed issues the session: it records the sign-in on the account —
// upgrading the hash when its parameters are stale, and clearing the
// account's failures by the sign-in's time (lockout.Since) — in a
// conditional update, then appends the session and the audit event. An
// account with a second factor gets a challenge instead, unless the browser
// is a device the account remembers, whose use is recorded with the
// account's update.
//
// The conditional update decides: when the account changed since it was
// read, the sign-in is judged again on fresh state, and nothing else is
// written before it holds. The append that follows is not conditional (a
// session's key is random, an audit id unique) and on DynamoDB costs one
// write unit per item, where a transaction would cost two.
func (s *Service) succeed(ctx context.Context, acct store.Account, device *store.Credential, counted store.Counter,
	in Attempt, rehash bool, p params.Parameters, src audit.Source, now time.Time) (Outcome, error) {
	status, restriction := StatusAuthenticated, store.RestrictionNone
	switch {
	case acct.PasswordChangeRequired:
		status, restriction = StatusPasswordChangeRequired, store.RestrictionPasswordChange
	case !mfa.HasSecondFactor(acct) && mfa.Required(acct, p):
		status, restriction = StatusMFAEnrolmentRequired, store.RestrictionMFAEnrolment
	}
	method := "password"
	if mfa.HasSecondFactor(acct) {
		if device == nil || !devices.Recognised(*device, acct, p.MFA.RememberDeviceFor(), now) {
			// No session at all before the second step (SECURITY.md).
			return s.challenge(ctx, acct, restriction, counted)
		}
		method = "password+device"
	}
	newHash := ""
	if rehash {
		h, err := s.hasher.Hash(in.Password)
		if err != nil {
			return Outcome{}, fmt.Errorf("login: rehash: %w", err)
		}
		newHash = h
	}
	var updated store.Account
	err := store.Optimistic(ctx, store.Attempts, func(try int) error {
		if try > 0 {
			// The account (or the device) changed between read and write —
			// an admin edit, a parallel sign-in: decide again on fresh state.
			q := store.Query{AccountID: acct.ID}
			if device != nil {
				q.Credentials = []store.CredentialKey{device.Key()}
			}
			snap, err := s.store.Load(ctx, q)
			if err != nil {
				return fmt.Errorf("login: reread: %w", err)
			}
			if !accounts.CanSignIn(snap.Account, p, now) || snap.Account.PasswordHash != acct.PasswordHash {
				return ErrInvalidCredentials
			}
			acct = *snap.Account
			if device != nil {
				d, ok := snap.Credentials[device.Key()]
				if !ok || !devices.Recognised(d, acct, p.MFA.RememberDeviceFor(), now) {
					return ErrInvalidCredentials
				}
				device = &d
			}
		}
		updated = acct
		sessions.SignedIn(&updated, now, in.IP)
		if newHash != "" {
			updated.PasswordHash = newHash
		}
		ops := []store.Op{store.UpdateAccount{Account: updated, PreviousEmailKey: acct.EmailKey}}
		if device != nil {
			ops = append(ops, store.UpdateCredential{Credential: devices.Used(*device, now)})
		}
		return s.store.Commit(ctx, ops...)
	})
	switch {
	case errors.Is(err, ErrInvalidCredentials):
		return Outcome{}, err
	case err != nil:
		return Outcome{}, fmt.Errorf("login: commit: %w", err)
	}
	updated.Version++
	view, err := sessions.InitialView(ctx, s.store, &updated)
	if err != nil {
		return Outcome{}, fmt.Errorf("login: %w", err)
	}
	issued := s.sessions.New(&updated, sessions.Meta{IP: in.IP, UserAgent: in.UserAgent}, restriction, view, p)
	event := audit.New(now, audit.LoginSucceeded, acct.ID, src, map[string]string{"method": method})
	if err := s.appendSignIn(ctx, issued, issued.Op(), audit.Op(event)); err != nil {
		return Outcome{}, fmt.Errorf("login: %w", err)
	}
	audit.Log(ctx, s.logger, event)
	return Outcome{Status: status, Issued: issued, Account: updated, View: view}, nil
}

// appendSignIn appends the session of a decided sign-in and its audit
// events (ops). Append is not atomic: after a failure the session may be
// stored without its events, and it must not outlive a sign-in the caller
// reports as failed, so it is deleted again.
func (s *Service) appendSignIn(ctx context.Context, issued sessions.Issued, ops ...store.Op) error {
	err := s.store.Append(ctx, ops...)
	if err == nil {
		return nil
	}
	key := store.SessionKey{UserID: issued.Session.UserID, Hash: issued.Session.Hash}
	if derr := s.store.Commit(context.WithoutCancel(ctx), store.DeleteSession{Key: key}); derr != nil {
		s.logger.Error("session of a failed sign-in left behind", slog.String("user_id", issued.Session.UserID),
			slog.String("session_id", issued.Session.ID), slog.Any("error", derr))
	}
	return fmt.Errorf("store session: %w", err)
}
