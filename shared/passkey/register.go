package passkey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/mfa"
	"github.com/gatepass/gatepass/shared/notify"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
)

// Errors of passkey management.
var (
	// ErrRegistrationInvalid means the registration is unknown, expired or
	// not this account's, or its attestation did not verify (challenge,
	// origin, RP ID).
	ErrRegistrationInvalid = errors.New("passkey: registration invalid")
	// ErrAlreadyRegistered means the credential is registered already (to
	// this account or another).
	ErrAlreadyRegistered = errors.New("passkey: already registered")
	// ErrTooMany means the account has MaxPasskeys passkeys.
	ErrTooMany = errors.New("passkey: too many passkeys")
	// ErrNotFound means the account has no passkey of that id.
	ErrNotFound = errors.New("passkey: not found")
)

// registrationKey is where a registration token keeps its ceremony.
const registrationKey = "passkey.registration"

// Store is what passkeys need from the store.
type Store interface {
	Load(ctx context.Context, q store.Query) (store.Snapshot, error)
	Commit(ctx context.Context, ops ...store.Op) error
	ListCredentials(ctx context.Context, userID string, kind store.CredentialKind) ([]store.Credential, error)
}

// Service registers, renames and removes passkeys (API.md "Passkeys").
type Service struct {
	rp       *RelyingParty
	store    Store
	verifier mfa.Verifier
	sessions *sessions.Manager
	notifier *notify.Notifier
	clock    clock.Clock
	logger   *slog.Logger
}

// NewService returns the passkey management service; verifier checks the
// password of registrations and removals.
func NewService(rp *RelyingParty, s Store, v mfa.Verifier, m *sessions.Manager, n *notify.Notifier, c clock.Clock,
	logger *slog.Logger) *Service {
	return &Service{rp: rp, store: s, verifier: v, sessions: m, notifier: n, clock: c, logger: logger}
}

// Registration is a started registration: the opaque handle the client
// sends back and the creation options for navigator.credentials.create.
type Registration struct {
	Handle  string
	Options *protocol.CredentialCreation
}

// BeginRegistration re-authenticates with the password (counted towards the
// lockout first) and starts a registration: resident key required, user
// verification preferred, the account's passkeys excluded. Its ceremony is
// kept in a single-use token for RegistrationTTL.
func (s *Service) BeginRegistration(ctx context.Context, cur sessions.Current, pw string, meta sessions.Meta) (Registration, error) {
	a := cur.Account
	switch {
	case a.SSO && !accounts.PasswordUsable(&a, cur.Parameters):
		return Registration{}, mfa.ErrSSOAccount
	case len(a.CredentialIDs(store.CredentialPasskey)) >= MaxPasskeys:
		return Registration{}, ErrTooMany
	}
	now := s.clock.Now()
	src := audit.Source{ActorID: a.ID, IP: meta.IP, UserAgent: meta.UserAgent}
	if _, err := s.verifier.Reauthenticate(ctx, cur, mfa.Reauthentication{Password: pw}, src, now); err != nil {
		return Registration{}, err
	}
	creation, session, err := s.rp.wa.BeginRegistration(user{a: a},
		webauthn.WithExclusions(descriptors(a)),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationPreferred,
		}))
	if err != nil {
		return Registration{}, fmt.Errorf("passkey: begin registration: %w", err)
	}
	state, err := sessionState(registrationKey, session)
	if err != nil {
		return Registration{}, err
	}
	handle := ids.UserToken(a.ID)
	tok := store.Token{Kind: store.TokenPasskeyRegistration, Hash: ids.Hash(handle), UserID: a.ID,
		CreatedAt: now, ExpiresAt: now.Add(RegistrationTTL), Data: state}
	if err := s.store.Commit(ctx, store.PutToken{Token: tok}, store.DeleteCounter{Key: lockout.AccountKey(a.ID)}); err != nil {
		return Registration{}, fmt.Errorf("passkey: begin registration: %w", err)
	}
	return Registration{Handle: handle, Options: creation}, nil
}

