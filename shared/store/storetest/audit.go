package storetest

import (
	"fmt"
	"slices"
	"time"

	"github.com/gatepass/gatepass/shared/store"
)

func auditTests() []test {
	return []test{
		{"EmptyTrail", testAuditEmpty},
		{"NewestFirst", testAuditNewestFirst},
		{"Filters", testAuditFilters},
		{"PagingWalksEveryEventOnce", testAuditPaging},
		{"PagingIgnoresNewerEvents", testAuditPagingStable},
		{"LimitZeroMeans50", testAuditDefaultLimit},
		{"RoundTripsEveryField", testAuditRoundTrip},
		{"DuplicateIDConflicts", testAuditDuplicate},
		{"InvalidCursorIsAnError", testAuditInvalidCursor},
	}
}

// auditFixture appends nine events, one second apart, in an order that is
// not their time order, spread over three commits. It returns them newest
// first, as ListAudit must.
func auditFixture(e *env) []store.AuditEvent {
	users := []string{"u1", "u2", "u1", "u3", "u1", "u2", "u1", "u2", "u1"}
	types := []string{"login.success", "login.failure", "login.failure", "logout", "login.success",
		"login.success", "login.failure", "logout", "login.success"}
	events := make([]store.AuditEvent, len(users))
	for i := range events {
		events[i] = newEvent(e.now().Add(time.Duration(i)*time.Second+ms(i)), types[i], users[i])
	}
	order := []int{4, 0, 8, 2, 6, 1, 7, 3, 5}
	for chunk := range slices.Chunk(order, 3) {
		var ops []store.Op
		for _, i := range chunk {
			ops = append(ops, store.AppendAudit{Event: events[i]})
		}
		e.commit(ops...)
	}
	slices.Reverse(events)
	return events
}

func filterEvents(events []store.AuditEvent, userID, typ string) []store.AuditEvent {
	var out []store.AuditEvent
	for _, ev := range events {
		if (userID == "" || ev.UserID == userID) && (typ == "" || ev.Type == typ) {
			out = append(out, ev)
		}
	}
	return out
}

