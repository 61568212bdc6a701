package mfa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/credential"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/mfa/totp"
	"github.com/gatepass/gatepass/shared/notify"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/secretbox"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
)

// PendingFor is how long an enrolment waits for its first code.
const PendingFor = 10 * time.Minute

// Errors of the TOTP management flows. ErrInvalidCode (factor.go) is the
// error of a wrong, reused or replayed code.
var (
	// ErrCurrentPasswordInvalid means the re-authentication password did not
	// verify.
	ErrCurrentPasswordInvalid = errors.New("mfa: current password invalid")
	// ErrSSOAccount means the account signs in through SSO and has no
	// local password to re-authenticate with.
	ErrSSOAccount = errors.New("mfa: sso account")
	// ErrAlreadyEnabled means TOTP is on already.
	ErrAlreadyEnabled = errors.New("mfa: totp already enabled")
	// ErrNothingPending means there is no live enrolment to activate.
	ErrNothingPending = errors.New("mfa: no pending enrolment")
	// ErrNotEnabled means TOTP is off.
	ErrNotEnabled = errors.New("mfa: totp not enabled")
	// ErrRequiredByPolicy means the tenant requires two-factor for one of
	// the account's roles, so it may not be removed.
	ErrRequiredByPolicy = errors.New("mfa: required by policy")
	// ErrChanged means the account changed between reading and writing it;
	// the client may simply try again.
	ErrChanged = errors.New("mfa: the account changed meanwhile")
)

// Store is what the TOTP management flows need from the store.
type Store interface {
	Load(ctx context.Context, q store.Query) (store.Snapshot, error)
	Commit(ctx context.Context, ops ...store.Op) error
}

// Service enrols, activates and removes TOTP factors and manages recovery
// codes (API.md "/api/auth/mfa…", SECURITY.md "TOTP and recovery codes").
type Service struct {
	store    Store
	verifier Verifier
	box      *secretbox.Box
	clock    clock.Clock
	sessions *sessions.Manager
	notifier *notify.Notifier
	tenant   string
	logger   *slog.Logger
}

// NewService returns the TOTP management service. tenant is the issuer
// shown in authenticator apps.
func NewService(s Store, h password.Hasher, box *secretbox.Box, c clock.Clock, m *sessions.Manager,
	n *notify.Notifier, tenant string, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{store: s, verifier: NewVerifier(s, h, box), box: box, clock: c, sessions: m, notifier: n,
		tenant: tenant, logger: logger}
}

// Status is the MFA state of an account (GET /api/auth/mfa).
type Status struct {
	Enabled       bool
	EnrolledAt    time.Time // zero while off
	RecoveryCodes int       // unused recovery codes
}

// Status describes the account's second factors.
func (s *Service) Status(a store.Account) Status {
	if !Enabled(a) {
		return Status{}
	}
	return Status{Enabled: true, EnrolledAt: a.TOTPEnabledAt, RecoveryCodes: len(a.RecoveryCodeHashes)}
}

// Enrolment is a pending TOTP enrolment, shown to the user once.
type Enrolment struct {
	Secret    string // base32
	URI       string // otpauth://
	QRCode    string // data:image/png;base64,…
	ExpiresAt time.Time
}

