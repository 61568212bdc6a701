package storetest

import (
	"fmt"
	"time"

	"github.com/gatepass/gatepass/shared/ids"

	"github.com/gatepass/gatepass/shared/store"
)

func sessionTests() []test {
	return []test{
		{"PutThenLoadWithAccountInOneLoad", testSessionPutLoad},
		{"KeyIncludesUser", testSessionKeyIncludesUser},
		{"PutDuplicateConflicts", testSessionDuplicate},
		{"TouchUpdatesLastSeenAt", testSessionTouch},
		{"TouchAfterDeleteConflictsAndDoesNotResurrect", testSessionTouchAfterDelete},
		{"TouchAbsentOrExpiredConflicts", testSessionTouchExpired},
		{"DeleteAbsentSucceeds", testSessionDeleteAbsent},
		{"ExpiresAtNow", testSessionExpiry},
		{"PutOverExpiredSucceeds", testSessionPutOverExpired},
		{"ListOnlyLiveSessionsOfUserOldestFirst", testSessionList},
		{"ReplaceMovesTheSessionToItsNewKey", testSessionReplace},
		{"ReplaceOfAbsentRevokedOrExpiredConflicts", testSessionReplaceGone},
		{"ConcurrentReplacementsOfOneSessionOneWinner", testSessionReplaceRace},
	}
}

func testSessionPutLoad(e *env) {
	a := newAccount("u_a", "alice", "alice@example.com")
	sess := newSession("u_a", "one", e.now().Add(ms(5)))
	sess.Restriction = store.RestrictionPasswordChange
	e.commit(store.CreateAccount{Account: a}, store.PutSession{Session: sess})

	key := sessionKeyOf(sess)
	snap := e.load(store.Query{AccountID: "u_a", Session: &key})
	if snap.Account == nil || snap.Session == nil {
		e.t.Fatalf("Load(AccountID+Session): account %v, session %v; want both", snap.Account, snap.Session)
	}
	a.Version = 1
	same(e.t, "account", *snap.Account, a)
	same(e.t, "session", *snap.Session, sess)
}

func testSessionKeyIncludesUser(e *env) {
	sess := newSession("u_a", "one", e.now())
	e.commit(store.PutSession{Session: sess})
	other := store.SessionKey{UserID: "u_b", Hash: sess.Hash}
	if got := e.session(other); got != nil {
		e.t.Fatalf("session found under another user: %+v", *got)
	}
	e.commit(store.DeleteSession{Key: other}) // absent: succeeds, touches nothing
	if e.session(sessionKeyOf(sess)) == nil {
		e.t.Fatal("deleting another user's key removed the session")
	}
	if list := e.sessions("u_b"); len(list) != 0 {
		e.t.Fatalf("ListSessions(u_b) = %+v, want none", list)
	}
}

func testSessionDuplicate(e *env) {
	first := newSession("u_a", "one", e.now())
	e.commit(store.PutSession{Session: first})
	second := first
	second.IP, second.ID = "192.0.2.99", "s_other"
	e.conflict(store.PutSession{Session: second})
	same(e.t, "session after refused put", e.session(sessionKeyOf(first)), &first)
}

func testSessionTouch(e *env) {
	sess := newSession("u_a", "one", e.now())
	e.commit(store.PutSession{Session: sess})
	e.clk.Advance(5 * time.Minute)
	seen := e.now().Add(ms(42))
	e.commit(store.TouchSession{Key: sessionKeyOf(sess), LastSeenAt: seen})
	want := sess
	want.LastSeenAt = seen
	same(e.t, "session after touch", e.session(sessionKeyOf(sess)), &want)
	same(e.t, "ListSessions after touch", e.sessions("u_a"), []store.Session{want})
}

