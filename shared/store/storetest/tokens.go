package storetest

import (
	"errors"
	"fmt"
	"time"

	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/store"
)

func tokenTests() []test {
	return []test{
		{"PutThenLoadRoundTripsEveryField", testTokenRoundTrip},
		{"KindsAreSeparateNamespaces", testTokenKinds},
		{"PutOverLiveConflicts", testTokenDuplicate},
		{"ExpiresAtNowAndCanBeCreatedAgain", testTokenExpiry},
		{"MalformedIsInvalid", testTokenInvalid},
		{"UpdateWithVersion", testTokenUpdate},
		{"UpdateStaleAbsentExpiredOrConsumedConflicts", testTokenUpdateStale},
		{"ConsumeOnce", testTokenConsumeOnce},
		{"ConsumeAbsentOrExpiredConflicts", testTokenConsumeAbsent},
		{"ConsumeWithVersion", testTokenConsumeVersion},
		{"DeleteIsUnconditional", testTokenDelete},
		{"ConsumeInRefusedCommitLeavesTokenLive", testTokenConsumeRefused},
		{"SameTokenTwiceIsInvalidAndWritesNothing", testTokenSameItemTwice},
		{"ConcurrentConsumeOneWins", testTokenConcurrentConsume},
		{"ConcurrentConsumeWithAccountUpdateOneWins", testTokenConcurrentConsumeWithAccount},
	}
}

func testTokenRoundTrip(e *env) {
	full := newToken(store.TokenMFAChallenge, "full", "u_zoe", e.now().Add(ms(3)))
	full.Attempts = 2
	full.Data = map[string]string{"method": "totp", "returnTo": "/ä/ß?x=1&y=2", "empty": ""}
	// No user (an SSO state), no attempts, no data.
	minimal := store.Token{Kind: store.TokenSSOState, Hash: ids.Hash("state"), ExpiresAt: e.now().Add(10 * time.Minute)}
	e.commit(store.PutToken{Token: full}, store.PutToken{Token: minimal})

	absent := store.TokenKey{Kind: store.TokenReset, Hash: ids.Hash("absent")}
	snap := e.load(store.Query{Tokens: []store.TokenKey{tokenKeyOf(full), absent, tokenKeyOf(minimal), tokenKeyOf(full)}})
	if len(snap.Tokens) != 2 {
		e.t.Fatalf("Snapshot.Tokens = %+v, want the two live tokens only", snap.Tokens)
	}
	full.Version, minimal.Version = 1, 1
	same(e.t, "full token", snap.Tokens[tokenKeyOf(full)], full)
	same(e.t, "minimal token", snap.Tokens[tokenKeyOf(minimal)], minimal)
	if _, ok := snap.Tokens[absent]; ok {
		e.t.Fatal("absent token reported")
	}
	// The token and its account in one Load.
	e.commit(store.CreateAccount{Account: newAccount("u_zoe", "zoe", "")})
	snap = e.load(store.Query{AccountID: "u_zoe", Tokens: []store.TokenKey{tokenKeyOf(full)}})
	if snap.Account == nil || len(snap.Tokens) != 1 {
		e.t.Fatalf("Load(AccountID+Tokens) = account %v, tokens %v; want both", snap.Account, snap.Tokens)
	}
}

func testTokenKinds(e *env) {
	hash := ids.Hash("one secret")
	reset := store.Token{Kind: store.TokenReset, Hash: hash, UserID: "u_a", ExpiresAt: e.now().Add(time.Hour)}
	invite := store.Token{Kind: store.TokenInvitation, Hash: hash, UserID: "u_b", ExpiresAt: e.now().Add(2 * time.Hour)}
	// Distinct items, so one Commit may write both.
	e.commit(store.PutToken{Token: reset}, store.PutToken{Token: invite})
	reset.Version, invite.Version = 1, 1
	same(e.t, "reset token", e.token(tokenKeyOf(reset)), &reset)
	same(e.t, "invitation token", e.token(tokenKeyOf(invite)), &invite)

	e.commit(store.ConsumeToken{Key: tokenKeyOf(reset)})
	e.noToken(tokenKeyOf(reset))
	same(e.t, "invitation token after the reset token was consumed", e.token(tokenKeyOf(invite)), &invite)
	e.noToken(store.TokenKey{Kind: store.TokenMFAChallenge, Hash: hash})
}

func testTokenDuplicate(e *env) {
	first := newToken(store.TokenReset, "one", "u_a", e.now())
	e.commit(store.PutToken{Token: first})
	second := first
	second.UserID, second.Data = "u_b", map[string]string{"ip": "192.0.2.99"}
	e.conflict(store.PutToken{Token: second})
	first.Version = 1
	same(e.t, "token after refused put", e.token(tokenKeyOf(first)), &first)
}

