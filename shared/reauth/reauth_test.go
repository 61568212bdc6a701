package reauth_test

import (
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/mfa/totp"
	"github.com/gatepass/gatepass/shared/store"
)

const pw = "correct horse battery staple 42"

var local *dynamolocal.Shared

func TestMain(m *testing.M) { os.Exit(dynamolocal.Main(m, &local)) }

func reauth(e *apptest.Env, c *http.Cookie, body map[string]string) apptest.Response {
	e.T.Helper()
	return e.Post("/api/auth/reauth", body, c)
}

// setPassword is a sensitive admin action (API.md reauth).
func setPassword(e *apptest.Env, c *http.Cookie, id string) apptest.Response {
	e.T.Helper()
	return e.Post("/api/admin/users/"+id+"/password",
		map[string]any{"password": "a fresh and long passphrase 2027", "temporary": true}, c)
}

// withTOTP gives an account an active TOTP factor and returns its secret.
func withTOTP(e *apptest.Env) (func(*store.Account), []byte) {
	secret := totp.NewSecret()
	return e.WithTOTP(secret), secret
}

// An authentication older than ten minutes no longer covers a sensitive
// action: it answers step_up_required and changes nothing; after a
// re-authentication with the password it goes through, and the old token is
// spent.
func TestStepUpBeforeASensitiveAction(t *testing.T) {
	apptest.ForEachStore(t, local, func(t *testing.T, newEnv func(*testing.T) *apptest.Env) {
		e := newEnv(t)
		e.Account("root", pw, func(a *store.Account) { a.Roles, a.NetworkAccess = []string{"super_admin"}, true })
		target := e.Account("otto", pw)
		c, _ := e.SignIn("root", pw)

		e.Clock.Advance(10*time.Minute + time.Second)
		res := setPassword(e, c, target.ID)
		if res.Status != 403 || res.Code(t) != "step_up_required" {
			t.Fatalf("stale authentication: %d %s", res.Status, res.Body)
		}
		if got := e.Load(target.ID); got.PasswordHash != target.PasswordHash || got.Version != target.Version {
			t.Fatal("a refused sensitive action changed the account")
		}
		if n := len(e.Audit(t, "password.set_by_admin")); n != 0 {
			t.Fatalf("%d password.set_by_admin events for a refused action", n)
		}

		if res := reauth(e, c, map[string]string{"password": "not the password"}); res.Status != 400 ||
			res.Code(t) != "current_password_invalid" {
			t.Fatalf("wrong password: %d %s", res.Status, res.Body)
		}
		res = reauth(e, c, map[string]string{"password": pw})
		if res.Status != 204 {
			t.Fatalf("reauth: %d %s", res.Status, res.Body)
		}
		fresh := res.Cookie(c.Name)
		if fresh == nil || fresh.Value == c.Value {
			t.Fatal("re-authentication did not renew the token")
		}
		if res := e.Get("/api/auth/session", c); res.Status != 401 {
			t.Fatalf("the token from before the step-up still works: %d", res.Status)
		}
		if res := setPassword(e, fresh, target.ID); res.Status != 204 {
			t.Fatalf("after the step-up: %d %s", res.Status, res.Body)
		}
		if ev := e.Audit(t, "session.reauthenticated"); len(ev) != 1 || ev[0].Detail["method"] != "password" {
			t.Fatalf("session.reauthenticated events = %+v", ev)
		}
		// Ten minutes later the window has closed again.
		e.Clock.Advance(10*time.Minute + time.Second)
		if res := setPassword(e, fresh, target.ID); res.Status != 403 || res.Code(t) != "step_up_required" {
			t.Fatalf("the step-up lasted past its window: %d %s", res.Status, res.Body)
		}
	})
}

