// Package passkey is the WebAuthn factor (SECURITY.md "Passkeys"; API.md
// "Passkeys", "POST /api/auth/login/passkey/…"): registration with
// re-authentication, rename and removal; passwordless sign-in with a
// discoverable passkey that verified its user; the passkey as the second step
// after a password (an mfa.Factor); and the passkey proof of a step-up.
//
// It is the model of a new factor: a credential kind
// (store.CredentialPasskey), an mfa.Factor implementation and its routes. No
// store adapter knows it. The WebAuthn ceremonies are
// github.com/go-webauthn/webauthn's; this package keeps their state in
// single-use store tokens and their credentials as store credentials:
//
//	ID      the credential id, base64url (unique per tenant: its claim)
//	Name    the person's label
//	Secret  the COSE public key
//	Counter the signature counter, which must grow (0 for authenticators
//	        that keep none)
//	Data    flags (the WebAuthn flags byte), aaguid, fmt (attestation
//	        format), transports
package passkey

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gatepass/gatepass/shared/store"
)

// Limits.
const (
	// CeremonyTTL bounds every challenge (SECURITY.md: ≤ 5 minutes).
	CeremonyTTL = 5 * time.Minute
	// RegistrationTTL is how long a registration may take (API.md: 10
	// minutes, the time to find and touch a security key).
	RegistrationTTL = 10 * time.Minute
	// MaxPasskeys bounds the passkeys of one account, and so the size of its
	// credential index.
	MaxPasskeys = 10
	// maxResponseBytes bounds a WebAuthn response before it is parsed.
	maxResponseBytes = 16 << 10
	// maxIDBytes bounds a credential id (WebAuthn: at most 1023 bytes).
	maxIDBytes = 1023
)

// ErrNoDomain means the public URL's host is an IP address: WebAuthn works
// only on a domain (localhost included), so passkeys are off there.
var ErrNoDomain = errors.New("passkey: the public URL's host is an IP address, and WebAuthn needs a domain")

// ErrInvalid means a WebAuthn response failed verification: bad signature,
// challenge, origin or RP ID, unknown or foreign credential, counter gone
// backwards — all alike.
var ErrInvalid = errors.New("passkey: response invalid")

// RelyingParty is the deployment's WebAuthn relying party: its RP ID is the
// public URL's host and the public origin the only origin accepted.
type RelyingParty struct {
	wa   *webauthn.WebAuthn
	rpID string
}

// NewRelyingParty returns the relying party of publicURL (scheme://host[:port]);
// name is shown by authenticators. WebAuthn needs a domain: an IP address
// fails here.
func NewRelyingParty(publicURL, name string) (*RelyingParty, error) {
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("passkey: public URL %q is not an http(s) URL", publicURL)
	}
	if net.ParseIP(u.Hostname()) != nil {
		return nil, ErrNoDomain
	}
	origin := u.Scheme + "://" + u.Host
	wa, err := webauthn.New(&webauthn.Config{
		RPID:                  u.Hostname(),
		RPDisplayName:         name,
		RPOrigins:             []string{origin},
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationPreferred,
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: CeremonyTTL, TimeoutUVD: CeremonyTTL},
			Registration: webauthn.TimeoutConfig{Timeout: RegistrationTTL, TimeoutUVD: RegistrationTTL},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("passkey: relying party for %q: %w", publicURL, err)
	}
	return &RelyingParty{wa: wa, rpID: u.Hostname()}, nil
}

// user adapts an account to webauthn.User, with the credentials of a
// ceremony.
type user struct {
	a     store.Account
	creds []webauthn.Credential
}

