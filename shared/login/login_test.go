package login_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/embedded"
)

const pw = "correct horse battery staple"

func TestLoginSucceeds(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		a := h.account("JDoe", pw, func(a *store.Account) { a.Email = "Jane@Example.com" })
		for _, name := range []string{"JDoe", "jdoe", "  JDOE ", "ＪＤｏｅ", "jane@example.com", "JANE@example.COM"} {
			t.Run(name, func(t *testing.T) {
				res := h.login(name, pw)
				if res.Status != 200 {
					t.Fatalf("status %d: %s", res.Status, res.Body)
				}
				body := res.JSON(t)
				if body["status"] != "authenticated" {
					t.Fatalf("status = %v", body["status"])
				}
				user := body["session"].(map[string]any)["user"].(map[string]any)
				if user["id"] != a.ID || user["username"] != "JDoe" || user["email"] != "Jane@Example.com" {
					t.Fatalf("user = %v", user)
				}
				// lastLogin is the sign-in before this one: none on the first.
				if first := name == "JDoe"; first != (user["lastLogin"] == nil) ||
					!first && user["lastLogin"].(map[string]any)["at"] != t0.Format(time.RFC3339) {
					t.Fatalf("lastLogin = %v", user["lastLogin"])
				}
				c := res.Cookie("gatepass")
				if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure {
					t.Fatalf("cookie = %+v", c)
				}
				if !strings.HasPrefix(c.Value, a.ID+".") || len(c.Value) < len(a.ID)+44 {
					t.Fatalf("cookie value shape %q", c.Value)
				}
				if got := h.get("/api/auth/session", c); got.Status != 200 {
					t.Fatalf("session: %d %s", got.Status, got.Body)
				}
			})
		}
	})
}

func TestCookieOverHTTPSIsHostPrefixedAndSecure(t *testing.T) {
	h := newHarnessAt(t, "https://backoffice.example.com")
	h.account("jdoe", pw)
	res := h.login("jdoe", pw)
	c := res.Cookie("__Host-gatepass")
	if c == nil || !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
		t.Fatalf("cookie = %+v (all: %v)", c, res.Cookies())
	}
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS over https")
	}
}

func TestOnlyTheTokenHashIsStored(t *testing.T) {
	h := newHarness(t)
	a := h.account("jdoe", pw)
	c := h.signIn("jdoe", pw)
	list, err := h.store.ListSessions(context.Background(), a.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("sessions = %v, %v", list, err)
	}
	s := list[0]
	secret := strings.TrimPrefix(c.Value, a.ID+".")
	for _, field := range []string{s.Hash, s.ID, s.UserAgent, s.IP} {
		if strings.Contains(field, secret) || strings.Contains(field, c.Value) {
			t.Fatalf("token stored in clear: %+v", s)
		}
	}
	if len(s.Hash) != 64 {
		t.Fatalf("hash %q is not a hex SHA-256", s.Hash)
	}
}

