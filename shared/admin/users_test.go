package admin_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/admin"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/store"
)

func newUserBody(f *fixture, username string, extra map[string]any) map[string]any {
	b := map[string]any{"username": username, "displayName": "New Person", "roles": []string{"operator"},
		"networkAccess": false, "facilityIds": []string{f.f1}}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

// With an email and no temporary password the user is invited: the token is
// written with the account, the mail goes to the address, and its link
// activates the account.
func TestCreateWithInvitation(t *testing.T) {
	f := newFixture(t)
	res := f.asSuper("POST", "/api/admin/users", newUserBody(f, "  NewBie ", map[string]any{
		"email": "New.Bie@Example.com", "locale": "de"}))
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	u := decode[user](t, res)
	if u.Status != "invited" || u.Username != "NewBie" || u.Email == nil || *u.Email != "New.Bie@Example.com" ||
		u.EmailVerified || u.Locale != "de" || !slices.Equal(u.FacilityIDs, []string{f.f1}) || u.Locked ||
		u.LastLoginAt != nil || u.ValidUntil != nil || u.MFA.TOTP || u.SSO {
		t.Fatalf("created %+v", u)
	}
	sent := f.Mail.To("New.Bie@Example.com")
	if len(sent) != 1 || sent[0].Kind != mail.KindInvitation {
		t.Fatalf("invitation mail: %+v", sent)
	}
	if got := f.lastEvent(audit.InvitationSent); got.UserID != u.ID || got.ActorID != f.super.ID {
		t.Fatalf("invitation.sent = %+v", got)
	}
	created := f.lastEvent(audit.UserCreated)
	if created.UserID != u.ID || created.Detail["invited"] != "true" || created.Detail["temporaryPassword"] != "false" ||
		created.Detail["roles"] != "operator" || created.Detail["facilityIds"] != f.f1 {
		t.Fatalf("user.created = %+v", created)
	}
	token := apptest.Token(t, sent[0])
	res = f.Post("/api/auth/invitation/accept", map[string]string{"token": token, "password": strong, "passwordRepeat": strong}, nil)
	if res.Status != 204 {
		t.Fatalf("accept: %d %s", res.Status, res.Body)
	}
	if res := f.login("newbie", strong); res.Status != 200 || res.JSON(t)["status"] != "authenticated" {
		t.Fatalf("login after accepting: %d %s", res.Status, res.Body)
	}
	if got := f.getUser(u.ID); got.Status != "active" || !got.EmailVerified || got.LastLoginAt == nil {
		t.Fatalf("after accepting: %+v", got)
	}
}

// With a temporary password the user is active and must change it at the
// first sign-in; the password never reaches the audit trail.
func TestCreateWithTemporaryPassword(t *testing.T) {
	f := newFixture(t)
	res := f.asSuper("POST", "/api/admin/users", newUserBody(f, "temp", map[string]any{
		"temporaryPassword": strong, "validUntil": "2027-06-30T00:00:00+02:00"}))
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	u := decode[user](t, res)
	if u.Status != "active" || u.Email != nil || u.ValidUntil == nil || *u.ValidUntil != "2027-06-29T22:00:00Z" || u.Locale != "en" {
		t.Fatalf("created %+v", u)
	}
	if len(f.Mail.Sent()) != 0 {
		t.Fatalf("mail sent: %+v", f.Mail.Sent())
	}
	if got := f.login("temp", strong).JSON(t)["status"]; got != "password_change_required" {
		t.Fatalf("first login: %v", got)
	}
	e := f.lastEvent(audit.UserCreated)
	if e.Detail["temporaryPassword"] != "true" || e.Detail["invited"] != "false" {
		t.Fatalf("user.created = %+v", e)
	}
	for _, v := range e.Detail {
		if strings.Contains(v, strong) {
			t.Fatal("the password is in the audit trail")
		}
	}
}

// An SSO user is active at once, has no password and gets no mail: it signs
// in through its identity provider only.
func TestCreateSSOUser(t *testing.T) {
	f := newFixture(t)
	res := f.asSuper("POST", "/api/admin/users", newUserBody(f, "sso.sam", map[string]any{
		"sso": true, "email": "Sam.SSO@Example.com"}))
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	u := decode[user](t, res)
	if u.Status != "active" || !u.SSO || u.Email == nil || *u.Email != "Sam.SSO@Example.com" {
		t.Fatalf("created %+v", u)
	}
	if len(f.Mail.Sent()) != 0 {
		t.Fatalf("mail sent: %+v", f.Mail.Sent())
	}
	// No password feature applies to it.
	if res := f.login("sso.sam", strong); res.Status != 401 {
		t.Fatalf("password login of an SSO user: %d %s", res.Status, res.Body)
	}
	if res := f.asSuper("POST", "/api/admin/users/"+u.ID+"/password", map[string]any{"password": strong, "temporary": true}); res.Status != 403 || res.Code(t) != "sso_account" {
		t.Fatalf("set password of an SSO user: %d %s", res.Status, res.Body)
	}
	if e := f.lastEvent(audit.UserCreated); e.Detail["sso"] != "true" || e.Detail["invited"] != "false" {
		t.Fatalf("user.created = %+v", e)
	}
}

func TestCreateRefusals(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("x", 65)
	tests := []struct {
		name   string
		body   map[string]any
		status int
		code   string
		field  string
	}{
		{"no email, no password", newUserBody(f, "a1", nil), 400, "invalid_request", "temporaryPassword"},
		{"no username", newUserBody(f, " ", map[string]any{"temporaryPassword": strong}), 400, "invalid_request", "username"},
		{"long username", newUserBody(f, long, map[string]any{"temporaryPassword": strong}), 400, "invalid_request", "username"},
		{"control character", newUserBody(f, "a\u0007b", map[string]any{"temporaryPassword": strong}), 422, "invalid_request", "username"},
		{"no display name", newUserBody(f, "a2", map[string]any{"displayName": "", "temporaryPassword": strong}), 400, "invalid_request", "displayName"},
		{"long display name", newUserBody(f, "a2", map[string]any{"displayName": strings.Repeat("d", 201), "temporaryPassword": strong}), 400, "invalid_request", "displayName"},
		{"bad email", newUserBody(f, "a3", map[string]any{"email": "not-an-address"}), 400, "invalid_request", "email"},
		{"email with name", newUserBody(f, "a3", map[string]any{"email": "Bob <bob@example.com>"}), 400, "invalid_request", "email"},
		{"no roles", newUserBody(f, "a4", map[string]any{"roles": []string{}, "temporaryPassword": strong}), 400, "invalid_request", "roles"},
		{"unknown role", newUserBody(f, "a4", map[string]any{"roles": []string{"vendor"}, "temporaryPassword": strong}), 400, "invalid_request", "roles"},
		{"unknown facility", newUserBody(f, "a5", map[string]any{"facilityIds": []string{"f_nope"}, "temporaryPassword": strong}), 400, "invalid_request", "facilityIds"},
		{"locale", newUserBody(f, "a6", map[string]any{"locale": "fr", "temporaryPassword": strong}), 400, "invalid_request", "locale"},
		{"validUntil past", newUserBody(f, "a7", map[string]any{"validUntil": "2020-01-01T00:00:00Z", "temporaryPassword": strong}), 400, "invalid_request", "validUntil"},
		{"validUntil garbage", newUserBody(f, "a7", map[string]any{"validUntil": "tomorrow", "temporaryPassword": strong}), 400, "invalid_request", "validUntil"},
		{"unknown field", newUserBody(f, "a8", map[string]any{"status": "active", "temporaryPassword": strong}), 400, "invalid_request", "status"},
		{"weak password", newUserBody(f, "a9", map[string]any{"temporaryPassword": "short"}), 422, "password_policy", "temporaryPassword"},
		{"common password", newUserBody(f, "a9", map[string]any{"temporaryPassword": "password12345678"}), 422, "password_policy", "temporaryPassword"},
		{"username taken", newUserBody(f, "OTTO", map[string]any{"temporaryPassword": strong}), 409, "conflict", ""},
		{"email taken", newUserBody(f, "a10", map[string]any{"email": "Otto@example.com"}), 409, "conflict", ""},
		{"sso without email", newUserBody(f, "a11", map[string]any{"sso": true}), 400, "invalid_request", "email"},
		{"sso with password", newUserBody(f, "a11", map[string]any{"sso": true, "email": "a11@example.com", "temporaryPassword": strong}), 400, "invalid_request", "temporaryPassword"},
		{"username is someone's email", newUserBody(f, "otto@example.com", map[string]any{"temporaryPassword": strong}), 409, "conflict", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.asSuper("POST", "/api/admin/users", tt.body)
			if res.Status != tt.status || res.Code(t) != tt.code {
				t.Fatalf("got %d %s", res.Status, res.Body)
			}
			if tt.field != "" {
				v := decode[struct {
					Violations []struct{ Field, Code string }
				}](t, res)
				if len(v.Violations) == 0 || v.Violations[0].Field != tt.field {
					t.Fatalf("violations %s", res.Body)
				}
			}
		})
	}
	if n := len(f.events(audit.UserCreated)); n != 0 {
		t.Fatalf("%d users created", n)
	}
}

