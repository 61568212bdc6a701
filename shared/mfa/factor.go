// Package mfa is the second-factor capability: the Factor contract every
// second factor meets (TOTP, recovery codes, passkeys), TOTP enrolment,
// activation and removal, recovery codes, MFA required by role, and the
// re-authentication check behind sensitive changes (SECURITY.md "TOTP and
// recovery codes").
//
// Factors are credentials of their own (store.Credential), indexed on the
// account (Account.Credentials) so that which factors an account has is
// known from the account alone. A new factor is a package that implements
// Factor for a new store.CredentialKind, plus its routes: the login's
// second step, re-authentication and the session document take it from the
// Factors list they are given, and no store adapter changes.
package mfa

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/secretbox"
	"github.com/gatepass/gatepass/shared/store"
)

// ErrInvalidCode means a code, recovery code or passkey assertion was wrong,
// reused or replayed — all alike.
var ErrInvalidCode = errors.New("mfa: invalid code")

// Methods of a second factor, as API.md names them.
const (
	MethodTOTP         = "totp"
	MethodPasskey      = "passkey"
	MethodRecoveryCode = "recovery_code"
)

// Proof is what a person submitted for one factor.
type Proof struct {
	// Method names the factor (MethodTOTP, …).
	Method string
	// Code is a TOTP code or a recovery code.
	Code string
	// Response is a factor's structured answer: a WebAuthn assertion
	// (AuthenticationResponseJSON).
	Response []byte
}

// Check is one verification of a proof: the account, the credentials the
// factor asked for (Factor.Needs) as one Load read them, and the state the
// factor's Begin stored with the challenge, if any.
type Check struct {
	Account     store.Account
	Credentials map[store.CredentialKey]store.Credential
	State       map[string]string
	Proof       Proof
	Now         time.Time
	// Source is who submitted the proof, for the factor's audit events.
	Source audit.Source
}

// Use is what a verified proof costs: the writes that use it up, committed
// by the caller in the same commit as the session it grants — under version
// conditions, so that a code, a step or a signature counter value counts
// once across concurrent requests — and the audit detail and events that
// go with it.
type Use struct {
	Ops []store.Op
	// Detail is added to the sign-in's audit event.
	Detail map[string]string
	// Events are further audit events (mfa.recovery_code.used).
	Events []store.AuditEvent
	// Credential is the credential that proved, as it will be stored; its
	// Version is the one read.
	Credential store.Credential
	// Spent means the proof used the credential up: Ops delete it, and the
	// caller drops it from the account's index in the same commit.
	Spent bool
}

// Factor is one kind of second factor. Implementations are stateless
// values; the store calls happen in their callers.
type Factor interface {
	// Method is the factor's API name.
	Method() string
	// Offered reports whether the account holds the factor, from its
	// credential index alone.
	Offered(a store.Account) bool
	// Needs names the credentials checking p reads; the caller loads them
	// with the account in one read. An empty result means p cannot be
	// checked (it will fail).
	Needs(userID string, p Proof) []store.CredentialKey
	// Verify checks p. ErrInvalidCode for every wrong, reused or foreign
	// proof; other errors are failures of the service (an unreadable
	// secret).
	Verify(c Check) (Use, error)
}

// Starter is a factor that hands the client a challenge before it can
// prove (WebAuthn): Begin returns the options the client needs and the
// state its Verify expects back in Check.State, which the caller keeps
// server-side with its own challenge.
type Starter interface {
	Factor
	Begin(a store.Account) (options any, state map[string]string, err error)
}

// Factors is the list of second factors a function accepts, in the order
// API.md lists methods.
type Factors []Factor

// Get returns the factor of method.
func (fs Factors) Get(method string) (Factor, bool) {
	i := slices.IndexFunc(fs, func(f Factor) bool { return f.Method() == method })
	if i < 0 {
		return nil, false
	}
	return fs[i], true
}

// Offered lists the methods the account can use.
func (fs Factors) Offered(a store.Account) []string {
	var out []string
	for _, f := range fs {
		if f.Offered(a) {
			out = append(out, f.Method())
		}
	}
	return out
}

// Begin starts every offered factor that needs a challenge and returns
// their options by method and their state, merged (each factor's keys are
// its own).
func (fs Factors) Begin(a store.Account) (map[string]any, map[string]string, error) {
	var options map[string]any
	state := map[string]string{}
	for _, f := range fs {
		s, ok := f.(Starter)
		if !ok || !f.Offered(a) {
			continue
		}
		opt, st, err := s.Begin(a)
		if err != nil {
			return nil, nil, fmt.Errorf("mfa: begin %s: %w", f.Method(), err)
		}
		if options == nil {
			options = map[string]any{}
		}
		options[f.Method()] = opt
		for k, v := range st {
			state[k] = v
		}
	}
	return options, state, nil
}

// HasSecondFactor reports whether the account has a lasting second factor
// (TOTP or a passkey); recovery codes only come with one.
func HasSecondFactor(a store.Account) bool {
	return a.HasCredential(store.CredentialTOTP) || a.HasCredential(store.CredentialPasskey)
}

// Enabled reports whether the account has an active TOTP factor.
func Enabled(a store.Account) bool { return a.HasCredential(store.CredentialTOTP) }

// Required reports whether the tenant requires two-factor for one of the
// account's roles (parameter mfa.requiredForRoles).
func Required(a store.Account, p params.Parameters) bool {
	for _, r := range a.Roles {
		if slices.Contains(p.MFA.RequiredForRoles, r) {
			return true
		}
	}
	return false
}

// associatedData binds a sealed TOTP secret to its account: a secret copied
// to another account's record does not open.
func associatedData(userID string) []byte { return []byte("gatepass/totp-secret/" + userID) }

// Seal seals a TOTP secret for an account.
func Seal(box *secretbox.Box, userID string, secret []byte) ([]byte, error) {
	sealed, err := box.Seal(secret, associatedData(userID))
	if err != nil {
		return nil, fmt.Errorf("mfa: seal: %w", err)
	}
	return sealed, nil
}

// Open opens an account's sealed TOTP secret.
func Open(box *secretbox.Box, userID string, sealed []byte) ([]byte, error) {
	secret, err := box.Open(sealed, associatedData(userID))
	if err != nil {
		return nil, fmt.Errorf("mfa: open: %w", err)
	}
	return secret, nil
}
