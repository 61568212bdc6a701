package storetest

import (
	"fmt"
	"slices"
	"time"

	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/store"
)

func credentialTests() []test {
	return []test{
		{"PutThenLoadRoundTripsEveryField", testCredentialRoundTrip},
		{"KindsAndUsersAreSeparate", testCredentialNamespaces},
		{"PutOverLiveConflicts", testCredentialDuplicate},
		{"ExpiresAtNowAndCanBeCreatedAgain", testCredentialExpiry},
		{"MalformedIsInvalid", testCredentialInvalid},
		{"UpdateWithVersion", testCredentialUpdate},
		{"UpdateStaleOrAbsentConflicts", testCredentialUpdateStale},
		{"DeleteWithAndWithoutVersion", testCredentialDelete},
		{"ListByUserAndKind", testCredentialList},
		{"ListsDoNotMix", testCredentialListsDoNotMix},
		{"UniqueClaimsTheID", testCredentialUnique},
		{"CommitWithAccountIsAtomic", testCredentialWithAccount},
		{"SameCredentialTwiceIsInvalid", testCredentialSameItemTwice},
		{"ConcurrentCounterOneWins", testCredentialConcurrentCounter},
		{"ConcurrentRecoveryCodeUseOneWins", testCredentialConcurrentRecoveryCode},
		{"ConcurrentUniquePutOneWins", testCredentialConcurrentUnique},
		{"ConcurrentDeleteWithVersionOneWins", testCredentialConcurrentDelete},
	}
}

// newCredential returns a credential created now, without expiry.
func newCredential(userID string, kind store.CredentialKind, id string, now time.Time) store.Credential {
	return store.Credential{UserID: userID, Kind: kind, ID: id, Name: "name of " + id, CreatedAt: now}
}

func (e *env) credential(k store.CredentialKey) *store.Credential {
	e.t.Helper()
	snap := e.load(store.Query{Credentials: []store.CredentialKey{k}})
	if len(snap.Credentials) > 1 {
		e.t.Fatalf("Load of one credential returned %d", len(snap.Credentials))
	}
	c, ok := snap.Credentials[k]
	if !ok {
		return nil
	}
	return &c
}

func (e *env) mustCredential(k store.CredentialKey) store.Credential {
	e.t.Helper()
	c := e.credential(k)
	if c == nil {
		e.t.Fatalf("%s credential %q of %q is absent, want present", k.Kind, k.ID, k.UserID)
	}
	return *c
}

func (e *env) noCredential(k store.CredentialKey) {
	e.t.Helper()
	if c := e.credential(k); c != nil {
		e.t.Fatalf("%s credential %q of %q is live (%+v), want absent", k.Kind, k.ID, k.UserID, *c)
	}
}

func (e *env) credentials(userID string, kind store.CredentialKind) []store.Credential {
	e.t.Helper()
	list, err := e.s.ListCredentials(e.ctx, userID, kind)
	if err != nil {
		e.t.Fatalf("ListCredentials(%q, %q): %v", userID, kind, err)
	}
	return list
}

