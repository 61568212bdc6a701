package storetest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatepass/gatepass/shared/store"
)

func appendTests() []test {
	return []test{
		{"WritesSessionsAndAuditEvents", testAppendWrites},
		{"NothingIsNoOp", func(e *env) {
			if err := e.s.Append(e.ctx); err != nil {
				e.t.Fatalf("Append() = %v, want nil", err)
			}
		}},
		{"MoreThanOneBatch", testAppendMany},
		{"OtherOpsAreInvalidAndWriteNothing", testAppendInvalid},
		{"IncompleteKeysAreInvalid", testAppendIncomplete},
		{"CancelledContextWritesNothing", testAppendCancelled},
		{"EventualLoadReadsWhatWasWritten", testEventualLoad},
	}
}

func testAppendWrites(e *env) {
	a := newAccount("u_a", "alice", "alice@example.com")
	e.commit(store.CreateAccount{Account: a})
	sess := newSession("u_a", "one", e.now())
	ev := newEvent(e.now(), "login.success", "u_a")
	if err := e.s.Append(e.ctx, store.PutSession{Session: sess}, store.AppendAudit{Event: ev}); err != nil {
		e.t.Fatalf("Append(session, audit): %v", err)
	}
	same(e.t, "session", e.session(sessionKeyOf(sess)), &sess)
	same(e.t, "audit", e.auditPage(store.AuditQuery{}).Items, []store.AuditEvent{ev})

	// An appended session is an ordinary one: touched, replaced, deleted.
	key := sessionKeyOf(sess)
	seen := e.now().Add(time.Minute)
	e.commit(store.TouchSession{Key: key, LastSeenAt: seen})
	if got := e.session(key); got == nil || !got.LastSeenAt.Equal(seen) {
		e.t.Fatalf("appended session after touch = %+v, want LastSeenAt %v", got, seen)
	}
	e.commit(store.DeleteSession{Key: key})
	if got := e.session(key); got != nil {
		e.t.Fatalf("appended session after delete = %+v, want absent", *got)
	}
}

func testAppendMany(e *env) {
	var ops []store.Op
	var want []store.Session
	for i := range 30 {
		s := newSession("u_a", fmt.Sprintf("s%02d", i), e.now().Add(ms(i)))
		want = append(want, s)
		ops = append(ops, store.PutSession{Session: s})
	}
	for i := range 12 {
		ops = append(ops, store.AppendAudit{Event: newEvent(e.now().Add(ms(i)), "login.success", "u_a")})
	}
	if err := e.s.Append(e.ctx, ops...); err != nil {
		e.t.Fatalf("Append(%d ops): %v", len(ops), err)
	}
	same(e.t, "sessions", e.sessions("u_a"), want)
	if got := len(e.auditPage(store.AuditQuery{Limit: 50}).Items); got != 12 {
		e.t.Fatalf("audit events = %d, want 12", got)
	}
}

func testAppendInvalid(e *env) {
	sess := newSession("u_a", "one", e.now())
	others := []store.Op{
		store.CreateAccount{Account: newAccount("u_a", "alice", "")},
		store.TouchSession{Key: sessionKeyOf(sess), LastSeenAt: e.now()},
		store.DeleteSession{Key: sessionKeyOf(sess)},
		store.PutCounter{Counter: newCounter("login:ip:x", e.now())},
		store.PutParameters{Parameters: changedParams()},
	}
	for _, other := range others {
		err := e.s.Append(e.ctx, store.PutSession{Session: sess}, other)
		if !errors.Is(err, store.ErrInvalidOp) {
			e.t.Errorf("Append(session, %T) = %v, want ErrInvalidOp", other, err)
		}
	}
	if got := e.session(sessionKeyOf(sess)); got != nil {
		e.t.Fatalf("a refused Append stored the session %+v", *got)
	}
	e.noAccount("u_a")
}

func testAppendIncomplete(e *env) {
	noHash := newSession("u_a", "one", e.now())
	noHash.Hash = ""
	noUser := newSession("u_a", "two", e.now())
	noUser.UserID = ""
	noID := newEvent(e.now(), "login.success", "u_a")
	noID.ID = ""
	for _, op := range []store.Op{store.PutSession{Session: noHash}, store.PutSession{Session: noUser}, store.AppendAudit{Event: noID}} {
		if err := e.s.Append(e.ctx, op); !errors.Is(err, store.ErrInvalidOp) {
			e.t.Errorf("Append(%+v) = %v, want ErrInvalidOp", op, err)
		}
	}
	if items := e.auditPage(store.AuditQuery{}).Items; len(items) != 0 {
		e.t.Fatalf("a refused Append wrote %+v", items)
	}
}

func testAppendCancelled(e *env) {
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	sess := newSession("u_a", "one", e.now())
	err := e.s.Append(ctx, store.PutSession{Session: sess}, store.AppendAudit{Event: newEvent(e.now(), "login.success", "u_a")})
	if !errors.Is(err, context.Canceled) {
		e.t.Fatalf("Append with a cancelled context = %v, want an error wrapping context.Canceled", err)
	}
	if got := e.session(sessionKeyOf(sess)); got != nil {
		e.t.Fatalf("Append with a cancelled context stored %+v", *got)
	}
}

// testEventualLoad: an eventually consistent Load answers like a strong one
// (an adapter may ignore the flag; a real table may lag by a second, which
// the callers that set it tolerate).
func testEventualLoad(e *env) {
	a := newAccount("u_a", "alice", "alice@example.com")
	c := newCounter("login:ip:203.0.113.7", e.now())
	e.commit(store.CreateAccount{Account: a}, store.PutCounter{Counter: c}, store.PutParameters{Parameters: changedParams()})
	q := store.Query{
		AccountID: "u_a", Parameters: true, Counters: []string{c.Key, "absent"},
		Claims: []store.ClaimKey{{Kind: store.ClaimUsername, Value: "alice"}, {Kind: store.ClaimEmail, Value: "alice@example.com"}},
	}
	strong := e.load(q)
	q.Eventual = true
	eventual := e.load(q)
	same(e.t, "eventual Load", eventual, strong)
}
