package login

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/devices"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/mfa"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
)

// challenge ends a correct first step of an account with a second factor:
// it stores a single-use challenge (5 minutes, 5 tries) that carries the
// restriction the session will have and the state of the factors that hand
// the client a challenge of their own (a passkey's WebAuthn challenge), and
// issues no session.
//
// The correct password takes back its own count (counted, as stored by the
// count before the check) but no earlier failure: the account's counter is
// cleared only when the second step succeeds, so redoing the password step
// never buys more code guesses.
func (s *Service) challenge(ctx context.Context, acct store.Account, restriction string, counted store.Counter) (Outcome, error) {
	now := s.clock.Now()
	options, state, err := s.factors.Begin(acct)
	if err != nil {
		return Outcome{}, fmt.Errorf("login: challenge: %w", err)
	}
	state[stateRestriction] = restriction
	token := ids.UserToken(acct.ID)
	put := store.PutToken{Token: store.Token{
		Kind: store.TokenMFAChallenge, Hash: ids.Hash(token), UserID: acct.ID,
		CreatedAt: now, ExpiresAt: now.Add(ChallengeTTL), Data: state,
	}}
	ops := []store.Op{put}
	if counted.LockedUntil.IsZero() && counted.Failures > 0 {
		undo := counted
		undo.Failures--
		ops = append(ops, store.PutCounter{Counter: undo})
	}
	err = s.store.Commit(ctx, ops...)
	if errors.Is(err, store.ErrConflict) && len(ops) > 1 {
		// The counter moved meanwhile (a parallel attempt): keep the count.
		err = s.store.Commit(ctx, put)
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("login: challenge: %w", err)
	}
	if !counted.LockedUntil.IsZero() {
		// The right password completed a count that wrong codes began:
		// the lock it started stays (LockedMetric).
		s.countLock(ctx, now)
	}
	return Outcome{Status: StatusMFARequired, Account: acct, Challenge: token, Methods: s.factors.Offered(acct),
		Options: options}, nil
}

// stateRestriction is the challenge's key for the restriction its session
// gets; factors' own state keys are prefixed with their method.
const stateRestriction = "restriction"

// Second is a second step: the challenge, the proof, and whether to
// remember the browser.
type Second struct {
	Challenge      string
	Proof          mfa.Proof
	RememberDevice bool
	Meta           sessions.Meta
}

