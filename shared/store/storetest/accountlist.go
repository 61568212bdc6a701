package storetest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gatepass/gatepass/shared/store"
)

func accountListTests() []test {
	return []test{
		{"Empty", testListAccountsEmpty},
		{"OrderedByUsernameKey", testListAccountsOrder},
		{"ListsWholeAccounts", testListAccountsWhole},
		{"Filters", testListAccountsFilters},
		{"PagingWalksEveryAccountOnce", testListAccountsPaging},
		{"CursorIsAPosition", testListAccountsCursorPosition},
		{"DeletedAccountDisappears", testListAccountsDeleted},
		{"EmailChangeIsSearchable", testListAccountsEmailChange},
		{"ForeignCursorIsInvalid", testListAccountsInvalidCursor},
		{"ManyAccountsDefaultLimitAndCap", testListAccountsMany},
	}
}

// listAccount returns an account of the list fixture: newAccount with a
// display name, a status and facilities.
func listAccount(id, username, email, displayName, status string, facilities ...string) store.Account {
	a := newAccount(id, username, email)
	a.DisplayName, a.Status, a.FacilityIDs = displayName, status, facilities
	return a
}

// listFixture creates ten accounts over two commits, in an order that is
// neither their id nor their username order, and returns them as
// ListAccounts must list them: by UsernameKey (byte order, so "émile" comes
// after "zoë"), at version 1.
func listFixture(e *env) []store.Account {
	accounts := []store.Account{
		listAccount("u_5", "carla", "carla@south.example", "Carla Nord", store.StatusInvited),
		listAccount("u_4", "zoë", "zoe@south.example", "Zoë Ünal", store.StatusActive, "f_ber"),
		listAccount("u_7", "anna", "anna@north.example", "Anna Berg", store.StatusActive, "f_muc", "f_ber"),
		listAccount("u_2", "Fritz", "fritz@example.com", "FRITZ MÜLLER", store.StatusInactive, "f_ham", "f_muc"),
		listAccount("u_0", "7eleven", "", "Shop Account", store.StatusActive),
		listAccount("u_9", "Anna.Berg", "", "Anna B. (Aushilfe)", store.StatusInvited, "f_ham"),
		listAccount("u_8", "Émile", "emile@west.example", "Émile Roux", store.StatusActive, "f_muc"),
		listAccount("u_1", "dieter", "D.K@North.example", "Dieter Kraus", store.StatusActive, "f_ham"),
		listAccount("u_3", "Bernd", "", "Bernd Ötker", store.StatusInactive, "f_ber"),
		listAccount("u_6", "emma.nord", "emma@west.example", "Emma", store.StatusActive, "f_muc"),
	}
	var ops []store.Op
	for _, a := range accounts {
		ops = append(ops, store.CreateAccount{Account: a})
	}
	e.commit(ops[:5]...)
	e.commit(ops[5:]...)
	for i := range accounts {
		accounts[i].Version = 1
	}
	slices.SortFunc(accounts, func(a, b store.Account) int { return strings.Compare(a.UsernameKey, b.UsernameKey) })
	return accounts
}

// pick returns the accounts of all with the given username keys, in the
// order of all.
func (e *env) pick(all []store.Account, usernameKeys ...string) []store.Account {
	e.t.Helper()
	var out []store.Account
	for _, a := range all {
		if slices.Contains(usernameKeys, a.UsernameKey) {
			out = append(out, a)
		}
	}
	if len(out) != len(usernameKeys) {
		e.t.Fatalf("fixture lacks one of %q", usernameKeys)
	}
	return out
}

func usernameKeys(accounts []store.Account) []string {
	keys := make([]string, len(accounts))
	for i, a := range accounts {
		keys[i] = a.UsernameKey
	}
	return keys
}

