// Package passkeytest is a software WebAuthn authenticator for tests: it
// answers the creation and request options Gatepass hands out with the
// JSON a browser would send back (RegistrationResponseJSON,
// AuthenticationResponseJSON), signing with ECDSA P-256 and "none"
// attestation — what Chromium's virtual authenticator does in the browser
// tests. It holds discoverable credentials, can verify its user, and lets a
// test tamper with what it sends.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// Credential is one credential the authenticator holds.
type Credential struct {
	ID      []byte
	RPID    string
	UserID  []byte
	Key     *ecdsa.PrivateKey
	Counter uint32
}

// Authenticator is a software authenticator bound to one origin.
type Authenticator struct {
	// Origin is the origin clientDataJSON names ("http://localhost:8080").
	Origin string
	// Credentials are the credentials created, in order.
	Credentials []*Credential
	// NoUserVerification makes assertions and registrations without the
	// UV flag (an authenticator that cannot verify its user).
	NoUserVerification bool
}

// New returns an authenticator for origin.
func New(origin string) *Authenticator { return &Authenticator{Origin: origin} }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// options reads the publicKey member of a {"publicKey": …} options document
// (or the bare options).
func options(doc []byte, into any) error {
	var wrapped struct {
		PublicKey json.RawMessage `json:"publicKey"`
	}
	if err := json.Unmarshal(doc, &wrapped); err != nil {
		return fmt.Errorf("passkeytest: options: %w", err)
	}
	if len(wrapped.PublicKey) > 0 {
		doc = wrapped.PublicKey
	}
	return json.Unmarshal(doc, into)
}

type creationOptions struct {
	Challenge string `json:"challenge"`
	RP        struct {
		ID string `json:"id"`
	} `json:"rp"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	ExcludeCredentials []struct {
		ID string `json:"id"`
	} `json:"excludeCredentials"`
}

// ErrExcluded means the options exclude a credential the authenticator
// holds (the browser's InvalidStateError).
var ErrExcluded = errors.New("passkeytest: a credential of this authenticator is excluded")

// Create answers creation options (JSON, as the server sent them) with a new
// discoverable credential, and returns the RegistrationResponseJSON.
func (a *Authenticator) Create(optionsJSON []byte) ([]byte, error) {
	var o creationOptions
	if err := options(optionsJSON, &o); err != nil {
		return nil, err
	}
	for _, ex := range o.ExcludeCredentials {
		for _, c := range a.Credentials {
			if ex.ID == b64(c.ID) && c.RPID == o.RP.ID {
				return nil, ErrExcluded
			}
		}
	}
	userID, err := base64.RawURLEncoding.DecodeString(o.User.ID)
	if err != nil {
		return nil, fmt.Errorf("passkeytest: user id: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	c := &Credential{ID: id, RPID: o.RP.ID, UserID: userID, Key: key}
	a.Credentials = append(a.Credentials, c)

	pub, err := coseKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	attested := make([]byte, 0, 16+2+len(id)+len(pub))
	attested = append(attested, make([]byte, 16)...) // AAGUID: zero
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(id)))
	attested = append(attested, id...)
	attested = append(attested, pub...)
	authData := a.authData(o.RP.ID, flagAT, 0, attested)
	attObj, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		return nil, err
	}
	clientData := a.clientData("webauthn.create", o.Challenge)
	return json.Marshal(map[string]any{
		"id": b64(id), "rawId": b64(id), "type": "public-key", "authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON": b64(clientData), "attestationObject": b64(attObj), "transports": []string{"internal"},
		},
		"clientExtensionResults": map[string]any{},
	})
}

type requestOptions struct {
	Challenge        string `json:"challenge"`
	RPID             string `json:"rpId"`
	AllowCredentials []struct {
		ID string `json:"id"`
	} `json:"allowCredentials"`
}

// ErrNoCredential means no credential of the authenticator matches the
// request (the browser's NotAllowedError).
var ErrNoCredential = errors.New("passkeytest: no matching credential")

// Get answers request options (JSON) with an assertion of the newest
// matching credential — one of the allow list, or a discoverable one for an
// empty list — and returns the AuthenticationResponseJSON.
func (a *Authenticator) Get(optionsJSON []byte) ([]byte, error) {
	var o requestOptions
	if err := options(optionsJSON, &o); err != nil {
		return nil, err
	}
	var chosen *Credential
	for i := len(a.Credentials) - 1; i >= 0 && chosen == nil; i-- {
		c := a.Credentials[i]
		if c.RPID != o.RPID {
			continue
		}
		if len(o.AllowCredentials) == 0 {
			chosen = c
		}
		for _, al := range o.AllowCredentials {
			if al.ID == b64(c.ID) {
				chosen = c
			}
		}
	}
	if chosen == nil {
		return nil, ErrNoCredential
	}
	return a.Assert(chosen, o.Challenge)
}

// Assert signs challenge with credential c, advancing its counter.
func (a *Authenticator) Assert(c *Credential, challenge string) ([]byte, error) {
	c.Counter++
	return a.AssertWithCounter(c, challenge, c.Counter)
}

// AssertWithCounter signs challenge with c, claiming counter (a test may
// send one that did not grow).
func (a *Authenticator) AssertWithCounter(c *Credential, challenge string, counter uint32) ([]byte, error) {
	authData := a.authData(c.RPID, 0, counter, nil)
	clientData := a.clientData("webauthn.get", challenge)
	digest := sha256.Sum256(append(append([]byte{}, authData...), sha256Of(clientData)...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.Key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64(c.ID), "rawId": b64(c.ID), "type": "public-key", "authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON": b64(clientData), "authenticatorData": b64(authData), "signature": b64(sig),
			"userHandle": b64(c.UserID),
		},
		"clientExtensionResults": map[string]any{},
	})
}

// Authenticator data flags.
const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

func (a *Authenticator) authData(rpID string, extra byte, counter uint32, attested []byte) []byte {
	flags := byte(flagUP) | extra
	if !a.NoUserVerification {
		flags |= flagUV
	}
	out := append(sha256Of([]byte(rpID)), flags)
	out = binary.BigEndian.AppendUint32(out, counter)
	return append(out, attested...)
}

func (a *Authenticator) clientData(typ, challenge string) []byte {
	doc, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
	return doc
}

func sha256Of(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// coseKey encodes an ECDSA P-256 public key as a COSE_Key (EC2, ES256).
func coseKey(pub *ecdsa.PublicKey) ([]byte, error) {
	raw, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	return webauthncbor.Marshal(webauthncose.EC2PublicKeyData{
		PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.EllipticKey),
			Algorithm: int64(webauthncose.AlgES256)},
		Curve:  int64(webauthncose.P256),
		XCoord: raw[1:33], YCoord: raw[33:65],
	})
}