func testTokenExpiry(e *env) {
	tok := newToken(store.TokenReset, "one", "u_a", e.now())
	key := tokenKeyOf(tok)
	e.commit(store.PutToken{Token: tok})

	e.clk.Set(tok.ExpiresAt.Add(-ms(1)))
	if e.token(key) == nil {
		e.t.Fatal("token absent 1ms before ExpiresAt")
	}
	e.clk.Set(tok.ExpiresAt)
	e.noToken(key)
	// Gone for conditions too.
	read := tok
	read.Version = 1
	e.conflict(store.UpdateToken{Token: read})
	e.conflict(store.ConsumeToken{Key: key})
	e.conflict(store.ConsumeToken{Key: key, Version: 1})
	e.clk.Advance(24 * time.Hour)
	e.noToken(key)

	// An expired token may be created again, at version 1.
	fresh := store.Token{Kind: tok.Kind, Hash: tok.Hash, UserID: "u_b", CreatedAt: e.now(),
		ExpiresAt: e.now().Add(30 * time.Minute), Data: map[string]string{"n": "2"}}
	e.commit(store.PutToken{Token: fresh})
	fresh.Version = 1
	same(e.t, "token created over an expired one", e.token(key), &fresh)
}

func testTokenInvalid(e *env) {
	tok := newToken(store.TokenReset, "one", "u_a", e.now())
	noExpiry := tok
	noExpiry.ExpiresAt = time.Time{}
	noKind, noHash := tok, tok
	noKind.Kind, noHash.Hash = "", ""
	e.invalid(store.PutToken{Token: noExpiry})
	e.invalid(store.PutToken{Token: noKind})
	e.invalid(store.PutToken{Token: noHash})
	e.invalid(store.ConsumeToken{Key: tokenKeyOf(noKind)})
	e.invalid(store.DeleteToken{Key: tokenKeyOf(noHash)})
	e.noToken(tokenKeyOf(tok))

	e.commit(store.PutToken{Token: tok})
	noExpiry.Version = 1
	e.invalid(store.UpdateToken{Token: noExpiry})
	tok.Version = 1
	same(e.t, "token after an invalid update", e.token(tokenKeyOf(tok)), &tok)
	// A malformed op spoils its whole Commit.
	e.invalid(store.ConsumeToken{Key: tokenKeyOf(tok)}, store.PutToken{Token: store.Token{Kind: store.TokenReset, Hash: ids.Hash("other")}})
	same(e.t, "token after a commit with an invalid op", e.token(tokenKeyOf(tok)), &tok)
}

func testTokenUpdate(e *env) {
	tok := newToken(store.TokenMFAChallenge, "one", "u_a", e.now())
	e.commit(store.PutToken{Token: tok})
	got := *e.token(tokenKeyOf(tok))

	got.Attempts = 1
	got.Data = map[string]string{"method": "totp", "lastStep": "59013520"}
	got.ExpiresAt = got.ExpiresAt.Add(-30 * time.Minute)
	e.commit(store.UpdateToken{Token: got})
	want := got
	want.Version = 2
	same(e.t, "token after update", e.token(tokenKeyOf(tok)), &want)

	want.Attempts, want.Data = 2, nil
	e.commit(store.UpdateToken{Token: want})
	want.Version = 3
	same(e.t, "token after second update", e.token(tokenKeyOf(tok)), &want)
}

func testTokenUpdateStale(e *env) {
	tok := newToken(store.TokenMFAChallenge, "one", "u_a", e.now())
	key := tokenKeyOf(tok)
	e.commit(store.PutToken{Token: tok})
	v1 := *e.token(key)
	v2 := v1
	v2.Attempts = 1
	e.commit(store.UpdateToken{Token: v2})
	want := v2
	want.Version = 2

	for _, version := range []int64{0, 1, 3} {
		stale := v1
		stale.Attempts, stale.Version = 9, version
		e.conflict(store.UpdateToken{Token: stale})
	}
	same(e.t, "token after stale updates", e.token(key), &want)

	// An update never creates.
	for _, version := range []int64{0, 1} {
		ghost := newToken(store.TokenMFAChallenge, "ghost", "u_a", e.now())
		ghost.Version = version
		e.conflict(store.UpdateToken{Token: ghost})
		e.noToken(tokenKeyOf(ghost))
	}

	// Nor revives a consumed token.
	e.commit(store.ConsumeToken{Key: key})
	e.conflict(store.UpdateToken{Token: want})
	e.noToken(key)

	// Nor an expired one.
	late := newToken(store.TokenMFAChallenge, "late", "u_a", e.now())
	e.commit(store.PutToken{Token: late})
	e.clk.Set(late.ExpiresAt)
	late.Version = 1
	late.ExpiresAt = e.now().Add(time.Hour)
	e.conflict(store.UpdateToken{Token: late})
	e.noToken(tokenKeyOf(late))
}

