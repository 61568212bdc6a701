package passkey

import (
	"encoding/json"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gatepass/gatepass/shared/passkey/passkeytest"
	"github.com/gatepass/gatepass/shared/store"
)

func jsonOf(v any) ([]byte, error) { return json.Marshal(v) }

// registerFor runs a registration ceremony of a with auth directly on rp.
func registerFor(tb testing.TB, rp *RelyingParty, a store.Account, auth *passkeytest.Authenticator,
	creation *protocol.CredentialCreation, session *webauthn.SessionData) *webauthn.Credential {
	tb.Helper()
	doc, err := jsonOf(creation)
	if err != nil {
		tb.Fatal(err)
	}
	answer, err := auth.Create(doc)
	if err != nil {
		tb.Fatal(err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(answer)
	if err != nil {
		tb.Fatal(err)
	}
	created, err := rp.wa.CreateCredential(user{a: a}, *session, parsed)
	if err != nil {
		tb.Fatal(err)
	}
	return created
}

// A stored passkey reads back as the record it was made from: the public
// key, counter, flags, AAGUID and transports round-trip.
func TestStoredPasskeyRoundTrips(t *testing.T) {
	rp, err := NewRelyingParty("https://backoffice.example.com", "acme")
	if err != nil {
		t.Fatal(err)
	}
	a := store.Account{ID: "u_a", Username: "jdoe"}
	creation, session, err := rp.wa.BeginRegistration(user{a: a})
	if err != nil {
		t.Fatal(err)
	}
	created := registerFor(t, rp, a, passkeytest.New("https://backoffice.example.com"), creation, session)
	back, err := toWebAuthn(toStore(a.ID, "Key", created, session.Expires))
	if err != nil {
		t.Fatal(err)
	}
	if string(back.ID) != string(created.ID) || string(back.PublicKey) != string(created.PublicKey) ||
		back.Flags != created.Flags || string(back.Authenticator.AAGUID) != string(created.Authenticator.AAGUID) ||
		back.Authenticator.SignCount != created.Authenticator.SignCount || len(back.Transport) != len(created.Transport) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back, created)
	}
}

// Relying parties: a domain (localhost included) works; an IP address is
// ErrNoDomain, and the origin is the public URL's scheme, host and port.
func TestRelyingParty(t *testing.T) {
	for _, tc := range []struct {
		url, rpID string
		err       error
	}{
		{"https://backoffice.example.com", "backoffice.example.com", nil},
		{"http://localhost:8080", "localhost", nil},
		{"http://127.0.0.1:8080", "", ErrNoDomain},
		{"http://[::1]:8080", "", ErrNoDomain},
	} {
		rp, err := NewRelyingParty(tc.url, "acme")
		if err != tc.err {
			t.Fatalf("%s: %v, want %v", tc.url, err, tc.err)
		}
		if err == nil && (rp.rpID != tc.rpID || rp.wa.Config.RPOrigins[0] != tc.url) {
			t.Fatalf("%s: rp id %q, origins %v", tc.url, rp.rpID, rp.wa.Config.RPOrigins)
		}
	}
}
