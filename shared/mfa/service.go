package mfa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
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
	// ErrNoSecondFactor means the account has no second factor, so it has
	// no recovery codes either.
	ErrNoSecondFactor = errors.New("mfa: no second factor")
	// ErrRequiredByPolicy means the tenant requires two-factor for one of
	// the account's roles, so its last second factor may not be removed.
	ErrRequiredByPolicy = errors.New("mfa: required by policy")
	// ErrChanged means the account changed between reading and writing it;
	// the client may simply try again.
	ErrChanged = errors.New("mfa: the account changed meanwhile")
)

// Store is what the second-factor management flows need from the store.
type Store interface {
	Load(ctx context.Context, q store.Query) (store.Snapshot, error)
	Commit(ctx context.Context, ops ...store.Op) error
	ListCredentials(ctx context.Context, userID string, kind store.CredentialKind) ([]store.Credential, error)
}

// Service enrols, activates and removes TOTP factors, manages recovery
// codes and resets an account's second factors (API.md "/api/auth/mfa…",
// SECURITY.md "TOTP and recovery codes").
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

// NewService returns the second-factor management service. factors are
// the second factors a re-authentication accepts; tenant is the issuer
// shown in authenticator apps.
func NewService(s Store, h password.Hasher, box *secretbox.Box, factors Factors, c clock.Clock, m *sessions.Manager,
	n *notify.Notifier, tenant string, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{store: s, verifier: NewVerifier(s, h, factors), box: box, clock: c, sessions: m, notifier: n,
		tenant: tenant, logger: logger}
}

// Verifier returns the service's re-authentication check.
func (s *Service) Verifier() Verifier { return s.verifier }

// Status is the second-factor state of an account (GET /api/auth/mfa).
type Status struct {
	TOTP          bool
	EnrolledAt    time.Time // zero while off
	Passkeys      []store.Credential
	RecoveryCodes int // unused recovery codes
}

// Status reads the account's second factors: one query of its credentials.
func (s *Service) Status(ctx context.Context, a store.Account) (Status, error) {
	creds, err := s.store.ListCredentials(ctx, a.ID, "")
	if err != nil {
		return Status{}, fmt.Errorf("mfa: status: %w", err)
	}
	var st Status
	for _, c := range creds {
		switch c.Kind {
		case store.CredentialTOTP:
			st.TOTP, st.EnrolledAt = true, c.CreatedAt
		case store.CredentialPasskey:
			st.Passkeys = append(st.Passkeys, c)
		case store.CredentialRecoveryCodes:
			st.RecoveryCodes = len(c.Hashes)
		}
	}
	return st, nil
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
	case a.SSO && !accounts.PasswordUsable(&a, cur.Parameters):
		// An SSO account's identity provider owns its strength — unless
		// it signs in with a local password too (sso.allowLocalPassword),
		// which a required second factor must then back.
		return Enrolment{}, ErrSSOAccount
	case Enabled(a):
		return Enrolment{}, ErrAlreadyEnabled
	}
	now := s.clock.Now()
	if _, err := s.verifier.Reauthenticate(ctx, cur, Reauthentication{Password: pw}, source(a, meta), now); err != nil {
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
	pending := store.Credential{UserID: a.ID, Kind: store.CredentialTOTPPending, ID: totpID, Secret: sealed,
		CreatedAt: now, ExpiresAt: now.Add(PendingFor)}
	err = store.Optimistic(ctx, store.Attempts, func(int) error {
		snap, err := s.store.Load(ctx, store.Query{Credentials: []store.CredentialKey{pending.Key()}})
		if err != nil {
			return fmt.Errorf("mfa: enrol: read: %w", err)
		}
		var put store.Op = store.PutCredential{Credential: pending}
		if old, ok := snap.Credentials[pending.Key()]; ok {
			replaced := pending
			replaced.Version = old.Version
			put = store.UpdateCredential{Credential: replaced}
		}
		return s.store.Commit(ctx, put, store.DeleteCounter{Key: lockout.AccountKey(a.ID)})
	})
	if err != nil {
		return Enrolment{}, commitError("enrol", err)
	}
	return Enrolment{Secret: totp.EncodeSecret(secret), URI: uri, QRCode: qr, ExpiresAt: pending.ExpiresAt}, nil
}