// A username claimed as another account's email is refused too: sign-in
// looks names up as usernames first, so it would take that login over.
func TestUsernameMayNotShadowAnEmail(t *testing.T) {
	f := newFixture(t)
	f.Account("carol", pw, func(a *store.Account) { a.Email = "boss@example.com" })
	res := f.asSuper("POST", "/api/admin/users", newUserBody(f, "Boss@Example.com", map[string]any{"temporaryPassword": strong}))
	if res.Status != 409 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	// And the other way round: an email that is someone's username.
	f.Account("ceo@corp.example", pw)
	res = f.asSuper("POST", "/api/admin/users", newUserBody(f, "dave", map[string]any{"email": "CEO@corp.example"}))
	if res.Status != 409 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	// One's own username may be one's email.
	res = f.asSuper("POST", "/api/admin/users", newUserBody(f, "erin@example.com", map[string]any{"email": "erin@example.com"}))
	if res.Status != 201 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
}

func TestGetUser(t *testing.T) {
	f := newFixture(t)
	u := f.getUser(f.operator.ID)
	if u.Username != "otto" || u.Email == nil || *u.Email != "otto@example.com" || !slices.Equal(u.Roles, []string{"operator"}) ||
		u.CreatedAt != "2026-11-23T08:00:00Z" || u.LastLoginAt == nil {
		t.Fatalf("%+v", u)
	}
	// Arrays are never null.
	res := f.asSuper("GET", "/api/admin/users/"+f.admin.ID, nil)
	if !strings.Contains(string(res.Body), `"facilityIds":[]`) {
		t.Fatalf("body %s", res.Body)
	}
	for _, id := range []string{"u_unknown", "not%20an%20id", strings.Repeat("u", 100)} {
		if res := f.asSuper("GET", "/api/admin/users/"+id, nil); res.Status != 404 || res.Code(t) != "not_found" {
			t.Fatalf("%s: %d %s", id, res.Status, res.Body)
		}
	}
}