func (u user) WebAuthnID() []byte   { return []byte(u.a.ID) }
func (u user) WebAuthnName() string { return u.a.Username }
func (u user) WebAuthnDisplayName() string {
	if u.a.DisplayName != "" {
		return u.a.DisplayName
	}
	return u.a.Username
}
func (u user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// encodeID is how credential ids are written: base64url without padding,
// as WebAuthn's JSON has them.
func encodeID(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }

// descriptors lists the account's passkeys (from its index) as credential
// descriptors: the allow list of a second step, the exclude list of a
// registration.
func descriptors(a store.Account) []protocol.CredentialDescriptor {
	var out []protocol.CredentialDescriptor
	for _, id := range a.CredentialIDs(store.CredentialPasskey) {
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil {
			continue
		}
		out = append(out, protocol.CredentialDescriptor{Type: protocol.PublicKeyCredentialType, CredentialID: raw})
	}
	return out
}

// Key is the store key of the passkey id of userID.
func Key(userID, id string) store.CredentialKey {
	return store.CredentialKey{UserID: userID, Kind: store.CredentialPasskey, ID: id}
}

// toStore turns a verified new WebAuthn credential into a store credential.
func toStore(userID, name string, c *webauthn.Credential, now time.Time) store.Credential {
	transports := make([]string, 0, len(c.Transport))
	for _, t := range c.Transport {
		transports = append(transports, string(t))
	}
	data := map[string]string{"flags": strconv.Itoa(int(c.Flags.ProtocolValue()))}
	if len(c.Authenticator.AAGUID) > 0 {
		data["aaguid"] = hex.EncodeToString(c.Authenticator.AAGUID)
	}
	if c.AttestationFormat != "" {
		data["fmt"] = c.AttestationFormat
	}
	if len(transports) > 0 {
		data["transports"] = strings.Join(transports, ",")
	}
	return store.Credential{
		UserID: userID, Kind: store.CredentialPasskey, ID: encodeID(c.ID), Name: name,
		Secret: c.PublicKey, Counter: int64(c.Authenticator.SignCount), Data: data, CreatedAt: now,
	}
}

// toWebAuthn turns a stored passkey back into the record go-webauthn
// verifies assertions against.
func toWebAuthn(c store.Credential) (webauthn.Credential, error) {
	id, err := base64.RawURLEncoding.DecodeString(c.ID)
	if err != nil {
		return webauthn.Credential{}, fmt.Errorf("passkey: stored id: %w", err)
	}
	flags, err := strconv.Atoi(c.Data["flags"])
	if err != nil || flags < 0 || flags > 255 {
		return webauthn.Credential{}, errors.New("passkey: stored flags unreadable")
	}
	aaguid, err := hex.DecodeString(c.Data["aaguid"])
	if err != nil {
		return webauthn.Credential{}, fmt.Errorf("passkey: stored aaguid: %w", err)
	}
	var transports []protocol.AuthenticatorTransport
	if t := c.Data["transports"]; t != "" {
		for _, s := range strings.Split(t, ",") {
			transports = append(transports, protocol.AuthenticatorTransport(s))
		}
	}
	if c.Counter < 0 || c.Counter > int64(^uint32(0)) {
		return webauthn.Credential{}, errors.New("passkey: stored counter out of range")
	}
	return webauthn.Credential{
		ID: id, PublicKey: c.Secret, AttestationFormat: c.Data["fmt"], Transport: transports,
		Flags:         webauthn.NewCredentialFlags(protocol.AuthenticatorFlags(flags)),
		Authenticator: webauthn.Authenticator{AAGUID: aaguid, SignCount: uint32(c.Counter)},
	}, nil
}

// used returns the stored passkey after the assertion that verified as
// verified: its new signature counter and flags, and its use at now.
func used(c store.Credential, verified *webauthn.Credential, now time.Time) store.Credential {
	c.Counter = int64(verified.Authenticator.SignCount)
	data := make(map[string]string, len(c.Data))
	for k, v := range c.Data {
		data[k] = v
	}
	data["flags"] = strconv.Itoa(int(verified.Flags.ProtocolValue()))
	c.Data = data
	c.LastUsedAt = now
	return c
}

// assertionID reads the credential id of an assertion before it is
// verified, to know which credential to load with the account: the JSON's
// "rawId" (or "id"), base64url. It parses nothing else.
func assertionID(response []byte) (string, bool) {
	if len(response) == 0 || len(response) > maxResponseBytes {
		return "", false
	}
	var head struct {
		ID    string `json:"id"`
		RawID string `json:"rawId"`
	}
	if err := json.Unmarshal(response, &head); err != nil {
		return "", false
	}
	id := head.RawID
	if id == "" {
		id = head.ID
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(id, "="))
	if err != nil || len(raw) == 0 || len(raw) > maxIDBytes {
		return "", false
	}
	return encodeID(raw), true
}

// parseAssertion parses an assertion response, bounded.
func parseAssertion(response []byte) (*protocol.ParsedCredentialAssertionData, error) {
	if len(response) == 0 || len(response) > maxResponseBytes {
		return nil, ErrInvalid
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return parsed, nil
}

// sessionState is what a ceremony keeps server-side in its token: the
// go-webauthn session data, as JSON, under key.
func sessionState(key string, s *webauthn.SessionData) (map[string]string, error) {
	s.Expires = time.Time{} // the token's expiry rules, by the injected clock
	doc, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("passkey: session state: %w", err)
	}
	return map[string]string{key: string(doc)}, nil
}

func readSession(state map[string]string, key string) (webauthn.SessionData, bool) {
	var s webauthn.SessionData
	doc, ok := state[key]
	if !ok || json.Unmarshal([]byte(doc), &s) != nil || s.Challenge == "" {
		return webauthn.SessionData{}, false
	}
	return s, true
}

// verifyAssertion checks an assertion of the stored passkey cred against
// the ceremony session s for account a, and returns the passkey as it must
// be stored. A signature counter that did not grow is refused (a cloned
// authenticator, SECURITY.md).
func (rp *RelyingParty) verifyAssertion(a store.Account, cred store.Credential, s webauthn.SessionData,
	parsed *protocol.ParsedCredentialAssertionData, now time.Time) (store.Credential, error) {
	record, err := toWebAuthn(cred)
	if err != nil {
		return store.Credential{}, err
	}
	// The allow list was the account's passkeys; the one to check is loaded
	// by its key under the account, which proves it the account's.
	s.AllowedCredentialIDs = nil
	u := user{a: a, creds: []webauthn.Credential{record}}
	var verified *webauthn.Credential
	if len(s.UserID) == 0 {
		_, verified, err = rp.wa.ValidatePasskeyLogin(func(_, _ []byte) (webauthn.User, error) { return u, nil }, s, parsed)
	} else {
		verified, err = rp.wa.ValidateLogin(u, s, parsed)
	}
	if err != nil {
		return store.Credential{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if verified.Authenticator.CloneWarning {
		return store.Credential{}, fmt.Errorf("%w: signature counter did not grow", ErrInvalid)
	}
	return used(cred, verified, now), nil
}
