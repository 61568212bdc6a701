package admin_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/mfa/totp"
	"github.com/gatepass/gatepass/shared/store"
)

// Deactivation ends a live session at once and revokes an outstanding reset
// link; activation lets the user back in. Both are idempotent, audited once.
func TestDeactivateAndActivate(t *testing.T) {
	f := newFixture(t)
	u := f.operatorIn("quitter")
	c, _ := f.SignIn("quitter", pw)
	if res := f.Post("/api/auth/password/reset", map[string]string{"identifier": "quitter"}, nil); res.Status != 202 {
		t.Fatalf("reset request: %d", res.Status)
	}
	sent := f.Mail.To("quitter@example.com")
	if len(sent) != 1 {
		t.Fatalf("reset mail: %+v", sent)
	}
	token := apptest.Token(t, sent[0])

	path := "/api/admin/users/" + u.ID
	for range 2 {
		if res := f.asSuper("POST", path+"/deactivate", nil); res.Status != 204 {
			t.Fatalf("deactivate: %d %s", res.Status, res.Body)
		}
	}
	if got := f.status("/api/auth/session", c); got != 401 {
		t.Fatalf("live session after deactivation: %d", got)
	}
	if res := f.Post("/api/auth/password/reset/verify", map[string]string{"token": token}, nil); res.Status != 410 {
		t.Fatalf("reset link after deactivation: %d", res.Status)
	}
	if f.login("quitter", pw).Status != 401 {
		t.Fatal("an inactive user signed in")
	}
	if got := f.getUser(u.ID).Status; got != "inactive" {
		t.Fatalf("status %s", got)
	}
	if n := len(f.events(audit.UserDeactivated)); n != 1 {
		t.Fatalf("%d user.deactivated events", n)
	}
	for range 2 {
		if res := f.asSuper("POST", path+"/activate", nil); res.Status != 204 {
			t.Fatalf("activate: %d %s", res.Status, res.Body)
		}
	}
	if f.login("quitter", pw).Status != 200 {
		t.Fatal("a reactivated user cannot sign in")
	}
	if e := f.events(audit.UserActivated); len(e) != 1 || e[0].Detail["status"] != "active" {
		t.Fatalf("user.activated events %+v", e)
	}
	if res := f.asSuper("POST", path+"/deactivate", `{"why":"because"}`); res.Status != 400 {
		t.Fatalf("unknown member in a bodiless POST: %d", res.Status)
	}
}

// An inactive user who never set a password comes back invited.
func TestActivateReinvites(t *testing.T) {
	f := newFixture(t)
	u := f.Account("never", "", facilities(f.f1), func(a *store.Account) { a.Status = store.StatusInactive })
	if res := f.asSuper("POST", "/api/admin/users/"+u.ID+"/activate", nil); res.Status != 204 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if got := f.getUser(u.ID).Status; got != "invited" {
		t.Fatalf("status %s", got)
	}
	if res := f.asSuper("POST", "/api/admin/users/"+u.ID+"/invitation", nil); res.Status != 204 {
		t.Fatalf("invite: %d %s", res.Status, res.Body)
	}
}

// Six bad logins lock the account; an unlock lets the right password in.
func TestUnlock(t *testing.T) {
	f := newFixture(t)
	u := f.operatorIn("fumbler")
	for i := range 6 {
		res := f.login("fumbler", "not the password")
		if want := map[bool]int{true: 429, false: 401}[i == 5]; res.Status != want {
			t.Fatalf("attempt %d: %d", i+1, res.Status)
		}
	}
	if !f.getUser(u.ID).Locked {
		t.Fatal("not shown as locked")
	}
	if f.login("fumbler", pw).Status != 429 {
		t.Fatal("the lock let the right password in")
	}
	if res := f.as(callerSupIn, "POST", "/api/admin/users/"+u.ID+"/unlock", nil); res.Status != 204 {
		t.Fatalf("unlock: %d %s", res.Status, res.Body)
	}
	if f.getUser(u.ID).Locked {
		t.Fatal("still shown as locked")
	}
	if res := f.login("fumbler", pw); res.Status != 200 {
		t.Fatalf("login after unlock: %d %s", res.Status, res.Body)
	}
	if e := f.lastEvent(audit.UserUnlocked); e.UserID != u.ID || e.ActorID != f.supIn.ID || e.Detail["wasLocked"] != "true" {
		t.Fatalf("user.unlocked %+v", e)
	}
}