func TestListUsers(t *testing.T) {
	f := newFixture(t)
	for i := range 7 {
		f.Account(fmt.Sprintf("zed%d", i), pw, facilities(f.f2), func(a *store.Account) {
			if i%2 == 1 {
				a.Status = store.StatusInactive
			}
		})
	}
	type page struct {
		Items      []user
		NextCursor *string
	}
	list := func(query string) page {
		t.Helper()
		res := f.asSuper("GET", "/api/admin/users"+query, nil)
		if res.Status != 200 {
			t.Fatalf("%s: %d %s", query, res.Status, res.Body)
		}
		return decode[page](t, res)
	}
	names := func(p page) []string {
		var out []string
		for _, u := range p.Items {
			out = append(out, u.Username)
		}
		return out
	}
	all := list("")
	if len(all.Items) != 13 || all.NextCursor != nil || all.Items[0].Username != "alice" {
		t.Fatalf("all: %v %v", names(all), all.NextCursor)
	}
	if got := names(list("?status=inactive")); !slices.Equal(got, []string{"zed1", "zed3", "zed5"}) {
		t.Fatalf("inactive: %v", got)
	}
	if got := names(list("?facilityId=" + f.f1)); !slices.Equal(got, []string{"otto", "sam"}) {
		t.Fatalf("f1: %v", got)
	}
	if got := names(list("?query=ZED&status=active")); !slices.Equal(got, []string{"zed0", "zed2", "zed4", "zed6"}) {
		t.Fatalf("query: %v", got)
	}
	// Paging walks every matching user once.
	var walked []string
	cursor := ""
	for pages := 0; ; pages++ {
		q := "?query=zed&limit=3"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		p := list(q)
		walked = append(walked, names(p)...)
		if p.NextCursor == nil {
			break
		}
		if len(p.Items) != 3 || pages > 5 {
			t.Fatalf("page of %d", len(p.Items))
		}
		cursor = *p.NextCursor
	}
	if len(walked) != 7 || walked[0] != "zed0" || walked[6] != "zed6" {
		t.Fatalf("walked %v", walked)
	}
	for _, q := range []string{"?status=gone", "?limit=0", "?limit=201", "?limit=x", "?cursor=%2A%2A%2A", "?facilityId=%2A"} {
		res := f.asSuper("GET", "/api/admin/users"+q, nil)
		if res.Status != 400 || res.Code(t) != "invalid_request" {
			t.Errorf("%s: %d %s", q, res.Status, res.Body)
		}
	}
}