// Every failure looks the same: status, body, headers, cookies and work.
func TestFailuresAreUniform(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		h.account("good", pw)
		h.account("inactive", pw, func(a *store.Account) { a.Status = store.StatusInactive })
		h.account("invited", pw, func(a *store.Account) { a.Status = store.StatusInvited; a.PasswordHash = "" })
		h.account("sso", pw, func(a *store.Account) { a.SSO = true; a.PasswordHash = "" })
		// A local password beside the SSO identity, with sso.allowLocalPassword
		// off (the default): right, but refused like any failure.
		h.account("ssolocal", pw, func(a *store.Account) { a.SSO = true })
		h.account("expired", pw, func(a *store.Account) { a.ValidUntil = t0.Add(-time.Minute) })
		h.account("temporary", pw, func(a *store.Account) { a.PasswordChangeRequired = true })

		cases := []struct{ name, user, pw string }{
			{"wrong password", "good", "wrong password guess"},
			{"unknown user", "nobody", pw},
			{"deactivated", "inactive", pw},
			{"invited without password", "invited", pw},
			{"sso only", "sso", pw},
			{"sso with a local password while local passwords are off", "ssolocal", pw},
			{"expired", "expired", pw},
			{"temporary with a wrong password", "temporary", "not the temporary one"},
		}
		var reference string
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := h.hasher.derivations.Load()
				h.store.Reset()
				res := h.loginFrom("198.51.100."+strconv.Itoa(i+1), c.user, c.pw)
				if res.Status != 401 || res.Code(t) != "invalid_credentials" {
					t.Fatalf("got %d %s", res.Status, res.Body)
				}
				if len(res.Cookies()) != 0 || res.Header.Get("Retry-After") != "" {
					t.Fatalf("failure set cookies %v or Retry-After", res.Cookies())
				}
				if n := h.hasher.derivations.Load() - before; n != 1 {
					t.Fatalf("%d argon2id derivations, want exactly 1", n)
				}
				if got := h.store.Counts(); got.Reads != 2 || got.Writes != 3 {
					t.Fatalf("round trips %+v, want 2 reads and 3 writes like every failure (and a success)", got)
				}
				if reference == "" {
					reference = compact(res.Body)
				} else if compact(res.Body) != reference {
					t.Fatalf("body differs:\n%s\n%s", res.Body, reference)
				}
			})
		}
	})
}

// An SSO account with a local password signs in with it only while
// sso.allowLocalPassword is on; turned off, the password fails like a wrong
// one, at the cost of the one (dummy) derivation every failure pays.
func TestSSOAccountLocalPasswordFollowsTheParameter(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		a := h.account("sam", pw, func(a *store.Account) { a.SSO = true })
		for i, tc := range []struct {
			allow bool
			want  int
		}{{false, 401}, {true, 200}, {false, 401}} {
			h.SetParameters(func(p *params.Parameters) { p.SSO.AllowLocalPassword = tc.allow })
			before := h.hasher.derivations.Load()
			res := h.loginFrom("198.51.100."+strconv.Itoa(i+1), "sam", pw)
			if res.Status != tc.want {
				t.Fatalf("allowLocalPassword %v: %d %s, want %d", tc.allow, res.Status, res.Body, tc.want)
			}
			if n := h.hasher.derivations.Load() - before; n != 1 {
				t.Fatalf("allowLocalPassword %v: %d derivations, want 1", tc.allow, n)
			}
			if tc.want == 401 {
				if res.Code(t) != "invalid_credentials" || len(res.Cookies()) != 0 {
					t.Fatalf("refusal: %s %v", res.Body, res.Cookies())
				}
				continue
			}
			if res.JSON(t)["status"] != "authenticated" {
				t.Fatalf("sign-in: %s", res.Body)
			}
			doc := h.get("/api/auth/session", res.Cookie("gatepass")).JSON(t)
			if u := doc["user"].(map[string]any); u["id"] != a.ID || u["sso"] != true {
				t.Fatalf("session user = %v", u)
			}
		}
		failed := 0
		for _, e := range h.Audit(t, "login.failed") {
			if e.UserID == a.ID && e.Detail["reason"] == "sso_account" {
				failed++
			}
		}
		if failed != 2 {
			t.Fatalf("%d login.failed events with reason sso_account, want 2", failed)
		}
	})
}