func testSessionTouchAfterDelete(e *env) {
	sess := newSession("u_a", "one", e.now())
	key := sessionKeyOf(sess)
	e.commit(store.PutSession{Session: sess})
	e.commit(store.DeleteSession{Key: key})
	e.conflict(store.TouchSession{Key: key, LastSeenAt: e.now().Add(time.Minute)})
	if got := e.session(key); got != nil {
		e.t.Fatalf("revoked session resurrected: %+v", *got)
	}
	if list := e.sessions("u_a"); len(list) != 0 {
		e.t.Fatalf("ListSessions after revocation = %+v, want none", list)
	}
	// Revocation is final for that key: the only way back is a new PutSession.
	e.commit(store.PutSession{Session: sess})
}

func testSessionTouchExpired(e *env) {
	e.conflict(store.TouchSession{Key: store.SessionKey{UserID: "u_a", Hash: "00ff"}, LastSeenAt: e.now()})
	sess := newSession("u_a", "one", e.now())
	key := sessionKeyOf(sess)
	e.commit(store.PutSession{Session: sess})
	e.clk.Set(sess.ExpiresAt)
	e.conflict(store.TouchSession{Key: key, LastSeenAt: e.now()})
	if got := e.session(key); got != nil {
		e.t.Fatalf("expired session read back after touch: %+v", *got)
	}
}

func testSessionDeleteAbsent(e *env) {
	key := store.SessionKey{UserID: "u_a", Hash: "deadbeef"}
	e.commit(store.DeleteSession{Key: key})
	e.commit(store.DeleteSession{Key: key})
	if e.session(key) != nil {
		e.t.Fatal("deleting an absent session created it")
	}
}

func testSessionExpiry(e *env) {
	sess := newSession("u_a", "one", e.now())
	sess.ExpiresAt = e.now().Add(time.Hour + ms(500))
	key := sessionKeyOf(sess)
	e.commit(store.PutSession{Session: sess})

	e.clk.Set(sess.ExpiresAt.Add(-ms(1)))
	if e.session(key) == nil {
		e.t.Fatal("session absent 1ms before ExpiresAt")
	}
	if n := len(e.sessions("u_a")); n != 1 {
		e.t.Fatalf("ListSessions 1ms before ExpiresAt: %d sessions, want 1", n)
	}
	e.clk.Set(sess.ExpiresAt)
	if got := e.session(key); got != nil {
		e.t.Fatalf("session present at ExpiresAt: %+v", *got)
	}
	if list := e.sessions("u_a"); len(list) != 0 {
		e.t.Fatalf("ListSessions at ExpiresAt = %+v, want none", list)
	}
	e.clk.Advance(24 * time.Hour)
	if e.session(key) != nil {
		e.t.Fatal("session present a day after ExpiresAt")
	}
}

func testSessionPutOverExpired(e *env) {
	old := newSession("u_a", "one", e.now())
	e.commit(store.PutSession{Session: old})
	e.clk.Set(old.ExpiresAt.Add(time.Minute))
	fresh := newSession("u_a", "one", e.now())
	fresh.IP = "192.0.2.1"
	e.commit(store.PutSession{Session: fresh})
	same(e.t, "session put over an expired one", e.session(sessionKeyOf(fresh)), &fresh)
}

func testSessionList(e *env) {
	t0 := e.now()
	// Inserted in an order that is neither CreatedAt order nor key order.
	c := newSession("u1", "c", t0.Add(2*time.Minute))
	a := newSession("u1", "a", t0.Add(ms(1)))
	b := newSession("u1", "b", t0.Add(time.Minute))
	expiring := newSession("u1", "expiring", t0)
	expiring.ExpiresAt = t0.Add(30 * time.Minute)
	// Users whose ids share a prefix with u1, or u1 with theirs.
	u10 := newSession("u10", "x", t0)
	u := newSession("u", "y", t0)
	e.commit(
		store.PutSession{Session: c}, store.PutSession{Session: expiring}, store.PutSession{Session: u10},
		store.PutSession{Session: a}, store.PutSession{Session: u}, store.PutSession{Session: b},
	)
	same(e.t, "ListSessions(u1)", e.sessions("u1"), []store.Session{expiring, a, b, c})
	same(e.t, "ListSessions(u10)", e.sessions("u10"), []store.Session{u10})
	same(e.t, "ListSessions(u)", e.sessions("u"), []store.Session{u})
	if list := e.sessions("nobody"); len(list) != 0 {
		e.t.Fatalf("ListSessions(nobody) = %+v, want none", list)
	}

	e.clk.Set(expiring.ExpiresAt)
	same(e.t, "ListSessions(u1) after one expired", e.sessions("u1"), []store.Session{a, b, c})

	e.commit(store.DeleteSession{Key: sessionKeyOf(b)})
	same(e.t, "ListSessions(u1) after a revocation", e.sessions("u1"), []store.Session{a, c})
}