// Enrol re-authenticates with the password (counted towards the account
// lockout before it is checked) and stores a new pending secret, replacing
// any earlier pending one. The factor is not active until Activate.
func (s *Service) Enrol(ctx context.Context, cur sessions.Current, pw string, meta sessions.Meta) (Enrolment, error) {
	a := cur.Account
	switch {
	case a.SSO:
		return Enrolment{}, ErrSSOAccount
	case Enabled(a):
		return Enrolment{}, ErrAlreadyEnabled
	}
	now := s.clock.Now()
	src := source(a, meta)
	a, err := s.verifier.Reauthenticate(ctx, cur, Reauthentication{Password: pw}, src, now)
	if err != nil {
		return Enrolment{}, err
	}
	secret := totp.NewSecret()
	sealed, err := Seal(s.box, a.ID, secret)
	if err != nil {
		return Enrolment{}, err
	}
	uri := totp.URI(s.tenant, a.Username, secret)
	qr, err := totp.QRCodePNG(uri)
	if err != nil {
		return Enrolment{}, err
	}
	a.TOTPPendingSecret, a.TOTPPendingUntil, a.UpdatedAt = sealed, now.Add(PendingFor), now
	if err := s.commit(ctx, "enrol", store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey},
		store.DeleteCounter{Key: lockout.AccountKey(a.ID)}); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: totp.EncodeSecret(secret), URI: uri, QRCode: qr, ExpiresAt: a.TOTPPendingUntil}, nil
}

// Activation is the result of a successful activation.
type Activation struct {
	// RecoveryCodes are shown once; only their hashes are stored.
	RecoveryCodes []string
	// Session is the re-issued, unrestricted session when the caller's
	// session was restricted to MFA enrolment; nil otherwise.
	Session *sessions.Issued
}

// Activate turns the pending enrolment on when code proves it. The
// activating step counts as used. Of concurrent activations with one code
// exactly one wins (the account's version condition); the others get
// ErrInvalidCode. A session restricted to MFA enrolment is re-issued
// unrestricted in the same commit.
func (s *Service) Activate(ctx context.Context, cur sessions.Current, code string, meta sessions.Meta) (Activation, error) {
	a := cur.Account
	now := s.clock.Now()
	if Enabled(a) || len(a.TOTPPendingSecret) == 0 || !now.Before(a.TOTPPendingUntil) {
		return Activation{}, ErrNothingPending
	}
	secret, err := Open(s.box, a.ID, a.TOTPPendingSecret)
	if err != nil {
		return Activation{}, err
	}
	step, ok := totp.Verify(secret, code, now, a.TOTPLastStep)
	if !ok {
		return Activation{}, ErrInvalidCode
	}
	codes := totp.NewRecoveryCodes(totp.RecoveryCodeCount)
	a.TOTPSecret, a.TOTPEnabledAt, a.TOTPLastStep = a.TOTPPendingSecret, now, step
	a.TOTPPendingSecret, a.TOTPPendingUntil = nil, time.Time{}
	a.RecoveryCodeHashes = hashCodes(codes)
	a.UpdatedAt = now
	event := audit.New(now, audit.MFATOTPEnabled, a.ID, source(a, meta), nil)
	ops := []store.Op{store.UpdateAccount{Account: a, PreviousEmailKey: cur.Account.EmailKey}, audit.Op(event)}
	var out Activation
	out.RecoveryCodes = codes
	if cur.Session.Restriction == store.RestrictionMFAEnrolment {
		// The renewed token continues the same sign-in: its view, its public
		// id and its absolute timeout carry over.
		issued := s.sessions.Renew(cur.Session, &a, store.RestrictionNone, sessions.StoredView(cur.Session), meta)
		ops = append(ops, issued.Op())
		out.Session = &issued
	}
	err = s.store.Commit(ctx, ops...)
	if errors.Is(err, store.ErrConflict) {
		// Someone else changed the account since it was read: most likely a
		// concurrent activation with the same code, which won.
		return Activation{}, ErrInvalidCode
	}
	if err != nil {
		return Activation{}, fmt.Errorf("mfa: activate: %w", err)
	}
	audit.Log(ctx, s.logger, event)
	s.notifier.Send(ctx, mail.KindTOTPEnabled, a, "", 0)
	return out, nil
}

// Removal is a request to turn TOTP off: exactly one of Password and Code.
type Removal struct {
	Password string
	Code     string
}

