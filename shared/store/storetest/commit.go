package storetest

import (
	"errors"
	"time"

	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

func commitTests() []test {
	return []test{
		{"EmptyCommitSucceeds", func(e *env) {
			if err := e.s.Commit(e.ctx); err != nil {
				e.t.Fatalf("Commit() = %v, want nil", err)
			}
		}},
		{"MaxOpsSucceeds", testMaxOps},
		{"TooManyOpsWritesNothing", testTooManyOps},
		{"FailingOpWritesNothing", testAtomicity},
		{"SameItemTwiceIsInvalidAndWritesNothing", testSameItemTwice},
		{"MovingEmailBetweenAccountsTakesTwoCommits", testMoveEmailInOneCommit},
	}
}

func testMaxOps(e *env) {
	ops := make([]store.Op, store.MaxOps)
	for i := range ops {
		ops[i] = store.AppendAudit{Event: newEvent(e.now().Add(ms(i)), "test", "u_a")}
	}
	e.commit(ops...)
	if n := len(e.auditPage(store.AuditQuery{Limit: 200}).Items); n != store.MaxOps {
		e.t.Fatalf("after a commit of MaxOps events: %d events, want %d", n, store.MaxOps)
	}
}

func testTooManyOps(e *env) {
	ops := make([]store.Op, store.MaxOps+1)
	for i := range ops {
		ops[i] = store.AppendAudit{Event: newEvent(e.now().Add(ms(i)), "test", "u_a")}
	}
	if err := e.s.Commit(e.ctx, ops...); !errors.Is(err, store.ErrTooManyOps) {
		e.t.Fatalf("Commit of MaxOps+1 operations = %v, want ErrTooManyOps", err)
	}
	if items := e.auditPage(store.AuditQuery{Limit: 200}).Items; len(items) != 0 {
		e.t.Fatalf("a refused commit appended %d events", len(items))
	}
}

// atomicFixture is the state the atomicity cases start from. Valid operations
// address the "seed" records and new ones; failing operations address the
// "fix" records, so no item is addressed twice.
type atomicFixture struct {
	seedSession, fixSession store.Session
	seedEvent, fixEvent     store.AuditEvent
	seedToken, fixToken     store.Token
}

func seedAtomic(e *env) atomicFixture {
	f := atomicFixture{
		seedSession: newSession("u_seed", "seed", e.now()),
		fixSession:  newSession("u_fix", "fix", e.now()),
		seedEvent:   newEvent(e.now(), "seed", "u_seed"),
		fixEvent:    newEvent(e.now().Add(ms(1)), "fix", "u_fix"),
		seedToken:   newToken(store.TokenReset, "seed", "u_seed", e.now()),
		fixToken:    newToken(store.TokenReset, "fix", "u_fix", e.now()),
	}
	p := params.Defaults()
	p.AdminAlias = "seeded-alias"
	e.commit(
		store.CreateAccount{Account: newAccount("u_seed", "seed", "seed@example.com")},
		store.CreateAccount{Account: newAccount("u_fix", "fix", "fix@example.com")},
		store.PutSession{Session: f.seedSession},
		store.PutSession{Session: f.fixSession},
		store.PutCounter{Counter: store.Counter{Key: "c_seed", Failures: 3}},
		store.PutCounter{Counter: store.Counter{Key: "c_fix", Failures: 4}},
		store.AppendAudit{Event: f.seedEvent},
		store.AppendAudit{Event: f.fixEvent},
		store.PutFacility{Facility: store.Facility{ID: "f_seed", Name: "Seed", Status: "active"}},
		store.PutFacility{Facility: store.Facility{ID: "f_fix", Name: "Fix", Status: "active"}},
		store.ClaimMarker{Name: "m_fix"},
		store.PutParameters{Parameters: p},
		store.PutToken{Token: f.seedToken},
		store.PutToken{Token: f.fixToken},
	)
	e.clk.Advance(time.Second)
	f.seedToken.Version, f.fixToken.Version = 1, 1
	return f
}

// validOps are operations whose conditions hold on the seeded state; params
// says whether to include a parameters write.
func validOps(e *env, f atomicFixture, withParams bool) []store.Op {
	seed := e.mustAccount("u_seed")
	seed.DisplayName = "changed by the valid op"
	p := params.Defaults()
	p.AdminAlias = "changed-alias"
	ops := []store.Op{
		store.CreateAccount{Account: newAccount("u_new", "newbie", "new@example.com")},
		store.UpdateAccount{Account: seed, PreviousEmailKey: seed.EmailKey},
		store.PutSession{Session: newSession("u_seed", "new", e.now())},
		store.TouchSession{Key: sessionKeyOf(f.seedSession), LastSeenAt: e.now()},
		store.PutCounter{Counter: store.Counter{Key: "c_new", Failures: 1}},
		store.DeleteCounter{Key: "c_seed"},
		store.AppendAudit{Event: newEvent(e.now(), "new", "u_seed")},
		store.PutFacility{Facility: store.Facility{ID: "f_new", Name: "New", Status: "active"}},
		store.DeleteFacility{ID: "f_seed", Version: 1},
		store.ClaimMarker{Name: "m_new"},
		store.DeleteSession{Key: sessionKeyOf(newSession("u_seed", "absent", e.now()))},
		store.ConsumeToken{Key: tokenKeyOf(f.seedToken), Version: 1},
		store.PutToken{Token: newToken(store.TokenReset, "new", "u_seed", e.now())},
	}
	if withParams {
		ops = append(ops, store.PutParameters{Parameters: p, Version: 1})
	}
	return ops
}

// checkUntouched verifies that the seeded state is exactly as seeded.
func checkUntouched(e *env, f atomicFixture) {
	e.t.Helper()
	if a := e.mustAccount("u_seed"); a.Version != 1 || a.DisplayName != "Display seed" {
		e.t.Errorf("u_seed changed: %+v", a)
	}
	e.noAccount("u_new")
	e.wantClaim(store.ClaimUsername, "newbie", "")
	e.wantClaim(store.ClaimEmail, "new@example.com", "")
	if a := e.mustAccount("u_fix"); a.Version != 1 || a.DisplayName != "Display fix" || a.Username != "fix" {
		e.t.Errorf("u_fix changed: %+v", a)
	}
	e.wantClaim(store.ClaimUsername, "fix", "u_fix")
	e.wantClaim(store.ClaimEmail, "fix@example.com", "u_fix")
	e.wantClaim(store.ClaimUsername, "intruder", "")
	e.wantClaim(store.ClaimEmail, "intruder@example.com", "")
	same(e.t, "sessions of u_seed", e.sessions("u_seed"), []store.Session{f.seedSession})
	same(e.t, "sessions of u_fix", e.sessions("u_fix"), []store.Session{f.fixSession})
	if c := e.counter("c_seed"); c.Version != 1 || c.Failures != 3 {
		e.t.Errorf("c_seed changed: %+v", c)
	}
	if c := e.counter("c_fix"); c.Version != 1 || c.Failures != 4 {
		e.t.Errorf("c_fix changed: %+v", c)
	}
	if c := e.counter("c_new"); c.Version != 0 {
		e.t.Errorf("c_new written: %+v", c)
	}
	same(e.t, "audit trail", e.auditPage(store.AuditQuery{}).Items, []store.AuditEvent{f.fixEvent, f.seedEvent})
	if fa := e.facility("f_seed"); fa == nil || fa.Version != 1 || fa.Name != "Seed" {
		e.t.Errorf("f_seed changed: %+v", fa)
	}
	if fa := e.facility("f_fix"); fa == nil || fa.Version != 1 || fa.Name != "Fix" {
		e.t.Errorf("f_fix changed: %+v", fa)
	}
	if fa := e.facility("f_new"); fa != nil {
		e.t.Errorf("f_new written: %+v", *fa)
	}
	snap := e.load(store.Query{Parameters: true})
	if snap.ParametersVersion != 1 || snap.Parameters.AdminAlias != "seeded-alias" {
		e.t.Errorf("parameters changed: version %d, alias %q", snap.ParametersVersion, snap.Parameters.AdminAlias)
	}
	same(e.t, "seed token", e.token(tokenKeyOf(f.seedToken)), &f.seedToken)
	same(e.t, "fix token", e.token(tokenKeyOf(f.fixToken)), &f.fixToken)
	e.noToken(tokenKeyOf(newToken(store.TokenReset, "new", "u_seed", e.now())))
	// Markers cannot be read; claiming m_new proves it was not written.
	if err := e.s.Commit(e.ctx, store.ClaimMarker{Name: "m_new"}); err != nil {
		e.t.Errorf("m_new was written by the refused commit: %v", err)
	}
}

func testAtomicity(e *env) {
	intruder := func(id string) store.Account { return newAccount(id, "intruder", "intruder@example.com") }
	cases := []struct {
		name    string
		failing func(e *env, f atomicFixture) store.Op
		params  bool // whether the failing op is the parameters write
	}{
		{"CreateAccountDuplicateID", func(*env, atomicFixture) store.Op {
			return store.CreateAccount{Account: intruder("u_fix")}
		}, false},
		{"CreateAccountDuplicateUsername", func(*env, atomicFixture) store.Op {
			a := intruder("u_intruder")
			a.Username, a.UsernameKey = "fix", "fix"
			return store.CreateAccount{Account: a}
		}, false},
		{"CreateAccountDuplicateEmail", func(*env, atomicFixture) store.Op {
			a := intruder("u_intruder")
			a.Email, a.EmailKey = "fix@example.com", "fix@example.com"
			return store.CreateAccount{Account: a}
		}, false},
		{"UpdateAccountStale", func(e *env, _ atomicFixture) store.Op {
			a := e.mustAccount("u_fix")
			a.Version, a.DisplayName = 2, "stale"
			return store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey}
		}, false},
		{"UpdateAccountEmailHeld", func(e *env, _ atomicFixture) store.Op {
			a := e.mustAccount("u_fix")
			a.Email, a.EmailKey = "seed@example.com", "seed@example.com"
			return store.UpdateAccount{Account: a, PreviousEmailKey: "fix@example.com"}
		}, false},
		{"DeleteAccountStale", func(*env, atomicFixture) store.Op {
			return store.DeleteAccount{ID: "u_fix", Version: 7, UsernameKey: "fix", EmailKey: "fix@example.com"}
		}, false},
		{"PutSessionDuplicate", func(_ *env, f atomicFixture) store.Op {
			return store.PutSession{Session: f.fixSession}
		}, false},
		{"TouchSessionAbsent", func(e *env, _ atomicFixture) store.Op {
			return store.TouchSession{Key: sessionKeyOf(newSession("u_fix", "gone", e.now())), LastSeenAt: e.now()}
		}, false},
		{"PutCounterStale", func(*env, atomicFixture) store.Op {
			return store.PutCounter{Counter: store.Counter{Key: "c_fix", Failures: 9}}
		}, false},
		{"AppendAuditDuplicateID", func(_ *env, f atomicFixture) store.Op {
			ev := f.fixEvent
			ev.Type = "overwrite"
			return store.AppendAudit{Event: ev}
		}, false},
		{"PutParametersStale", func(*env, atomicFixture) store.Op {
			return store.PutParameters{Parameters: params.Defaults(), Version: 0}
		}, true},
		{"PutFacilityExists", func(*env, atomicFixture) store.Op {
			return store.PutFacility{Facility: store.Facility{ID: "f_fix", Name: "Overwrite"}}
		}, false},
		{"PutFacilityStale", func(*env, atomicFixture) store.Op {
			return store.PutFacility{Facility: store.Facility{ID: "f_fix", Name: "Overwrite", Version: 2}}
		}, false},
		{"DeleteFacilityStale", func(*env, atomicFixture) store.Op {
			return store.DeleteFacility{ID: "f_fix", Version: 2}
		}, false},
		{"ClaimMarkerExists", func(*env, atomicFixture) store.Op {
			return store.ClaimMarker{Name: "m_fix"}
		}, false},
		{"PutTokenLive", func(_ *env, f atomicFixture) store.Op {
			return store.PutToken{Token: f.fixToken}
		}, false},
		{"UpdateTokenStale", func(_ *env, f atomicFixture) store.Op {
			t := f.fixToken
			t.Version, t.Attempts = 2, 1
			return store.UpdateToken{Token: t}
		}, false},
		{"ConsumeTokenAbsent", func(e *env, _ atomicFixture) store.Op {
			return store.ConsumeToken{Key: tokenKeyOf(newToken(store.TokenReset, "gone", "u_fix", e.now()))}
		}, false},
	}
	for _, tc := range cases {
		for _, position := range []string{"Last", "First"} {
			e.sub(tc.name+"/"+position, func(e *env) {
				f := seedAtomic(e)
				ops := validOps(e, f, !tc.params)
				// The valid ops commit on their own (ValidOpsAloneSucceed);
				// together with the failing one none may be applied.
				failing := tc.failing(e, f)
				if position == "Last" {
					ops = append(ops, failing)
				} else {
					ops = append([]store.Op{failing}, ops...)
				}
				e.conflict(ops...)
				checkUntouched(e, f)
			})
		}
	}
	// The valid set does commit on its own, so the cases above test
	// atomicity and not a valid op that happens to fail.
	e.sub("ValidOpsAloneSucceed", func(e *env) {
		f := seedAtomic(e)
		e.commit(validOps(e, f, true)...)
		if a := e.mustAccount("u_seed"); a.Version != 2 {
			e.t.Fatalf("u_seed version %d, want 2", a.Version)
		}
		e.mustAccount("u_new")
		if fa := e.facility("f_seed"); fa != nil {
			e.t.Fatalf("f_seed still present")
		}
		if c := e.counter("c_new"); c.Version != 1 {
			e.t.Fatalf("c_new = %+v", c)
		}
		e.noToken(tokenKeyOf(f.seedToken))
		if tok := e.token(tokenKeyOf(newToken(store.TokenReset, "new", "u_seed", e.now()))); tok == nil || tok.Version != 1 {
			e.t.Fatalf("new token = %+v, want version 1", tok)
		}
	})
}

