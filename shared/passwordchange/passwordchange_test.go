package passwordchange_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

const (
	oldPW = "an old and worn passphrase"
	newPW = "a brand new passphrase 2026"
)

func change(e *apptest.Env, c *http.Cookie, current, next, repeat string) apptest.Response {
	e.T.Helper()
	return e.Post("/api/auth/password/change", map[string]string{
		"currentPassword": current, "newPassword": next, "newPasswordRepeat": repeat}, c)
}

func get(e *apptest.Env, path string, c *http.Cookie) int {
	e.T.Helper()
	return e.Do(apptest.Request{Method: "GET", Path: path, Cookie: c}).Status
}

func TestChangeRevokesOtherSessionsAndKeepsThisOne(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("jdoe", oldPW)
	other, _ := e.SignIn("jdoe", oldPW)
	mine, _ := e.SignIn("jdoe", oldPW)

	res := change(e, mine, oldPW, newPW, newPW)
	if res.Status != 204 {
		t.Fatalf("change: %d %s", res.Status, res.Body)
	}
	renewed := res.Cookie("gatepass")
	if renewed == nil || renewed.Value == mine.Value {
		t.Fatal("the session token was not renewed")
	}
	if get(e, "/api/auth/session", renewed) != 200 {
		t.Fatal("this session did not survive the change")
	}
	// The renewal continues the sign-in: the absolute timeout is not reset.
	for i := 0; i < 23; i++ { // active every 30 minutes: the idle timeout never strikes
		e.Clock.Advance(30 * time.Minute)
		if get(e, "/api/auth/session", renewed) != 200 {
			t.Fatalf("renewed session ended early, after %d minutes", (i+1)*30)
		}
	}
	e.Clock.Advance(30 * time.Minute) // 12 h after the original sign-in
	if get(e, "/api/auth/session", renewed) != 401 {
		t.Fatal("a password change extended the session beyond its absolute timeout")
	}
	if get(e, "/api/auth/session", other) != 401 || get(e, "/api/auth/session", mine) != 401 {
		t.Fatal("an old session token still works")
	}
	if e.Post("/api/auth/login", map[string]string{"username": "jdoe", "password": oldPW}, nil).Status != 401 {
		t.Fatal("old password still works")
	}
	if e.Post("/api/auth/login", map[string]string{"username": "jdoe", "password": newPW}, nil).Status != 200 {
		t.Fatal("new password does not work")
	}
	sent := e.Mail.To("jdoe@example.com")
	if len(sent) != 1 || sent[0].Kind != mail.KindPasswordChanged {
		t.Fatalf("notification = %+v", sent)
	}
}

func TestChangeRefusals(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("jdoe", oldPW)
	c, _ := e.SignIn("jdoe", oldPW)
	tests := []struct {
		name                 string
		current, next, again string
		status               int
		code                 string
	}{
		{"wrong current", "not my password", newPW, newPW, 400, "current_password_invalid"},
		{"mismatch", oldPW, newPW, newPW + "x", 400, "password_mismatch"},
		{"too short", oldPW, "short one", "short one", 422, "password_policy"},
		{"same as current", oldPW, oldPW, oldPW, 422, "password_policy"},
		{"common", oldPW, "password12345678", "password12345678", 422, "password_policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := change(e, c, tt.current, tt.next, tt.again)
			if res.Status != tt.status || res.Code(t) != tt.code {
				t.Fatalf("got %d %s", res.Status, res.Body)
			}
		})
	}
	if res := change(e, nil, oldPW, newPW, newPW); res.Status != 401 {
		t.Fatalf("anonymous change: %d", res.Status)
	}
}

func TestWrongCurrentPasswordsCountTowardsTheLockout(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("jdoe", oldPW)
	c, _ := e.SignIn("jdoe", oldPW)
	e.Clock.Advance(time.Second) // the sign-in cleared what came before it (lockout.Since)
	for i := 0; i < 5; i++ {
		if res := change(e, c, "guess", newPW, newPW); res.Status != 400 {
			t.Fatalf("attempt %d: %d", i+1, res.Status)
		}
	}
	if res := change(e, c, oldPW, newPW, newPW); res.Status != 429 {
		t.Fatalf("attempt 6: %d %s", res.Status, res.Body)
	}
	if e.Post("/api/auth/login", map[string]string{"username": "jdoe", "password": oldPW}, nil).Status != 429 {
		t.Fatal("the lock does not cover sign-in")
	}
}

