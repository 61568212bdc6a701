package storetest

import (
	"fmt"
	"time"

	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/store"
)

func accountTests() []test {
	return []test{
		{"CreateThenLoadByIDRoundTripsEveryField", testCreateRoundTrip},
		{"CreateMinimalKeepsZeroValues", testCreateMinimal},
		{"CreateWritesClaims", testCreateWritesClaims},
		{"CreateWithoutEmailWritesNoEmailClaim", testCreateWithoutEmail},
		{"CreateConflictsWriteNothing", testCreateConflicts},
		{"ValidUntilIsNotExpiry", testValidUntilIsNotExpiry},
		{"UpdateWithVersion", testUpdateWithVersion},
		{"UpdateStaleOrAbsent", testUpdateStaleOrAbsent},
		{"UpdateMovesEmailClaim", testUpdateMovesEmailClaim},
		{"UpdateToEmailHeldByOtherConflicts", testUpdateToHeldEmail},
		{"UpdateRemovingEmailReleasesClaim", testUpdateRemovesEmail},
		{"UpdateAddingEmailTakesClaim", testUpdateAddsEmail},
		{"UpdateWithWrongClaimKeysConflicts", testUpdateWrongKeys},
		{"DeleteReleasesClaims", testDeleteReleasesClaims},
		{"DeleteStaleOrAbsentConflicts", testDeleteStale},
		{"DeleteWithWrongClaimKeysConflicts", testDeleteWrongKeys},
		{"ConcurrentCreateSameUsernameOneWins", func(e *env) { testConcurrentCreate(e, store.ClaimUsername) }},
		{"ConcurrentCreateSameEmailOneWins", func(e *env) { testConcurrentCreate(e, store.ClaimEmail) }},
		{"ConcurrentUpdateSameVersionOneWins", testConcurrentUpdate},
	}
}

func testCreateRoundTrip(e *env) {
	want := fullAccount("u_zoe")
	e.commit(store.CreateAccount{Account: want})
	want.Version = 1
	same(e.t, "Load(AccountID)", e.mustAccount(want.ID), want)
}

func testCreateMinimal(e *env) {
	want := store.Account{ID: "u_min", Username: "min", UsernameKey: "min", Status: store.StatusInvited}
	e.commit(store.CreateAccount{Account: want})
	got := e.mustAccount("u_min")
	want.Version = 1
	same(e.t, "Load(AccountID)", got, want)
	for name, tm := range map[string]time.Time{"ValidUntil": got.ValidUntil, "LastLoginAt": got.LastLoginAt,
		"PreviousLoginAt": got.PreviousLoginAt, "CreatedAt": got.CreatedAt, "UpdatedAt": got.UpdatedAt,
		"PasswordSetAt": got.PasswordSetAt} {
		if !tm.IsZero() {
			e.t.Errorf("%s = %v, want the zero time", name, tm)
		}
	}
}

func testCreateWritesClaims(e *env) {
	zoe := fullAccount("u_zoe")
	bob := newAccount("u_bob", "Bob", "bob@example.com")
	e.commit(store.CreateAccount{Account: zoe}, store.CreateAccount{Account: bob})
	q := store.Query{Claims: []store.ClaimKey{
		{Kind: store.ClaimUsername, Value: zoe.UsernameKey},
		{Kind: store.ClaimEmail, Value: zoe.EmailKey},
		{Kind: store.ClaimUsername, Value: "bob"},
		{Kind: store.ClaimEmail, Value: "bob@example.com"},
		{Kind: store.ClaimUsername, Value: "nobody"},
		{Kind: store.ClaimEmail, Value: "nobody@example.com"},
		// A claim exists in its own namespace only.
		{Kind: store.ClaimEmail, Value: "bob"},
		{Kind: store.ClaimUsername, Value: "bob@example.com"},
	}}
	want := map[store.ClaimKey]string{
		q.Claims[0]: "u_zoe", q.Claims[1]: "u_zoe",
		q.Claims[2]: "u_bob", q.Claims[3]: "u_bob",
	}
	if got := e.load(q).Claims; !equalClaims(got, want) {
		e.t.Fatalf("Load(Claims) = %v, want %v", got, want)
	}
	// Claims and account in one Load.
	snap := e.load(store.Query{AccountID: "u_bob", Claims: q.Claims[2:3]})
	if snap.Account == nil || snap.Claims[q.Claims[2]] != "u_bob" {
		e.t.Fatalf("Load(AccountID+Claims) = account %v, claims %v", snap.Account, snap.Claims)
	}
}