func testCredentialRoundTrip(e *env) {
	full := store.Credential{
		UserID: "u_zoe", Kind: store.CredentialPasskey, ID: "q-Zz_09AbCd",
		Name: "Zoë's YubiKey 5 NFC 🔑",
		// Public keys and sealed secrets are arbitrary bytes.
		Secret:  []byte("\x00\x01cose\xff\xfe\x80 key\x00"),
		Counter: 1 << 40,
		// In neither sorted order.
		Hashes:     []string{ids.Hash("c"), ids.Hash("a"), ids.Hash("b")},
		Data:       map[string]string{"aaguid": "ee882879-721c-4913-9775-3dfcce97072a", "transports": "usb,nfc", "empty": ""},
		CreatedAt:  e.now().Add(-time.Hour + ms(7)),
		LastUsedAt: e.now().Add(-ms(250)),
		ExpiresAt:  e.now().Add(30*24*time.Hour + ms(3)),
	}
	minimal := store.Credential{UserID: "u_zoe", Kind: store.CredentialTOTP, ID: "totp"}
	e.commit(store.PutCredential{Credential: full}, store.PutCredential{Credential: minimal})

	absent := store.CredentialKey{UserID: "u_zoe", Kind: store.CredentialDevice, ID: "absent"}
	snap := e.load(store.Query{Credentials: []store.CredentialKey{full.Key(), absent, minimal.Key(), full.Key()}})
	if len(snap.Credentials) != 2 {
		e.t.Fatalf("Snapshot.Credentials = %+v, want the two live credentials only", snap.Credentials)
	}
	full.Version, minimal.Version = 1, 1
	same(e.t, "full credential", snap.Credentials[full.Key()], full)
	same(e.t, "minimal credential", snap.Credentials[minimal.Key()], minimal)

	// With its account, in one Load.
	a := newAccount("u_zoe", "zoe", "")
	a.Credentials = []store.CredentialRef{full.Ref(), minimal.Ref()}
	e.commit(store.CreateAccount{Account: a})
	snap = e.load(store.Query{AccountID: "u_zoe", Credentials: []store.CredentialKey{minimal.Key()}})
	if snap.Account == nil || len(snap.Credentials) != 1 {
		e.t.Fatalf("Load(AccountID+Credentials) = account %v, credentials %v; want both", snap.Account, snap.Credentials)
	}
	if !snap.Account.HasCredential(store.CredentialPasskey) || snap.Account.HasCredential(store.CredentialDevice) {
		e.t.Fatalf("account index = %v", snap.Account.Credentials)
	}
}

func testCredentialNamespaces(e *env) {
	now := e.now()
	a := newCredential("u_a", store.CredentialTOTP, "one", now)
	b := newCredential("u_b", store.CredentialTOTP, "one", now)
	c := newCredential("u_a", store.CredentialTOTPPending, "one", now)
	// Distinct items, so one Commit may write them all.
	e.commit(store.PutCredential{Credential: a}, store.PutCredential{Credential: b}, store.PutCredential{Credential: c})
	e.commit(store.DeleteCredential{Key: a.Key()})
	e.noCredential(a.Key())
	b.Version, c.Version = 1, 1
	same(e.t, "other user's credential", e.mustCredential(b.Key()), b)
	same(e.t, "other kind's credential", e.mustCredential(c.Key()), c)
}

func testCredentialDuplicate(e *env) {
	first := newCredential("u_a", store.CredentialTOTP, "totp", e.now())
	first.Secret = []byte("first")
	e.commit(store.PutCredential{Credential: first})
	second := first
	second.Secret = []byte("second")
	e.conflict(store.PutCredential{Credential: second})
	first.Version = 1
	same(e.t, "credential after the refused put", e.mustCredential(first.Key()), first)
}

func testCredentialExpiry(e *env) {
	c := newCredential("u_a", store.CredentialDevice, ids.Hash("device"), e.now())
	c.ExpiresAt = e.now().Add(time.Hour)
	k := c.Key()
	e.commit(store.PutCredential{Credential: c})

	e.clk.Set(c.ExpiresAt.Add(-ms(1)))
	if e.credential(k) == nil || len(e.credentials("u_a", "")) != 1 {
		e.t.Fatal("credential absent 1ms before ExpiresAt")
	}
	e.clk.Set(c.ExpiresAt)
	e.noCredential(k)
	if got := e.credentials("u_a", store.CredentialDevice); len(got) != 0 {
		e.t.Fatalf("ListCredentials after expiry = %+v, want none", got)
	}
	// Gone for conditions too.
	read := c
	read.Version = 1
	e.conflict(store.UpdateCredential{Credential: read})
	e.conflict(store.DeleteCredential{Key: k, Version: 1})

	// An expired credential may be created again, at version 1.
	e.clk.Advance(2 * time.Hour)
	fresh := newCredential("u_a", store.CredentialDevice, c.ID, e.now())
	fresh.ExpiresAt = e.now().Add(time.Hour)
	e.commit(store.PutCredential{Credential: fresh})
	fresh.Version = 1
	same(e.t, "credential created over an expired one", e.mustCredential(k), fresh)
}