// Activation is the result of a successful activation.
type Activation struct {
	// RecoveryCodes are shown once; only their hashes are stored. Empty
	// when the account had a second factor (and so its codes) already.
	RecoveryCodes []string
	// Session is the re-issued, unrestricted session when the caller's
	// session was restricted to MFA enrolment; nil otherwise.
	Session *sessions.Issued
}

// Activate turns the pending enrolment on when code proves it. The
// activating step counts as used. Of concurrent activations with one code
// exactly one wins (the pending enrolment is deleted at the version read);
// the others get ErrInvalidCode. The account's first second factor comes
// with recovery codes. A session restricted to MFA enrolment is re-issued
// unrestricted in the same commit.
func (s *Service) Activate(ctx context.Context, cur sessions.Current, code string, meta sessions.Meta) (Activation, error) {
	a := cur.Account
	if Enabled(a) {
		return Activation{}, ErrNothingPending
	}
	pendingKey, recoveryKey := PendingKey(a.ID), RecoveryKey(a.ID)
	snap, err := s.store.Load(ctx, store.Query{Credentials: []store.CredentialKey{pendingKey, recoveryKey, TOTPKey(a.ID)}})
	if err != nil {
		return Activation{}, fmt.Errorf("mfa: activate: read: %w", err)
	}
	now := s.clock.Now()
	pending, ok := snap.Credentials[pendingKey]
	if _, activated := snap.Credentials[TOTPKey(a.ID)]; !ok && activated {
		// A concurrent activation won since the session was read: its code
		// is used.
		return Activation{}, ErrInvalidCode
	}
	if !ok {
		return Activation{}, ErrNothingPending
	}
	secret, err := Open(s.box, a.ID, pending.Secret)
	if err != nil {
		return Activation{}, err
	}
	step, ok := totp.Verify(secret, code, now, 0)
	if !ok {
		return Activation{}, ErrInvalidCode
	}
	active := store.Credential{UserID: a.ID, Kind: store.CredentialTOTP, ID: totpID, Secret: pending.Secret,
		Counter: step, CreatedAt: now, LastUsedAt: now}
	ops := []store.Op{store.DeleteCredential{Key: pendingKey, Version: pending.Version},
		store.PutCredential{Credential: active}}
	var out Activation
	updated := a
	var read *store.Credential
	if set, ok := snap.Credentials[recoveryKey]; ok {
		read = &set
	}
	codes, putCodes := FirstFactorCodes(&updated, read, now)
	out.RecoveryCodes = codes
	if putCodes != nil {
		ops = append(ops, putCodes)
	}
	updated.Credentials = updated.WithCredential(active.Ref())
	updated.UpdatedAt = now
	event := audit.New(now, audit.MFATOTPEnabled, a.ID, source(a, meta), nil)
	ops = append(ops, store.UpdateAccount{Account: updated, PreviousEmailKey: a.EmailKey}, audit.Op(event))
	if cur.Session.Restriction == store.RestrictionMFAEnrolment {
		// The renewed token continues the same sign-in: its view, its public
		// id and its absolute timeout carry over.
		issued := s.sessions.Renew(cur.Session, &updated, store.RestrictionNone, sessions.StoredView(cur.Session), meta)
		ops = append(ops, issued.Op())
		out.Session = &issued
	}
	err = s.store.Commit(ctx, ops...)
	if errors.Is(err, store.ErrConflict) {
		// Someone else changed the account or the enrolment since it was
		// read: most likely a concurrent activation with the same code,
		// which won.
		return Activation{}, ErrInvalidCode
	}
	if err != nil {
		return Activation{}, fmt.Errorf("mfa: activate: %w", err)
	}
	audit.Log(ctx, s.logger, event)
	s.notifier.Send(ctx, mail.KindTOTPEnabled, updated, "", 0)
	return out, nil
}

// Removal is a request to turn TOTP off: exactly one of Password and Code.
type Removal struct {
	Password string
	Code     string
}