// An SSO account changes a password only when it holds a local one beside
// its SSO identity and sso.allowLocalPassword is on; else 403 sso_account,
// before any attempt is counted.
func TestSSOAccountsChangeOnlyAnAllowedLocalPassword(t *testing.T) {
	tests := []struct {
		name     string
		allow    bool
		hasLocal bool
		status   int
	}{
		{"local password, local passwords off", false, true, 403},
		{"local password, local passwords on", true, true, 204},
		{"no local password, local passwords on", true, false, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := apptest.New(t, apptest.Options{})
			a := e.Account("jdoe", oldPW)
			c, _ := e.SignIn("jdoe", oldPW)
			acct := e.Load(a.ID)
			acct.SSO = true
			if !tt.hasLocal {
				acct.PasswordHash = ""
			}
			if err := e.Store.Commit(t.Context(), store.UpdateAccount{Account: acct, PreviousEmailKey: acct.EmailKey}); err != nil {
				t.Fatal(err)
			}
			e.SetParameters(func(p *params.Parameters) { p.SSO.AllowLocalPassword = tt.allow })
			res := change(e, c, oldPW, newPW, newPW)
			if res.Status != tt.status || (tt.status == 403 && res.Code(t) != "sso_account") {
				t.Fatalf("got %d %s, want %d", res.Status, res.Body, tt.status)
			}
			if got := e.Load(a.ID); (tt.status == 204) == (got.PasswordHash == acct.PasswordHash) {
				t.Fatalf("password changed = %v, want %v", got.PasswordHash != acct.PasswordHash, tt.status == 204)
			}
			if tt.status == 403 && len(e.Audit(t, "login.failed")) != 0 {
				t.Fatal("a refused change counted an attempt")
			}
		})
	}
}

// A temporary password only ever leads to the forced change.
func TestForcedChange(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	const temp = "temporary passphrase 4711"
	e.Account("jdoe", temp, func(a *store.Account) { a.PasswordChangeRequired = true })
	res := e.Post("/api/auth/login", map[string]string{"username": "jdoe", "password": temp}, nil)
	if res.Status != 200 || res.JSON(t)["status"] != "password_change_required" {
		t.Fatalf("login: %d %s", res.Status, res.Body)
	}
	restricted := res.Cookie("gatepass")
	if got := e.Do(apptest.Request{Method: "GET", Path: "/api/auth/sessions", Cookie: restricted}); got.Status != 403 ||
		got.Code(t) != "password_change_required" {
		t.Fatalf("restricted session reached the session list: %d", got.Status)
	}
	if res := change(e, restricted, temp, temp, temp); res.Status != 422 || !strings.Contains(string(res.Body), "reused") {
		t.Fatalf("kept the temporary password: %d %s", res.Status, res.Body)
	}
	res = change(e, restricted, temp, newPW, newPW)
	if res.Status != 204 {
		t.Fatalf("change: %d %s", res.Status, res.Body)
	}
	normal := res.Cookie("gatepass")
	if got := e.Do(apptest.Request{Method: "GET", Path: "/api/auth/sessions", Cookie: normal}); got.Status != 200 {
		t.Fatalf("session still restricted after the change: %d %s", got.Status, got.Body)
	}
	session := e.Do(apptest.Request{Method: "GET", Path: "/api/auth/session", Cookie: normal}).JSON(t)
	if session["passwordChangeRequired"] != false {
		t.Fatalf("session = %v", session)
	}
	if e.Post("/api/auth/login", map[string]string{"username": "jdoe", "password": temp}, nil).Status != 401 {
		t.Fatal("the temporary password still works")
	}
	if res := e.Post("/api/auth/login", map[string]string{"username": "jdoe", "password": newPW}, nil); res.JSON(t)["status"] != "authenticated" {
		t.Fatalf("login after change: %s", res.Body)
	}
}