func testCredentialInvalid(e *env) {
	ok := newCredential("u_a", store.CredentialTOTP, "totp", e.now())
	noUser, noKind, noID := ok, ok, ok
	noUser.UserID, noKind.Kind, noID.ID = "", "", ""
	for _, bad := range []store.Credential{noUser, noKind, noID} {
		e.invalid(store.PutCredential{Credential: bad})
		bad.Version = 1
		e.invalid(store.UpdateCredential{Credential: bad})
		e.invalid(store.DeleteCredential{Key: bad.Key()})
		// Nothing of a refused commit is written.
		e.invalid(store.PutCredential{Credential: ok}, store.PutCredential{Credential: bad})
		e.noCredential(ok.Key())
	}
	// Keys that cannot have been written are absent, not errors.
	snap := e.load(store.Query{Credentials: []store.CredentialKey{noUser.Key(), noKind.Key(), noID.Key()}})
	if len(snap.Credentials) != 0 {
		e.t.Fatalf("Load of malformed keys = %+v", snap.Credentials)
	}
	if got := e.credentials("", ""); len(got) != 0 {
		e.t.Fatalf("ListCredentials(\"\") = %+v", got)
	}
}

func testCredentialUpdate(e *env) {
	c := newCredential("u_a", store.CredentialTOTP, "totp", e.now())
	c.Secret, c.Counter = []byte("sealed"), 41
	e.commit(store.PutCredential{Credential: c})
	read := e.mustCredential(c.Key())
	if read.Version != 1 {
		e.t.Fatalf("new credential at version %d, want 1", read.Version)
	}
	read.Counter, read.LastUsedAt = 42, e.now().Add(ms(5))
	read.Data = map[string]string{"k": "v"}
	e.commit(store.UpdateCredential{Credential: read})
	want := read
	want.Version = 2
	same(e.t, "after update", e.mustCredential(c.Key()), want)

	// Fields can be cleared.
	want.Data, want.LastUsedAt, want.Secret = nil, time.Time{}, nil
	e.commit(store.UpdateCredential{Credential: want})
	want.Version = 3
	same(e.t, "after clearing", e.mustCredential(c.Key()), want)
}

func testCredentialUpdateStale(e *env) {
	c := newCredential("u_a", store.CredentialTOTP, "totp", e.now())
	e.commit(store.PutCredential{Credential: c})
	v1 := e.mustCredential(c.Key())
	v2 := v1
	v2.Counter = 7
	e.commit(store.UpdateCredential{Credential: v2})
	for _, version := range []int64{0, 1, 3} {
		stale := v1
		stale.Version, stale.Counter = version, 100+int64(version)
		e.conflict(store.UpdateCredential{Credential: stale})
	}
	// An update never creates.
	absent := newCredential("u_a", store.CredentialPasskey, "absent", e.now())
	absent.Version = 1
	e.conflict(store.UpdateCredential{Credential: absent})
	e.noCredential(absent.Key())
	v2.Version = 2
	same(e.t, "after stale updates", e.mustCredential(c.Key()), v2)
}

func testCredentialDelete(e *env) {
	c := newCredential("u_a", store.CredentialPasskey, "pk1", e.now())
	e.commit(store.PutCredential{Credential: c})
	e.conflict(store.DeleteCredential{Key: c.Key(), Version: 2})
	e.mustCredential(c.Key())
	e.commit(store.DeleteCredential{Key: c.Key(), Version: 1})
	e.noCredential(c.Key())
	// Without a version, deleting an absent credential succeeds; with one,
	// it conflicts.
	e.commit(store.DeleteCredential{Key: c.Key()})
	e.conflict(store.DeleteCredential{Key: c.Key(), Version: 1})
}

