package admin_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

func noEmail(a *store.Account) { a.Email = "" }

// openHelpRequest opens a help request for a straight in the store, as a
// reset request would, and returns it.
func (f *fixture) openHelpRequest(a store.Account) store.HelpRequest {
	f.T.Helper()
	h := store.HelpRequest{UserID: a.ID, ID: ids.New("h"), CreatedAt: f.Clock.Now(), IP: "198.51.100.20", UserAgent: "apptest/1.0"}
	if err := f.Store.Commit(context.Background(), store.PutHelpRequest{Request: h}); err != nil {
		f.T.Fatal(err)
	}
	return h
}

// askForHelp sends a reset request for username from ip, which opens the
// help request of an account without an email.
func (f *fixture) askForHelp(username, ip string) {
	f.T.Helper()
	f.Clock.Advance(time.Second) // newest first is then exact
	res := f.Do(apptest.Request{Method: "POST", Path: "/api/auth/password/reset", Body: `{"identifier":"` + username + `"}`, IP: ip})
	if res.Status != 202 {
		f.T.Fatalf("reset request of %s: %d %s", username, res.Status, res.Body)
	}
}

// helpDoc decodes one item of GET /api/admin/help-requests.
type helpDoc struct {
	ID          string `json:"id"`
	UserID      string `json:"userId"`
	Username    string `json:"username"`
	DisplayName string `json:"displayName"`
	CreatedAt   string `json:"createdAt"`
	IP          string `json:"ip"`
}

// helpList lists the help requests as a caller kind, failing on anything
// but 200.
func (f *fixture) helpList(kind string) []helpDoc {
	f.T.Helper()
	res := f.as(kind, "GET", "/api/admin/help-requests", nil)
	if res.Status != 200 {
		f.T.Fatalf("help requests as %s: %d %s", kind, res.Status, res.Body)
	}
	return decode[struct{ Items []helpDoc }](f.T, res).Items
}

func usernames(list []helpDoc) []string {
	out := []string{}
	for _, h := range list {
		out = append(out, h.Username)
	}
	return out
}

// The list shows open requests only, newest first, scoped like the users
// list: admins see every one, a supervisor those of the operators it acts
// on — not an operator that also has a facility of another supervisor, nor
// one with network access, nor another supervisor.
func TestHelpRequestListIsScoped(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		if got := f.helpList(callerSuper); len(got) != 0 {
			t.Fatalf("empty list: %+v", got)
		}
		in := f.operatorIn("inner", noEmail, func(a *store.Account) { a.DisplayName = "Ina Inner" })
		f.Account("outer", pw, noEmail, facilities(f.f2))
		f.Account("shared", pw, noEmail, facilities(f.f1, f.f2))
		f.Account("roamer", pw, noEmail, facilities(f.f1), network)
		f.Account("boss", pw, noEmail, roles(accounts.RoleSupervisor), facilities(f.f1))
		f.Account("chief", pw, noEmail, roles(accounts.RoleAdmin), network)
		f.operatorIn("mailed") // has an email: a reset link, no help request
		for _, u := range []string{"inner", "outer", "shared", "roamer", "boss", "chief", "mailed", "nobody"} {
			f.askForHelp(u, "198.51.100.7")
		}
		f.askForHelp("inner", "198.51.100.99") // already open: nothing new

		want := []string{"chief", "boss", "roamer", "shared", "outer", "inner"}
		for _, kind := range []string{callerSuper, callerAdmin} {
			if got := usernames(f.helpList(kind)); !slices.Equal(got, want) {
				t.Fatalf("as %s: %v, want %v", kind, got, want)
			}
		}
		if got := usernames(f.helpList(callerSupIn)); !slices.Equal(got, []string{"inner"}) {
			t.Fatalf("as the supervisor of f1: %v", got)
		}
		if got := usernames(f.helpList(callerSupOut)); !slices.Equal(got, []string{"outer"}) {
			t.Fatalf("as the supervisor of f2: %v", got)
		}
		if res := f.as(callerOperator, "GET", "/api/admin/help-requests", nil); res.Status != 403 || res.Code(t) != "forbidden" {
			t.Fatalf("as an operator: %d %s", res.Status, res.Body)
		}

		// The document: exactly the fields of API.md.
		res := f.as(callerSupIn, "GET", "/api/admin/help-requests", nil)
		var raw struct{ Items []map[string]any }
		if err := json.Unmarshal(res.Body, &raw); err != nil || len(raw.Items) != 1 {
			t.Fatalf("%s: %v", res.Body, err)
		}
		if keys := sortedKeys(raw.Items[0]); !slices.Equal(keys, []string{"createdAt", "displayName", "id", "ip", "userId", "username"}) {
			t.Fatalf("fields %v", keys)
		}
		got := f.helpList(callerSupIn)[0]
		open := helpOf(f, in.ID)
		if got.ID != open.ID || got.UserID != in.ID || got.DisplayName != "Ina Inner" || got.IP != "198.51.100.7" ||
			got.CreatedAt != open.CreatedAt.UTC().Format(time.RFC3339Nano) {
			t.Fatalf("item %+v, request %+v", got, open)
		}
	})
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// helpOf returns the account's open help request, failing without one.
func helpOf(f *fixture, userID string) store.HelpRequest {
	f.T.Helper()
	h := f.HelpRequest(userID)
	if h == nil {
		f.T.Fatalf("%s has no open help request", userID)
	}
	return *h
}