// The list shows who is locked, reading every counter of a page in one Load.
func TestListShowsLocks(t *testing.T) {
	f := newFixture(t)
	for range 6 {
		f.login("otto", "wrong password")
	}
	f.Store.Reset()
	res := f.asSuper("GET", "/api/admin/users", nil)
	locked := map[string]bool{}
	for _, u := range decode[struct{ Items []user }](t, res).Items {
		locked[u.Username] = u.Locked
	}
	if !locked["otto"] || locked["sam"] {
		t.Fatalf("locked = %v", locked)
	}
	// The session check, the listing and one Load for every counter.
	if c := f.Store.Counts(); c.Reads > 3 {
		t.Fatalf("%d reads", c.Reads)
	}
}

func TestUpdateUser(t *testing.T) {
	f := newFixture(t)
	u := f.operatorIn("patchy", func(a *store.Account) {
		a.EmailVerified = true
		a.ValidUntil = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	})
	path := "/api/admin/users/" + u.ID
	res := f.asSuper("PATCH", path, map[string]any{"roles": []string{"supervisor"}, "facilityIds": []string{f.f1, f.f2},
		"displayName": "Patty", "locale": "de", "networkAccess": true})
	if res.Status != 200 {
		t.Fatalf("patch: %d %s", res.Status, res.Body)
	}
	got := decode[user](t, res)
	if !slices.Equal(got.Roles, []string{"supervisor"}) || !slices.Equal(got.FacilityIDs, []string{f.f1, f.f2}) ||
		got.DisplayName != "Patty" || got.Locale != "de" || !got.NetworkAccess || !got.EmailVerified {
		t.Fatalf("patched %+v", got)
	}
	e := f.lastEvent(audit.UserUpdated)
	if e.UserID != u.ID || e.Detail["fields"] != "displayName,roles,networkAccess,facilityIds,locale" ||
		e.Detail["roles"] != "operator → supervisor" || e.Detail["facilityIds"] != f.f1+" → "+f.f1+","+f.f2 ||
		e.Detail["networkAccess"] != "false → true" {
		t.Fatalf("user.updated = %+v", e.Detail)
	}
	// null clears email and validUntil; the email claim is released.
	res = f.asSuper("PATCH", path, map[string]any{"email": nil, "validUntil": nil})
	if got := decode[user](t, res); res.Status != 200 || got.Email != nil || got.ValidUntil != nil || got.EmailVerified {
		t.Fatalf("clear: %d %s", res.Status, res.Body)
	}
	other := f.asSuper("POST", "/api/admin/users", newUserBody(f, "heir", map[string]any{"email": "patchy@example.com"}))
	if other.Status != 201 {
		t.Fatalf("the released email is still claimed: %d %s", other.Status, other.Body)
	}
	// A new email is unverified; one already held is a conflict.
	if res := f.asSuper("PATCH", path, map[string]any{"email": "otto@example.com"}); res.Status != 409 {
		t.Fatalf("taken email: %d %s", res.Status, res.Body)
	}
	if res := f.asSuper("PATCH", path, map[string]any{"email": "p@example.org"}); res.Status != 200 {
		t.Fatalf("new email: %d %s", res.Status, res.Body)
	}
	if e := f.lastEvent(audit.UserUpdated); e.Detail["email"] != "added" || strings.Contains(fmt.Sprint(e.Detail), "p@example.org") {
		t.Fatalf("email change audited as %v", e.Detail)
	}
	// An empty or ineffective patch writes nothing.
	before := len(f.events(audit.UserUpdated))
	for _, body := range []any{map[string]any{}, map[string]any{"displayName": "Patty", "roles": []string{"supervisor"}}} {
		if res := f.asSuper("PATCH", path, body); res.Status != 200 {
			t.Fatalf("no-op patch: %d %s", res.Status, res.Body)
		}
	}
	if after := len(f.events(audit.UserUpdated)); after != before {
		t.Fatalf("a no-op patch was audited")
	}
	for _, tc := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"username", `{"username":"other"}`, 400, "username"},
		{"unknown", `{"colour":"red"}`, 400, "colour"},
		{"status", `{"status":"active"}`, 400, "status"},
		{"null roles", `{"roles":null}`, 400, "roles"},
		{"wrong type", `{"networkAccess":"yes"}`, 400, "networkAccess"},
		{"bad role", `{"roles":["root"]}`, 400, "roles"},
		{"past validUntil", `{"validUntil":"2001-01-01T00:00:00Z"}`, 400, "validUntil"},
		{"unknown facility", `{"facilityIds":["f_nope"]}`, 400, "facilityIds"},
		{"weak temporary password", `{"temporaryPassword":"short"}`, 422, "temporaryPassword"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.asSuper("PATCH", path, tc.body)
			v := decode[struct {
				Violations []struct{ Field string }
			}](t, res)
			if res.Status != tc.status || len(v.Violations) == 0 || v.Violations[0].Field != tc.field {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
	}
	if res := f.asSuper("PATCH", "/api/admin/users/u_nobody", map[string]any{"displayName": "X"}); res.Status != 404 {
		t.Fatalf("unknown user: %d", res.Status)
	}
}