func testCredentialList(e *env) {
	t0 := e.now()
	// Written out of creation order, across kinds and users.
	p2 := newCredential("u_a", store.CredentialPasskey, "b-second", t0.Add(ms(20)))
	p1 := newCredential("u_a", store.CredentialPasskey, "z-first", t0.Add(ms(10)))
	totp := newCredential("u_a", store.CredentialTOTP, "totp", t0.Add(ms(15)))
	dev := newCredential("u_a", store.CredentialDevice, ids.Hash("d"), t0.Add(ms(5)))
	dev.ExpiresAt = t0.Add(time.Hour)
	gone := newCredential("u_a", store.CredentialDevice, ids.Hash("gone"), t0)
	gone.ExpiresAt = t0.Add(ms(1))
	other := newCredential("u_ab", store.CredentialPasskey, "other", t0)
	prefix := newCredential("u", store.CredentialPasskey, "prefix", t0)
	e.commit(store.PutCredential{Credential: p2}, store.PutCredential{Credential: p1},
		store.PutCredential{Credential: totp}, store.PutCredential{Credential: dev},
		store.PutCredential{Credential: gone}, store.PutCredential{Credential: other},
		store.PutCredential{Credential: prefix})
	e.clk.Advance(ms(2))
	for _, c := range []*store.Credential{&p1, &p2, &totp, &dev, &other} {
		c.Version = 1
	}
	same(e.t, "passkeys of u_a", e.credentials("u_a", store.CredentialPasskey), []store.Credential{p1, p2})
	same(e.t, "every credential of u_a", e.credentials("u_a", ""), []store.Credential{dev, p1, totp, p2})
	same(e.t, "devices of u_a", e.credentials("u_a", store.CredentialDevice), []store.Credential{dev})
	same(e.t, "passkeys of u_ab", e.credentials("u_ab", store.CredentialPasskey), []store.Credential{other})
	if got := e.credentials("u_nobody", ""); len(got) != 0 {
		e.t.Fatalf("ListCredentials of a user without any = %+v", got)
	}
	// A kind that is a prefix of another lists only itself.
	pending := newCredential("u_a", store.CredentialTOTPPending, "totp", t0)
	e.commit(store.PutCredential{Credential: pending})
	same(e.t, "totp of u_a", e.credentials("u_a", store.CredentialTOTP), []store.Credential{totp})
}

// testCredentialListsDoNotMix: credentials share their user's records with
// the account and its sessions (DynamoDB: one partition); no list mixes them.
func testCredentialListsDoNotMix(e *env) {
	e.commit(store.CreateAccount{Account: newAccount("u_a", "alice", "")})
	sess := newSession("u_a", "s1", e.now())
	c := newCredential("u_a", store.CredentialPasskey, "pk", e.now())
	e.commit(store.PutSession{Session: sess}, store.PutCredential{Credential: c})
	if got := e.sessions("u_a"); len(got) != 1 || got[0].Hash != sess.Hash {
		e.t.Fatalf("ListSessions = %+v, want the one session", got)
	}
	if got := e.credentials("u_a", ""); len(got) != 1 || got[0].ID != "pk" {
		e.t.Fatalf("ListCredentials = %+v, want the one credential", got)
	}
}

func testCredentialUnique(e *env) {
	claim := store.CredentialClaim(store.CredentialPasskey)
	mine := newCredential("u_a", store.CredentialPasskey, "shared-id", e.now())
	e.commit(store.PutCredential{Credential: mine, Unique: true})
	e.wantClaim(claim, "shared-id", "u_a")
	// Another user cannot register the same id, and nothing is written.
	theirs := newCredential("u_b", store.CredentialPasskey, "shared-id", e.now())
	e.conflict(store.PutCredential{Credential: theirs, Unique: true})
	e.noCredential(theirs.Key())
	// Nor release a claim it does not hold.
	e.conflict(store.DeleteCredential{Key: theirs.Key(), Unique: true})
	e.wantClaim(claim, "shared-id", "u_a")
	// Claims of a kind are their own namespace.
	e.wantClaim(store.CredentialClaim(store.CredentialDevice), "shared-id", "")
	e.wantClaim(store.ClaimUsername, "shared-id", "")

	e.commit(store.DeleteCredential{Key: mine.Key(), Version: 1, Unique: true})
	e.wantClaim(claim, "shared-id", "")
	e.commit(store.PutCredential{Credential: theirs, Unique: true})
	e.wantClaim(claim, "shared-id", "u_b")
}

// testCredentialWithAccount: a credential and its account's index change in
// one Commit, or not at all.
func testCredentialWithAccount(e *env) {
	e.commit(store.CreateAccount{Account: newAccount("u_a", "alice", "")})
	read := e.mustAccount("u_a")
	c := newCredential("u_a", store.CredentialPasskey, "pk", e.now())
	a := read
	a.Credentials = a.WithCredential(c.Ref())
	stale := a
	stale.Version = 7
	e.conflict(store.PutCredential{Credential: c, Unique: true}, store.UpdateAccount{Account: stale})
	e.noCredential(c.Key())
	e.wantClaim(store.CredentialClaim(c.Kind), c.ID, "")
	e.commit(store.PutCredential{Credential: c, Unique: true}, store.UpdateAccount{Account: a})
	if got := e.mustAccount("u_a"); !slices.Equal(got.Credentials, []store.CredentialRef{c.Ref()}) {
		e.t.Fatalf("account index = %v", got.Credentials)
	}
	e.mustCredential(c.Key())
}