func TestResetMFA(t *testing.T) {
	f := newFixture(t)
	u := f.operatorIn("lostphone")
	c, _ := f.SignIn("lostphone", pw)
	a := f.Load(u.ID)
	f.WithTOTP(totp.NewSecret(), "abcd-efgh-jkmn-pqrs")(&a) // enrolled after signing in
	if err := f.Store.Commit(context.Background(), store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey}); err != nil {
		t.Fatal(err)
	}
	if !f.getUser(u.ID).MFA.TOTP {
		t.Fatal("TOTP not shown")
	}
	if res := f.asSuper("POST", "/api/admin/users/"+u.ID+"/mfa/reset", nil); res.Status != 204 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if f.getUser(u.ID).MFA.TOTP {
		t.Fatal("TOTP still on")
	}
	if f.status("/api/auth/session", c) != 401 {
		t.Fatal("the session survived an MFA reset")
	}
	if e := f.lastEvent(audit.MFAResetByAdmin); e.UserID != u.ID || e.ActorID != f.super.ID {
		t.Fatalf("mfa.reset_by_admin %+v", e)
	}
	if res := f.asSuper("POST", "/api/admin/users/u_nobody/mfa/reset", nil); res.Status != 404 {
		t.Fatalf("unknown user: %d", res.Status)
	}
}

// A new invitation supersedes the old link; only invited users get one.
func TestResendInvitation(t *testing.T) {
	f := newFixture(t)
	res := f.asSuper("POST", "/api/admin/users", newUserBody(f, "slowpoke", map[string]any{"email": "slow@example.com"}))
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	id := decode[user](t, res).ID
	if res := f.asSuper("POST", "/api/admin/users/"+id+"/invitation", nil); res.Status != 204 {
		t.Fatalf("resend: %d %s", res.Status, res.Body)
	}
	sent := f.Mail.To("slow@example.com")
	if len(sent) != 2 || sent[1].Kind != mail.KindInvitation {
		t.Fatalf("mails %+v", sent)
	}
	old, fresh := apptest.Token(t, sent[0]), apptest.Token(t, sent[1])
	if res := f.Post("/api/auth/invitation/verify", map[string]string{"token": old}, nil); res.Status != 410 {
		t.Fatalf("superseded link: %d", res.Status)
	}
	if res := f.Post("/api/auth/invitation/verify", map[string]string{"token": fresh}, nil); res.Status != 200 {
		t.Fatalf("new link: %d %s", res.Status, res.Body)
	}
	if n := len(f.events(audit.InvitationSent)); n != 2 {
		t.Fatalf("%d invitation.sent events", n)
	}
	for _, target := range []string{f.operator.ID, f.Account("nomail", "", invited, func(a *store.Account) { a.Email = "" }).ID} {
		if res := f.asSuper("POST", "/api/admin/users/"+target+"/invitation", nil); res.Status != 409 || res.Code(t) != "conflict" {
			t.Fatalf("invite %s: %d %s", target, res.Status, res.Body)
		}
	}
}

func TestRevokeSessions(t *testing.T) {
	f := newFixture(t)
	u := f.operatorIn("roamer")
	c1, _ := f.SignIn("roamer", pw)
	c2, _ := f.SignIn("roamer", pw)
	if res := f.asSuper("POST", "/api/admin/users/"+u.ID+"/sessions/revoke", nil); res.Status != 204 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if f.status("/api/auth/session", c1) != 401 || f.status("/api/auth/session", c2) != 401 {
		t.Fatal("a session survived")
	}
	if e := f.lastEvent(audit.SessionRevoked); e.UserID != u.ID || e.Detail["scope"] != "all" || e.Detail["by"] != "admin" {
		t.Fatalf("session.revoked %+v", e)
	}
	if f.login("roamer", pw).Status != 200 {
		t.Fatal("the user cannot sign in again")
	}
}