func testTokenConsumeOnce(e *env) {
	tok := newToken(store.TokenReset, "one", "u_a", e.now())
	key := tokenKeyOf(tok)
	e.commit(store.PutToken{Token: tok})
	e.commit(store.ConsumeToken{Key: key})
	e.noToken(key)
	e.conflict(store.ConsumeToken{Key: key})
	e.conflict(store.ConsumeToken{Key: key, Version: 1})
	e.noToken(key)
}

func testTokenConsumeAbsent(e *env) {
	never := store.TokenKey{Kind: store.TokenReset, Hash: ids.Hash("never")}
	e.conflict(store.ConsumeToken{Key: never})
	e.conflict(store.ConsumeToken{Key: never, Version: 1})
	e.noToken(never)

	tok := newToken(store.TokenInvitation, "one", "u_a", e.now())
	e.commit(store.PutToken{Token: tok})
	e.clk.Set(tok.ExpiresAt)
	e.conflict(store.ConsumeToken{Key: tokenKeyOf(tok)})
	e.conflict(store.ConsumeToken{Key: tokenKeyOf(tok), Version: 1})
}

func testTokenConsumeVersion(e *env) {
	tok := newToken(store.TokenMFAChallenge, "one", "u_a", e.now())
	key := tokenKeyOf(tok)
	e.commit(store.PutToken{Token: tok})
	read := *e.token(key)
	read.Attempts = 1
	e.commit(store.UpdateToken{Token: read}) // now version 2
	want := read
	want.Version = 2

	for _, version := range []int64{1, 3} {
		e.conflict(store.ConsumeToken{Key: key, Version: version})
	}
	same(e.t, "token after stale consumes", e.token(key), &want)
	e.commit(store.ConsumeToken{Key: key, Version: 2})
	e.noToken(key)
}

func testTokenDelete(e *env) {
	tok := newToken(store.TokenReset, "one", "u_a", e.now())
	key := tokenKeyOf(tok)
	e.commit(store.DeleteToken{Key: key}) // absent: succeeds
	e.noToken(key)
	e.commit(store.PutToken{Token: tok})
	e.commit(store.DeleteToken{Key: key})
	e.noToken(key)
	e.commit(store.DeleteToken{Key: key})

	// Expired tokens can be deleted too, and the key used again.
	e.commit(store.PutToken{Token: tok})
	e.clk.Set(tok.ExpiresAt)
	e.commit(store.DeleteToken{Key: key})
	fresh := newToken(store.TokenReset, "one", "u_a", e.now())
	e.commit(store.PutToken{Token: fresh})
	if got := e.token(key); got == nil || got.Version != 1 {
		e.t.Fatalf("recreated token = %+v, want version 1", got)
	}
}

// testTokenConsumeRefused: a token consumed in a Commit that fails stays
// live, so that a password reset refused for a stale account can be retried
// with the same link.
func testTokenConsumeRefused(e *env) {
	tok := newToken(store.TokenReset, "one", "u_a", e.now())
	other := newToken(store.TokenReset, "other", "u_a", e.now())
	e.commit(
		store.CreateAccount{Account: newAccount("u_a", "alice", "alice@example.com")},
		store.PutToken{Token: tok}, store.PutToken{Token: other},
		store.ClaimMarker{Name: "m"},
	)
	read := e.mustAccount("u_a")
	stale := read
	stale.Version = 7
	failing := []store.Op{
		store.UpdateAccount{Account: stale, PreviousEmailKey: stale.EmailKey},
		store.PutCounter{Counter: store.Counter{Key: "c", Failures: 1, Version: 3}},
		store.PutToken{Token: other},
		store.ClaimMarker{Name: "m"},
	}
	tok.Version = 1
	for _, f := range failing {
		e.conflict(store.ConsumeToken{Key: tokenKeyOf(tok)}, f)
		e.conflict(f, store.ConsumeToken{Key: tokenKeyOf(tok), Version: 1})
		same(e.t, "token after a refused commit", e.token(tokenKeyOf(tok)), &tok)
	}
	read.PasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3"
	e.commit(store.ConsumeToken{Key: tokenKeyOf(tok)}, store.UpdateAccount{Account: read, PreviousEmailKey: read.EmailKey})
	e.noToken(tokenKeyOf(tok))
}