// Disable turns TOTP off after a password or a current code, unless the
// tenant requires two-factor for one of the account's roles. Either proof is
// counted towards the account lockout before it is checked; a code advances
// the last used step like any use.
func (s *Service) Disable(ctx context.Context, cur sessions.Current, in Removal, meta sessions.Meta) error {
	a := cur.Account
	switch {
	case !Enabled(a):
		return ErrNotEnabled
	case Required(a, cur.Parameters):
		return ErrRequiredByPolicy
	}
	now := s.clock.Now()
	src := source(a, meta)
	a, err := s.verifier.Reauthenticate(ctx, cur, Reauthentication{Password: in.Password, Code: in.Code}, src, now)
	if err != nil {
		return err
	}
	a = cleared(a)
	a.UpdatedAt = now
	method := "password"
	if in.Code != "" {
		method = MethodTOTP
	}
	event := audit.New(now, audit.MFATOTPDisabled, a.ID, src, map[string]string{"method": method})
	if err := s.commit(ctx, "disable", store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey},
		store.DeleteCounter{Key: lockout.AccountKey(a.ID)}, audit.Op(event)); err != nil {
		return err
	}
	audit.Log(ctx, s.logger, event)
	s.notifier.Send(ctx, mail.KindTOTPDisabled, a, "", 0)
	return nil
}

// RegenerateRecoveryCodes re-authenticates with the password and replaces
// the recovery codes with a new set; the old set stops working. It is
// audited (mfa.recovery_codes.regenerated) and the account is mailed.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, cur sessions.Current, pw string, meta sessions.Meta) ([]string, error) {
	a := cur.Account
	if !Enabled(a) {
		return nil, ErrNotEnabled
	}
	now := s.clock.Now()
	a, err := s.verifier.Reauthenticate(ctx, cur, Reauthentication{Password: pw}, source(a, meta), now)
	if err != nil {
		return nil, err
	}
	codes := totp.NewRecoveryCodes(totp.RecoveryCodeCount)
	a.RecoveryCodeHashes, a.UpdatedAt = hashCodes(codes), now
	event := audit.New(now, audit.MFARecoveryCodesRegenerated, a.ID, source(a, meta),
		map[string]string{"count": strconv.Itoa(len(codes))})
	if err := s.commit(ctx, "recovery codes", store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey},
		store.DeleteCounter{Key: lockout.AccountKey(a.ID)}, audit.Op(event)); err != nil {
		return nil, err
	}
	audit.Log(ctx, s.logger, event)
	s.notifier.Send(ctx, mail.KindRecoveryCodesRegenerated, a, "", 0)
	return codes, nil
}

// AdminReset removes a user's TOTP factor, pending enrolment and recovery
// codes and revokes every session of the user by raising its session epoch,
// in one commit with the audit event. A user without TOTP is still reset
// (its sessions are revoked). It returns store.ErrNotFound for an unknown
// user.
func (s *Service) AdminReset(ctx context.Context, userID string, src audit.Source) error {
	for attempt := 0; ; attempt++ {
		snap, err := s.store.Load(ctx, store.Query{AccountID: userID})
		if err != nil {
			return fmt.Errorf("mfa: reset: read: %w", err)
		}
		if snap.Account == nil {
			return fmt.Errorf("mfa: reset: %w", store.ErrNotFound)
		}
		before := *snap.Account
		now := s.clock.Now()
		a := cleared(before)
		a.SessionEpoch++
		a.UpdatedAt = now
		event := audit.New(now, audit.MFAResetByAdmin, a.ID, src, nil)
		err = s.store.Commit(ctx, store.UpdateAccount{Account: a, PreviousEmailKey: before.EmailKey}, audit.Op(event))
		if errors.Is(err, store.ErrConflict) && attempt < 3 {
			continue // changed meanwhile: read again and redo
		}
		if err != nil {
			return fmt.Errorf("mfa: reset: %w", err)
		}
		audit.Log(ctx, s.logger, event)
		if Enabled(before) {
			s.notifier.Send(ctx, mail.KindTOTPDisabled, a, "", 0)
		}
		return nil
	}
}