func TestLockoutPerAccount(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		for _, known := range []bool{true, false} {
			name := map[bool]string{true: "existing account", false: "unknown username"}[known]
			t.Run(name, func(t *testing.T) {
				h := newHarness(t)
				if known {
					h.account("jdoe", pw)
				}
				for i := 1; i <= 5; i++ {
					// Any spelling counts against the same account.
					user := []string{"jdoe", "JDOE", "JDoe", " jdoe", "jDoe"}[i-1]
					res := h.loginFrom("198.51.100."+strconv.Itoa(i), user, "wrong guess "+strconv.Itoa(i))
					if res.Status != 401 {
						t.Fatalf("attempt %d: %d %s", i, res.Status, res.Body)
					}
				}
				res := h.login("jdoe", pw)
				if res.Status != 429 || res.Code(t) != "too_many_requests" || res.Header.Get("Retry-After") != "300" {
					t.Fatalf("attempt 6: %d Retry-After=%q %s", res.Status, res.Header.Get("Retry-After"), res.Body)
				}
				// Attempts during the lock do not extend it.
				h.clock.Advance(299 * time.Second)
				res = h.login("jdoe", "still guessing")
				if res.Status != 429 || res.Header.Get("Retry-After") != "1" {
					t.Fatalf("during lock: %d Retry-After=%q", res.Status, res.Header.Get("Retry-After"))
				}
				h.clock.Advance(time.Second)
				res = h.login("jdoe", pw)
				want := map[bool]int{true: 200, false: 401}[known]
				if res.Status != want {
					t.Fatalf("after lock: %d, want %d: %s", res.Status, want, res.Body)
				}
			})
		}
	})
}

func TestLockoutByEmailAliasSharesTheCount(t *testing.T) {
	h := newHarness(t)
	h.account("jdoe", pw, func(a *store.Account) { a.Email = "jane@example.com" })
	for i := 0; i < 5; i++ {
		user := []string{"jdoe", "jane@example.com"}[i%2]
		h.loginFrom("198.51.100.9", user, "wrong")
	}
	if res := h.login("JANE@EXAMPLE.COM", pw); res.Status != 429 {
		t.Fatalf("email alias not locked: %d", res.Status)
	}
}

// A success clears the failures before it, without a write of its own
// (lockout.Since), and only those: failures after it count from zero and
// lock as usual.
func TestSuccessResetsTheCount(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		h.account("jdoe", pw)
		attempt := func(password string) response {
			h.clock.Advance(time.Second)
			return h.login("jdoe", password)
		}
		for round := 0; round < 3; round++ {
			for i := 0; i < 4; i++ {
				if res := attempt("wrong"); res.Status != 401 {
					t.Fatalf("round %d attempt %d: %d", round, i, res.Status)
				}
			}
			if res := attempt(pw); res.Status != 200 {
				t.Fatalf("round %d success: %d %s", round, res.Status, res.Body)
			}
		}
		// The fifth failure after the last success locks; the sixth attempt,
		// the right password included, is refused.
		for i := 0; i < 5; i++ {
			if res := attempt("wrong"); res.Status != 401 {
				t.Fatalf("failure %d after the success: %d", i+1, res.Status)
			}
		}
		if res := attempt(pw); res.Status != 429 {
			t.Fatalf("sixth attempt after the success: %d, want 429", res.Status)
		}
		// The right password on the attempt that locks clears the lock.
		h.clock.Advance(time.Hour)
		for i := 0; i < 4; i++ {
			attempt("wrong")
		}
		if res := attempt(pw); res.Status != 200 {
			t.Fatalf("right password on the fifth attempt: %d %s", res.Status, res.Body)
		}
		if res := attempt(pw); res.Status != 200 {
			t.Fatalf("sign-in after it: %d %s", res.Status, res.Body)
		}
	})
}

// A sign-in whose session cannot be stored fails as a whole and leaves no
// session behind, though the account's update already held.
func TestSessionWriteFailureLeavesNoSession(t *testing.T) {
	faulty := &appendFault{}
	h := buildOn(t, "http://127.0.0.1:8080", password.NewArgon2id(cheapParams()), func(tb testing.TB, clk clock.Clock) store.Store {
		st, err := embedded.Open(filepath.Join(tb.TempDir(), "gatepass.db"), clk)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = st.Close() })
		faulty.Store = st
		return faulty
	})
	a := h.account("jdoe", pw)
	faulty.set(errors.New("injected: batch write refused"))
	if res := h.login("jdoe", pw); res.Status != 500 {
		t.Fatalf("sign-in with a failing session write: %d %s", res.Status, res.Body)
	}
	list, err := h.store.ListSessions(context.Background(), a.ID)
	if err != nil || len(list) != 0 {
		t.Fatalf("sessions after the failed sign-in: %v %+v, want none", err, list)
	}
	faulty.set(nil)
	if res := h.login("jdoe", pw); res.Status != 200 {
		t.Fatalf("sign-in after the fault: %d %s", res.Status, res.Body)
	}
}