// walkAccounts follows NextCursor from q's page to the last and returns every
// account seen. No page holds more than q.PageSize() accounts; a page may
// hold fewer while it has a NextCursor (an adapter may end a page early), but
// every cursor must move on, and the accounts must come in strictly
// increasing UsernameKey order, so none is listed twice.
func walkAccounts(e *env, q store.AccountQuery) []store.Account {
	e.t.Helper()
	var all []store.Account
	for pages := 1; ; pages++ {
		if pages > 1000 {
			e.t.Fatalf("ListAccounts(%+v): more than 1000 pages; the cursor does not advance", q)
		}
		page := e.accountPage(q)
		if len(page.Items) > q.PageSize() {
			e.t.Fatalf("ListAccounts(%+v): page of %d accounts, page size %d", q, len(page.Items), q.PageSize())
		}
		for _, a := range page.Items {
			if len(all) > 0 && a.UsernameKey <= all[len(all)-1].UsernameKey {
				e.t.Fatalf("ListAccounts(%+v): %q listed after %q; want strictly increasing UsernameKey",
					q, a.UsernameKey, all[len(all)-1].UsernameKey)
			}
			all = append(all, a)
		}
		if page.NextCursor == "" {
			return all
		}
		if page.NextCursor == q.Cursor {
			e.t.Fatalf("ListAccounts(%+v): NextCursor is the cursor given", q)
		}
		q.Cursor = page.NextCursor
	}
}

func testListAccountsEmpty(e *env) {
	for _, q := range []store.AccountQuery{{}, {Status: store.StatusActive, Search: "a"}, {Limit: 1}} {
		if page := e.accountPage(q); len(page.Items) != 0 || page.NextCursor != "" {
			e.t.Fatalf("ListAccounts(%+v) on an empty store = %+v", q, page)
		}
	}
}

func testListAccountsOrder(e *env) {
	want := listFixture(e)
	wantKeys := []string{"7eleven", "anna", "anna.berg", "bernd", "carla", "dieter", "emma.nord", "fritz", "zoë", "émile"}
	if got := usernameKeys(want); !slices.Equal(got, wantKeys) {
		e.t.Fatalf("fixture order %q, want %q", got, wantKeys)
	}
	page := e.accountPage(store.AccountQuery{})
	same(e.t, "ListAccounts", page.Items, want)
	if page.NextCursor != "" {
		e.t.Fatalf("NextCursor = %q on the only page, want \"\"", page.NextCursor)
	}
}

// testListAccountsWhole: a listed account is the whole account, as Load
// returns it, every field included.
func testListAccountsWhole(e *env) {
	want := fullAccount("u_zoe")
	e.commit(store.CreateAccount{Account: want}, store.CreateAccount{Account: newAccount("u_bob", "bob", "")})
	want.Version = 1
	same(e.t, "Load", e.mustAccount(want.ID), want)
	page := e.accountPage(store.AccountQuery{Search: "łukasiewicz"})
	same(e.t, "ListAccounts(Search on the display name)", page.Items, []store.Account{want})
}