// Disable turns TOTP off after a password or a current code — unless it is
// the account's last second factor and the tenant requires two-factor for
// one of its roles. Either proof is counted towards the account lockout
// before it is checked; a code is used like any use. Without a second
// factor left, the recovery codes and remembered devices go too.
func (s *Service) Disable(ctx context.Context, cur sessions.Current, in Removal, meta sessions.Meta) error {
	a := cur.Account
	switch {
	case !Enabled(a):
		return ErrNotEnabled
	case Required(a, cur.Parameters) && !a.HasCredential(store.CredentialPasskey):
		return ErrRequiredByPolicy
	}
	now := s.clock.Now()
	src := source(a, meta)
	re := Reauthentication{Password: in.Password}
	method := "password"
	if in.Code != "" {
		re.Proof, method = &Proof{Method: MethodTOTP, Code: in.Code}, MethodTOTP
	}
	proved, err := s.verifier.Reauthenticate(ctx, cur, re, src, now)
	if err != nil {
		return err
	}
	// A code proved with the credential being deleted: deleting it at the
	// version read uses the code as surely as advancing its step would.
	del := store.DeleteCredential{Key: TOTPKey(a.ID)}
	if proved.Use != nil {
		del.Version = proved.Use.Credential.Version
	}
	updated := a
	updated.Credentials = updated.WithoutCredentials(func(r store.CredentialRef) bool { return r.Kind == store.CredentialTOTP })
	ops, err := DropWithLastFactor(ctx, s.store, &updated)
	if err != nil {
		return err
	}
	updated.UpdatedAt = now
	event := audit.New(now, audit.MFATOTPDisabled, a.ID, src, map[string]string{"method": method})
	ops = append(ops, del, store.UpdateAccount{Account: updated, PreviousEmailKey: a.EmailKey},
		store.DeleteCounter{Key: lockout.AccountKey(a.ID)}, audit.Op(event))
	if err := s.store.Commit(ctx, ops...); err != nil {
		if errors.Is(err, store.ErrConflict) && proved.Use != nil {
			return ErrInvalidCode // the code was used first
		}
		return commitError("disable", err)
	}
	audit.Log(ctx, s.logger, event)
	s.notifier.Send(ctx, mail.KindTOTPDisabled, updated, "", 0)
	return nil
}

// CredentialLister lists a user's credentials of a kind.
type CredentialLister interface {
	ListCredentials(ctx context.Context, userID string, kind store.CredentialKind) ([]store.Credential, error)
}

// DropWithLastFactor returns the deletes that go with removing a second
// factor from a: when a (whose index no longer holds the removed factor)
// has no second factor left, its recovery codes and remembered devices are
// dropped too, and a's index with them. Every removal of a factor (TOTP
// here, passkeys in package passkey) commits them with its own writes.
func DropWithLastFactor(ctx context.Context, s CredentialLister, a *store.Account) ([]store.Op, error) {
	if HasSecondFactor(*a) {
		return nil, nil
	}
	ops := []store.Op{store.DeleteCredential{Key: RecoveryKey(a.ID)}}
	a.Credentials = a.WithoutCredentials(func(r store.CredentialRef) bool { return r.Kind == store.CredentialRecoveryCodes })
	devices, err := s.ListCredentials(ctx, a.ID, store.CredentialDevice)
	if err != nil {
		return nil, fmt.Errorf("mfa: list devices: %w", err)
	}
	for _, d := range devices {
		if len(ops) == store.MaxOps-6 {
			break // the rest expire, and no second step is asked any more
		}
		ops = append(ops, store.DeleteCredential{Key: d.Key()})
	}
	return ops, nil
}

