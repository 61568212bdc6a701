package storetest

import (
	"fmt"

	"github.com/gatepass/gatepass/shared/store"
)

func ssoIdentityTests() []test {
	return []test{
		{"CreateWithIdentityClaimsIt", testSSOCreateClaims},
		{"CreateWithHeldIdentityConflicts", testSSOCreateHeld},
		{"BindWithUpdate", testSSOBind},
		{"BindHeldIdentityWritesNothing", testSSOBindHeld},
		{"BindIsInvalidWithoutKeys", testSSOBindInvalid},
		{"DeleteReleasesIdentity", testSSODeleteReleases},
		{"DeleteWithWrongIdentityConflicts", testSSODeleteWrongIdentity},
		{"ConcurrentBindOneWins", testSSOConcurrentBind},
	}
}

func ssoAccount(id, username, identity string) store.Account {
	a := newAccount(id, username, username+"@example.com")
	a.SSO = true
	a.SSOIdentity = identity
	return a
}

func testSSOCreateClaims(e *env) {
	key := store.SSOIdentityKey("Contoso", "sub-1")
	e.commit(store.CreateAccount{Account: ssoAccount("u_a", "alice", key)})
	e.wantClaim(store.ClaimSSOIdentity, key, "u_a")
	if got := e.mustAccount("u_a").SSOIdentity; got != key {
		e.t.Fatalf("SSOIdentity = %q, want %q", got, key)
	}
	// Same subject at another provider is another identity.
	e.wantClaim(store.ClaimSSOIdentity, store.SSOIdentityKey("Other", "sub-1"), "")
	// The namespace is its own.
	e.wantClaim(store.ClaimUsername, key, "")
}

func testSSOCreateHeld(e *env) {
	key := store.SSOIdentityKey("Contoso", "sub-1")
	e.commit(store.CreateAccount{Account: ssoAccount("u_a", "alice", key)})
	e.conflict(store.CreateAccount{Account: ssoAccount("u_b", "bob", key)})
	e.noAccount("u_b")
	e.wantClaim(store.ClaimUsername, "bob", "")
	e.wantClaim(store.ClaimEmail, "bob@example.com", "")
}

func testSSOBind(e *env) {
	e.commit(store.CreateAccount{Account: ssoAccount("u_a", "alice", "")})
	a := e.mustAccount("u_a")
	key := store.SSOIdentityKey("Contoso", "sub-1")
	a.SSOIdentity = key
	e.commit(store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey},
		store.BindSSOIdentity{AccountID: a.ID, Identity: key})
	e.wantClaim(store.ClaimSSOIdentity, key, "u_a")
	got := e.mustAccount("u_a")
	if got.SSOIdentity != key || got.Version != 2 {
		e.t.Fatalf("bound account: identity %q version %d, want %q and 2", got.SSOIdentity, got.Version, key)
	}
	// Later updates keep the claim.
	e.commit(store.UpdateAccount{Account: got, PreviousEmailKey: got.EmailKey})
	e.wantClaim(store.ClaimSSOIdentity, key, "u_a")
}

func testSSOBindHeld(e *env) {
	key := store.SSOIdentityKey("Contoso", "sub-1")
	e.commit(store.CreateAccount{Account: ssoAccount("u_a", "alice", key)},
		store.CreateAccount{Account: ssoAccount("u_b", "bob", "")})
	b := e.mustAccount("u_b")
	b.SSOIdentity = key
	e.conflict(store.UpdateAccount{Account: b, PreviousEmailKey: b.EmailKey},
		store.BindSSOIdentity{AccountID: b.ID, Identity: key})
	if got := e.mustAccount("u_b"); got.SSOIdentity != "" || got.Version != 1 {
		e.t.Fatalf("after a refused bind: identity %q version %d, want none and 1", got.SSOIdentity, got.Version)
	}
	e.wantClaim(store.ClaimSSOIdentity, key, "u_a")
}

func testSSOBindInvalid(e *env) {
	e.invalid(store.BindSSOIdentity{AccountID: "u_a"})
	e.invalid(store.BindSSOIdentity{Identity: store.SSOIdentityKey("Contoso", "x")})
}

func testSSODeleteReleases(e *env) {
	key := store.SSOIdentityKey("Contoso", "sub-1")
	e.commit(store.CreateAccount{Account: ssoAccount("u_a", "alice", key)})
	a := e.mustAccount("u_a")
	e.commit(store.DeleteAccount{ID: a.ID, Version: a.Version, UsernameKey: a.UsernameKey, EmailKey: a.EmailKey,
		SSOIdentity: a.SSOIdentity})
	e.noAccount("u_a")
	e.wantClaim(store.ClaimSSOIdentity, key, "")
	// The identity can be bound again.
	e.commit(store.CreateAccount{Account: ssoAccount("u_b", "bob", key)})
	e.wantClaim(store.ClaimSSOIdentity, key, "u_b")
}

func testSSODeleteWrongIdentity(e *env) {
	key := store.SSOIdentityKey("Contoso", "sub-1")
	e.commit(store.CreateAccount{Account: ssoAccount("u_a", "alice", key)})
	a := e.mustAccount("u_a")
	for _, wrong := range []string{"", store.SSOIdentityKey("Contoso", "sub-2")} {
		e.conflict(store.DeleteAccount{ID: a.ID, Version: a.Version, UsernameKey: a.UsernameKey,
			EmailKey: a.EmailKey, SSOIdentity: wrong})
	}
	e.mustAccount("u_a")
	e.wantClaim(store.ClaimSSOIdentity, key, "u_a")
}

func testSSOConcurrentBind(e *env) {
	const n = 10
	for i := range n {
		e.commit(store.CreateAccount{Account: ssoAccount(fmt.Sprintf("u_%02d", i), fmt.Sprintf("user%02d", i), "")})
	}
	key := store.SSOIdentityKey("Contoso", "contested")
	accounts := make([]store.Account, n)
	for i := range n {
		accounts[i] = e.mustAccount(fmt.Sprintf("u_%02d", i))
		accounts[i].SSOIdentity = key
	}
	errs := Race(n, func(i int) error {
		a := accounts[i]
		return e.s.Commit(e.ctx, store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey},
			store.BindSSOIdentity{AccountID: a.ID, Identity: key})
	})
	w := OneWinner(e.t, errs)
	e.wantClaim(store.ClaimSSOIdentity, key, accounts[w].ID)
	for i := range n {
		got := e.mustAccount(accounts[i].ID)
		if (i == w) != (got.SSOIdentity == key) {
			e.t.Errorf("account %s: identity %q (winner %d)", got.ID, got.SSOIdentity, w)
		}
	}
}