// walkAudit follows NextCursor from the first page to the last and returns
// every event seen. Every page holds at most the limit; every page but the
// last holds exactly the limit; the last has NextCursor "", so a cursor always
// leads to at least one more event.
func walkAudit(e *env, q store.AuditQuery) []store.AuditEvent {
	e.t.Helper()
	limit := q.Limit
	if limit == 0 {
		limit = 50
	}
	var all []store.AuditEvent
	for pages := 1; ; pages++ {
		if pages > 1000 {
			e.t.Fatalf("ListAudit(%+v): more than 1000 pages; the cursor does not advance", q)
		}
		page := e.auditPage(q)
		if q.Cursor != "" && len(page.Items) == 0 {
			e.t.Fatalf("ListAudit(%+v): empty page behind a NextCursor; NextCursor must be \"\" when no more events match", q)
		}
		if len(page.Items) > limit {
			e.t.Fatalf("ListAudit(%+v): page of %d events, limit %d", q, len(page.Items), limit)
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		if len(page.Items) != limit {
			e.t.Fatalf("ListAudit(%+v): page %d holds %d events and has a NextCursor; only the last page may hold fewer than %d",
				q, pages, len(page.Items), limit)
		}
		q.Cursor = page.NextCursor
	}
}

func testAuditEmpty(e *env) {
	page := e.auditPage(store.AuditQuery{})
	if len(page.Items) != 0 || page.NextCursor != "" {
		e.t.Fatalf("ListAudit on an empty trail = %+v", page)
	}
}

func testAuditNewestFirst(e *env) {
	want := auditFixture(e)
	page := e.auditPage(store.AuditQuery{})
	same(e.t, "ListAudit", page.Items, want)
	if page.NextCursor != "" {
		e.t.Fatalf("NextCursor = %q on the only page, want \"\"", page.NextCursor)
	}
}

func testAuditFilters(e *env) {
	all := auditFixture(e)
	cases := []struct{ userID, typ string }{
		{"u1", ""},
		{"u2", ""},
		{"", "login.failure"},
		{"", "logout"},
		{"u1", "login.success"},
		{"u2", "logout"},
		{"u3", "login.success"},
		{"nobody", ""},
		{"", "no.such.type"},
	}
	for _, tc := range cases {
		want := filterEvents(all, tc.userID, tc.typ)
		page := e.auditPage(store.AuditQuery{UserID: tc.userID, Type: tc.typ})
		same(e.t, fmt.Sprintf("ListAudit(UserID %q, Type %q)", tc.userID, tc.typ), page.Items, want)
		if page.NextCursor != "" {
			e.t.Fatalf("ListAudit(UserID %q, Type %q): NextCursor %q on the only page", tc.userID, tc.typ, page.NextCursor)
		}
	}
}

func testAuditPaging(e *env) {
	all := auditFixture(e)
	filters := []struct{ userID, typ string }{{"", ""}, {"u1", ""}, {"", "login.success"}, {"u2", "login.failure"}}
	for _, f := range filters {
		want := filterEvents(all, f.userID, f.typ)
		for _, limit := range []int{1, 2, 3, 4, 5, 9, 10, 200} {
			q := store.AuditQuery{UserID: f.userID, Type: f.typ, Limit: limit}
			same(e.t, fmt.Sprintf("pages of ListAudit(%+v)", q), walkAudit(e, q), want)
		}
	}
}

func testAuditPagingStable(e *env) {
	all := auditFixture(e)
	first := e.auditPage(store.AuditQuery{Limit: 4})
	same(e.t, "first page", first.Items, all[:4])
	// Newer events arrive while the reader pages backwards.
	e.clk.Advance(time.Hour)
	e.commit(store.AppendAudit{Event: newEvent(e.now(), "login.success", "u1")})
	rest := walkAudit(e, store.AuditQuery{Limit: 4, Cursor: first.NextCursor})
	same(e.t, "remaining pages", rest, all[4:])
}

func testAuditDefaultLimit(e *env) {
	const n = 60
	var ops []store.Op
	for i := range n {
		ops = append(ops, store.AppendAudit{Event: newEvent(e.now().Add(ms(i)), "login.success", "u1")})
		if len(ops) == store.MaxOps || i == n-1 {
			e.commit(ops...)
			ops = nil
		}
	}
	first := e.auditPage(store.AuditQuery{})
	if len(first.Items) != 50 || first.NextCursor == "" {
		e.t.Fatalf("first page with Limit 0: %d events, NextCursor %q; want 50 and a cursor", len(first.Items), first.NextCursor)
	}
	second := e.auditPage(store.AuditQuery{Cursor: first.NextCursor})
	if len(second.Items) != 10 || second.NextCursor != "" {
		e.t.Fatalf("second page: %d events, NextCursor %q; want 10 and none", len(second.Items), second.NextCursor)
	}
	if n := len(walkAudit(e, store.AuditQuery{})); n != 60 {
		e.t.Fatalf("walked %d events, want 60", n)
	}
}

func testAuditRoundTrip(e *env) {
	full := store.AuditEvent{
		ID: "", At: e.now().Add(ms(321)), Type: "user.updated", UserID: "u_target", ActorID: "u_admin",
		IP: "2001:db8::1", UserAgent: "Mozilla/5.0 (Macintosh) Safari/605.1.15",
		Detail: map[string]string{"field": "roles", "from": "operator", "to": "operator,auditor", "note": "Grüße ✓", "empty": ""},
	}
	full.ID = newEvent(full.At, "", "").ID
	bare := store.AuditEvent{ID: newEvent(e.now().Add(ms(322)), "", "").ID, At: e.now().Add(ms(322)), Type: "tenant.bootstrap"}
	e.commit(store.AppendAudit{Event: full}, store.AppendAudit{Event: bare})
	same(e.t, "ListAudit", e.auditPage(store.AuditQuery{}).Items, []store.AuditEvent{bare, full})
}

func testAuditDuplicate(e *env) {
	ev := newEvent(e.now(), "login.success", "u1")
	e.commit(store.AppendAudit{Event: ev})
	dup := ev
	dup.Type, dup.UserID = "login.failure", "u2"
	e.conflict(store.AppendAudit{Event: dup})
	same(e.t, "ListAudit", e.auditPage(store.AuditQuery{}).Items, []store.AuditEvent{ev})
}

func testAuditInvalidCursor(e *env) {
	auditFixture(e)
	for _, cursor := range []string{"!!not a cursor!!", "%%%", "\x00"} {
		if _, err := e.s.ListAudit(e.ctx, store.AuditQuery{Cursor: cursor}); err == nil {
			e.t.Errorf("ListAudit(Cursor %q) succeeded, want an error", cursor)
		}
	}
}