func testListAccountsFilters(e *env) {
	all := listFixture(e)
	cases := []struct {
		name string
		q    store.AccountQuery
		want []string // username keys, in listing order
	}{
		{"None", store.AccountQuery{}, usernameKeys(all)},
		{"StatusActive", store.AccountQuery{Status: store.StatusActive}, []string{"7eleven", "anna", "dieter", "emma.nord", "zoë", "émile"}},
		{"StatusInactive", store.AccountQuery{Status: store.StatusInactive}, []string{"bernd", "fritz"}},
		{"StatusInvited", store.AccountQuery{Status: store.StatusInvited}, []string{"anna.berg", "carla"}},
		{"FacilityID", store.AccountQuery{FacilityID: "f_muc"}, []string{"anna", "emma.nord", "fritz", "émile"}},
		{"FacilityIDOther", store.AccountQuery{FacilityID: "f_ham"}, []string{"anna.berg", "dieter", "fritz"}},
		{"FacilityIDUnknown", store.AccountQuery{FacilityID: "f_none"}, nil},
		{"AnyFacilityNilKeepsAll", store.AccountQuery{AnyFacility: nil}, usernameKeys(all)},
		{"AnyFacilityEmptyKeepsNothing", store.AccountQuery{AnyFacility: []string{}}, nil},
		{"AnyFacilityTwo", store.AccountQuery{AnyFacility: []string{"f_ham", "f_ber"}}, []string{"anna", "anna.berg", "bernd", "dieter", "fritz", "zoë"}},
		{"AnyFacilityUnknown", store.AccountQuery{AnyFacility: []string{"f_none"}}, nil},
		{"AnyFacilityUnknownAndKnown", store.AccountQuery{AnyFacility: []string{"f_none", "f_muc"}}, []string{"anna", "emma.nord", "fritz", "émile"}},
		{"SearchUsernameAndDisplayName", store.AccountQuery{Search: "nord"}, []string{"carla", "emma.nord"}},
		{"SearchUsernamePrefix", store.AccountQuery{Search: "anna"}, []string{"anna", "anna.berg"}},
		{"SearchUnicodeUsername", store.AccountQuery{Search: "émile"}, []string{"émile"}},
		{"SearchEmailKey", store.AccountQuery{Search: "north.example"}, []string{"anna", "dieter"}},
		{"SearchEmailDomain", store.AccountQuery{Search: "@south"}, []string{"carla", "zoë"}},
		{"SearchDisplayNameOnly", store.AccountQuery{Search: "aushilfe"}, []string{"anna.berg"}},
		{"SearchFoldedDisplayName", store.AccountQuery{Search: "müller"}, []string{"fritz"}},
		{"SearchFoldedUnicodeDisplayName", store.AccountQuery{Search: "ünal"}, []string{"zoë"}},
		{"SearchNothing", store.AccountQuery{Search: "xyz"}, nil},
		{"StatusAndFacility", store.AccountQuery{Status: store.StatusActive, FacilityID: "f_muc"}, []string{"anna", "emma.nord", "émile"}},
		{"StatusAndSearch", store.AccountQuery{Status: store.StatusActive, Search: "north"}, []string{"anna", "dieter"}},
		{"StatusAndAnyFacility", store.AccountQuery{Status: store.StatusInactive, AnyFacility: []string{"f_muc"}}, []string{"fritz"}},
		{"FacilityAndAnyFacility", store.AccountQuery{FacilityID: "f_muc", AnyFacility: []string{"f_ham"}}, []string{"fritz"}},
		{"StatusInvitedAndSearch", store.AccountQuery{Status: store.StatusInvited, Search: "anna"}, []string{"anna.berg"}},
		{"All", store.AccountQuery{Status: store.StatusActive, FacilityID: "f_ber", AnyFacility: []string{"f_ber", "f_ham"}, Search: "berg"}, []string{"anna"}},
		{"AllEmptyScope", store.AccountQuery{Status: store.StatusActive, FacilityID: "f_ber", AnyFacility: []string{}}, nil},
	}
	for _, tc := range cases {
		var want []store.Account
		if tc.want != nil {
			want = e.pick(all, tc.want...)
		}
		page := e.accountPage(tc.q)
		same(e.t, fmt.Sprintf("%s: ListAccounts(%+v)", tc.name, tc.q), page.Items, want)
		if page.NextCursor != "" {
			e.t.Fatalf("%s: ListAccounts(%+v): NextCursor %q on the only page", tc.name, tc.q, page.NextCursor)
		}
	}
}

func testListAccountsPaging(e *env) {
	all := listFixture(e)
	filters := []struct {
		q    store.AccountQuery
		want []string
	}{
		{store.AccountQuery{}, usernameKeys(all)},
		{store.AccountQuery{Status: store.StatusActive}, []string{"7eleven", "anna", "dieter", "emma.nord", "zoë", "émile"}},
		{store.AccountQuery{FacilityID: "f_muc"}, []string{"anna", "emma.nord", "fritz", "émile"}},
		{store.AccountQuery{Search: "north.example"}, []string{"anna", "dieter"}},
		{store.AccountQuery{AnyFacility: []string{"f_ber"}, Status: store.StatusInactive}, []string{"bernd"}},
		{store.AccountQuery{AnyFacility: []string{}}, nil},
	}
	for _, f := range filters {
		var want []store.Account
		if f.want != nil {
			want = e.pick(all, f.want...)
		}
		for _, limit := range []int{1, 2, 3, 0} {
			q := f.q
			q.Limit = limit
			same(e.t, fmt.Sprintf("pages of ListAccounts(%+v)", q), walkAccounts(e, q), want)
		}
	}
}

