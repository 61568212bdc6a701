package passkey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/mfa"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
)

// ErrSignInFailed is the one failure of a passwordless sign-in: unknown
// credential, bad signature, expired or used challenge, inactive or expired
// account — all alike (API.md).
var ErrSignInFailed = errors.New("passkey: sign-in failed")

// Purposes of a passkey challenge token.
const (
	purposeSignIn = "sign_in"
	purposeReauth = "reauth"
	purposeKey    = "purpose"
)

// SignIn is passwordless sign-in with a discoverable passkey that verified
// its user, and the passkey challenge of a step-up.
type SignIn struct {
	rp       *RelyingParty
	store    Store
	sessions *sessions.Manager
	clock    clock.Clock
	logger   *slog.Logger
}

// NewSignIn returns the passwordless sign-in service.
func NewSignIn(rp *RelyingParty, s Store, m *sessions.Manager, c clock.Clock, logger *slog.Logger) *SignIn {
	return &SignIn{rp: rp, store: s, sessions: m, clock: c, logger: logger}
}

// Challenge is a started ceremony: the opaque handle the client sends back
// and the request options for navigator.credentials.get.
type Challenge struct {
	Handle  string
	Options *protocol.CredentialAssertion
}

// Begin starts a passwordless sign-in: an empty allow list (the
// authenticator offers its discoverable passkeys) and user verification
// required, so the passkey is two factors by itself. One write, no read.
func (s *SignIn) Begin(ctx context.Context) (Challenge, error) {
	assertion, session, err := s.rp.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return Challenge{}, fmt.Errorf("passkey: begin sign-in: %w", err)
	}
	handle := ids.Token()
	if err := s.put(ctx, handle, "", purposeSignIn, session); err != nil {
		return Challenge{}, err
	}
	return Challenge{Handle: handle, Options: assertion}, nil
}

// put stores a ceremony in a single-use token that lives CeremonyTTL.
func (s *SignIn) put(ctx context.Context, handle, userID, purpose string, session *webauthn.SessionData) error {
	state, err := sessionState(stateKey, session)
	if err != nil {
		return err
	}
	state[purposeKey] = purpose
	now := s.clock.Now()
	tok := store.Token{Kind: store.TokenPasskeyChallenge, Hash: ids.Hash(handle), UserID: userID,
		CreatedAt: now, ExpiresAt: now.Add(CeremonyTTL), Data: state}
	if err := s.store.Commit(ctx, store.PutToken{Token: tok}); err != nil {
		return fmt.Errorf("passkey: begin: %w", err)
	}
	return nil
}

// Attempt is one passwordless finish.
type Attempt struct {
	Handle   string
	Response []byte
	Meta     sessions.Meta
}

// Signed is a completed passwordless sign-in.
type Signed struct {
	Issued  sessions.Issued
	Account store.Account
	View    sessions.View
}

// Finish completes a passwordless sign-in. One read fetches the challenge,
// the account the assertion's user handle names, that account's passkey of
// the assertion's credential id, the parameters and the client address's
// counter; one commit uses the challenge, stores the new signature counter,
// records the sign-in and stores the session. Every failure is
// ErrSignInFailed (or a *lockout.LockedError while the client address is
// locked) and counts towards the address's lockout; the challenge is used
// up either way.
func (s *SignIn) Finish(ctx context.Context, in Attempt) (Signed, error) {
	now := s.clock.Now()
	ipKey := lockout.IPKey(in.Meta.IP)
	key := store.TokenKey{Kind: store.TokenPasskeyChallenge, Hash: ids.Hash(in.Handle)}
	parsed, perr := parseAssertion(in.Response)
	id, _ := assertionID(in.Response)
	q := store.Query{Parameters: true, Counters: []string{ipKey}}
	if in.Handle != "" && len(in.Handle) <= 256 {
		q.Tokens = []store.TokenKey{key}
	}
	userID := ""
	if perr == nil {
		userID = string(parsed.Response.UserHandle)
	}
	if userID != "" && len(userID) <= 64 && id != "" {
		q.AccountID = userID
		q.Credentials = []store.CredentialKey{Key(userID, id)}
	}
	snap, err := s.store.Load(ctx, q)
	if err != nil {
		return Signed{}, fmt.Errorf("passkey: sign-in: read: %w", err)
	}
	p := snap.Parameters
	ipPolicy := lockout.ForIP(p.Lockout)
	if wait, locked := ipPolicy.Locked(snap.Counters[ipKey], now); locked {
		return Signed{}, &lockout.LockedError{RetryAfter: wait}
	}
	src := audit.Source{IP: in.Meta.IP, UserAgent: in.Meta.UserAgent}
	tok, found := snap.Tokens[key]
	fail := func(reason string, a *store.Account) (Signed, error) {
		return Signed{}, s.fail(ctx, snap.Counters[ipKey], ipPolicy, tok, found, a, reason, src, now)
	}
	session, started := readSession(tok.Data, stateKey)
	switch {
	case !found || !started || tok.Data[purposeKey] != purposeSignIn || !now.Before(tok.ExpiresAt):
		return fail("challenge_invalid", nil)
	case perr != nil:
		return fail("response_unreadable", nil)
	case snap.Account == nil:
		return fail("unknown_account", nil)
	}
	a := *snap.Account
	cred, ok := snap.Credentials[Key(a.ID, id)]
	switch {
	case !ok:
		return fail("unknown_credential", &a)
	case !accounts.MayUseSession(&a, now) || a.SSO:
		return fail("account_inactive", &a)
	}
	updated, err := s.rp.verifyAssertion(a, cred, session, parsed, now)
	if errors.Is(err, ErrInvalid) {
		return fail("assertion_invalid", &a)
	}
	if err != nil {
		return Signed{}, fmt.Errorf("passkey: sign-in: %w", err)
	}
	signed := a
	sessions.SignedIn(&signed, now, in.Meta.IP)
	view, err := sessions.InitialView(ctx, s.store, &signed)
	if err != nil {
		return Signed{}, fmt.Errorf("passkey: sign-in: %w", err)
	}
	issued := s.sessions.New(&signed, in.Meta, store.RestrictionNone, view, p)
	event := audit.New(now, audit.LoginSucceeded, a.ID, src,
		map[string]string{"method": mfa.MethodPasskey, "passkey": updated.ID})
	err = s.store.Commit(ctx,
		store.ConsumeToken{Key: key, Version: tok.Version},
		store.UpdateCredential{Credential: updated},
		store.UpdateAccount{Account: signed, PreviousEmailKey: a.EmailKey},
		issued.Op(),
		audit.Op(event),
	)
	if errors.Is(err, store.ErrConflict) {
		// The challenge or the passkey was used first, or the account
		// changed: the client starts again.
		return Signed{}, ErrSignInFailed
	}
	if err != nil {
		return Signed{}, fmt.Errorf("passkey: sign-in: commit: %w", err)
	}
	audit.Log(ctx, s.logger, event)
	signed.Version++
	return Signed{Issued: issued, Account: signed, View: view}, nil
}