// Added is a registered passkey; RecoveryCodes are shown once, and only
// when the passkey is the account's first second factor.
type Added struct {
	Passkey       store.Credential
	RecoveryCodes []string
	// Session is the re-issued, unrestricted session when the caller's
	// session was restricted to MFA enrolment: a passkey satisfies
	// mfa.requiredForRoles like TOTP does.
	Session *sessions.Issued
}

// FinishRegistration verifies the new credential against the registration
// and stores it — with its id's claim, so that a credential is registered
// once per tenant — together with the account's index, the first factor's
// recovery codes and mfa.passkey.added, in one commit that also uses the
// registration up.
func (s *Service) FinishRegistration(ctx context.Context, cur sessions.Current, handle, name string, response []byte,
	meta sessions.Meta) (Added, error) {
	a := cur.Account
	owner, hash, ok := ids.ParseUserToken(handle)
	if !ok || owner != a.ID || len(response) > maxResponseBytes {
		return Added{}, ErrRegistrationInvalid
	}
	key := store.TokenKey{Kind: store.TokenPasskeyRegistration, Hash: hash}
	snap, err := s.store.Load(ctx, store.Query{Tokens: []store.TokenKey{key},
		Credentials: []store.CredentialKey{mfa.RecoveryKey(a.ID)}})
	if err != nil {
		return Added{}, fmt.Errorf("passkey: finish registration: read: %w", err)
	}
	now := s.clock.Now()
	tok, found := snap.Tokens[key]
	session, started := readSession(tok.Data, registrationKey)
	if !found || tok.UserID != a.ID || !started || !now.Before(tok.ExpiresAt) {
		return Added{}, ErrRegistrationInvalid
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return Added{}, fmt.Errorf("%w: %w", ErrRegistrationInvalid, err)
	}
	created, err := s.rp.wa.CreateCredential(user{a: a}, session, parsed)
	if err != nil {
		return Added{}, fmt.Errorf("%w: %w", ErrRegistrationInvalid, err)
	}
	pk := toStore(a.ID, name, created, now)
	if len(pk.ID) > 2*maxIDBytes {
		return Added{}, ErrRegistrationInvalid
	}
	if a.HasCredential(store.CredentialPasskey) && containsID(a, pk.ID) {
		return Added{}, ErrAlreadyRegistered
	}
	updated := a
	var read *store.Credential
	if set, ok := snap.Credentials[mfa.RecoveryKey(a.ID)]; ok {
		read = &set
	}
	codes, putCodes := mfa.FirstFactorCodes(&updated, read, now)
	updated.Credentials = updated.WithCredential(pk.Ref())
	updated.UpdatedAt = now
	src := audit.Source{ActorID: a.ID, IP: meta.IP, UserAgent: meta.UserAgent}
	event := audit.New(now, audit.MFAPasskeyAdded, a.ID, src, map[string]string{"passkey": pk.ID, "name": pk.Name})
	ops := []store.Op{store.ConsumeToken{Key: key, Version: tok.Version}, store.PutCredential{Credential: pk, Unique: true},
		store.UpdateAccount{Account: updated, PreviousEmailKey: a.EmailKey}, audit.Op(event)}
	if putCodes != nil {
		ops = append(ops, putCodes)
	}
	out := Added{Passkey: pk, RecoveryCodes: codes}
	if cur.Session.Restriction == store.RestrictionMFAEnrolment {
		issued := s.sessions.Renew(cur.Session, &updated, store.RestrictionNone, sessions.StoredView(cur.Session), meta)
		ops = append(ops, issued.Op())
		out.Session = &issued
	}
	err = s.store.Commit(ctx, ops...)
	if errors.Is(err, store.ErrConflict) {
		return Added{}, s.whyConflict(ctx, pk)
	}
	if err != nil {
		return Added{}, fmt.Errorf("passkey: finish registration: %w", err)
	}
	audit.Log(ctx, s.logger, event)
	s.notifier.Send(ctx, mail.KindPasskeyAdded, updated, "", 0)
	out.Passkey.Version = 1
	return out, nil
}