// testListAccountsCursorPosition: a cursor is a position in UsernameKey
// order. Accounts created behind it are not listed on later pages, accounts
// created ahead of it are, and deleting the account it names (or any other)
// does not invalidate it.
func testListAccountsCursorPosition(e *env) {
	all := listFixture(e)
	first := e.accountPage(store.AccountQuery{Limit: 3})
	same(e.t, "first page", first.Items, all[:3])
	if first.NextCursor == "" {
		e.t.Fatal("first page of 3 of 10 accounts has no NextCursor")
	}
	aaron := newAccount("u_aaron", "aaron", "")
	zack := newAccount("u_zack", "zack", "zack@example.com")
	e.commit(store.CreateAccount{Account: aaron}, store.CreateAccount{Account: zack})
	aaron.Version, zack.Version = 1, 1
	for _, gone := range e.pick(all, "anna.berg", "bernd") { // anna.berg ends the first page
		e.commit(store.DeleteAccount{ID: gone.ID, Version: gone.Version, UsernameKey: gone.UsernameKey, EmailKey: gone.EmailKey})
	}

	want := append(e.pick(all, "carla", "dieter", "emma.nord", "fritz"), zack)
	want = append(want, e.pick(all, "zoë", "émile")...)
	for _, limit := range []int{1, 3, 0} {
		rest := walkAccounts(e, store.AccountQuery{Limit: limit, Cursor: first.NextCursor})
		same(e.t, fmt.Sprintf("pages after the first, limit %d", limit), rest, want)
	}
	want = append([]store.Account{all[0], aaron, all[1]}, want...)
	same(e.t, "every page", walkAccounts(e, store.AccountQuery{Limit: 2}), want)
}

func testListAccountsDeleted(e *env) {
	all := listFixture(e)
	fritz := e.pick(all, "fritz")[0]
	e.commit(store.DeleteAccount{ID: fritz.ID, Version: fritz.Version, UsernameKey: fritz.UsernameKey, EmailKey: fritz.EmailKey})
	rest := slices.DeleteFunc(slices.Clone(all), func(a store.Account) bool { return a.ID == fritz.ID })
	same(e.t, "ListAccounts after the delete", e.accountPage(store.AccountQuery{}).Items, rest)
	for _, q := range []store.AccountQuery{{Search: "fritz"}, {Search: "müller"}, {Status: store.StatusInactive, FacilityID: "f_ham"}} {
		if page := e.accountPage(q); len(page.Items) != 0 || page.NextCursor != "" {
			e.t.Fatalf("ListAccounts(%+v) after the delete = %+v, want nothing", q, page)
		}
	}
	same(e.t, "inactive accounts after the delete", e.accountPage(store.AccountQuery{Status: store.StatusInactive}).Items, e.pick(all, "bernd"))
}

func testListAccountsEmailChange(e *env) {
	e.commit(
		store.CreateAccount{Account: newAccount("u_a", "alice", "Alice@Old.example")},
		store.CreateAccount{Account: newAccount("u_b", "bob", "bob@example.com")},
	)
	a := e.mustAccount("u_a")
	if page := e.accountPage(store.AccountQuery{Search: "old.example"}); len(page.Items) != 1 || page.Items[0].ID != "u_a" {
		e.t.Fatalf("ListAccounts(Search old.example) before the change = %+v", page)
	}
	a.Email, a.EmailKey, a.DisplayName = "Alice@New.example", "alice@new.example", "Alice Neu"
	e.commit(store.UpdateAccount{Account: a, PreviousEmailKey: "alice@old.example"})
	a.Version = 2

	same(e.t, "ListAccounts(Search new.example)", e.accountPage(store.AccountQuery{Search: "new.example"}).Items, []store.Account{a})
	same(e.t, "ListAccounts(Search neu)", e.accountPage(store.AccountQuery{Search: "neu"}).Items, []store.Account{a})
	if page := e.accountPage(store.AccountQuery{Search: "old.example"}); len(page.Items) != 0 {
		e.t.Fatalf("ListAccounts(Search old.example) after the change = %+v, want nothing", page.Items)
	}
}