// A forced change never skips the second factor the tenant requires: an
// operator whose role requires MFA, signing in with a temporary password,
// gets an enrolment-restricted session after the change, not a full one.
func TestForcedChangeKeepsTheRequiredSecondFactor(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.SetParameters(func(p *params.Parameters) { p.MFA.RequiredForRoles = []string{"operator"} })
	const temp = "temporary passphrase 4711"
	e.Account("jdoe", temp, func(a *store.Account) { a.PasswordChangeRequired = true })
	res := e.Post("/api/auth/login", map[string]string{"username": "jdoe", "password": temp}, nil)
	if res.JSON(t)["status"] != "password_change_required" {
		t.Fatalf("login: %d %s", res.Status, res.Body)
	}
	res = change(e, res.Cookie("gatepass"), temp, newPW, newPW)
	if res.Status != 204 {
		t.Fatalf("change: %d %s", res.Status, res.Body)
	}
	after := res.Cookie("gatepass")
	if got := e.Get("/api/auth/sessions", after); got.Status != 403 || got.Code(t) != "mfa_enrolment_required" {
		t.Fatalf("after the forced change the session reached the session list: %d %s", got.Status, got.Body)
	}
	if got := e.Get("/api/auth/views", after); got.Status != 403 || got.Code(t) != "mfa_enrolment_required" {
		t.Fatalf("after the forced change the session reached the views: %d %s", got.Status, got.Body)
	}
	if got := e.Get("/api/auth/mfa", after); got.Status != 200 {
		t.Fatalf("the enrolment-restricted session cannot reach its enrolment: %d %s", got.Status, got.Body)
	}
	// Signing in again with the new password lands in the same place.
	res = e.Post("/api/auth/login", map[string]string{"username": "jdoe", "password": newPW}, nil)
	if res.JSON(t)["status"] != "mfa_enrolment_required" {
		t.Fatalf("login with the new password: %s", res.Body)
	}
}

// A temporary password expires temporaryPasswordTtlSeconds after it was set
// and then answers exactly as a wrong password — at sign-in and as the
// current password of the forced change.
func TestTemporaryPasswordExpires(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.SetParameters(func(p *params.Parameters) { p.TemporaryPasswordTTLSeconds = 3600 })
	const temp = "temporary passphrase 4711"
	e.Account("jdoe", temp, func(a *store.Account) { a.PasswordChangeRequired = true })
	e.Account("wrong", temp)

	e.Clock.Advance(59 * time.Minute)
	res := e.Post("/api/auth/login", map[string]string{"username": "jdoe", "password": temp}, nil)
	if res.JSON(t)["status"] != "password_change_required" {
		t.Fatalf("login within the TTL: %d %s", res.Status, res.Body)
	}
	restricted := res.Cookie("gatepass")

	e.Clock.Advance(time.Minute)
	expired := e.Post("/api/auth/login", map[string]string{"username": "jdoe", "password": temp}, nil)
	wrong := e.Post("/api/auth/login", map[string]string{"username": "wrong", "password": "not the password at all"}, nil)
	if expired.Status != 401 || string(expired.Body) != string(wrong.Body) {
		t.Fatalf("expired temporary password: %d %s; a wrong password: %d %s", expired.Status, expired.Body, wrong.Status, wrong.Body)
	}
	if res := change(e, restricted, temp, newPW, newPW); res.Status != 400 || res.Code(t) != "current_password_invalid" {
		t.Fatalf("forced change with an expired temporary password: %d %s", res.Status, res.Body)
	}
	failed := e.Audit(t, "login.failed")
	if !slices.ContainsFunc(failed, func(ev store.AuditEvent) bool {
		return ev.UserID != "" && ev.Detail["reason"] == "temporary_password_expired"
	}) {
		t.Fatalf("the expired sign-in is not audited as such: %+v", failed)
	}
}