// whyConflict tells a credential registered already from an account or a
// registration that changed meanwhile.
func (s *Service) whyConflict(ctx context.Context, pk store.Credential) error {
	claim := store.ClaimKey{Kind: store.CredentialClaim(store.CredentialPasskey), Value: pk.ID}
	snap, err := s.store.Load(ctx, store.Query{Claims: []store.ClaimKey{claim}})
	if err == nil && snap.Claims[claim] != "" {
		return ErrAlreadyRegistered
	}
	return fmt.Errorf("passkey: finish registration: %w", mfa.ErrChanged)
}

func containsID(a store.Account, id string) bool {
	for _, x := range a.CredentialIDs(store.CredentialPasskey) {
		if x == id {
			return true
		}
	}
	return false
}

// Rename gives one of the account's passkeys a new name.
func (s *Service) Rename(ctx context.Context, cur sessions.Current, id, name string) (store.Credential, error) {
	var out store.Credential
	err := store.Optimistic(ctx, store.Attempts, func(int) error {
		pk, err := s.load(ctx, cur.Account, id)
		if err != nil {
			return err
		}
		if pk.Name == name {
			out = pk
			return nil
		}
		pk.Name = name
		if err := s.store.Commit(ctx, store.UpdateCredential{Credential: pk}); err != nil {
			return err
		}
		pk.Version++
		out = pk
		return nil
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		return store.Credential{}, fmt.Errorf("passkey: rename: %w", mfa.ErrChanged)
	case err != nil:
		return store.Credential{}, err
	}
	return out, nil
}

// Remove re-authenticates with the password and removes one of the
// account's passkeys, releasing its id — unless it is the account's last
// second factor and the tenant requires two-factor for one of its roles.
// Without a second factor left, the recovery codes and remembered devices
// go too.
func (s *Service) Remove(ctx context.Context, cur sessions.Current, id, pw string, meta sessions.Meta) error {
	a := cur.Account
	if !containsID(a, id) {
		return ErrNotFound
	}
	updated := a
	updated.Credentials = updated.WithoutCredentials(func(r store.CredentialRef) bool {
		return r.Kind == store.CredentialPasskey && r.ID == id
	})
	if mfa.Required(a, cur.Parameters) && !mfa.HasSecondFactor(updated) {
		return mfa.ErrRequiredByPolicy
	}
	now := s.clock.Now()
	src := audit.Source{ActorID: a.ID, IP: meta.IP, UserAgent: meta.UserAgent}
	if _, err := s.verifier.Reauthenticate(ctx, cur, mfa.Reauthentication{Password: pw}, src, now); err != nil {
		return err
	}
	pk, err := s.load(ctx, a, id)
	if err != nil {
		return err
	}
	extra, err := mfa.DropWithLastFactor(ctx, s.store, &updated)
	if err != nil {
		return err
	}
	updated.UpdatedAt = now
	event := audit.New(now, audit.MFAPasskeyRemoved, a.ID, src, map[string]string{"passkey": pk.ID, "name": pk.Name})
	ops := append([]store.Op{store.DeleteCredential{Key: pk.Key(), Version: pk.Version, Unique: true},
		store.UpdateAccount{Account: updated, PreviousEmailKey: a.EmailKey},
		store.DeleteCounter{Key: lockout.AccountKey(a.ID)}, audit.Op(event)}, extra...)
	if err := s.store.Commit(ctx, ops...); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("passkey: remove: %w", mfa.ErrChanged)
		}
		return fmt.Errorf("passkey: remove: %w", err)
	}
	audit.Log(ctx, s.logger, event)
	s.notifier.Send(ctx, mail.KindPasskeyRemoved, updated, "", 0)
	return nil
}

// load reads one passkey of the account; ErrNotFound when it has none of
// that id.
func (s *Service) load(ctx context.Context, a store.Account, id string) (store.Credential, error) {
	if id == "" || len(id) > 2*maxIDBytes {
		return store.Credential{}, ErrNotFound
	}
	snap, err := s.store.Load(ctx, store.Query{Credentials: []store.CredentialKey{Key(a.ID, id)}})
	if err != nil {
		return store.Credential{}, fmt.Errorf("passkey: read: %w", err)
	}
	pk, ok := snap.Credentials[Key(a.ID, id)]
	if !ok {
		return store.Credential{}, ErrNotFound
	}
	return pk, nil
}