// RegenerateRecoveryCodes re-authenticates with the password and replaces
// the recovery codes with a new set; the old set stops working. It is
// audited (mfa.recovery_codes.regenerated) and the account is mailed.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, cur sessions.Current, pw string, meta sessions.Meta) ([]string, error) {
	a := cur.Account
	if !HasSecondFactor(a) {
		return nil, ErrNoSecondFactor
	}
	now := s.clock.Now()
	if _, err := s.verifier.Reauthenticate(ctx, cur, Reauthentication{Password: pw}, source(a, meta), now); err != nil {
		return nil, err
	}
	codes := totp.NewRecoveryCodes(totp.RecoveryCodeCount)
	event := audit.New(now, audit.MFARecoveryCodesRegenerated, a.ID, source(a, meta),
		map[string]string{"count": strconv.Itoa(len(codes))})
	err := store.Optimistic(ctx, store.Attempts, func(try int) error {
		acct := a
		if try > 0 {
			snap, err := s.store.Load(ctx, store.Query{AccountID: a.ID})
			if err != nil {
				return fmt.Errorf("mfa: recovery codes: read: %w", err)
			}
			if snap.Account == nil || !HasSecondFactor(*snap.Account) {
				return ErrNoSecondFactor
			}
			acct = *snap.Account
		}
		snap, err := s.store.Load(ctx, store.Query{Credentials: []store.CredentialKey{RecoveryKey(a.ID)}})
		if err != nil {
			return fmt.Errorf("mfa: recovery codes: read: %w", err)
		}
		var read *store.Credential
		if set, ok := snap.Credentials[RecoveryKey(a.ID)]; ok {
			read = &set
		}
		ops := []store.Op{putRecoverySet(a.ID, codes, read, now), store.DeleteCounter{Key: lockout.AccountKey(a.ID)},
			audit.Op(event)}
		if !acct.HasCredential(store.CredentialRecoveryCodes) {
			updated := acct
			updated.Credentials = updated.WithCredential(RecoveryRef())
			updated.UpdatedAt = now
			ops = append(ops, store.UpdateAccount{Account: updated, PreviousEmailKey: acct.EmailKey})
		}
		return s.store.Commit(ctx, ops...)
	})
	if err != nil {
		return nil, commitError("recovery codes", err)
	}
	audit.Log(ctx, s.logger, event)
	s.notifier.Send(ctx, mail.KindRecoveryCodesRegenerated, a, "", 0)
	return codes, nil
}

// AdminReset removes every credential of a user — TOTP, pending enrolment,
// passkeys, recovery codes, remembered devices — and revokes every session
// of the user by raising its session epoch, in one commit with the audit
// event. A user without a second factor is still reset (its sessions are
// revoked). It returns store.ErrNotFound for an unknown user.
func (s *Service) AdminReset(ctx context.Context, userID string, src audit.Source) error {
	var before, after store.Account
	var event store.AuditEvent
	err := store.Optimistic(ctx, store.Attempts, func(int) error {
		snap, err := s.store.Load(ctx, store.Query{AccountID: userID})
		if err != nil {
			return fmt.Errorf("mfa: reset: read: %w", err)
		}
		if snap.Account == nil {
			return fmt.Errorf("mfa: reset: %w", store.ErrNotFound)
		}
		creds, err := s.store.ListCredentials(ctx, userID, "")
		if err != nil {
			return fmt.Errorf("mfa: reset: %w", err)
		}
		before = *snap.Account
		now := s.clock.Now()
		after = before
		after.Credentials = nil
		after.SessionEpoch++
		after.UpdatedAt = now
		event = audit.New(now, audit.MFAResetByAdmin, userID, src, nil)
		ops := []store.Op{store.UpdateAccount{Account: after, PreviousEmailKey: before.EmailKey}, audit.Op(event)}
		// Devices past what one commit takes are bound to the old session
		// epoch and so forgotten already; they expire on their own.
		for _, c := range creds {
			if c.Kind == store.CredentialDevice && len(ops) >= store.MaxOps-1 {
				continue
			}
			ops = append(ops, store.DeleteCredential{Key: c.Key(), Unique: c.Kind == store.CredentialPasskey})
		}
		if len(ops) > store.MaxOps {
			return fmt.Errorf("mfa: reset: %d credentials are more than one commit takes", len(creds))
		}
		return s.store.Commit(ctx, ops...)
	})
	if err != nil {
		return commitError("reset", err)
	}
	audit.Log(ctx, s.logger, event)
	if HasSecondFactor(before) {
		s.notifier.Send(ctx, mail.KindTOTPDisabled, after, "", 0)
	}
	return nil
}

// Reauthentication is what a signed-in person submits to prove again who
// they are: the password, a second-factor proof, or both (step-up asks for
// both when the account has a second factor).
type Reauthentication struct {
	Password string
	Proof    *Proof
	// State is the ceremony state of a proof that answers a challenge (a
	// passkey's), as the challenge kept it.
	State map[string]string
}