func testCredentialSameItemTwice(e *env) {
	c := newCredential("u_a", store.CredentialTOTP, "totp", e.now())
	e.invalid(store.PutCredential{Credential: c}, store.DeleteCredential{Key: c.Key()})
	e.noCredential(c.Key())
}

// testCredentialConcurrentCounter: a TOTP step (or signature counter) is
// used at most once: every verifier writes its step at the version it read.
func testCredentialConcurrentCounter(e *env) {
	const n = 15
	c := newCredential("u_a", store.CredentialTOTP, "totp", e.now())
	c.Counter = 41
	e.commit(store.PutCredential{Credential: c})
	read := e.mustCredential(c.Key())
	advance := func(i int) store.UpdateCredential {
		u := read
		u.Counter, u.LastUsedAt = 42, e.now().Add(ms(i)) // tells the writers apart
		return store.UpdateCredential{Credential: u}
	}
	w := OneWinner(e.t, Race(n, func(i int) error { return e.s.Commit(e.ctx, advance(i)) }))
	want := advance(w).Credential
	want.Version = 2
	same(e.t, "after the race", e.mustCredential(c.Key()), want)
	e.conflict(advance(n))
}

// testCredentialConcurrentRecoveryCode: a recovery code is used at most
// once; the other codes stay, in order.
func testCredentialConcurrentRecoveryCode(e *env) {
	const n = 15
	set := newCredential("u_a", store.CredentialRecoveryCodes, "set", e.now())
	for i := range 10 {
		set.Hashes = append(set.Hashes, ids.Hash(fmt.Sprintf("recovery code %d", i)))
	}
	e.commit(store.PutCredential{Credential: set})
	read := e.mustCredential(set.Key())
	used := read.Hashes[3]
	use := func(i int) store.UpdateCredential {
		u := read
		// A copy: the writers share read's backing array.
		u.Hashes = slices.DeleteFunc(slices.Clone(u.Hashes), func(h string) bool { return h == used })
		u.LastUsedAt = e.now().Add(ms(i))
		return store.UpdateCredential{Credential: u}
	}
	w := OneWinner(e.t, Race(n, func(i int) error { return e.s.Commit(e.ctx, use(i)) }))
	want := use(w).Credential
	want.Version = 2
	if len(want.Hashes) != 9 {
		e.t.Fatalf("fixture: %d codes after removing one of 10", len(want.Hashes))
	}
	same(e.t, "after the race", e.mustCredential(set.Key()), want)
	e.conflict(use(n))
}

// testCredentialConcurrentUnique: of N accounts registering one passkey id,
// exactly one gets it.
func testCredentialConcurrentUnique(e *env) {
	const n = 12
	errs := Race(n, func(i int) error {
		c := newCredential(fmt.Sprintf("u_%02d", i), store.CredentialPasskey, "same-id", e.now())
		return e.s.Commit(e.ctx, store.PutCredential{Credential: c, Unique: true})
	})
	w := OneWinner(e.t, errs)
	e.wantClaim(store.CredentialClaim(store.CredentialPasskey), "same-id", fmt.Sprintf("u_%02d", w))
	for i := range n {
		k := store.CredentialKey{UserID: fmt.Sprintf("u_%02d", i), Kind: store.CredentialPasskey, ID: "same-id"}
		if got := e.credential(k); (got != nil) != (i == w) {
			e.t.Fatalf("credential of u_%02d present = %v, winner %d", i, got != nil, w)
		}
	}
}

// testCredentialConcurrentDelete: a credential consumed by a versioned
// delete is consumed once.
func testCredentialConcurrentDelete(e *env) {
	c := newCredential("u_a", store.CredentialTOTPPending, "totp", e.now())
	c.ExpiresAt = e.now().Add(10 * time.Minute)
	e.commit(store.PutCredential{Credential: c})
	OneWinner(e.t, Race(12, func(int) error {
		return e.s.Commit(e.ctx, store.DeleteCredential{Key: c.Key(), Version: 1})
	}))
	e.noCredential(c.Key())
}