func equalClaims(got, want map[store.ClaimKey]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func testCreateWithoutEmail(e *env) {
	e.commit(store.CreateAccount{Account: newAccount("u_a", "alice", "")})
	e.wantClaim(store.ClaimUsername, "alice", "u_a")
	e.wantClaim(store.ClaimEmail, "", "")
	// A second account without email is no email conflict.
	e.commit(store.CreateAccount{Account: newAccount("u_b", "bob", "")})
	e.wantClaim(store.ClaimUsername, "bob", "u_b")
}

func testCreateConflicts(e *env) {
	cases := []struct {
		name    string
		account store.Account
	}{
		{"DuplicateID", newAccount("u_alice", "alice2", "alice2@example.com")},
		{"DuplicateUsername", newAccount("u_other", "Alice", "other@example.com")},
		{"DuplicateEmail", newAccount("u_other", "other", "ALICE@example.com")},
	}
	for _, tc := range cases {
		e.sub(tc.name, func(e *env) {
			alice := newAccount("u_alice", "alice", "alice@example.com")
			e.commit(store.CreateAccount{Account: alice})
			e.conflict(store.CreateAccount{Account: tc.account})

			// The existing account and its claims are untouched.
			alice.Version = 1
			same(e.t, "existing account", e.mustAccount("u_alice"), alice)
			e.wantClaim(store.ClaimUsername, "alice", "u_alice")
			e.wantClaim(store.ClaimEmail, "alice@example.com", "u_alice")
			// Nothing of the refused account was written.
			if tc.account.ID != "u_alice" {
				e.noAccount(tc.account.ID)
			}
			if tc.account.UsernameKey != "alice" {
				e.wantClaim(store.ClaimUsername, tc.account.UsernameKey, "")
			}
			if tc.account.EmailKey != "alice@example.com" {
				e.wantClaim(store.ClaimEmail, tc.account.EmailKey, "")
			}
		})
	}
}

func testValidUntilIsNotExpiry(e *env) {
	a := newAccount("u_a", "alice", "")
	a.ValidUntil = e.now().Add(time.Hour)
	e.commit(store.CreateAccount{Account: a})
	e.clk.Advance(48 * time.Hour)
	if e.account("u_a") == nil {
		e.t.Fatal("account past ValidUntil is absent; ValidUntil is a login rule, not record expiry")
	}
}

func testUpdateWithVersion(e *env) {
	a := fullAccount("u_zoe")
	e.commit(store.CreateAccount{Account: a})
	got := e.mustAccount("u_zoe")

	got.DisplayName = "Zoë U."
	got.PasswordHash = "$argon2id$v=19$m=65536,t=3,p=1$bmV3c2FsdA$bmV3aGFzaA"
	got.PasswordChangeRequired = false
	got.Roles = []string{"operator"}
	got.FacilityIDs = nil
	got.Status = store.StatusActive
	got.SSO = false
	got.ValidUntil = time.Time{}
	// A sign-in: the last one becomes the previous one.
	got.PreviousLoginAt, got.PreviousLoginIP = got.LastLoginAt, got.LastLoginIP
	got.LastLoginAt, got.LastLoginIP = e.now().Add(ms(250)), "198.51.100.4"
	got.UpdatedAt = e.now().Add(ms(250))
	// A password change: the old hash goes to the front of the history, the
	// oldest drops out, sessions are revoked and the reset token used up.
	got.PasswordHistory = append([]string{a.PasswordHash}, got.PasswordHistory[:2]...)
	got.SessionEpoch++
	got.ResetTokenHash = ""
	// A passkey is removed from the credential index, another added.
	got.Credentials = got.WithoutCredentials(func(r store.CredentialRef) bool { return r.ID == "AAAA-_" })
	got.Credentials = got.WithCredential(store.CredentialRef{Kind: store.CredentialPasskey, ID: "new"})
	e.commit(store.UpdateAccount{Account: got, PreviousEmailKey: got.EmailKey})

	want := got
	want.Version = 2
	same(e.t, "after update", e.mustAccount("u_zoe"), want)

	want.Locale = "en"
	want.PasswordHistory = nil
	want.InvitationTokenHash = ""
	want.ResetTokenHash = ids.Hash("second reset")
	want.SessionEpoch = 0
	want.LastLoginIP = ""
	want.PreviousLoginAt, want.PreviousLoginIP = time.Time{}, ""
	// Two-factor is reset: the index empties.
	want.Credentials = []store.CredentialRef{}
	e.commit(store.UpdateAccount{Account: want, PreviousEmailKey: want.EmailKey})
	want.Version = 3
	same(e.t, "after second update", e.mustAccount("u_zoe"), want)
}

func testUpdateStaleOrAbsent(e *env) {
	a := newAccount("u_a", "alice", "alice@example.com")
	e.commit(store.CreateAccount{Account: a})
	v1 := e.mustAccount("u_a")
	v2 := v1
	v2.DisplayName = "second"
	e.commit(store.UpdateAccount{Account: v2, PreviousEmailKey: v2.EmailKey})

	for _, version := range []int64{0, 1, 3} {
		stale := v1
		stale.Version = version
		stale.DisplayName = fmt.Sprintf("stale %d", version)
		e.conflict(store.UpdateAccount{Account: stale, PreviousEmailKey: stale.EmailKey})
	}
	want := v2
	want.Version = 2
	same(e.t, "after stale updates", e.mustAccount("u_a"), want)

	for _, version := range []int64{0, 1} {
		ghost := newAccount("u_ghost", "ghost", "")
		ghost.Version = version
		e.conflict(store.UpdateAccount{Account: ghost})
		e.noAccount("u_ghost")
		e.wantClaim(store.ClaimUsername, "ghost", "")
	}
}

func testUpdateMovesEmailClaim(e *env) {
	e.commit(store.CreateAccount{Account: newAccount("u_a", "alice", "alice@example.com")})
	a := e.mustAccount("u_a")
	a.Email, a.EmailKey, a.EmailVerified = "Alice@New.example", "alice@new.example", false
	e.commit(store.UpdateAccount{Account: a, PreviousEmailKey: "alice@example.com"})

	got := e.mustAccount("u_a")
	if got.Email != "Alice@New.example" || got.EmailKey != "alice@new.example" || got.Version != 2 {
		e.t.Fatalf("after email change: %+v", got)
	}
	e.wantClaim(store.ClaimEmail, "alice@example.com", "")
	e.wantClaim(store.ClaimEmail, "alice@new.example", "u_a")
	e.wantClaim(store.ClaimUsername, "alice", "u_a")

	// The released address can be taken by another account.
	e.commit(store.CreateAccount{Account: newAccount("u_b", "bob", "alice@example.com")})
	e.wantClaim(store.ClaimEmail, "alice@example.com", "u_b")
}

func testUpdateToHeldEmail(e *env) {
	e.commit(
		store.CreateAccount{Account: newAccount("u_a", "alice", "alice@example.com")},
		store.CreateAccount{Account: newAccount("u_b", "bob", "bob@example.com")},
	)
	a := e.mustAccount("u_a")
	before := a
	a.Email, a.EmailKey, a.DisplayName = "bob@example.com", "bob@example.com", "changed"
	e.conflict(store.UpdateAccount{Account: a, PreviousEmailKey: "alice@example.com"})

	same(e.t, "account after refused update", e.mustAccount("u_a"), before)
	e.wantClaim(store.ClaimEmail, "alice@example.com", "u_a")
	e.wantClaim(store.ClaimEmail, "bob@example.com", "u_b")
}

func testUpdateRemovesEmail(e *env) {
	e.commit(store.CreateAccount{Account: newAccount("u_a", "alice", "alice@example.com")})
	a := e.mustAccount("u_a")
	a.Email, a.EmailKey, a.EmailVerified = "", "", false
	e.commit(store.UpdateAccount{Account: a, PreviousEmailKey: "alice@example.com"})

	got := e.mustAccount("u_a")
	if got.Email != "" || got.EmailKey != "" {
		e.t.Fatalf("after removing the email: Email %q, EmailKey %q", got.Email, got.EmailKey)
	}
	e.wantClaim(store.ClaimEmail, "alice@example.com", "")
	e.commit(store.CreateAccount{Account: newAccount("u_b", "bob", "alice@example.com")})
	e.wantClaim(store.ClaimEmail, "alice@example.com", "u_b")
}

func testUpdateAddsEmail(e *env) {
	e.commit(store.CreateAccount{Account: newAccount("u_a", "alice", "")})
	a := e.mustAccount("u_a")
	a.Email, a.EmailKey = "alice@example.com", "alice@example.com"
	e.commit(store.UpdateAccount{Account: a, PreviousEmailKey: ""})
	e.wantClaim(store.ClaimEmail, "alice@example.com", "u_a")
	if got := e.mustAccount("u_a"); got.EmailKey != "alice@example.com" {
		e.t.Fatalf("EmailKey = %q", got.EmailKey)
	}
}

// testUpdateWrongKeys: the claim keys an update names must be the stored
// ones, so that a buggy caller can neither rename an account nor free (or
// orphan) a claim.
func testUpdateWrongKeys(e *env) {
	cases := []struct {
		name   string
		mutate func(a *store.Account) (previousEmailKey string)
	}{
		{"ChangedUsernameKey", func(a *store.Account) string {
			a.Username, a.UsernameKey = "mallory", "mallory"
			return a.EmailKey
		}},
		{"PreviousEmailKeyOfAnotherAccount", func(a *store.Account) string {
			a.Email, a.EmailKey = "carol@example.com", "carol@example.com"
			return "bob@example.com"
		}},
		{"PreviousEmailKeyEmptyWhileOneIsStored", func(a *store.Account) string {
			a.Email, a.EmailKey = "carol@example.com", "carol@example.com"
			return ""
		}},
		{"PreviousEmailKeyUnknown", func(a *store.Account) string {
			return "someone@example.com"
		}},
	}
	for _, tc := range cases {
		e.sub(tc.name, func(e *env) {
			e.commit(
				store.CreateAccount{Account: newAccount("u_a", "alice", "alice@example.com")},
				store.CreateAccount{Account: newAccount("u_b", "bob", "bob@example.com")},
			)
			before := e.mustAccount("u_a")
			a := before
			prev := tc.mutate(&a)
			e.conflict(store.UpdateAccount{Account: a, PreviousEmailKey: prev})

			same(e.t, "account after refused update", e.mustAccount("u_a"), before)
			e.wantClaim(store.ClaimUsername, "alice", "u_a")
			e.wantClaim(store.ClaimUsername, "mallory", "")
			e.wantClaim(store.ClaimEmail, "alice@example.com", "u_a")
			e.wantClaim(store.ClaimEmail, "bob@example.com", "u_b")
			e.wantClaim(store.ClaimEmail, "carol@example.com", "")
		})
	}
}

func testDeleteReleasesClaims(e *env) {
	e.commit(store.CreateAccount{Account: newAccount("u_a", "alice", "alice@example.com")})
	a := e.mustAccount("u_a")
	e.commit(store.DeleteAccount{ID: a.ID, Version: a.Version, UsernameKey: a.UsernameKey, EmailKey: a.EmailKey})
	e.noAccount("u_a")
	e.wantClaim(store.ClaimUsername, "alice", "")
	e.wantClaim(store.ClaimEmail, "alice@example.com", "")

	// Both claims can be taken again, and the id reused.
	e.commit(store.CreateAccount{Account: newAccount("u_b", "alice", "alice@example.com")})
	e.wantClaim(store.ClaimUsername, "alice", "u_b")
	e.wantClaim(store.ClaimEmail, "alice@example.com", "u_b")
	e.commit(store.CreateAccount{Account: newAccount("u_a", "alice2", "")})
	if got := e.mustAccount("u_a"); got.Version != 1 || got.UsernameKey != "alice2" {
		e.t.Fatalf("recreated account: %+v, want version 1 and username alice2", got)
	}

	// Without email.
	e.commit(store.DeleteAccount{ID: "u_a", Version: 1, UsernameKey: "alice2"})
	e.noAccount("u_a")
	e.wantClaim(store.ClaimUsername, "alice2", "")
}

func testDeleteStale(e *env) {
	e.commit(store.CreateAccount{Account: newAccount("u_a", "alice", "alice@example.com")})
	a := e.mustAccount("u_a")
	e.commit(store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey}) // now version 2
	for _, v := range []int64{0, 1, 3} {
		e.conflict(store.DeleteAccount{ID: "u_a", Version: v, UsernameKey: "alice", EmailKey: "alice@example.com"})
	}
	if got := e.mustAccount("u_a"); got.Version != 2 {
		e.t.Fatalf("version after stale deletes = %d, want 2", got.Version)
	}
	e.wantClaim(store.ClaimUsername, "alice", "u_a")
	e.wantClaim(store.ClaimEmail, "alice@example.com", "u_a")

	e.conflict(store.DeleteAccount{ID: "u_ghost", Version: 1, UsernameKey: "ghost"})
	e.conflict(store.DeleteAccount{ID: "u_ghost", Version: 0, UsernameKey: "ghost"})
}