func testTokenSameItemTwice(e *env) {
	live := newToken(store.TokenMFAChallenge, "live", "u_a", e.now())
	fresh := newToken(store.TokenMFAChallenge, "fresh", "u_a", e.now())
	e.commit(store.PutToken{Token: live})
	live.Version = 1
	cases := []struct {
		name string
		ops  []store.Op
	}{
		{"ConsumeTwice", []store.Op{store.ConsumeToken{Key: tokenKeyOf(live)}, store.ConsumeToken{Key: tokenKeyOf(live)}}},
		{"UpdateAndConsume", []store.Op{store.UpdateToken{Token: live}, store.ConsumeToken{Key: tokenKeyOf(live)}}},
		{"ConsumeAndDelete", []store.Op{store.ConsumeToken{Key: tokenKeyOf(live)}, store.DeleteToken{Key: tokenKeyOf(live)}}},
		{"PutAndConsume", []store.Op{store.PutToken{Token: fresh}, store.ConsumeToken{Key: tokenKeyOf(fresh)}}},
		{"PutAndDelete", []store.Op{store.PutToken{Token: fresh}, store.DeleteToken{Key: tokenKeyOf(fresh)}}},
	}
	for _, tc := range cases {
		err := e.s.Commit(e.ctx, tc.ops...)
		if err == nil || errors.Is(err, store.ErrConflict) {
			e.t.Fatalf("%s: Commit(%s) = %v, want an error that is not ErrConflict", tc.name, opNames(tc.ops), err)
		}
		same(e.t, tc.name+": live token", e.token(tokenKeyOf(live)), &live)
		e.noToken(tokenKeyOf(fresh))
	}
}

// testTokenConcurrentConsume: of N concurrent consumers of one token exactly
// one succeeds; that is what makes a reset link or an MFA challenge single
// use.
func testTokenConcurrentConsume(e *env) {
	const n = 15
	tok := newToken(store.TokenReset, "one", "u_a", e.now())
	e.commit(store.PutToken{Token: tok})
	errs := Race(n, func(int) error {
		return e.s.Commit(e.ctx, store.ConsumeToken{Key: tokenKeyOf(tok)})
	})
	OneWinner(e.t, errs)
	e.noToken(tokenKeyOf(tok))
	e.conflict(store.ConsumeToken{Key: tokenKeyOf(tok)})
}

// testTokenConcurrentConsumeWithAccount: the shape of a password reset. Each
// of N goroutines consumes the token together with an update of its account
// at the version read before the race and a counter of its own: exactly one
// Commit applies, wholly, and the losers write nothing.
func testTokenConcurrentConsumeWithAccount(e *env) {
	const n = 15
	tok := newToken(store.TokenReset, "one", "u_a", e.now())
	alice := newAccount("u_a", "alice", "alice@example.com")
	alice.PasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$b2xk$b2xk"
	alice.ResetTokenHash = tok.Hash
	e.commit(store.CreateAccount{Account: alice}, store.PutToken{Token: tok})
	read := e.mustAccount("u_a")
	counterKey := func(i int) string { return fmt.Sprintf("reset:%02d", i) }
	passwordOf := func(i int) string { return fmt.Sprintf("$argon2id$v=19$m=19456,t=2,p=1$bmV3$writer%02d", i) }

	errs := Race(n, func(i int) error {
		a := read
		a.PasswordHistory = append([]string{read.PasswordHash}, read.PasswordHistory...)
		a.PasswordHash = passwordOf(i)
		a.SessionEpoch++
		a.ResetTokenHash = ""
		return e.s.Commit(e.ctx,
			store.ConsumeToken{Key: tokenKeyOf(tok)},
			store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey},
			store.PutCounter{Counter: store.Counter{Key: counterKey(i), Failures: 1, ExpiresAt: e.now().Add(time.Hour)}},
		)
	})
	w := OneWinner(e.t, errs)

	e.noToken(tokenKeyOf(tok))
	got := e.mustAccount("u_a")
	if got.Version != read.Version+1 || got.PasswordHash != passwordOf(w) || got.SessionEpoch != read.SessionEpoch+1 ||
		got.ResetTokenHash != "" || len(got.PasswordHistory) != 1 || got.PasswordHistory[0] != read.PasswordHash {
		e.t.Fatalf("account after the race (winner %d): %+v; want version %d with the winner's password", w, got, read.Version+1)
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = counterKey(i)
	}
	counters := e.load(store.Query{Counters: keys}).Counters
	for i, k := range keys {
		want := int64(0)
		if i == w {
			want = 1
		}
		if got := counters[k].Version; got != want {
			e.t.Errorf("counter of goroutine %d (winner %d) at version %d, want %d", i, w, got, want)
		}
	}
}