func TestLockoutPerIP(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		h.account("jdoe", pw)
		const ip = "192.0.2.44"
		for i := 0; i < 100; i++ {
			// Spread over usernames so no account locks first.
			res := h.loginFrom(ip, "user"+strconv.Itoa(i), "wrong")
			if res.Status != 401 {
				t.Fatalf("failure %d: %d", i+1, res.Status)
			}
		}
		if res := h.loginFrom(ip, "jdoe", pw); res.Status != 429 || res.Header.Get("Retry-After") == "" {
			t.Fatalf("IP not locked: %d", res.Status)
		}
		if res := h.loginFrom("192.0.2.45", "jdoe", pw); res.Status != 200 {
			t.Fatalf("another IP refused: %d %s", res.Status, res.Body)
		}
		// X-Forwarded-For is never trusted.
		res := h.do(req{method: "POST", path: "/api/auth/login", body: loginBody("jdoe", pw), ip: ip,
			header: map[string]string{"X-Forwarded-For": "10.9.8.7"}})
		if res.Status != 429 {
			t.Fatalf("X-Forwarded-For escaped the IP lock: %d", res.Status)
		}
	})
}

// Count before checking: parallel guesses against one account get at most
// maxFailures verdicts.
func TestParallelGuessesAreBounded(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		h.account("jdoe", pw)
		var wg sync.WaitGroup
		statuses := make([]int, 20)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = h.loginFrom("198.51.100."+strconv.Itoa(i+1), "jdoe", "guess "+strconv.Itoa(i)).Status
			}()
		}
		wg.Wait()
		judged := 0
		for _, s := range statuses {
			switch s {
			case 401:
				judged++
			case 429:
			default:
				t.Fatalf("unexpected status %d", s)
			}
		}
		if judged > 5 || judged == 0 {
			t.Fatalf("%d guesses judged, want 1..5 (statuses %v)", judged, statuses)
		}
	})
}