func testSessionReplace(e *env) {
	old := newSession("u_a", "old", e.now())
	e.commit(store.PutSession{Session: old})
	renewed := old
	renewed.Hash = ids.Hash("u_a/renewed")
	renewed.ViewType, renewed.FacilityID = "network", ""
	renewed.LastSeenAt = e.now().Add(ms(3))
	e.commit(store.ReplaceSession{Old: sessionKeyOf(old), Session: renewed})
	if got := e.session(sessionKeyOf(old)); got != nil {
		e.t.Fatalf("replaced session still readable under its old key: %+v", *got)
	}
	same(e.t, "session under its new key", e.session(sessionKeyOf(renewed)), &renewed)
	same(e.t, "ListSessions after a replacement", e.sessions("u_a"), []store.Session{renewed})
}

func testSessionReplaceGone(e *env) {
	absent := newSession("u_a", "absent", e.now())
	next := newSession("u_a", "next", e.now())
	e.conflict(store.ReplaceSession{Old: sessionKeyOf(absent), Session: next})
	if got := e.session(sessionKeyOf(next)); got != nil {
		e.t.Fatalf("a refused replacement created its session: %+v", *got)
	}

	revoked := newSession("u_a", "revoked", e.now())
	e.commit(store.PutSession{Session: revoked})
	e.commit(store.DeleteSession{Key: sessionKeyOf(revoked)})
	e.conflict(store.ReplaceSession{Old: sessionKeyOf(revoked), Session: next})

	// Replacing twice from the same old key: the second finds it gone.
	live := newSession("u_a", "live", e.now())
	e.commit(store.PutSession{Session: live})
	e.commit(store.ReplaceSession{Old: sessionKeyOf(live), Session: next})
	again := newSession("u_a", "again", e.now())
	e.conflict(store.ReplaceSession{Old: sessionKeyOf(live), Session: again})
	if got := e.session(sessionKeyOf(again)); got != nil {
		e.t.Fatalf("a second replacement of one session created a fork: %+v", *got)
	}

	expiring := newSession("u_b", "expiring", e.now())
	expiring.ExpiresAt = e.now().Add(time.Minute)
	e.commit(store.PutSession{Session: expiring})
	e.clk.Set(expiring.ExpiresAt)
	e.conflict(store.ReplaceSession{Old: sessionKeyOf(expiring), Session: newSession("u_b", "after", e.now())})

	// The new key belongs to the same user, and must be free.
	e.invalid(store.ReplaceSession{Old: sessionKeyOf(live), Session: newSession("u_b", "foreign", e.now())})
}

func testSessionReplaceRace(e *env) {
	const n = 8
	old := newSession("u_a", "old", e.now())
	e.commit(store.PutSession{Session: old})
	next := make([]store.Session, n)
	for i := range next {
		next[i] = old
		next[i].Hash = ids.Hash(fmt.Sprintf("u_a/fork-%d", i))
	}
	w := OneWinner(e.t, Race(n, func(i int) error {
		return e.s.Commit(e.ctx, store.ReplaceSession{Old: sessionKeyOf(old), Session: next[i]})
	}))
	same(e.t, "live sessions after concurrent replacements", e.sessions("u_a"), []store.Session{next[w]})
}
