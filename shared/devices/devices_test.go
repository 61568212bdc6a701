package devices_test

import (
	"context"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/mfa/totp"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

var local *dynamolocal.Shared

func TestMain(m *testing.M) { os.Exit(dynamolocal.Main(m, &local)) }

const (
	pw     = "a long enough passphrase 2026"
	newPW  = "a fresh and long passphrase 2027"
	cookie = "gatepass-device"
)

// browser is one browser: its device cookie, if it has one.
type browser struct {
	e      *apptest.Env
	secret []byte
	device *http.Cookie
}

// signIn signs in with the password, and with a code when asked (ticking
// "remember this browser" when remember is set); it returns the session
// cookie and whether the second step was asked.
func (b *browser) signIn(t *testing.T, username, password string, remember bool) (*http.Cookie, bool) {
	t.Helper()
	var cookies []*http.Cookie
	if b.device != nil {
		cookies = []*http.Cookie{b.device}
	}
	res := b.e.Do(apptest.Request{Method: "POST", Path: "/api/auth/login", Cookies: cookies,
		Body: `{"username":"` + username + `","password":"` + password + `"}`})
	if res.Status != 200 {
		t.Fatalf("login: %d %s", res.Status, res.Body)
	}
	body := res.JSON(t)
	if body["status"] != "mfa_required" {
		return res.Cookie("gatepass"), false
	}
	b.e.Clock.Advance(30 * time.Second) // a fresh step for every code
	second := b.e.Post("/api/auth/login/mfa", map[string]any{"challenge": body["challenge"],
		"code": totp.Code(b.secret, totp.Step(b.e.Clock.Now())), "rememberDevice": remember}, nil)
	if second.Status != 200 {
		t.Fatalf("second step: %d %s", second.Status, second.Body)
	}
	if d := second.Cookie(cookie); d != nil {
		b.device = d
	}
	return second.Cookie("gatepass"), true
}

func newBrowser(e *apptest.Env, secret []byte) *browser { return &browser{e: e, secret: secret} }

func TestRememberedDeviceSkipsOnlyTheSecondStep(t *testing.T) {
	apptest.ForEachStore(t, local, func(t *testing.T, newEnv func(*testing.T) *apptest.Env) {
		e := newEnv(t)
		secret := totp.NewSecret()
		a := e.Account("jdoe", pw, e.WithTOTP(secret))
		b := newBrowser(e, secret)
		if _, asked := b.signIn(t, "jdoe", pw, true); !asked {
			t.Fatal("first sign-in skipped the second step")
		}
		d := b.device
		if d == nil || !d.HttpOnly || d.SameSite != http.SameSiteStrictMode || len(d.Value) < 43 ||
			d.MaxAge != 30*24*3600 {
			t.Fatalf("device cookie = %+v", d)
		}
		if ev := e.Audit(t, "mfa.device.remembered"); len(ev) != 1 || ev[0].Detail["days"] != "30" {
			t.Fatalf("mfa.device.remembered = %+v", ev)
		}

		e.Store.Reset()
		c, asked := b.signIn(t, "jdoe", pw, false)
		if asked || c == nil {
			t.Fatal("the remembered browser was asked for a code")
		}
		// Like a password sign-in (issue 2.4; 2.6 split its last write in
		// two, the conditional one and the appended session and event).
		if n := e.Store.Counts(); n.Reads > 2 || n.Writes > 3 {
			t.Fatalf("remembered sign-in took %d reads and %d writes", n.Reads, n.Writes)
		}
		if !slices.ContainsFunc(e.Audit(t, "login.succeeded"), func(ev store.AuditEvent) bool {
			return ev.Detail["method"] == "password+device"
		}) {
			t.Fatalf("no login.succeeded with method password+device: %+v", e.Audit(t, "login.succeeded"))
		}
		// The password is still asked.
		res := e.Do(apptest.Request{Method: "POST", Path: "/api/auth/login", Cookies: []*http.Cookie{d},
			Body: `{"username":"jdoe","password":"wrong"}`})
		if res.Status != 401 {
			t.Fatalf("wrong password with a device: %d", res.Status)
		}
		// A fresh browser is asked.
		if _, asked := newBrowser(e, secret).signIn(t, "jdoe", pw, false); !asked {
			t.Fatal("a fresh browser skipped the second step")
		}
		// The device is this account's only.
		other := totp.NewSecret()
		e.Account("otto", pw, e.WithTOTP(other))
		borrowed := &browser{e: e, secret: other, device: d}
		if _, asked := borrowed.signIn(t, "otto", pw, false); !asked {
			t.Fatal("jdoe's device skipped otto's second step")
		}
		_ = a
	})
}

// Every password set, MFA reset and revocation of all sessions forgets the
// account's devices (SECURITY.md).
func TestDevicesAreForgotten(t *testing.T) {
	tests := []struct {
		name   string
		forget func(t *testing.T, e *apptest.Env, a store.Account, session *http.Cookie)
	}{
		{"password change", func(t *testing.T, e *apptest.Env, _ store.Account, c *http.Cookie) {
			res := e.Post("/api/auth/password/change", map[string]string{"currentPassword": pw, "newPassword": newPW,
				"newPasswordRepeat": newPW}, c)
			if res.Status != 204 {
				t.Fatalf("change: %d %s", res.Status, res.Body)
			}
		}},
		{"admin MFA reset", func(t *testing.T, e *apptest.Env, a store.Account, _ *http.Cookie) {
			root := e.SessionFor(e.Account("root", pw, func(r *store.Account) { r.Roles = []string{accounts.RoleSuperAdmin} }))
			if res := e.Post("/api/admin/users/"+a.ID+"/mfa/reset", map[string]any{}, root); res.Status != 204 {
				t.Fatalf("reset: %d %s", res.Status, res.Body)
			}
		}},
		{"admin revokes all sessions", func(t *testing.T, e *apptest.Env, a store.Account, _ *http.Cookie) {
			root := e.SessionFor(e.Account("root", pw, func(r *store.Account) { r.Roles = []string{accounts.RoleSuperAdmin} }))
			if res := e.Post("/api/admin/users/"+a.ID+"/sessions/revoke", map[string]any{}, root); res.Status != 204 {
				t.Fatalf("revoke: %d %s", res.Status, res.Body)
			}
		}},
		{"forget all", func(t *testing.T, e *apptest.Env, _ store.Account, c *http.Cookie) {
			if res := e.Do(apptest.Request{Method: "DELETE", Path: "/api/auth/devices", Cookie: c}); res.Status != 204 {
				t.Fatalf("forget all: %d %s", res.Status, res.Body)
			}
		}},
		{"remembering turned off", func(t *testing.T, e *apptest.Env, _ store.Account, _ *http.Cookie) {
			e.SetParameters(func(p *params.Parameters) { p.MFA.RememberDeviceDays = 0 })
		}},
		{"30 days passed", func(t *testing.T, e *apptest.Env, _ store.Account, _ *http.Cookie) {
			e.Clock.Advance(30 * 24 * time.Hour)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := apptest.New(t, apptest.Options{})
			secret := totp.NewSecret()
			a := e.Account("jdoe", pw, e.WithTOTP(secret), func(a *store.Account) { a.Roles = []string{accounts.RoleOperator} })
			b := newBrowser(e, secret)
			c, _ := b.signIn(t, "jdoe", pw, true)
			if _, asked := b.signIn(t, "jdoe", pw, false); asked {
				t.Fatal("not remembered in the first place")
			}
			tt.forget(t, e, a, c)
			if tt.name == "admin MFA reset" {
				// No second factor is left to skip: the device itself is gone.
				if list, err := e.Store.ListCredentials(context.Background(), a.ID, store.CredentialDevice); err != nil || len(list) != 0 {
					t.Fatalf("devices after the reset: %+v (%v)", list, err)
				}
				return
			}
			password := pw
			if tt.name == "password change" {
				password = newPW
			}
			if _, asked := b.signIn(t, "jdoe", password, false); !asked {
				t.Fatal("the device was not forgotten")
			}
		})
	}
}

func TestListAndForgetDevices(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	secret := totp.NewSecret()
	e.Account("jdoe", pw, e.WithTOTP(secret))
	laptop, phone := newBrowser(e, secret), newBrowser(e, secret)
	c, _ := laptop.signIn(t, "jdoe", pw, true)
	phone.signIn(t, "jdoe", pw, true)
	list := func() []map[string]any {
		res := e.Do(apptest.Request{Method: "GET", Path: "/api/auth/devices", Cookie: c, Cookies: []*http.Cookie{laptop.device}})
		if res.Status != 200 {
			t.Fatalf("list: %d %s", res.Status, res.Body)
		}
		var out []map[string]any
		for _, it := range res.JSON(t)["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		return out
	}
	items := list()
	if len(items) != 2 {
		t.Fatalf("devices = %v", items)
	}
	currents := slices.IndexFunc(items, func(m map[string]any) bool { return m["current"] == true })
	if currents < 0 || items[currents]["userAgent"] != "apptest/1.0" {
		t.Fatalf("no current device in %v", items)
	}
	other := items[1-currents]["id"].(string)
	if res := e.Do(apptest.Request{Method: "DELETE", Path: "/api/auth/devices/" + other, Cookie: c}); res.Status != 204 {
		t.Fatalf("forget: %d %s", res.Status, res.Body)
	}
	if res := e.Do(apptest.Request{Method: "DELETE", Path: "/api/auth/devices/" + other, Cookie: c}); res.Status != 404 {
		t.Fatalf("forget again: %d %s", res.Status, res.Body)
	}
	if items := list(); len(items) != 1 || items[0]["current"] != true {
		t.Fatalf("after forgetting the phone: %v", items)
	}
	if _, asked := phone.signIn(t, "jdoe", pw, false); !asked {
		t.Fatal("the forgotten phone skipped the second step")
	}
	if _, asked := laptop.signIn(t, "jdoe", pw, false); asked {
		t.Fatal("the laptop was forgotten too")
	}
	if ev := e.Audit(t, "mfa.device.forgotten"); len(ev) != 1 || ev[0].Detail["scope"] != "single" {
		t.Fatalf("mfa.device.forgotten = %+v", ev)
	}
}

// Signing out everywhere else forgets the other browsers too, but not this
// one.
func TestSignOutElsewhereForgetsOtherDevices(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	secret := totp.NewSecret()
	e.Account("jdoe", pw, e.WithTOTP(secret))
	laptop, phone := newBrowser(e, secret), newBrowser(e, secret)
	c, _ := laptop.signIn(t, "jdoe", pw, true)
	phone.signIn(t, "jdoe", pw, true)
	res := e.Do(apptest.Request{Method: "DELETE", Path: "/api/auth/sessions", Cookie: c, Cookies: []*http.Cookie{laptop.device}})
	if res.Status != 204 {
		t.Fatalf("sign out elsewhere: %d %s", res.Status, res.Body)
	}
	if _, asked := phone.signIn(t, "jdoe", pw, false); !asked {
		t.Fatal("the phone is still remembered")
	}
	if _, asked := laptop.signIn(t, "jdoe", pw, false); asked {
		t.Fatal("this browser was forgotten")
	}
}

func TestNoDeviceWhenRememberingIsOff(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.SetParameters(func(p *params.Parameters) { p.MFA.RememberDeviceDays = 0 })
	secret := totp.NewSecret()
	e.Account("jdoe", pw, e.WithTOTP(secret))
	b := newBrowser(e, secret)
	b.signIn(t, "jdoe", pw, true)
	if b.device != nil {
		t.Fatalf("a device cookie although remembering is off: %+v", b.device)
	}
	if n := len(e.Audit(t, "mfa.device.remembered")); n != 0 {
		t.Fatalf("%d mfa.device.remembered events", n)
	}
}