func testListAccountsInvalidCursor(e *env) {
	listFixture(e)
	e.commit(
		store.AppendAudit{Event: newEvent(e.now(), "login.success", "u_7")},
		store.AppendAudit{Event: newEvent(e.now().Add(ms(1)), "login.success", "u_1")},
	)
	audit := e.auditPage(store.AuditQuery{Limit: 1})
	if audit.NextCursor == "" {
		e.t.Fatal("fixture: ListAudit gave no cursor")
	}
	own := e.accountPage(store.AccountQuery{Limit: 2}).NextCursor
	if own == "" {
		e.t.Fatal("first page of 2 of 10 accounts has no NextCursor")
	}
	for _, cursor := range []string{
		"!!not a cursor!!", "%%%", "\x00", "anna", "zoë",
		base64.RawURLEncoding.EncodeToString([]byte("anna")),
		base64.StdEncoding.EncodeToString([]byte("anna")),
		base64.RawURLEncoding.EncodeToString([]byte{0xff, 0xfe, 0x00}),
		audit.NextCursor,
		own + "!",
	} {
		_, err := e.s.ListAccounts(e.ctx, store.AccountQuery{Cursor: cursor})
		if !errors.Is(err, store.ErrInvalidCursor) {
			e.t.Errorf("ListAccounts(Cursor %q) = %v, want ErrInvalidCursor", cursor, err)
		}
	}
	// The adapter's own cursor is still good.
	if page := e.accountPage(store.AccountQuery{Limit: 2, Cursor: own}); len(page.Items) == 0 {
		e.t.Fatalf("ListAccounts with its own cursor = %+v", page)
	}
}

// testListAccountsMany: the one fixture with more accounts than a page.
// Limit 0 (or less) means 50, anything over 200 means 200, and walking the
// pages at those sizes and with a sparse filter lists every account once.
func testListAccountsMany(e *env) {
	const n = 210
	all := make([]store.Account, n)
	var ops []store.Op
	for i := range all {
		// Ids in reverse username order; every 30th account inactive.
		a := newAccount(fmt.Sprintf("u_%03d", n-1-i), fmt.Sprintf("user%03d", i), "")
		if i%30 == 7 {
			a.Status = store.StatusInactive
		}
		all[i] = a
		ops = append(ops, store.CreateAccount{Account: a})
		if len(ops) == store.MaxOps || i == n-1 {
			e.commit(ops...)
			ops = nil
		}
	}
	for i := range all {
		all[i].Version = 1
	}

	for _, tc := range []struct {
		limit, want int
	}{{0, 50}, {-1, 50}, {1000, 200}, {201, 200}, {200, 200}, {7, 7}} {
		page := e.accountPage(store.AccountQuery{Limit: tc.limit})
		if len(page.Items) != tc.want || page.NextCursor == "" {
			e.t.Fatalf("ListAccounts(Limit %d): %d accounts, NextCursor %q; want %d and a cursor",
				tc.limit, len(page.Items), page.NextCursor, tc.want)
		}
		same(e.t, fmt.Sprintf("ListAccounts(Limit %d)", tc.limit), page.Items, all[:tc.want])
		if tc.limit == 1000 {
			last := e.accountPage(store.AccountQuery{Limit: tc.limit, Cursor: page.NextCursor})
			same(e.t, "second page of 200", last.Items, all[200:])
			if last.NextCursor != "" {
				e.t.Fatalf("second page of 200 has NextCursor %q, want \"\"", last.NextCursor)
			}
		}
	}

	same(e.t, "pages of 50", walkAccounts(e, store.AccountQuery{}), all)
	same(e.t, "pages of 200", walkAccounts(e, store.AccountQuery{Limit: 500}), all)
	var inactive, ones []store.Account
	for _, a := range all {
		if a.Status == store.StatusInactive {
			inactive = append(inactive, a)
		}
		if strings.Contains(a.UsernameKey, "user1") {
			ones = append(ones, a)
		}
	}
	same(e.t, "pages of 2 inactive accounts", walkAccounts(e, store.AccountQuery{Status: store.StatusInactive, Limit: 2}), inactive)
	same(e.t, "pages of 50 accounts matching user1", walkAccounts(e, store.AccountQuery{Search: "user1"}), ones)
	if len(inactive) != 7 || len(ones) != 100 {
		e.t.Fatalf("fixture: %d inactive, %d matching user1; want 7 and 100", len(inactive), len(ones))
	}
}