// A user keeps facility ids whose facility was deleted when the patch sends
// them back unchanged; only newly added ids must exist.
func TestUpdateKeepsDeletedFacilityIDs(t *testing.T) {
	f := newFixture(t)
	gone := f.facility("Closed Store")
	u := f.operatorIn("keeper", facilities(f.f1, gone))
	if res := f.asSuper("DELETE", "/api/admin/facilities/"+gone, nil); res.Status != 204 {
		t.Fatal(res.Status)
	}
	res := f.asSuper("PATCH", "/api/admin/users/"+u.ID, map[string]any{"facilityIds": []string{gone, f.f1, f.f2}})
	if res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
}

// A temporary password through PATCH works like POST …/password.
func TestUpdateSetsTemporaryPassword(t *testing.T) {
	f := newFixture(t)
	u := f.operatorIn("forgetful")
	c, _ := f.SignIn("forgetful", pw)
	res := f.asSuper("PATCH", "/api/admin/users/"+u.ID, map[string]any{"temporaryPassword": strong, "locale": "de"})
	if res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if f.status("/api/auth/session", c) != 401 {
		t.Fatal("the old session survived")
	}
	if got := f.login("forgetful", strong).JSON(t)["status"]; got != "password_change_required" {
		t.Fatalf("login status %v", got)
	}
	if e := f.lastEvent(audit.UserUpdated); e.Detail["fields"] != "locale,temporaryPassword" {
		t.Fatalf("user.updated %v", e.Detail)
	}
	if e := f.lastEvent(audit.PasswordSetByAdmin); e.UserID != u.ID || e.Detail["temporary"] != "true" {
		t.Fatalf("password.set_by_admin %+v", e)
	}
}

