package storetest

import (
	"context"
	"errors"
	"time"

	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

func parameterTests() []test {
	return []test{
		{"DefaultsWhenNoneStored", func(e *env) {
			snap := e.load(store.Query{Parameters: true})
			same(e.t, "parameters", snap.Parameters, params.Defaults())
			if snap.ParametersVersion != 0 {
				e.t.Fatalf("ParametersVersion = %d, want 0", snap.ParametersVersion)
			}
		}},
		{"PutRoundTripsAndVersions", testParamsPut},
		{"StaleVersionConflicts", testParamsStale},
	}
}

func changedParams() params.Parameters {
	p := params.Defaults()
	p.PasswordPolicy.MinLength = 12
	p.PasswordPolicy.RequireDigit = true
	p.PasswordPolicy.BlockBreached = true
	p.PasswordPolicy.HistoryCount = 5
	p.Lockout.MaxFailures = 7
	p.Lockout.LockSeconds = 600
	p.ResetRequests.PerIPPerHour = 50
	p.ResetTokenTTLSeconds = 1800
	p.Session.IdleTimeoutSeconds = 900
	p.MFA.RequiredForRoles = []string{"super_admin", "admin", "auditor"}
	p.SSO.Strategy = "provision"
	p.SSO.DefaultRoles = []string{"viewer", "operator"}
	p.AdminAlias = "backstage-2026"
	return p
}

func testParamsPut(e *env) {
	p := changedParams()
	e.commit(store.PutParameters{Parameters: p, Version: 0})
	snap := e.load(store.Query{Parameters: true})
	same(e.t, "parameters", snap.Parameters, p)
	if snap.ParametersVersion != 1 {
		e.t.Fatalf("ParametersVersion = %d, want 1", snap.ParametersVersion)
	}

	p.MFA.RequiredForRoles = nil
	p.SSO.DefaultRoles = []string{"operator"}
	p.AdminAlias = ""
	e.commit(store.PutParameters{Parameters: p, Version: 1})
	snap = e.load(store.Query{Parameters: true})
	same(e.t, "parameters after update", snap.Parameters, p)
	if snap.ParametersVersion != 2 {
		e.t.Fatalf("ParametersVersion = %d, want 2", snap.ParametersVersion)
	}
}

func testParamsStale(e *env) {
	e.conflict(store.PutParameters{Parameters: changedParams(), Version: 3}) // none stored
	if v := e.load(store.Query{Parameters: true}).ParametersVersion; v != 0 {
		e.t.Fatalf("ParametersVersion = %d after a refused put, want 0", v)
	}
	p := changedParams()
	e.commit(store.PutParameters{Parameters: p})
	e.commit(store.PutParameters{Parameters: p, Version: 1})
	for _, v := range []int64{0, 1, 3} {
		e.conflict(store.PutParameters{Parameters: params.Defaults(), Version: v})
	}
	snap := e.load(store.Query{Parameters: true})
	same(e.t, "parameters after stale puts", snap.Parameters, p)
	if snap.ParametersVersion != 2 {
		e.t.Fatalf("ParametersVersion = %d, want 2", snap.ParametersVersion)
	}
}

func facilityTests() []test {
	return []test{
		{"CreateThenLoad", testFacilityCreate},
		{"UpdateWithVersion", testFacilityUpdate},
		{"StaleOrAbsentConflicts", testFacilityStale},
		{"ListOrderedByNameThenID", testFacilityList},
		{"DeleteWithVersion", testFacilityDelete},
	}
}

func newFacility(id, name string) store.Facility {
	return store.Facility{ID: id, Name: name, Status: "active", CreatedAt: Start().Add(ms(11)), UpdatedAt: Start().Add(ms(12))}
}

func testFacilityCreate(e *env) {
	f := newFacility("f_muc", "München Zentrallager")
	e.commit(store.PutFacility{Facility: f})
	want := f
	want.Version = 1
	same(e.t, "facility", e.facility("f_muc"), &want)
	e.conflict(store.PutFacility{Facility: newFacility("f_muc", "Other")}) // Version 0: must be absent
	same(e.t, "facility after refused create", e.facility("f_muc"), &want)
}

func testFacilityUpdate(e *env) {
	e.commit(store.PutFacility{Facility: newFacility("f_muc", "Munich")})
	f := *e.facility("f_muc")
	f.Name, f.Status, f.UpdatedAt = "Munich North", "inactive", e.now().Add(time.Hour)
	e.commit(store.PutFacility{Facility: f})
	want := f
	want.Version = 2
	same(e.t, "facility after update", e.facility("f_muc"), &want)
}

func testFacilityStale(e *env) {
	e.commit(store.PutFacility{Facility: newFacility("f_muc", "Munich")})
	v1 := *e.facility("f_muc")
	e.commit(store.PutFacility{Facility: v1}) // now version 2
	for _, v := range []int64{0, 1, 3} {
		stale := v1
		stale.Name, stale.Version = "stale", v
		e.conflict(store.PutFacility{Facility: stale})
	}
	if got := e.facility("f_muc"); got == nil || got.Version != 2 || got.Name != "Munich" {
		e.t.Fatalf("facility after stale puts: %+v", got)
	}
	ghost := newFacility("f_ghost", "Ghost")
	ghost.Version = 1
	e.conflict(store.PutFacility{Facility: ghost})
	if got := e.facility("f_ghost"); got != nil {
		e.t.Fatalf("update of an absent facility created it: %+v", *got)
	}
}

func testFacilityList(e *env) {
	if list := e.facilities(); len(list) != 0 {
		e.t.Fatalf("ListFacilities on an empty store = %+v", list)
	}
	in := []store.Facility{
		newFacility("f_3", "Munich"),
		newFacility("f_2", "Berlin"),
		newFacility("f_9", "Aachen"),
		newFacility("f_1", "Berlin"),
		newFacility("f_0", "Hamburg"),
	}
	var ops []store.Op
	for _, f := range in {
		ops = append(ops, store.PutFacility{Facility: f})
	}
	e.commit(ops...)
	var want []store.Facility
	for _, i := range []int{2, 3, 1, 4, 0} {
		f := in[i]
		f.Version = 1
		want = append(want, f)
	}
	same(e.t, "ListFacilities", e.facilities(), want)
}

func testFacilityDelete(e *env) {
	e.commit(
		store.PutFacility{Facility: newFacility("f_a", "A")},
		store.PutFacility{Facility: newFacility("f_b", "B")},
	)
	e.conflict(store.DeleteFacility{ID: "f_a", Version: 2})
	e.conflict(store.DeleteFacility{ID: "f_a", Version: 0})
	if e.facility("f_a") == nil {
		e.t.Fatal("stale delete removed the facility")
	}
	e.commit(store.DeleteFacility{ID: "f_a", Version: 1})
	if got := e.facility("f_a"); got != nil {
		e.t.Fatalf("deleted facility still loads: %+v", *got)
	}
	want := newFacility("f_b", "B")
	want.Version = 1
	same(e.t, "ListFacilities after delete", e.facilities(), []store.Facility{want})
	e.conflict(store.DeleteFacility{ID: "f_a", Version: 1})
	// The id can be used again.
	e.commit(store.PutFacility{Facility: newFacility("f_a", "A again")})
}

func loadTests() []test {
	return []test{
		{"EverythingInOneLoad", testLoadEverything},
		{"UnknownIDsAreAbsent", testLoadUnknown},
		{"EmptyQueryReadsNothing", func(e *env) {
			e.commit(store.CreateAccount{Account: newAccount("u_a", "alice", "")})
			snap := e.load(store.Query{})
			if snap.Account != nil || snap.Session != nil || snap.Facility != nil ||
				len(snap.Claims) != 0 || len(snap.Counters) != 0 || len(snap.Tokens) != 0 || snap.ParametersVersion != 0 ||
				len(snap.Accounts) != 0 || len(snap.HelpRequests) != 0 {
				e.t.Fatalf("Load(Query{}) = %+v, want nothing", snap)
			}
		}},
	}
}

func testLoadEverything(e *env) {
	p := changedParams()
	a := fullAccount("u_zoe")
	sess := newSession("u_zoe", "one", e.now())
	c := newCounter("login:account:u_zoe", e.now())
	f := newFacility("f_muc", "Munich")
	tok := newToken(store.TokenInvitation, "one", "u_zoe", e.now())
	e.commit(
		store.PutParameters{Parameters: p},
		store.CreateAccount{Account: a},
		store.PutSession{Session: sess},
		store.PutCounter{Counter: c},
		store.PutFacility{Facility: f},
		store.PutToken{Token: tok},
	)
	absentToken := store.TokenKey{Kind: store.TokenInvitation, Hash: ids.Hash("absent")}
	key := sessionKeyOf(sess)
	userClaim := store.ClaimKey{Kind: store.ClaimUsername, Value: a.UsernameKey}
	emailClaim := store.ClaimKey{Kind: store.ClaimEmail, Value: a.EmailKey}
	freeClaim := store.ClaimKey{Kind: store.ClaimUsername, Value: "free"}
	snap := e.load(store.Query{
		Parameters: true,
		AccountID:  "u_zoe",
		Claims:     []store.ClaimKey{userClaim, emailClaim, freeClaim},
		Counters:   []string{c.Key, "login:ip:192.0.2.1"},
		Session:    &key,
		Facility:   "f_muc",
		Tokens:     []store.TokenKey{tokenKeyOf(tok), absentToken},
	})
	same(e.t, "parameters", snap.Parameters, p)
	if snap.ParametersVersion != 1 {
		e.t.Errorf("ParametersVersion = %d, want 1", snap.ParametersVersion)
	}
	a.Version = 1
	same(e.t, "account", snap.Account, &a)
	if want := map[store.ClaimKey]string{userClaim: "u_zoe", emailClaim: "u_zoe"}; !equalClaims(snap.Claims, want) {
		e.t.Errorf("claims = %v, want %v", snap.Claims, want)
	}
	c.Version = 1
	same(e.t, "counter", snap.Counters[c.Key], c)
	same(e.t, "absent counter", snap.Counters["login:ip:192.0.2.1"], store.Counter{Key: "login:ip:192.0.2.1"})
	same(e.t, "session", snap.Session, &sess)
	f.Version = 1
	same(e.t, "facility", snap.Facility, &f)
	tok.Version = 1
	if len(snap.Tokens) != 1 {
		e.t.Errorf("tokens = %+v, want only the live one", snap.Tokens)
	}
	same(e.t, "token", snap.Tokens[tokenKeyOf(tok)], tok)
}

func testLoadUnknown(e *env) {
	e.commit(store.CreateAccount{Account: newAccount("u_a", "alice", "alice@example.com")})
	key := store.SessionKey{UserID: "u_a", Hash: "0123456789abcdef"}
	snap := e.load(store.Query{
		Parameters: true,
		AccountID:  "u_unknown",
		Claims:     []store.ClaimKey{{Kind: store.ClaimEmail, Value: "unknown@example.com"}},
		Counters:   []string{"unknown"},
		Session:    &key,
		Facility:   "f_unknown",
		Tokens:     []store.TokenKey{{Kind: store.TokenReset, Hash: "0123456789abcdef"}},
	})
	if snap.Account != nil || snap.Session != nil || snap.Facility != nil || len(snap.Claims) != 0 || len(snap.Tokens) != 0 {
		e.t.Fatalf("unknown ids: account %v, session %v, facility %v, claims %v, tokens %v; want all absent",
			snap.Account, snap.Session, snap.Facility, snap.Claims, snap.Tokens)
	}
	same(e.t, "absent counter", snap.Counters["unknown"], store.Counter{Key: "unknown"})
	same(e.t, "parameters", snap.Parameters, params.Defaults())
}

func contextTests() []test {
	return []test{
		{"CancelledContextFailsAndWritesNothing", testCancelled},
	}
}

func testCancelled(e *env) {
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	want := func(method string, err error) {
		e.t.Helper()
		if !errors.Is(err, context.Canceled) {
			e.t.Errorf("%s with a cancelled context = %v, want an error wrapping context.Canceled", method, err)
		}
	}
	_, err := e.s.Load(ctx, store.Query{AccountID: "u_a", Parameters: true})
	want("Load", err)
	want("Commit", e.s.Commit(ctx,
		store.CreateAccount{Account: newAccount("u_a", "alice", "alice@example.com")},
		store.AppendAudit{Event: newEvent(e.now(), "login.success", "u_a")},
	))
	_, err = e.s.ListSessions(ctx, "u_a")
	want("ListSessions", err)
	_, err = e.s.ListAudit(ctx, store.AuditQuery{})
	want("ListAudit", err)
	_, err = e.s.ListFacilities(ctx)
	want("ListFacilities", err)
	_, err = e.s.ListAccounts(ctx, store.AccountQuery{})
	want("ListAccounts", err)
	_, err = e.s.ListHelpRequests(ctx)
	want("ListHelpRequests", err)

	e.noAccount("u_a")
	e.wantClaim(store.ClaimUsername, "alice", "")
	if items := e.auditPage(store.AuditQuery{}).Items; len(items) != 0 {
		e.t.Fatalf("a commit with a cancelled context appended %+v", items)
	}
}