func noHelp(f *fixture, userID string) {
	f.T.Helper()
	if h := f.HelpRequest(userID); h != nil {
		f.T.Fatalf("%s still has help request %+v", userID, *h)
	}
}

// Who may set the account's password may dismiss its request; anyone else
// gets 403 and the request stays. A dismissal is audited, once.
func TestDismissHelpRequest(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		op := f.operatorIn("helpless", noEmail)
		f.askForHelp("helpless", "198.51.100.7")
		h := helpOf(f, op.ID)
		path := "/api/admin/help-requests/" + h.ID
		for _, kind := range []string{callerSupOut, callerOperator} {
			if res := f.as(kind, "DELETE", path, nil); res.Status != 403 || res.Code(t) != "forbidden" {
				t.Fatalf("as %s: %d %s", kind, res.Status, res.Body)
			}
		}
		if res := f.as(callerSupIn, "DELETE", path, `{"reason":"x"}`); res.Status != 400 {
			t.Fatalf("unknown body member: %d %s", res.Status, res.Body)
		}
		helpOf(f, op.ID)
		if res := f.as(callerSupIn, "DELETE", path, nil); res.Status != 204 {
			t.Fatalf("dismiss: %d %s", res.Status, res.Body)
		}
		noHelp(f, op.ID)
		ev := f.events(audit.PasswordHelpResolved)
		if len(ev) != 1 || ev[0].UserID != op.ID || ev[0].ActorID != f.supIn.ID || ev[0].Detail["how"] != "dismissed" ||
			ev[0].Detail["helpRequestId"] != h.ID {
			t.Fatalf("password.help.resolved = %+v", ev)
		}
		// Gone: 404 for an admin, 403 for a supervisor, which is not told.
		if res := f.as(callerAdmin, "DELETE", path, nil); res.Status != 404 || res.Code(t) != "not_found" {
			t.Fatalf("again as admin: %d %s", res.Status, res.Body)
		}
		if res := f.as(callerSupIn, "DELETE", path, nil); res.Status != 403 {
			t.Fatalf("again as supervisor: %d %s", res.Status, res.Body)
		}
		for _, bad := range []string{"h_unknown", "x"} {
			if res := f.asSuper("DELETE", "/api/admin/help-requests/"+bad, nil); res.Status != 404 {
				t.Fatalf("%s: %d %s", bad, res.Status, res.Body)
			}
		}
		if n := len(f.events(audit.PasswordHelpResolved)); n != 1 {
			t.Fatalf("%d password.help.resolved events, want 1", n)
		}

		// An admin sees an admin's request, as it sees admins, but acts on
		// it no more than on the account: a super_admin does.
		chief := f.Account("chief", pw, noEmail, roles(accounts.RoleAdmin), network)
		f.askForHelp("chief", "198.51.100.7")
		path = "/api/admin/help-requests/" + helpOf(f, chief.ID).ID
		if res := f.as(callerAdmin, "DELETE", path, nil); res.Status != 403 {
			t.Fatalf("admin dismisses an admin's request: %d %s", res.Status, res.Body)
		}
		if res := f.asSuper("DELETE", path, nil); res.Status != 204 {
			t.Fatalf("super_admin: %d %s", res.Status, res.Body)
		}
	})
}