func TestOverlongPasswordsAreRefusedBeforeHashing(t *testing.T) {
	h := newHarness(t)
	h.account("jdoe", pw)
	tests := []struct {
		name   string
		pw     string
		status int
		code   string
	}{
		{"over maxLength code points", strings.Repeat("ü", 129), 401, "invalid_credentials"},
		{"over 1 KiB", strings.Repeat("a", 1025), 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.hasher.derivations.Load()
			res := h.login("jdoe", tt.pw)
			if res.Status != tt.status || res.Code(t) != tt.code {
				t.Fatalf("got %d %s", res.Status, res.Body)
			}
			if n := h.hasher.derivations.Load() - before; n != 0 {
				t.Fatalf("%d derivations for an overlong password", n)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name        string
		body        string
		contentType string
		origin      string
		status      int
		code        string
	}{
		{"missing fields", `{}`, "", "", 400, "invalid_request"},
		{"blank username", `{"username":"  ","password":"x"}`, "", "", 400, "invalid_request"},
		{"unknown field", `{"username":"a","password":"b","remember":true}`, "", "", 400, "invalid_request"},
		{"not json", `username=a&password=b`, "", "", 400, "invalid_request"},
		{"form content type", `{"username":"a","password":"b"}`, "application/x-www-form-urlencoded", "", 415, "unsupported_media_type"},
		{"too large", `{"username":"` + strings.Repeat("a", 17<<10) + `","password":"b"}`, "", "", 413, "payload_too_large"},
		{"foreign origin", `{"username":"a","password":"b"}`, "", "https://evil.example", 403, "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req{method: "POST", path: "/api/auth/login", body: tt.body, contentType: tt.contentType}
			if tt.origin != "" {
				r.header = map[string]string{"Origin": tt.origin}
			}
			res := h.do(r)
			if res.Status != tt.status || res.Code(t) != tt.code {
				t.Fatalf("got %d %s", res.Status, res.Body)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("Content-Type %q", ct)
			}
		})
	}
	res := h.do(req{method: "POST", path: "/api/auth/login", body: `{}`})
	if v := res.JSON(t)["violations"].([]any); len(v) != 2 {
		t.Fatalf("violations = %v, want username and password", v)
	}
}

func TestSessionTimeouts(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		h.account("jdoe", pw)
		t.Run("idle", func(t *testing.T) {
			c := h.signIn("jdoe", pw)
			h.clock.Advance(59 * time.Minute)
			if res := h.get("/api/auth/session", c); res.Status != 200 {
				t.Fatalf("within idle timeout: %d", res.Status)
			}
			// Activity moved the idle deadline.
			h.clock.Advance(59 * time.Minute)
			if res := h.get("/api/auth/session", c); res.Status != 200 {
				t.Fatalf("after activity: %d", res.Status)
			}
			h.clock.Advance(61 * time.Minute)
			if res := h.get("/api/auth/session", c); res.Status != 401 || res.Code(t) != "unauthenticated" {
				t.Fatalf("idle session alive: %d", res.Status)
			}
		})
		t.Run("absolute", func(t *testing.T) {
			c := h.signIn("jdoe", pw)
			for i := 0; i < 23; i++ {
				h.clock.Advance(30 * time.Minute)
				if res := h.get("/api/auth/session", c); res.Status != 200 {
					t.Fatalf("at %d min: %d", (i+1)*30, res.Status)
				}
			}
			h.clock.Advance(30 * time.Minute) // 12 h after sign-in
			if res := h.get("/api/auth/session", c); res.Status != 401 {
				t.Fatalf("session outlived the absolute timeout: %d", res.Status)
			}
		})
	})
}

func TestSessionCheckCostsOneRead(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		h.account("jdoe", pw)
		c := h.signIn("jdoe", pw)
		h.store.Reset()
		if res := h.get("/api/auth/session", c); res.Status != 200 {
			t.Fatal(res.Status)
		}
		if got := h.store.Counts(); got.Reads != 1 || got.Writes != 0 {
			t.Fatalf("warm session check: %+v, want 1 read and no write", got)
		}
	})
}

func TestAccountStateIsRecheckedOnEveryRequest(t *testing.T) {
	h := newHarness(t)
	a := h.account("jdoe", pw)
	c := h.signIn("jdoe", pw)
	snap, _ := h.store.Load(context.Background(), store.Query{AccountID: a.ID})
	deactivated := *snap.Account
	deactivated.Status = store.StatusInactive
	if err := h.store.Commit(context.Background(), store.UpdateAccount{Account: deactivated, PreviousEmailKey: deactivated.EmailKey}); err != nil {
		t.Fatal(err)
	}
	if res := h.get("/api/auth/session", c); res.Status != 401 {
		t.Fatalf("deactivated account kept its session: %d", res.Status)
	}
}

func TestLogout(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		h.account("jdoe", pw)
		c := h.signIn("jdoe", pw)
		res := h.do(req{method: "POST", path: "/api/auth/logout", body: `{}`, cookie: c})
		if res.Status != 204 {
			t.Fatalf("logout: %d %s", res.Status, res.Body)
		}
		if cleared := res.Cookie("gatepass"); cleared == nil || cleared.MaxAge >= 0 {
			t.Fatalf("cookie not cleared: %+v", cleared)
		}
		if res := h.get("/api/auth/session", c); res.Status != 401 {
			t.Fatalf("revoked session still works: %d", res.Status)
		}
		if res := h.do(req{method: "POST", path: "/api/auth/logout", body: `{}`}); res.Status != 204 {
			t.Fatalf("logout without session: %d", res.Status)
		}
		forged := &http.Cookie{Name: "gatepass", Value: "garbage"}
		if res := h.do(req{method: "POST", path: "/api/auth/logout", body: `{}`, cookie: forged}); res.Status != 204 {
			t.Fatalf("logout with garbage cookie: %d", res.Status)
		}
	})
}