func testDeleteWrongKeys(e *env) {
	cases := []struct {
		name     string
		username string
		emailKey string
	}{
		{"EmailKeyOfAnotherAccount", "alice", "bob@example.com"},
		{"UsernameKeyOfAnotherAccount", "bob", "alice@example.com"},
		{"EmailKeyOmitted", "alice", ""},
		{"UnknownUsernameKey", "nobody", "alice@example.com"},
	}
	for _, tc := range cases {
		e.sub(tc.name, func(e *env) {
			e.commit(
				store.CreateAccount{Account: newAccount("u_a", "alice", "alice@example.com")},
				store.CreateAccount{Account: newAccount("u_b", "bob", "bob@example.com")},
			)
			e.conflict(store.DeleteAccount{ID: "u_a", Version: 1, UsernameKey: tc.username, EmailKey: tc.emailKey})
			e.mustAccount("u_a")
			e.mustAccount("u_b")
			e.wantClaim(store.ClaimUsername, "alice", "u_a")
			e.wantClaim(store.ClaimEmail, "alice@example.com", "u_a")
			e.wantClaim(store.ClaimUsername, "bob", "u_b")
			e.wantClaim(store.ClaimEmail, "bob@example.com", "u_b")
		})
	}
}

func testConcurrentCreate(e *env, kind store.ClaimKind) {
	const n = 20
	accountFor := func(i int) store.Account {
		if kind == store.ClaimUsername {
			return newAccount(fmt.Sprintf("u_%02d", i), "contested", fmt.Sprintf("user%02d@example.com", i))
		}
		return newAccount(fmt.Sprintf("u_%02d", i), fmt.Sprintf("user%02d", i), "contested@example.com")
	}
	errs := Race(n, func(i int) error {
		return e.s.Commit(e.ctx, store.CreateAccount{Account: accountFor(i)})
	})
	w := OneWinner(e.t, errs)
	winner := accountFor(w)
	if kind == store.ClaimUsername {
		e.wantClaim(store.ClaimUsername, "contested", winner.ID)
	} else {
		e.wantClaim(store.ClaimEmail, "contested@example.com", winner.ID)
	}
	for i := range n {
		a := accountFor(i)
		if i == w {
			e.mustAccount(a.ID)
			e.wantClaim(store.ClaimUsername, a.UsernameKey, a.ID)
			e.wantClaim(store.ClaimEmail, a.EmailKey, a.ID)
			continue
		}
		e.noAccount(a.ID)
		if kind == store.ClaimUsername {
			e.wantClaim(store.ClaimEmail, a.EmailKey, "")
		} else {
			e.wantClaim(store.ClaimUsername, a.UsernameKey, "")
		}
	}
}