// Setting a password resolves the account's open request in the same
// commit: POST …/password, and PATCH with a temporary password.
func TestSettingAPasswordResolvesTheHelpRequest(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		op := f.operatorIn("helpless", noEmail)
		f.askForHelp("helpless", "198.51.100.7")
		h := helpOf(f, op.ID)
		f.Store.Reset()
		res := f.as(callerSupIn, "POST", "/api/admin/users/"+op.ID+"/password", map[string]any{"password": strong, "temporary": true})
		if res.Status != 204 {
			t.Fatalf("set password: %d %s", res.Status, res.Body)
		}
		noHelp(f, op.ID)
		// One write: the password and the resolution are one commit (the
		// account has no session to clean up after it).
		if got := f.Store.Counts(); got.Writes != 1 {
			t.Fatalf("%d writes, want the one commit", got.Writes)
		}
		set, resolved := f.lastEvent(audit.PasswordSetByAdmin), f.lastEvent(audit.PasswordHelpResolved)
		if resolved.UserID != op.ID || resolved.ActorID != f.supIn.ID || resolved.Detail["how"] != "password_set" ||
			resolved.Detail["helpRequestId"] != h.ID || !(set.ID < resolved.ID) {
			t.Fatalf("events: set %+v, resolved %+v", set, resolved)
		}
		if got := f.helpList(callerSupIn); len(got) != 0 {
			t.Fatalf("still listed: %+v", got)
		}
		if res := f.login("helpless", strong); res.Status != 200 || res.JSON(t)["status"] != "password_change_required" {
			t.Fatalf("sign-in with the temporary password: %d %s", res.Status, res.Body)
		}

		// A password set without an open request resolves nothing.
		if res := f.asSuper("POST", "/api/admin/users/"+op.ID+"/password", map[string]any{"password": strong + "!", "temporary": true}); res.Status != 204 {
			t.Fatalf("set again: %d %s", res.Status, res.Body)
		}
		if n := len(f.events(audit.PasswordHelpResolved)); n != 1 {
			t.Fatalf("%d password.help.resolved events, want 1", n)
		}

		other := f.operatorIn("forgetful", noEmail)
		f.askForHelp("forgetful", "198.51.100.8")
		res = f.asSuper("PATCH", "/api/admin/users/"+other.ID, map[string]any{"temporaryPassword": strong})
		if res.Status != 200 {
			t.Fatalf("patch: %d %s", res.Status, res.Body)
		}
		noHelp(f, other.ID)
		if ev := f.lastEvent(audit.PasswordHelpResolved); ev.UserID != other.ID || ev.Detail["how"] != "password_set" {
			t.Fatalf("resolved by the patch: %+v", ev)
		}
		// A patch of anything else leaves the request open.
		f.askForHelp("forgetful", "198.51.100.8")
		if res := f.asSuper("PATCH", "/api/admin/users/"+other.ID, map[string]any{"displayName": "Fred"}); res.Status != 200 {
			t.Fatalf("patch: %d %s", res.Status, res.Body)
		}
		helpOf(f, other.ID)
		// Deleting the account closes it too.
		if res := f.asSuper("DELETE", "/api/admin/users/"+other.ID, nil); res.Status != 204 {
			t.Fatalf("delete: %d %s", res.Status, res.Body)
		}
		noHelp(f, other.ID)
	})
}