func TestForgedCookiesFindNothing(t *testing.T) {
	h := newHarness(t)
	a := h.account("jdoe", pw)
	b := h.account("mallory", pw)
	c := h.signIn("jdoe", pw)
	secret := strings.TrimPrefix(c.Value, a.ID+".")
	flipped := "A"
	if strings.HasSuffix(secret, "A") {
		flipped = "B"
	}
	for _, v := range []string{
		b.ID + "." + secret, // someone else's id in front
		a.ID + "." + secret[:42] + flipped,
		a.ID + "." + secret + "x",
		secret,
		"",
		a.ID + ".",
	} {
		if res := h.get("/api/auth/session", &http.Cookie{Name: "gatepass", Value: v}); res.Status != 401 {
			t.Fatalf("cookie %q accepted: %d", v, res.Status)
		}
	}
}

func TestSessionList(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		h.account("jdoe", pw)
		first := h.signIn("jdoe", pw)
		h.clock.Advance(time.Minute)
		second := h.signIn("jdoe", pw)
		h.clock.Advance(time.Minute)
		third := h.signIn("jdoe", pw)

		res := h.get("/api/auth/sessions", second)
		items := res.JSON(t)["items"].([]any)
		if len(items) != 3 {
			t.Fatalf("items = %v", items)
		}
		var currentID, firstID string
		for i, it := range items {
			m := it.(map[string]any)
			if m["current"] == true {
				currentID = m["id"].(string)
				if i != 1 {
					t.Fatalf("current is item %d, want the second (oldest first)", i)
				}
			}
			if i == 0 {
				firstID = m["id"].(string)
			}
			if m["ip"] != "203.0.113.7" || m["userAgent"] != "apptest/1.0" {
				t.Fatalf("item = %v", m)
			}
		}
		if currentID == "" {
			t.Fatal("no current session")
		}

		// Revoke one.
		if res := h.do(req{method: "DELETE", path: "/api/auth/sessions/" + firstID, cookie: second}); res.Status != 204 {
			t.Fatalf("revoke: %d %s", res.Status, res.Body)
		}
		if res := h.get("/api/auth/session", first); res.Status != 401 {
			t.Fatalf("revoked session works: %d", res.Status)
		}
		if res := h.do(req{method: "DELETE", path: "/api/auth/sessions/" + firstID, cookie: second}); res.Status != 404 {
			t.Fatalf("revoke twice: %d", res.Status)
		}
		// Revoke all others.
		if res := h.do(req{method: "DELETE", path: "/api/auth/sessions", cookie: second}); res.Status != 204 {
			t.Fatalf("revoke others: %d", res.Status)
		}
		if res := h.get("/api/auth/session", third); res.Status != 401 {
			t.Fatalf("other session survived: %d", res.Status)
		}
		if res := h.get("/api/auth/session", second); res.Status != 200 {
			t.Fatalf("current session revoked: %d", res.Status)
		}
		// Without a session.
		if res := h.get("/api/auth/sessions", nil); res.Status != 401 {
			t.Fatalf("anonymous list: %d", res.Status)
		}
	})
}

func TestSessionsOfOthersCannotBeRevoked(t *testing.T) {
	h := newHarness(t)
	h.account("jdoe", pw)
	h.account("other", pw)
	victim := h.signIn("other", pw)
	mine := h.signIn("jdoe", pw)
	theirs := h.get("/api/auth/sessions", victim).JSON(t)["items"].([]any)[0].(map[string]any)["id"].(string)
	if res := h.do(req{method: "DELETE", path: "/api/auth/sessions/" + theirs, cookie: mine}); res.Status != 404 {
		t.Fatalf("revoked someone else's session: %d", res.Status)
	}
	if res := h.get("/api/auth/session", victim); res.Status != 200 {
		t.Fatal("victim's session gone")
	}
}