func TestSetPassword(t *testing.T) {
	f := newFixture(t)
	u := f.operatorIn("resetme")
	c, _ := f.SignIn("resetme", pw)
	for range 3 {
		f.login("resetme", "wrong")
	}
	path := "/api/admin/users/" + u.ID + "/password"
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"too short", map[string]any{"password": "short", "temporary": false}, 422, "password_policy"},
		{"context word", map[string]any{"password": "resetme resetme resetme", "temporary": false}, 422, "password_policy"},
		{"same as before", map[string]any{"password": pw, "temporary": false}, 422, "password_policy"},
		{"missing", map[string]any{"temporary": false}, 400, "invalid_request"},
		{"unknown member", map[string]any{"password": strong, "repeat": strong}, 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.asSuper("POST", path, tc.body)
			if res.Status != tc.status || res.Code(t) != tc.code {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
	}
	if res := f.asSuper("POST", path, map[string]any{"password": strong, "temporary": false}); res.Status != 204 {
		t.Fatalf("set: %d %s", res.Status, res.Body)
	}
	if f.status("/api/auth/session", c) != 401 {
		t.Fatal("the session survived")
	}
	if res := f.login("resetme", strong); res.Status != 200 || res.JSON(t)["status"] != "authenticated" {
		t.Fatalf("login: %d %s", res.Status, res.Body)
	}
	if e := f.lastEvent(audit.PasswordSetByAdmin); e.UserID != u.ID || e.Detail["temporary"] != "false" {
		t.Fatalf("password.set_by_admin %+v", e)
	}
	if sent := f.Mail.To("resetme@example.com"); len(sent) != 1 || sent[0].Kind != mail.KindPasswordChanged {
		t.Fatalf("mails %+v", sent)
	}
	// The lockout counter was cleared: five more failures are needed.
	for i := range 5 {
		if res := f.login("resetme", "wrong"); res.Status != 401 {
			t.Fatalf("failure %d after the set: %d", i+1, res.Status)
		}
	}
}

// A password makes an invited user active and revokes its invitation link.
func TestSetPasswordActivatesAnInvitedUser(t *testing.T) {
	f := newFixture(t)
	res := f.asSuper("POST", "/api/admin/users", newUserBody(f, "latecomer", map[string]any{"email": "late@example.com"}))
	id := decode[user](t, res).ID
	token := apptest.Token(t, f.Mail.To("late@example.com")[0])
	if res := f.asSuper("POST", "/api/admin/users/"+id+"/password", map[string]any{"password": strong, "temporary": true}); res.Status != 204 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if got := f.getUser(id).Status; got != "active" {
		t.Fatalf("status %s", got)
	}
	if res := f.Post("/api/auth/invitation/verify", map[string]string{"token": token}, nil); res.Status != 410 {
		t.Fatalf("invitation after the set: %d", res.Status)
	}
	if got := f.login("latecomer", strong).JSON(t)["status"]; got != "password_change_required" {
		t.Fatalf("login %v", got)
	}
	if len(f.Mail.To("late@example.com")) != 1 {
		t.Fatal("a first password was announced as a change")
	}
}

func TestSSOUsersHaveNoPassword(t *testing.T) {
	f := newFixture(t)
	u := f.Account("federated", "", facilities(f.f1), func(a *store.Account) { a.SSO = true })
	for _, rq := range []struct {
		method, suffix string
		body           any
	}{
		{"POST", "/password", map[string]any{"password": strong, "temporary": true}},
		{"PATCH", "", map[string]any{"temporaryPassword": strong}},
	} {
		res := f.asSuper(rq.method, "/api/admin/users/"+u.ID+rq.suffix, rq.body)
		if res.Status != 403 || res.Code(t) != "sso_account" {
			t.Fatalf("%s %s: %d %s", rq.method, rq.suffix, res.Status, res.Body)
		}
	}
}