// testConcurrentUpdate: optimistic locking is the single-use primitive for
// per-account state (TOTP step, recovery codes): N writers of one version,
// exactly one wins.
func testConcurrentUpdate(e *env) {
	const n = 20
	e.commit(store.CreateAccount{Account: newAccount("u_a", "alice", "alice@example.com")})
	read := e.mustAccount("u_a")
	errs := Race(n, func(i int) error {
		a := read
		a.DisplayName = fmt.Sprintf("writer %02d", i)
		return e.s.Commit(e.ctx, store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey})
	})
	w := OneWinner(e.t, errs)
	got := e.mustAccount("u_a")
	if got.Version != 2 || got.DisplayName != fmt.Sprintf("writer %02d", w) {
		e.t.Fatalf("after the race: version %d, display name %q; want 2, %q", got.Version, got.DisplayName, fmt.Sprintf("writer %02d", w))
	}
}

func markerTests() []test {
	return []test{
		{"ClaimOnce", func(e *env) {
			e.commit(store.ClaimMarker{Name: "bootstrap"})
			e.conflict(store.ClaimMarker{Name: "bootstrap"})
			e.commit(store.ClaimMarker{Name: "bootstrap-2"})
			e.clk.Advance(365 * 24 * time.Hour)
			e.conflict(store.ClaimMarker{Name: "bootstrap"}) // markers never expire
		}},
		{"ConcurrentClaimOneWins", func(e *env) {
			errs := Race(20, func(int) error {
				return e.s.Commit(e.ctx, store.ClaimMarker{Name: "bootstrap"})
			})
			OneWinner(e.t, errs)
			e.conflict(store.ClaimMarker{Name: "bootstrap"})
		}},
	}
}