// A dismissal and a password set racing for one request: both succeed as
// far as their caller is concerned, the request is closed, and it is
// resolved — and audited — once.
func TestDismissAndResolveRaceResolvesOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		for round := range 3 {
			op := f.operatorIn("racer"+string(rune('a'+round)), noEmail)
			h := f.openHelpRequest(op)
			var wg sync.WaitGroup
			gate := make(chan struct{})
			statuses := make([]int, 2)
			wg.Go(func() {
				<-gate
				statuses[0] = f.as(callerSupIn, "DELETE", "/api/admin/help-requests/"+h.ID, nil).Status
			})
			wg.Go(func() {
				<-gate
				statuses[1] = f.as(callerAdmin, "POST", "/api/admin/users/"+op.ID+"/password",
					map[string]any{"password": strong, "temporary": true}).Status
			})
			close(gate)
			wg.Wait()
			if statuses[1] != 204 || (statuses[0] != 204 && statuses[0] != 403) {
				t.Fatalf("round %d: dismiss %d, set password %d", round, statuses[0], statuses[1])
			}
			noHelp(f, op.ID)
			n := 0
			for _, e := range f.events(audit.PasswordHelpResolved) {
				if e.Detail["helpRequestId"] == h.ID {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("round %d: %d password.help.resolved events for one request", round, n)
			}
		}
	})
}

// hasPassword says whether an account holds a local password: an SSO
// account gets one through a reset link while sso.allowLocalPassword is
// on; an administrator still sets none.
func TestHasPassword(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		if u := f.getUser(f.operator.ID); !u.HasPassword {
			t.Fatal("an operator with a password: hasPassword false")
		}
		res := f.asSuper("POST", "/api/admin/users", newUserBody(f, "invitee", map[string]any{"email": "invitee@example.com"}))
		if u := decode[user](t, res); res.Status != 201 || u.HasPassword {
			t.Fatalf("invited: %d %s", res.Status, res.Body)
		}
		res = f.asSuper("POST", "/api/admin/users", newUserBody(f, "sid", map[string]any{"email": "sid@contoso.example", "sso": true}))
		sid := decode[user](t, res)
		if res.Status != 201 || sid.HasPassword || !sid.SSO {
			t.Fatalf("sso user: %d %s", res.Status, res.Body)
		}
		f.SetParameters(func(p *params.Parameters) { p.SSO.AllowLocalPassword = true })
		if res := f.asSuper("POST", "/api/admin/users/"+sid.ID+"/password", map[string]any{"password": strong}); res.Status != 403 ||
			res.Code(t) != "sso_account" {
			t.Fatalf("admin sets an SSO account's password: %d %s", res.Status, res.Body)
		}
		f.Post("/api/auth/password/reset", map[string]string{"identifier": "sid"}, nil)
		token := apptest.Token(t, f.Mail.To("sid@contoso.example")[0])
		if res := f.Post("/api/auth/password/reset/confirm", map[string]string{"token": token, "password": strong, "passwordRepeat": strong}, nil); res.Status != 204 {
			t.Fatalf("confirm: %d %s", res.Status, res.Body)
		}
		u := f.getUser(sid.ID)
		if !u.HasPassword || !u.SSO {
			t.Fatalf("after the reset: %+v", u)
		}
		var listed user
		for _, x := range decode[struct{ Items []user }](t, f.asSuper("GET", "/api/admin/users?query=sid", nil)).Items {
			if x.ID == sid.ID {
				listed = x
			}
		}
		if !listed.HasPassword {
			t.Fatalf("listed: %+v", listed)
		}
		// Turned off, the password stays recorded (and unusable).
		f.SetParameters(func(p *params.Parameters) { p.SSO.AllowLocalPassword = false })
		if !f.getUser(sid.ID).HasPassword || f.login("sid", strong).Status != 401 {
			t.Fatal("with the parameter off")
		}
	})
}