// testSameItemTwice: one Commit addresses each item at most once (DynamoDB
// transactions reject anything else). The error must not be ErrConflict:
// callers retry conflicts, and a malformed commit would retry forever.
func testSameItemTwice(e *env) {
	sess := newSession("u_a", "one", Start())
	ev := newEvent(Start(), "test", "u_a")
	cases := []struct {
		name string
		ops  []store.Op
	}{
		{"PutAndDeleteSession", []store.Op{store.PutSession{Session: sess}, store.DeleteSession{Key: sessionKeyOf(sess)}}},
		{"PutAndTouchSession", []store.Op{store.PutSession{Session: sess}, store.TouchSession{Key: sessionKeyOf(sess), LastSeenAt: Start()}}},
		{"PutAndDeleteCounter", []store.Op{store.PutCounter{Counter: store.Counter{Key: "c", Failures: 1}}, store.DeleteCounter{Key: "c"}}},
		{"SameAuditEventTwice", []store.Op{store.AppendAudit{Event: ev}, store.AppendAudit{Event: ev}}},
		{"SameMarkerTwice", []store.Op{store.ClaimMarker{Name: "m"}, store.ClaimMarker{Name: "m"}}},
		{"TwoAccountsOneEmail", []store.Op{
			store.CreateAccount{Account: newAccount("u_a", "alice", "shared@example.com")},
			store.CreateAccount{Account: newAccount("u_b", "bob", "shared@example.com")},
		}},
		{"ParametersTwice", []store.Op{
			store.PutParameters{Parameters: params.Defaults()},
			store.PutParameters{Parameters: params.Defaults(), Version: 1},
		}},
	}
	for _, tc := range cases {
		e.sub(tc.name, func(e *env) {
			err := e.s.Commit(e.ctx, tc.ops...)
			if err == nil || errors.Is(err, store.ErrConflict) {
				e.t.Fatalf("Commit(%s) = %v, want an error that is not ErrConflict", opNames(tc.ops), err)
			}
			if e.session(sessionKeyOf(sess)) != nil {
				e.t.Error("session written")
			}
			if c := e.counter("c"); c.Version != 0 {
				e.t.Errorf("counter written: %+v", c)
			}
			if items := e.auditPage(store.AuditQuery{}).Items; len(items) != 0 {
				e.t.Errorf("audit written: %+v", items)
			}
			e.noAccount("u_a")
			e.noAccount("u_b")
			if v := e.load(store.Query{Parameters: true}).ParametersVersion; v != 0 {
				e.t.Errorf("parameters written: version %d", v)
			}
			e.commit(store.ClaimMarker{Name: "m"})
		})
	}
}