// SecondStep completes a sign-in with a second factor: a TOTP code, a
// recovery code or a passkey assertion (any mfa.Factor the service has).
//
// One read fetches the challenge, the account, the parameters, the
// account's counter and the credentials the factor needs. The attempt is
// counted against the account's lockout before the proof is checked, so
// wrong codes count across challenges. A right proof is used in the same
// commit that uses the challenge, records the sign-in and stores the
// session (and the remembered device, when asked for): of concurrent
// submissions exactly one gets a session. A wrong proof costs the challenge
// a try; the fifth ends it.
//
// Errors: ErrChallengeInvalid, mfa.ErrInvalidCode, *lockout.LockedError.
func (s *Service) SecondStep(ctx context.Context, in Second) (Outcome, error) {
	userID, hash, ok := ids.ParseUserToken(in.Challenge)
	if !ok {
		return Outcome{}, ErrChallengeInvalid
	}
	factor, known := s.factors.Get(in.Proof.Method)
	key := store.TokenKey{Kind: store.TokenMFAChallenge, Hash: hash}
	counterKey := lockout.AccountKey(userID)
	q := store.Query{Tokens: []store.TokenKey{key}, AccountID: userID, Parameters: true, Counters: []string{counterKey}}
	if known {
		q.Credentials = factor.Needs(userID, in.Proof)
	}
	snap, err := s.store.Load(ctx, q)
	if err != nil {
		return Outcome{}, fmt.Errorf("login: second step: read: %w", err)
	}
	now := s.clock.Now()
	tok, found := snap.Tokens[key]
	a := snap.Account
	if !found || a == nil || tok.UserID != a.ID || tok.Attempts >= ChallengeMaxTries || !now.Before(tok.ExpiresAt) ||
		!accountCanContinue(a, snap.Parameters, now) {
		return Outcome{}, ErrChallengeInvalid
	}
	p := snap.Parameters
	src := audit.Source{IP: in.Meta.IP, UserAgent: in.Meta.UserAgent}
	counted, err := lockout.Count(ctx, s.store, lockout.ForAccount(p.Lockout), snap.Counters[counterKey], a.LastLoginAt, now)
	if err != nil {
		return Outcome{}, err
	}
	var use mfa.Use
	err = mfa.ErrInvalidCode
	if known && factor.Offered(*a) {
		use, err = factor.Verify(mfa.Check{Account: *a, Credentials: snap.Credentials, State: tok.Data,
			Proof: in.Proof, Now: now, Source: src})
	}
	if errors.Is(err, mfa.ErrInvalidCode) {
		// A lock this attempt started stays: a right code would lift it.
		return Outcome{}, s.failSecondStep(ctx, tok, a.ID, in.Proof.Method, src, !counted.LockedUntil.IsZero())
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("login: second step: %w", err)
	}
	restriction := tok.Data[stateRestriction]
	status := StatusAuthenticated
	if restriction == store.RestrictionPasswordChange {
		status = StatusPasswordChangeRequired
	}
	updated := *a
	if use.Spent {
		spent := use.Credential.Ref()
		updated.Credentials = updated.WithoutCredentials(func(r store.CredentialRef) bool { return r == spent })
	}
	sessions.SignedIn(&updated, now, in.Meta.IP)
	view, err := sessions.InitialView(ctx, s.store, &updated)
	if err != nil {
		return Outcome{}, fmt.Errorf("login: second step: %w", err)
	}
	issued := s.sessions.New(&updated, in.Meta, restriction, view, p)
	detail := map[string]string{"method": "password+" + in.Proof.Method}
	for k, v := range use.Detail {
		detail[k] = v
	}
	events := []store.AuditEvent{audit.New(now, audit.LoginSucceeded, a.ID, src, detail)}
	events = append(events, use.Events...)
	// The conditional writes decide, atomically: the challenge used, the
	// proof spent, the sign-in recorded on the account (which clears its
	// failures, lockout.Since). Only then are the session and the events
	// appended, a write unit each.
	ops := []store.Op{
		store.ConsumeToken{Key: key, Version: tok.Version},
		store.UpdateAccount{Account: updated, PreviousEmailKey: a.EmailKey},
	}
	ops = append(ops, use.Ops...)
	var remembered *RememberedDevice
	if rememberFor := p.MFA.RememberDeviceFor(); in.RememberDevice && rememberFor > 0 {
		device, token := devices.Remember(updated, in.Meta.UserAgent, rememberFor, now)
		ops = append(ops, store.PutCredential{Credential: device})
		events = append(events, audit.New(now.Add(2*time.Nanosecond), audit.MFADeviceRemembered, a.ID, src,
			map[string]string{"id": devices.PublicID(device), "days": strconv.Itoa(p.MFA.RememberDeviceDays)}))
		remembered = &RememberedDevice{Token: token, ExpiresAt: device.ExpiresAt}
	}
	if err := s.store.Commit(ctx, ops...); err != nil {
		if errors.Is(err, store.ErrConflict) {
			// Another request used this challenge or this proof first.
			return Outcome{}, mfa.ErrInvalidCode
		}
		return Outcome{}, fmt.Errorf("login: second step: commit: %w", err)
	}
	appended := []store.Op{issued.Op()}
	for _, e := range events {
		appended = append(appended, audit.Op(e))
	}
	if err := s.appendSignIn(ctx, issued, appended...); err != nil {
		return Outcome{}, fmt.Errorf("login: second step: %w", err)
	}
	for _, e := range events {
		audit.Log(ctx, s.logger, e)
	}
	updated.Version++
	return Outcome{Status: status, Issued: issued, Account: updated, View: view, Device: remembered}, nil
}

// accountCanContinue reports whether the account may still finish signing in.
// Its first step was a password, so that password must still be usable (an
// SSO account's local password stops counting when sso.allowLocalPassword
// is turned off).
func accountCanContinue(a *store.Account, p params.Parameters, now time.Time) bool {
	return a.Status == store.StatusActive && accounts.PasswordUsable(a, p) && mfa.HasSecondFactor(*a) &&
		accounts.IsValidAt(a, now)
}

// failSecondStep records a wrong code: one try less for the challenge (the
// last try ends it) and the audit event; and LockedMetric when the attempt
// started a lock of the account.
func (s *Service) failSecondStep(ctx context.Context, tok store.Token, userID, method string, src audit.Source, locked bool) error {
	now := s.clock.Now()
	event := audit.New(now, audit.MFAChallengeFailed, userID, src, map[string]string{"method": method})
	key := store.TokenKey{Kind: tok.Kind, Hash: tok.Hash}
	var spend store.Op
	if tok.Attempts+1 >= ChallengeMaxTries {
		spend = store.ConsumeToken{Key: key, Version: tok.Version}
	} else {
		next := tok
		next.Attempts++
		spend = store.UpdateToken{Token: next}
	}
	err := s.store.Commit(ctx, spend, audit.Op(event))
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("login: second step: record failure: %w", err)
	}
	if errors.Is(err, store.ErrConflict) {
		// A concurrent try changed the challenge first; the failure still
		// belongs in the trail.
		if err := s.store.Commit(ctx, audit.Op(event)); err != nil {
			return fmt.Errorf("login: second step: audit: %w", err)
		}
	}
	audit.Log(ctx, s.logger, event)
	if locked {
		s.countLock(ctx, now)
	}
	return mfa.ErrInvalidCode
}
