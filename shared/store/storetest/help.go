package storetest

import (
	"fmt"
	"time"

	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/store"
)

func helpRequestTests() []test {
	return []test{
		{"PutThenLoadRoundTrips", testHelpRoundTrip},
		{"OnePerAccount", testHelpOnePerAccount},
		{"DeleteWithAndWithoutID", testHelpDelete},
		{"ListNewestFirst", testHelpList},
		{"MalformedIsInvalid", testHelpInvalid},
		{"CommitWithOtherOpsIsAtomic", testHelpAtomic},
		{"ConcurrentPutsOneWins", testHelpConcurrentPut},
		{"ConcurrentDeletesWithIDOneWins", testHelpConcurrentDelete},
	}
}

// newHelpRequest returns the help request of userID opened at created.
func newHelpRequest(userID string, created time.Time) store.HelpRequest {
	return store.HelpRequest{UserID: userID, ID: ids.New("h"), CreatedAt: created,
		IP: "2001:db8::7", UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15"}
}

// helpRequest returns the open help request of userID, nil when it has none.
func (e *env) helpRequest(userID string) *store.HelpRequest {
	e.t.Helper()
	snap := e.load(store.Query{HelpRequests: []string{userID}})
	if len(snap.HelpRequests) > 1 {
		e.t.Fatalf("Load of one help request returned %d", len(snap.HelpRequests))
	}
	h, ok := snap.HelpRequests[userID]
	if !ok {
		return nil
	}
	return &h
}

func (e *env) noHelpRequest(userID string) {
	e.t.Helper()
	if h := e.helpRequest(userID); h != nil {
		e.t.Fatalf("help request of %q is open (%+v), want none", userID, *h)
	}
}

func (e *env) helpRequests() []store.HelpRequest {
	e.t.Helper()
	list, err := e.s.ListHelpRequests(e.ctx)
	if err != nil {
		e.t.Fatalf("ListHelpRequests: %v", err)
	}
	return list
}

func testHelpRoundTrip(e *env) {
	e.noHelpRequest("u_zoe")
	if got := e.helpRequests(); len(got) != 0 {
		e.t.Fatalf("ListHelpRequests of an empty store = %+v", got)
	}
	full := newHelpRequest("u_zoe", e.now().Add(-time.Minute+ms(7)))
	full.UserAgent = "Zoë's browser 🦊 " + full.UserAgent
	minimal := store.HelpRequest{UserID: "u_max", ID: "h_minimal"}
	e.commit(store.PutHelpRequest{Request: full}, store.PutHelpRequest{Request: minimal})

	snap := e.load(store.Query{HelpRequests: []string{"u_zoe", "u_nobody", "u_max", "u_zoe"}})
	if len(snap.HelpRequests) != 2 {
		e.t.Fatalf("Snapshot.HelpRequests = %+v, want the two open ones", snap.HelpRequests)
	}
	same(e.t, "full help request", snap.HelpRequests["u_zoe"], full)
	same(e.t, "minimal help request", snap.HelpRequests["u_max"], minimal)

	// With its account, in the one Load that reads the account; and with
	// further accounts (Query.Accounts), absent ones left out.
	a, b := newAccount("u_zoe", "zoe", ""), newAccount("u_bob", "bob", "bob@example.com")
	e.commit(store.CreateAccount{Account: a}, store.CreateAccount{Account: b})
	snap = e.load(store.Query{AccountID: "u_zoe", HelpRequests: []string{"u_zoe"},
		Accounts: []string{"u_bob", "u_zoe", "u_nobody", "", "u_bob"}})
	a.Version, b.Version = 1, 1
	same(e.t, "account", snap.Account, &a)
	same(e.t, "help request read with its account", snap.HelpRequests["u_zoe"], full)
	if len(snap.Accounts) != 2 {
		e.t.Fatalf("Snapshot.Accounts = %+v, want u_bob and u_zoe", snap.Accounts)
	}
	same(e.t, "Accounts[u_bob]", snap.Accounts["u_bob"], b)
	same(e.t, "Accounts[u_zoe]", snap.Accounts["u_zoe"], a)
}

func testHelpOnePerAccount(e *env) {
	first := newHelpRequest("u_a", e.now())
	e.commit(store.PutHelpRequest{Request: first})
	second := newHelpRequest("u_a", e.now().Add(time.Minute))
	e.conflict(store.PutHelpRequest{Request: second})
	same(e.t, "help request after a second one was refused", e.helpRequest("u_a"), &first)
	// Other accounts have their own, also one whose id is a prefix.
	other := newHelpRequest("u_ab", e.now())
	prefix := newHelpRequest("u", e.now())
	e.commit(store.PutHelpRequest{Request: other}, store.PutHelpRequest{Request: prefix})
	if got := e.helpRequests(); len(got) != 3 {
		e.t.Fatalf("ListHelpRequests = %+v, want 3", got)
	}
	// Closed, an account may open one again.
	e.commit(store.DeleteHelpRequest{UserID: "u_a"})
	e.commit(store.PutHelpRequest{Request: second})
	same(e.t, "help request opened again", e.helpRequest("u_a"), &second)
}

func testHelpDelete(e *env) {
	h := newHelpRequest("u_a", e.now())
	e.commit(store.PutHelpRequest{Request: h})
	// With an ID, only the open request of that ID is closed.
	e.conflict(store.DeleteHelpRequest{UserID: "u_a", ID: "h_another"})
	e.conflict(store.DeleteHelpRequest{UserID: "u_b", ID: h.ID})
	same(e.t, "help request after refused deletes", e.helpRequest("u_a"), &h)
	e.commit(store.DeleteHelpRequest{UserID: "u_a", ID: h.ID})
	e.noHelpRequest("u_a")
	e.conflict(store.DeleteHelpRequest{UserID: "u_a", ID: h.ID})
	// Without one, closing an absent request succeeds.
	e.commit(store.DeleteHelpRequest{UserID: "u_a"})
	again := newHelpRequest("u_a", e.now())
	e.commit(store.PutHelpRequest{Request: again})
	e.commit(store.DeleteHelpRequest{UserID: "u_a"})
	e.noHelpRequest("u_a")
	if got := e.helpRequests(); len(got) != 0 {
		e.t.Fatalf("ListHelpRequests after the deletes = %+v", got)
	}
}

func testHelpList(e *env) {
	t0 := e.now()
	// Written out of order; two of one instant sort by user id.
	mid := newHelpRequest("u_mid", t0.Add(ms(20)))
	old := newHelpRequest("u_old", t0)
	tieB := newHelpRequest("u_tie_b", t0.Add(ms(30)))
	tieA := newHelpRequest("u_tie_a", t0.Add(ms(30)))
	newest := newHelpRequest("u_new", t0.Add(time.Hour))
	e.commit(store.PutHelpRequest{Request: mid}, store.PutHelpRequest{Request: old},
		store.PutHelpRequest{Request: tieB}, store.PutHelpRequest{Request: newest})
	e.commit(store.PutHelpRequest{Request: tieA})
	// Nothing else in the store is listed as a help request.
	e.commit(store.CreateAccount{Account: newAccount("u_old", "old", "")},
		store.PutFacility{Facility: newFacility("f_muc", "Munich")})
	got := e.helpRequests()
	want := []store.HelpRequest{newest, tieA, tieB, mid, old}
	if len(got) != len(want) {
		e.t.Fatalf("ListHelpRequests = %+v, want %d", got, len(want))
	}
	for i := range want {
		same(e.t, fmt.Sprintf("help request %d", i), got[i], want[i])
	}
}

func testHelpInvalid(e *env) {
	ok := newHelpRequest("u_a", e.now())
	noUser, noID := ok, ok
	noUser.UserID, noID.ID = "", ""
	for _, bad := range []store.HelpRequest{noUser, noID} {
		e.invalid(store.PutHelpRequest{Request: bad})
		// Nothing of a refused commit is written.
		e.invalid(store.PutHelpRequest{Request: ok}, store.PutHelpRequest{Request: bad})
		e.noHelpRequest("u_a")
	}
	e.invalid(store.DeleteHelpRequest{ID: ok.ID})
	// One commit addresses an account's help request once.
	e.invalid(store.PutHelpRequest{Request: ok}, store.DeleteHelpRequest{UserID: "u_a"})
	e.noHelpRequest("u_a")
	if snap := e.load(store.Query{HelpRequests: []string{""}, Accounts: []string{""}}); len(snap.HelpRequests) != 0 ||
		len(snap.Accounts) != 0 {
		e.t.Fatalf("Load of empty ids = %+v", snap)
	}
}

// testHelpAtomic: a help request is opened or closed with its audit event
// and the other writes of its flow, or not at all.
func testHelpAtomic(e *env) {
	e.commit(store.CreateAccount{Account: newAccount("u_a", "alice", "")})
	read := e.mustAccount("u_a")
	stale := read
	stale.Version = 7
	h := newHelpRequest("u_a", e.now())
	ev := newEvent(e.now(), "password.help.requested", "u_a")
	e.conflict(store.PutHelpRequest{Request: h}, store.AppendAudit{Event: ev}, store.UpdateAccount{Account: stale})
	e.noHelpRequest("u_a")
	if got := e.auditPage(store.AuditQuery{}).Items; len(got) != 0 {
		e.t.Fatalf("a failed commit appended %+v", got)
	}
	e.commit(store.PutHelpRequest{Request: h}, store.AppendAudit{Event: ev})

	// A second opening fails, and takes its event with it.
	ev2 := newEvent(e.now().Add(ms(1)), "password.help.requested", "u_a")
	e.conflict(store.PutHelpRequest{Request: newHelpRequest("u_a", e.now())}, store.AppendAudit{Event: ev2})
	if got := e.auditPage(store.AuditQuery{}).Items; len(got) != 1 {
		e.t.Fatalf("audit after the refused opening = %+v, want the first event only", got)
	}
	// A resolution that fails on its account keeps the request open.
	e.conflict(store.DeleteHelpRequest{UserID: "u_a", ID: h.ID}, store.UpdateAccount{Account: stale})
	same(e.t, "help request after a failed resolution", e.helpRequest("u_a"), &h)
	e.commit(store.DeleteHelpRequest{UserID: "u_a", ID: h.ID}, store.UpdateAccount{Account: read})
	e.noHelpRequest("u_a")
}

// testHelpConcurrentPut: of N reset requests opening a help request for one
// account at once, exactly one does.
func testHelpConcurrentPut(e *env) {
	const n = 12
	reqs := make([]store.HelpRequest, n)
	for i := range reqs {
		reqs[i] = newHelpRequest("u_a", e.now().Add(ms(i)))
	}
	w := OneWinner(e.t, Race(n, func(i int) error {
		return e.s.Commit(e.ctx, store.PutHelpRequest{Request: reqs[i]},
			store.AppendAudit{Event: newEvent(e.now().Add(ms(i)), "password.help.requested", "u_a")})
	}))
	same(e.t, "the winner's help request", e.helpRequest("u_a"), &reqs[w])
	if got := e.helpRequests(); len(got) != 1 {
		e.t.Fatalf("ListHelpRequests after the race = %+v", got)
	}
	if got := e.auditPage(store.AuditQuery{}).Items; len(got) != 1 {
		e.t.Fatalf("%d events after the race, want the winner's", len(got))
	}
}

// testHelpConcurrentDelete: a request dismissed and resolved at once is
// closed once.
func testHelpConcurrentDelete(e *env) {
	h := newHelpRequest("u_a", e.now())
	e.commit(store.PutHelpRequest{Request: h})
	OneWinner(e.t, Race(12, func(int) error {
		return e.s.Commit(e.ctx, store.DeleteHelpRequest{UserID: "u_a", ID: h.ID})
	}))
	e.noHelpRequest("u_a")
}