// An account with a second factor re-authenticates with the password and a
// code; a code is used once, also by a step-up.
func TestStepUpNeedsTheSecondFactor(t *testing.T) {
	apptest.ForEachStore(t, local, func(t *testing.T, newEnv func(*testing.T) *apptest.Env) {
		e := newEnv(t)
		enable, secret := withTOTP(e)
		e.Account("jdoe", pw, enable)
		c := signInWithCode(e, "jdoe", secret)
		// The Session document tells the truth about the second factor,
		// which is how the web app knows to ask for a code.
		if m := e.Get("/api/auth/session", c).JSON(t)["mfa"].(map[string]any); m["totp"] != true || m["passkeys"] != float64(0) {
			t.Fatalf("session mfa = %v", m)
		}

		if res := reauth(e, c, map[string]string{"password": pw}); res.Status != 400 || res.Code(t) != "invalid_request" {
			t.Fatalf("no code: %d %s", res.Status, res.Body)
		}
		if res := reauth(e, c, map[string]string{"password": pw, "code": "000000"}); res.Status != 401 || res.Code(t) != "invalid_code" {
			t.Fatalf("wrong code: %d %s", res.Status, res.Body)
		}
		e.Clock.Advance(30 * time.Second)
		code := totp.Code(secret, totp.Step(e.Clock.Now()))
		res := reauth(e, c, map[string]string{"password": pw, "code": code})
		if res.Status != 204 {
			t.Fatalf("reauth: %d %s", res.Status, res.Body)
		}
		if res := reauth(e, res.Cookie(c.Name), map[string]string{"password": pw, "code": code}); res.Status != 401 ||
			res.Code(t) != "invalid_code" {
			t.Fatalf("a code used twice: %d %s", res.Status, res.Body)
		}
	})
}

func signInWithCode(e *apptest.Env, username string, secret []byte) *http.Cookie {
	e.T.Helper()
	res := e.Post("/api/auth/login", map[string]string{"username": username, "password": pw}, nil)
	challenge, _ := res.JSON(e.T)["challenge"].(string)
	res = e.Post("/api/auth/login/mfa", map[string]string{"challenge": challenge,
		"code": totp.Code(secret, totp.Step(e.Clock.Now()))}, nil)
	if res.Status != 200 {
		e.T.Fatalf("second step: %d %s", res.Status, res.Body)
	}
	return res.Cookie("gatepass")
}

// Wrong passwords at the step-up count towards the account lockout.
func TestWrongStepUpPasswordsLockTheAccount(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("jdoe", pw)
	c, _ := e.SignIn("jdoe", pw)
	e.Clock.Advance(time.Second) // the sign-in cleared what came before it (lockout.Since)
	var last apptest.Response
	for range 6 {
		last = reauth(e, c, map[string]string{"password": "not the password"})
	}
	if last.Status != 429 {
		t.Fatalf("sixth wrong step-up password: %d %s", last.Status, last.Body)
	}
	if res := e.Post("/api/auth/login", map[string]string{"username": "jdoe", "password": pw}, nil); res.Status != 429 {
		t.Fatalf("sign-in during the lock: %d", res.Status)
	}
}

// SSO accounts re-authenticate at their identity provider; restricted and
// missing sessions have nothing to step up.
func TestStepUpRefusals(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	sso := e.Account("sso", "", func(a *store.Account) { a.SSO = true })
	e.Account("temp", pw, func(a *store.Account) { a.PasswordChangeRequired = true })
	if res := reauth(e, nil, map[string]string{"password": pw}); res.Status != 401 {
		t.Fatalf("no session: %d", res.Status)
	}
	res := e.Post("/api/auth/login", map[string]string{"username": "temp", "password": pw}, nil)
	if got := reauth(e, res.Cookie("gatepass"), map[string]string{"password": pw}); got.Status != 403 ||
		got.Code(t) != "password_change_required" {
		t.Fatalf("restricted session: %d %s", got.Status, got.Body)
	}
	ssoSession := e.SessionFor(sso)
	if got := reauth(e, ssoSession, map[string]string{"password": "anything"}); got.Status != 403 || got.Code(t) != "sso_account" {
		t.Fatalf("sso account: %d %s", got.Status, got.Body)
	}
}

// Of concurrent step-ups with one token exactly one renews it: the session
// never forks.
func TestConcurrentStepUpsNeverFork(t *testing.T) {
	apptest.ForEachStore(t, local, func(t *testing.T, newEnv func(*testing.T) *apptest.Env) {
		e := newEnv(t)
		e.Account("jdoe", pw)
		c, _ := e.SignIn("jdoe", pw)
		const n = 4
		res := make([]apptest.Response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { res[i] = reauth(e, c, map[string]string{"password": pw}) })
		}
		wg.Wait()
		won := 0
		for _, r := range res {
			switch r.Status {
			case 204:
				won++
			case 401, 429:
			default:
				t.Fatalf("concurrent step-up: %d %s", r.Status, r.Body)
			}
		}
		if won != 1 {
			t.Fatalf("%d concurrent step-ups with one token won, want 1", won)
		}
	})
}