// fail uses the challenge up and records a failure: the client address's
// count and login.failed.
func (s *SignIn) fail(ctx context.Context, ipCounter store.Counter, ipPolicy lockout.Policy, tok store.Token, found bool,
	a *store.Account, reason string, src audit.Source, now time.Time) error {
	if found {
		err := s.store.Commit(ctx, store.ConsumeToken{Key: store.TokenKey{Kind: tok.Kind, Hash: tok.Hash}, Version: tok.Version})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("passkey: sign-in: use challenge: %w", err)
		}
	}
	userID := ""
	if a != nil {
		userID = a.ID
	}
	event := audit.New(now, audit.LoginFailed, userID, src, map[string]string{"reason": reason, "method": mfa.MethodPasskey})
	_, err := lockout.Count(ctx, s.store, ipPolicy, ipCounter, time.Time{}, now, audit.Op(event))
	switch {
	case errors.Is(err, lockout.ErrLocked):
		if err := s.store.Commit(ctx, audit.Op(event)); err != nil {
			return fmt.Errorf("passkey: sign-in: record failure: %w", err)
		}
	case err != nil:
		return fmt.Errorf("passkey: sign-in: record failure: %w", err)
	}
	audit.Log(ctx, s.logger, event)
	return ErrSignInFailed
}

// BeginReauth starts the passkey proof of a step-up (API.md POST
// /api/auth/reauth with "passkey"): the account's passkeys as the allow
// list, user verification preferred (the password is asked too). The
// handle is user-scoped and single-use.
func (s *SignIn) BeginReauth(ctx context.Context, a store.Account) (Challenge, error) {
	if !a.HasCredential(store.CredentialPasskey) {
		return Challenge{}, ErrNotFound
	}
	opts, state, err := Factor{RP: s.rp}.Begin(a)
	if err != nil {
		return Challenge{}, fmt.Errorf("passkey: begin reauth: %w", err)
	}
	handle := ids.UserToken(a.ID)
	now := s.clock.Now()
	state[purposeKey] = purposeReauth
	tok := store.Token{Kind: store.TokenPasskeyChallenge, Hash: ids.Hash(handle), UserID: a.ID,
		CreatedAt: now, ExpiresAt: now.Add(CeremonyTTL), Data: state}
	if err := s.store.Commit(ctx, store.PutToken{Token: tok}); err != nil {
		return Challenge{}, fmt.Errorf("passkey: begin reauth: %w", err)
	}
	return Challenge{Handle: handle, Options: opts.(*protocol.CredentialAssertion)}, nil
}

// ReauthChallenge reads the step-up challenge handle of account userID: the
// state its proof is checked against and the op that uses it up, to commit
// with the step-up. ok is false for an unknown, expired, used or foreign
// handle.
func (s *SignIn) ReauthChallenge(ctx context.Context, userID, handle string) (state map[string]string, use store.Op, ok bool, err error) {
	now := s.clock.Now()
	owner, hash, parsed := ids.ParseUserToken(handle)
	if !parsed || owner != userID {
		return nil, nil, false, nil
	}
	key := store.TokenKey{Kind: store.TokenPasskeyChallenge, Hash: hash}
	snap, err := s.store.Load(ctx, store.Query{Tokens: []store.TokenKey{key}})
	if err != nil {
		return nil, nil, false, fmt.Errorf("passkey: read challenge: %w", err)
	}
	tok, found := snap.Tokens[key]
	if !found || tok.UserID != userID || tok.Data[purposeKey] != purposeReauth || !now.Before(tok.ExpiresAt) {
		return nil, nil, false, nil
	}
	return tok.Data, store.ConsumeToken{Key: key, Version: tok.Version}, true, nil
}
