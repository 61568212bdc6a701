package passkey

import (
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gatepass/gatepass/shared/passkey/passkeytest"
	"github.com/gatepass/gatepass/shared/store"
)

// The cryptographic part of a passkey sign-in alone: parsing the assertion
// and verifying its ECDSA P-256 signature, as verifyAssertion does —
// subtracted from BenchmarkPasskeySignIn to give the non-crypto CPU.
func BenchmarkPasskeyVerifyAlone(b *testing.B) {
	rp, err := NewRelyingParty("http://localhost:8080", "acme Backoffice")
	if err != nil {
		b.Fatal(err)
	}
	a := store.Account{ID: "u_bench000000000000000", Username: "jdoe"}
	auth := passkeytest.New("http://localhost:8080")
	creation, session, err := rp.wa.BeginRegistration(user{a: a})
	if err != nil {
		b.Fatal(err)
	}
	created := registerFor(b, rp, a, auth, creation, session)
	cred := toStore(a.ID, "Key", created, time.Now())
	type prepared struct {
		session webauthn.SessionData
		answer  []byte
	}
	next := func() prepared {
		assertion, s, err := rp.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
		if err != nil {
			b.Fatal(err)
		}
		doc, err := jsonOf(assertion)
		if err != nil {
			b.Fatal(err)
		}
		answer, err := auth.Get(doc)
		if err != nil {
			b.Fatal(err)
		}
		return prepared{*s, answer}
	}
	for b.Loop() {
		b.StopTimer()
		p := next()
		b.StartTimer()
		parsed, err := parseAssertion(p.answer)
		if err != nil {
			b.Fatal(err)
		}
		updated, err := rp.verifyAssertion(a, cred, p.session, parsed, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		cred = updated
	}
}
