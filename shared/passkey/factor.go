package passkey

import (
	"errors"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gatepass/gatepass/shared/mfa"
	"github.com/gatepass/gatepass/shared/store"
)

// stateKey is where a second step's or a step-up's challenge keeps the
// passkey ceremony (mfa.Check.State).
const stateKey = "passkey.session"

// Factor is the passkey as a second factor (mfa.Factor and mfa.Starter):
// the login's second step and re-authentication offer it to accounts that
// hold a passkey, with the account's passkeys as the allow list. User
// verification is preferred, not required: the password was the first
// factor.
type Factor struct {
	RP *RelyingParty
}

var _ mfa.Starter = Factor{}

// Method implements mfa.Factor.
func (Factor) Method() string { return mfa.MethodPasskey }

// Offered implements mfa.Factor.
func (Factor) Offered(a store.Account) bool { return a.HasCredential(store.CredentialPasskey) }

// Needs implements mfa.Factor: the passkey the assertion names, under the
// account — a credential of another account is simply not found.
func (Factor) Needs(userID string, p mfa.Proof) []store.CredentialKey {
	id, ok := assertionID(p.Response)
	if !ok {
		return nil
	}
	return []store.CredentialKey{Key(userID, id)}
}

// Begin implements mfa.Starter: the request options (the client's
// navigator.credentials.get argument) and the ceremony to keep.
func (f Factor) Begin(a store.Account) (any, map[string]string, error) {
	assertion, session, err := f.RP.wa.BeginLogin(user{a: a, creds: allowList(a)},
		webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, nil, err
	}
	state, err := sessionState(stateKey, session)
	if err != nil {
		return nil, nil, err
	}
	return assertion, state, nil
}

// allowList is the account's passkeys as go-webauthn wants them for the
// allow list: ids only.
func allowList(a store.Account) []webauthn.Credential {
	var out []webauthn.Credential
	for _, d := range descriptors(a) {
		out = append(out, webauthn.Credential{ID: d.CredentialID})
	}
	return out
}

// Verify implements mfa.Factor: the assertion must answer the challenge's
// ceremony with a passkey of the account, and its signature counter must
// have grown; the new counter is stored under the passkey's version.
func (f Factor) Verify(c mfa.Check) (mfa.Use, error) {
	id, ok := assertionID(c.Proof.Response)
	if !ok {
		return mfa.Use{}, mfa.ErrInvalidCode
	}
	cred, found := c.Credentials[Key(c.Account.ID, id)]
	session, started := readSession(c.State, stateKey)
	if !found || !started {
		return mfa.Use{}, mfa.ErrInvalidCode
	}
	parsed, err := parseAssertion(c.Proof.Response)
	if err != nil {
		return mfa.Use{}, mfa.ErrInvalidCode
	}
	updated, err := f.RP.verifyAssertion(c.Account, cred, session, parsed, c.Now)
	if errors.Is(err, ErrInvalid) {
		return mfa.Use{}, mfa.ErrInvalidCode
	}
	if err != nil {
		return mfa.Use{}, err
	}
	return mfa.Use{Ops: []store.Op{store.UpdateCredential{Credential: updated}}, Credential: updated,
		Detail: map[string]string{"passkey": updated.ID}}, nil
}