// testMoveEmailInOneCommit: moving an email from one account to another
// addresses its claim twice, so it takes two commits (release, then take);
// in one commit it is invalid whatever the order of the operations.
func testMoveEmailInOneCommit(e *env) {
	e.commit(
		store.CreateAccount{Account: newAccount("u_a", "alice", "alice@example.com")},
		store.CreateAccount{Account: newAccount("u_b", "bob", "")},
	)
	a, b := e.mustAccount("u_a"), e.mustAccount("u_b")
	a.Email, a.EmailKey = "", ""
	b.Email, b.EmailKey = "alice@example.com", "alice@example.com"
	release := store.UpdateAccount{Account: a, PreviousEmailKey: "alice@example.com"}
	take := store.UpdateAccount{Account: b, PreviousEmailKey: ""}
	for _, ops := range [][]store.Op{{release, take}, {take, release}} {
		err := e.s.Commit(e.ctx, ops...)
		if err == nil || errors.Is(err, store.ErrConflict) {
			e.t.Fatalf("Commit(%s) moving a claim in one commit = %v, want an error that is not ErrConflict", opNames(ops), err)
		}
		e.wantClaim(store.ClaimEmail, "alice@example.com", "u_a")
		if got := e.mustAccount("u_a"); got.Version != 1 {
			e.t.Fatalf("u_a changed: %+v", got)
		}
	}
	e.commit(release)
	e.commit(take)
	e.wantClaim(store.ClaimEmail, "alice@example.com", "u_b")
}