// Every admin change writes its audit event, naming the actor and where the
// request came from.
func TestEveryMutationIsAudited(t *testing.T) {
	f := newFixture(t)
	n := 0
	fresh := func(mutate ...func(*store.Account)) string {
		n++
		return f.operatorIn(fmt.Sprintf("audited%d", n), mutate...).ID
	}
	inactive := func(a *store.Account) { a.Status = store.StatusInactive }
	for _, tc := range []struct {
		event  string
		method string
		path   func() string
		body   any
		// user reports whether the event names a user.
		user bool
	}{
		{audit.UserCreated, "POST", func() string { return "/api/admin/users" },
			newUserBody(f, "auditee", map[string]any{"temporaryPassword": strong}), true},
		{audit.UserUpdated, "PATCH", func() string { return "/api/admin/users/" + fresh() }, map[string]any{"locale": "de"}, true},
		{audit.UserDeleted, "DELETE", func() string { return "/api/admin/users/" + fresh() }, nil, true},
		{audit.UserDeactivated, "POST", func() string { return "/api/admin/users/" + fresh() + "/deactivate" }, nil, true},
		{audit.UserActivated, "POST", func() string { return "/api/admin/users/" + fresh(inactive) + "/activate" }, nil, true},
		{audit.UserUnlocked, "POST", func() string { return "/api/admin/users/" + fresh() + "/unlock" }, nil, true},
		{audit.MFAResetByAdmin, "POST", func() string { return "/api/admin/users/" + fresh() + "/mfa/reset" }, nil, true},
		{audit.InvitationSent, "POST", func() string { return "/api/admin/users/" + fresh(invited) + "/invitation" }, nil, true},
		{audit.SessionRevoked, "POST", func() string { return "/api/admin/users/" + fresh() + "/sessions/revoke" }, nil, true},
		{audit.PasswordSetByAdmin, "POST", func() string { return "/api/admin/users/" + fresh() + "/password" },
			map[string]any{"password": strong, "temporary": true}, true},
		{audit.FacilityCreated, "POST", func() string { return "/api/admin/facilities" }, map[string]string{"name": "Audit Store"}, false},
		{audit.FacilityUpdated, "PATCH", func() string { return "/api/admin/facilities/" + f.f2 }, map[string]string{"name": "Renamed"}, false},
		{audit.FacilityDeleted, "DELETE", func() string { return "/api/admin/facilities/" + f.facility("Doomed") }, nil, false},
		{audit.ParametersChanged, "PUT", func() string { return "/api/admin/parameters" },
			map[string]any{"lockout": map[string]int{"maxFailures": 6}}, false},
	} {
		t.Run(tc.event, func(t *testing.T) {
			before := len(f.events(tc.event))
			res := f.asSuper(tc.method, tc.path(), tc.body)
			if res.Status >= 300 {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			if after := len(f.events(tc.event)); after != before+1 {
				t.Fatalf("%d new events", after-before)
			}
			e := f.lastEvent(tc.event)
			if e.ActorID != f.super.ID || e.IP != "203.0.113.7" || e.UserAgent != "apptest/1.0" || (e.UserID != "") != tc.user {
				t.Fatalf("event %+v", e)
			}
		})
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// No password or link token reaches a log line or the audit trail.
func TestNoSecretInLogsOrAudit(t *testing.T) {
	var logs lockedBuffer
	f := fixtureOn(t, apptest.New(t, apptest.Options{Log: &logs}))
	res := f.asSuper("POST", "/api/admin/users", newUserBody(f, "secretive", map[string]any{"email": "s@example.com"}))
	id := decode[user](t, res).ID
	f.asSuper("POST", "/api/admin/users/"+id+"/invitation", nil)
	f.asSuper("POST", "/api/admin/users", newUserBody(f, "temporary", map[string]any{"temporaryPassword": strong}))
	f.asSuper("POST", "/api/admin/users/"+f.operator.ID+"/password", map[string]any{"password": strong + "!", "temporary": false})
	f.asSuper("PATCH", "/api/admin/users/"+f.operator.ID, map[string]any{"temporaryPassword": strong + "?"})
	f.asSuper("POST", "/api/admin/users/"+f.operator.ID+"/password", map[string]any{"password": "short", "temporary": true})
	secrets := []string{strong, "short\""}
	for _, m := range f.Mail.To("s@example.com") {
		secrets = append(secrets, apptest.Token(t, m))
	}
	page, err := f.Store.ListAudit(context.Background(), store.AuditQuery{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	trail := fmt.Sprint(page.Items)
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) || strings.Contains(trail, s) {
			t.Fatalf("secret %q logged or audited", s)
		}
	}
	if !strings.Contains(logs.String(), audit.PasswordSetByAdmin) {
		t.Fatal("the audit events were not logged")
	}
}