// Reauthentication is what a signed-in person submits to prove again who
// they are: the password, a current TOTP code, or both (step-up asks for
// both when the account has a second factor).
type Reauthentication struct {
	Password string
	Code     string
}

// Verifier checks re-authentications: the one check behind TOTP enrolment,
// removal, recovery-code regeneration and step-up.
type Verifier struct {
	store  lockout.Store
	hasher password.Hasher
	box    *secretbox.Box
}

// NewVerifier returns a verifier.
func NewVerifier(s lockout.Store, h password.Hasher, box *secretbox.Box) Verifier {
	return Verifier{store: s, hasher: h, box: box}
}

// Reauthenticate counts one attempt against the account lockout and only
// then checks every proof given (SECURITY.md "Count before checking"): the
// password with credential.VerifyCurrent, a code against the account's TOTP
// factor. It returns the account as it must be stored for the proof to
// count — with TOTPLastStep advanced for a code, which the caller commits
// under the account's version so that a code is used once. Failures are
// audited (login.failed, mfa.challenge.failed); the caller clears the
// counter in its success commit.
//
// Errors: ErrCurrentPasswordInvalid, ErrInvalidCode, *lockout.LockedError.
func (v Verifier) Reauthenticate(ctx context.Context, cur sessions.Current, in Reauthentication, src audit.Source, now time.Time) (store.Account, error) {
	a := cur.Account
	if in.Password == "" && in.Code == "" {
		return a, fmt.Errorf("mfa: reauthenticate: no proof given")
	}
	err := lockout.Guard(ctx, v.store, lockout.ForAccount(cur.Parameters.Lockout), a.ID, src, now, func() *lockout.Failure {
		if in.Password != "" && !credential.VerifyCurrent(v.hasher, a, cur.Parameters, in.Password, now) {
			return &lockout.Failure{Err: ErrCurrentPasswordInvalid, Event: audit.LoginFailed,
				Detail: map[string]string{"reason": "wrong_current_password"}}
		}
		if in.Code == "" {
			return nil
		}
		updated, _, err := Check(v.box, a, Proof{Code: in.Code}, now)
		switch {
		case errors.Is(err, ErrInvalidCode):
			return &lockout.Failure{Err: ErrInvalidCode, Event: audit.MFAChallengeFailed,
				Detail: map[string]string{"method": MethodTOTP}}
		case err != nil:
			return &lockout.Failure{Err: err, Event: audit.MFAChallengeFailed,
				Detail: map[string]string{"method": MethodTOTP, "reason": "secret_unreadable"}}
		}
		a = updated
		return nil
	})
	return a, err
}

// commit writes a flow's changes; a version conflict becomes ErrChanged.
func (s *Service) commit(ctx context.Context, flow string, ops ...store.Op) error {
	err := s.store.Commit(ctx, ops...)
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("mfa: %s: %w", flow, ErrChanged)
	}
	if err != nil {
		return fmt.Errorf("mfa: %s: %w", flow, err)
	}
	return nil
}

// cleared returns a with TOTP off: no secret, no pending enrolment, no
// recovery codes. TOTPLastStep stays: it only ever grows (store.Account), so
// a step once used is never accepted again for the user.
func cleared(a store.Account) store.Account {
	a.TOTPSecret, a.TOTPEnabledAt = nil, time.Time{}
	a.TOTPPendingSecret, a.TOTPPendingUntil = nil, time.Time{}
	a.RecoveryCodeHashes = nil
	return a
}

func hashCodes(codes []string) []string {
	hashes := make([]string, len(codes))
	for i, c := range codes {
		hashes[i] = totp.HashRecoveryCode(c)
	}
	return hashes
}

func source(a store.Account, meta sessions.Meta) audit.Source {
	return audit.Source{ActorID: a.ID, IP: meta.IP, UserAgent: meta.UserAgent}
}