func TestDeleteUser(t *testing.T) {
	f := newFixture(t)
	u := f.operatorIn("leaver")
	var cookies []*http.Cookie
	for range 30 { // more sessions than one commit holds
		c, _ := f.SignIn("leaver", pw)
		cookies = append(cookies, c)
	}
	if res := f.asSuper("DELETE", "/api/admin/users/"+u.ID, nil); res.Status != 204 {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if res := f.asSuper("GET", "/api/admin/users/"+u.ID, nil); res.Status != 404 {
		t.Fatalf("get after delete: %d", res.Status)
	}
	for _, c := range cookies {
		if f.status("/api/auth/session", c) != 401 {
			t.Fatal("a session outlived its account")
		}
	}
	if list, _ := f.Store.ListSessions(context.Background(), u.ID); len(list) != 0 {
		t.Fatalf("%d session records left", len(list))
	}
	if e := f.lastEvent(audit.UserDeleted); e.UserID != u.ID || e.Detail["username"] != "leaver" {
		t.Fatalf("user.deleted %+v", e)
	}
	// The username and email are free again.
	res := f.asSuper("POST", "/api/admin/users", newUserBody(f, "leaver", map[string]any{"email": "leaver@example.com"}))
	if res.Status != 201 {
		t.Fatalf("recreate: %d %s", res.Status, res.Body)
	}
	if res := f.asSuper("DELETE", "/api/admin/users/"+u.ID, nil); res.Status != 404 {
		t.Fatalf("delete twice: %d", res.Status)
	}
}

// interferingStore changes the account behind the flow's back once, just
// before the flow's first write, as a concurrent request would.
type interferingStore struct {
	admin.Store
	t    *testing.T
	done bool
}

func (s *interferingStore) Commit(ctx context.Context, ops ...store.Op) error {
	for _, op := range ops {
		up, ok := op.(store.UpdateAccount)
		if !ok || s.done {
			continue
		}
		s.done = true
		snap, err := s.Store.Load(ctx, store.Query{AccountID: up.Account.ID})
		if err != nil {
			s.t.Fatal(err)
		}
		other := *snap.Account
		other.Locale = "de"
		if err := s.Store.Commit(ctx, store.UpdateAccount{Account: other, PreviousEmailKey: other.EmailKey}); err != nil {
			s.t.Fatal(err)
		}
	}
	return s.Store.Commit(ctx, ops...)
}

// A version conflict is retried on a fresh read: both changes survive.
func TestUpdateRetriesOnConflict(t *testing.T) {
	f := newFixture(t)
	u := f.operatorIn("contested")
	st := &interferingStore{Store: f.Store, t: t}
	svc := admin.NewService(admin.Config{Store: st, Clock: f.Clock, Logger: slog.New(slog.DiscardHandler)})
	name := "Contested Name"
	got, err := svc.UpdateUser(context.Background(), admin.Actor{Account: f.super}, u.ID, admin.UserPatch{DisplayName: &name})
	if err != nil {
		t.Fatal(err)
	}
	stored := f.Load(u.ID)
	if !st.done || stored.DisplayName != name || stored.Locale != "de" || got.Account.Version != stored.Version {
		t.Fatalf("stored %+v, returned v%d", stored, got.Account.Version)
	}
}

// ssoProvider names the provider an SSO account's identity is bound to:
// null before its first SSO sign-in and for password accounts.
func TestUserSSOProvider(t *testing.T) {
	f := newFixture(t)
	bound := f.Account("samuel", "", func(a *store.Account) {
		a.SSO, a.SSOIdentity = true, store.SSOIdentityKey("Contoso", "00u-sam")
	})
	unbound := f.Account("susanne", "", func(a *store.Account) { a.SSO = true })
	local := f.Account("louisa", "a long enough passphrase 2026")
	for _, tc := range []struct {
		id   string
		want any
	}{{bound.ID, "Contoso"}, {unbound.ID, nil}, {local.ID, nil}} {
		res := f.asSuper("GET", "/api/admin/users/"+tc.id, nil)
		if got := res.JSON(t)["ssoProvider"]; res.Status != 200 || got != tc.want {
			t.Errorf("%s: ssoProvider %v (%d), want %v", tc.id, got, res.Status, tc.want)
		}
	}
}