func TestTemporaryPasswordGivesARestrictedSession(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		h.account("jdoe", pw, func(a *store.Account) { a.PasswordChangeRequired = true })
		res := h.login("jdoe", pw)
		body := res.JSON(t)
		if res.Status != 200 || body["status"] != "password_change_required" {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
		if body["session"].(map[string]any)["passwordChangeRequired"] != true {
			t.Fatal("session does not say passwordChangeRequired")
		}
		c := res.Cookie("gatepass")
		if res := h.get("/api/auth/session", c); res.Status != 200 {
			t.Fatalf("restricted session cannot read itself: %d", res.Status)
		}
		for _, r := range []req{
			{method: "GET", path: "/api/auth/sessions", cookie: c},
			{method: "DELETE", path: "/api/auth/sessions", cookie: c},
		} {
			if res := h.do(r); res.Status != 403 || res.Code(t) != "password_change_required" {
				t.Fatalf("%s %s: %d %s", r.method, r.path, res.Status, res.Body)
			}
		}
		if res := h.do(req{method: "POST", path: "/api/auth/logout", body: `{}`, cookie: c}); res.Status != 204 {
			t.Fatalf("restricted logout: %d", res.Status)
		}
	})
}

func TestRoundTripsOfASuccessfulLogin(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		h.account("jdoe", pw)
		h.store.Reset()
		h.signIn("jdoe", pw)
		if got := h.store.Counts(); got.Reads > 2 || got.Writes > 3 {
			t.Fatalf("round trips %+v, budget 2 reads + 3 writes", got)
		}
	})
}

func TestRehashUpgradesWeakHashes(t *testing.T) {
	h := newHarness(t)
	weak := cheapParams()
	weak.Iterations = 1
	weak.MemoryKiB = 32
	old, _ := password.NewArgon2id(weak).Hash(pw)
	a := h.account("jdoe", pw, func(a *store.Account) { a.PasswordHash = old })
	h.signIn("jdoe", pw)
	snap, _ := h.store.Load(context.Background(), store.Query{AccountID: a.ID})
	if snap.Account.PasswordHash == old || !strings.Contains(snap.Account.PasswordHash, "m=64,") {
		t.Fatalf("hash not upgraded: %s", snap.Account.PasswordHash)
	}
	if res := h.login("jdoe", pw); res.Status != 200 {
		t.Fatal("upgraded hash does not verify")
	}
}

func TestAuditTrail(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		a := h.account("jdoe", pw)
		for i := 0; i < 5; i++ {
			h.login("jdoe", "hunter2-guess")
			h.clock.Advance(time.Second)
		}
		h.clock.Advance(5 * time.Minute)
		h.signIn("jdoe", pw)
		got := h.auditTypes(a.ID)
		want := []string{"login.failed", "login.failed", "login.failed", "login.failed", "login.failed", "login.locked", "login.succeeded"}
		if !slices.Equal(got, want) {
			t.Fatalf("audit = %v, want %v", got, want)
		}
		page, _ := h.store.ListAudit(context.Background(), store.AuditQuery{UserID: a.ID, Limit: 200})
		for _, e := range page.Items {
			if e.IP != "203.0.113.7" || e.UserAgent != "apptest/1.0" {
				t.Fatalf("event without source: %+v", e)
			}
			for k, v := range e.Detail {
				if strings.Contains(v, "hunter2") || strings.Contains(v, pw) {
					t.Fatalf("secret in audit detail %s=%q", k, v)
				}
			}
		}
	})
}