// Proved is a successful re-authentication.
type Proved struct {
	// Use is what the second-factor proof costs, which the caller commits
	// with its own writes; nil without a proof.
	Use *Use
	// Method names the proof for the audit trail: "password",
	// "password+totp", "totp", …
	Method string
}

// Verifier checks re-authentications: the one check behind TOTP enrolment,
// removal, recovery-code regeneration, passkey registration and step-up.
type Verifier struct {
	store   lockout.Store
	hasher  password.Hasher
	factors Factors
}

// NewVerifier returns a verifier that accepts the proofs of factors.
func NewVerifier(s lockout.Store, h password.Hasher, factors Factors) Verifier {
	return Verifier{store: s, hasher: h, factors: factors}
}

// Reauthenticate counts one attempt against the account lockout and only
// then checks every proof given (SECURITY.md "Count before checking"): the
// password with credential.VerifyCurrent, a second-factor proof with its
// factor (which must be one the account holds). The proof's Use is returned
// for the caller to commit — so that a code is used once. Failures are
// audited (login.failed, mfa.challenge.failed); the caller clears the
// counter in its success commit.
//
// Errors: ErrCurrentPasswordInvalid, ErrInvalidCode, *lockout.LockedError.
func (v Verifier) Reauthenticate(ctx context.Context, cur sessions.Current, in Reauthentication, src audit.Source,
	now time.Time) (Proved, error) {
	a := cur.Account
	if in.Password == "" && in.Proof == nil {
		return Proved{}, errors.New("mfa: reauthenticate: no proof given")
	}
	var factor Factor
	var creds map[store.CredentialKey]store.Credential
	if in.Proof != nil {
		f, ok := v.factors.Get(in.Proof.Method)
		if ok && f.Offered(a) {
			factor = f
			snap, err := v.store.Load(ctx, store.Query{Credentials: f.Needs(a.ID, *in.Proof)})
			if err != nil {
				return Proved{}, fmt.Errorf("mfa: reauthenticate: read: %w", err)
			}
			creds = snap.Credentials
		}
	}
	var out Proved
	err := lockout.Guard(ctx, v.store, lockout.ForAccount(cur.Parameters.Lockout), a.ID, a.LastLoginAt, src, now, func() *lockout.Failure {
		var methods []string
		if in.Password != "" {
			if !credential.VerifyCurrent(v.hasher, a, cur.Parameters, in.Password, now) {
				return &lockout.Failure{Err: ErrCurrentPasswordInvalid, Event: audit.LoginFailed,
					Detail: map[string]string{"reason": "wrong_current_password"}}
			}
			methods = append(methods, "password")
		}
		if in.Proof != nil {
			method := in.Proof.Method
			if factor == nil {
				return &lockout.Failure{Err: ErrInvalidCode, Event: audit.MFAChallengeFailed,
					Detail: map[string]string{"method": method}}
			}
			use, err := factor.Verify(Check{Account: a, Credentials: creds, State: in.State, Proof: *in.Proof, Now: now, Source: src})
			switch {
			case errors.Is(err, ErrInvalidCode):
				return &lockout.Failure{Err: ErrInvalidCode, Event: audit.MFAChallengeFailed,
					Detail: map[string]string{"method": method}}
			case err != nil:
				return &lockout.Failure{Err: err, Event: audit.MFAChallengeFailed,
					Detail: map[string]string{"method": method, "reason": "secret_unreadable"}}
			}
			out.Use = &use
			methods = append(methods, method)
		}
		out.Method = strings.Join(methods, "+")
		return nil
	})
	if err != nil {
		return Proved{}, err
	}
	return out, nil
}

// commitError maps a flow's final commit error: a conflict that outlived
// the retries becomes ErrChanged.
func commitError(flow string, err error) error {
	switch {
	case errors.Is(err, store.ErrConflict):
		return fmt.Errorf("mfa: %s: %w", flow, ErrChanged)
	case errors.Is(err, ErrNoSecondFactor), errors.Is(err, store.ErrNotFound):
		return err
	default:
		return fmt.Errorf("mfa: %s: %w", flow, err)
	}
}

func source(a store.Account, meta sessions.Meta) audit.Source {
	return audit.Source{ActorID: a.ID, IP: meta.IP, UserAgent: meta.UserAgent}
}