func TestConfig(t *testing.T) {
	h := newHarness(t)
	res := h.get("/api/auth/config", nil)
	want := `{"tenant":"acme","sso":{"enabled":false,"providers":[]},"passwordPolicy":{"minLength":15,"maxLength":128,"requireUppercase":false,"requireLowercase":false,"requireDigit":false,"requireSymbol":false}}`
	if res.Status != 200 || compact(res.Body) != want {
		t.Fatalf("got %d %s", res.Status, res.Body)
	}
	for k, v := range map[string]string{
		"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
	} {
		if res.Header.Get(k) != v {
			t.Errorf("%s = %q", k, res.Header.Get(k))
		}
	}
	if res.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
}

func TestUnknownRoutesAre404(t *testing.T) {
	h := newHarness(t)
	for _, r := range []req{
		{method: "GET", path: "/api/auth/nothing"},
		{method: "GET", path: "/api/auth/login"},
		{method: "PUT", path: "/api/auth/session", body: "{}"},
		{method: "GET", path: "/api/admin/nothing"},
	} {
		if res := h.do(r); res.Status != 404 || res.Code(t) != "not_found" {
			t.Fatalf("%s %s: %d %s", r.method, r.path, res.Status, res.Body)
		}
	}
}

func TestIPv6ClientsAreCountedPerSlash64(t *testing.T) {
	h := newHarness(t)
	h.account("jdoe", pw)
	for i := 0; i < 100; i++ {
		ip := "2001:db8:aa:bb::" + strconv.FormatInt(int64(i+1), 16)
		if res := h.loginFrom(ip, "user"+strconv.Itoa(i), "wrong"); res.Status != 401 {
			t.Fatalf("failure %d: %d", i+1, res.Status)
		}
	}
	if res := h.loginFrom("2001:db8:aa:bb:ffff::9", "jdoe", pw); res.Status != 429 {
		t.Fatalf("a fresh address in the same /64 escaped the lock: %d", res.Status)
	}
	if res := h.loginFrom("2001:db8:aa:bc::1", "jdoe", pw); res.Status != 200 {
		t.Fatalf("the neighbouring /64 was locked too: %d", res.Status)
	}
}

// Accounts created before usernames followed PRECIS keep signing in: their
// key is the old canonical form, which lookups fall back to for a name the
// profile refuses ("john doe", "ﬁle") and equal the new key for one it
// accepts ("straße"). Fullwidth input signs in to the ASCII account.
func TestUsernamesFromBeforePRECISStillSignIn(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		tests := []struct {
			username, key string // as stored before PRECIS
			logins        []string
		}{
			{"john doe", "john doe", []string{"john doe", "John Doe", "  JOHN DOE "}},
			{"ﬁle", "file", []string{"ﬁle", "file", "FILE"}},
			{"Straße", "strasse", []string{"Straße", "straße", "STRASSE", "strasse"}},
			{"jdoe", "jdoe", []string{"ＪＤＯＥ", "ｊｄｏｅ", "JDoe"}},
		}
		for i, tt := range tests {
			a := h.account(tt.username, pw, func(a *store.Account) {
				a.UsernameKey, a.Email = tt.key, "user"+strconv.Itoa(i)+"@example.com"
			})
			for _, name := range tt.logins {
				t.Run(name, func(t *testing.T) {
					res := h.login(name, pw)
					if res.Status != 200 {
						t.Fatalf("status %d: %s", res.Status, res.Body)
					}
					if id := res.JSON(t)["session"].(map[string]any)["user"].(map[string]any)["id"]; id != a.ID {
						t.Fatalf("signed in as %v, want %s", id, a.ID)
					}
				})
			}
		}
	})
}

// appendFault is a store whose Append fails with err while it is set, after
// writing the first of its ops (a partial batch).
type appendFault struct {
	store.Store
	mu  sync.Mutex
	err error // nil: no fault
}

func (f *appendFault) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *appendFault) Append(ctx context.Context, ops ...store.Op) error {
	f.mu.Lock()
	err := f.err
	f.mu.Unlock()
	if err != nil {
		if len(ops) > 0 {
			if werr := f.Store.Append(ctx, ops[0]); werr != nil {
				return werr
			}
		}
		return err
	}
	return f.Store.Append(ctx, ops...)
}
