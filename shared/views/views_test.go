package views_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/store"
)

const pw = "correct horse battery staple"

var local *dynamolocal.Shared

func TestMain(m *testing.M) { os.Exit(dynamolocal.Main(m, &local)) }

func view(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	if s, ok := body["session"].(map[string]any); ok {
		body = s
	}
	v, _ := body["view"].(map[string]any)
	return v
}

func selectView(e *apptest.Env, c *http.Cookie, typ, facilityID string) apptest.Response {
	body := map[string]string{"type": typ}
	if facilityID != "" {
		body["facilityId"] = facilityID
	}
	return e.Post("/api/auth/views/select", body, c)
}

// A single-facility operator lands in its facility; a network manager
// switches views without signing in again; each switch replaces the token
// and never extends the session.
func TestViews(t *testing.T) {
	apptest.ForEachStore(t, local, func(t *testing.T, newEnv func(*testing.T) *apptest.Env) {
		e := newEnv(t)
		berlin, hamburg := e.Facility("Berlin Store"), e.Facility("Hamburg Warehouse")
		closed := e.Facility("Closed Store")
		closed.Status = "inactive"
		if err := e.Store.Commit(context.Background(), store.PutFacility{Facility: closed}); err != nil {
			t.Fatal(err)
		}

		t.Run("single facility operator lands in it", func(t *testing.T) {
			e.Account("clerk", pw, func(a *store.Account) { a.FacilityIDs = []string{berlin.ID} })
			c, body := e.SignIn("clerk", pw)
			v := view(t, body)
			if v["type"] != "facility" || v["facilityId"] != berlin.ID || v["facilityName"] != "Berlin Store" {
				t.Fatalf("login view = %v", v)
			}
			e.Store.Reset()
			res := e.Get("/api/auth/session", c)
			if v := view(t, res.JSON(t)); res.Status != 200 || v["facilityName"] != "Berlin Store" {
				t.Fatalf("session: %d %s", res.Status, res.Body)
			}
			if n := e.Store.Counts(); n.Reads != 1 || n.Writes != 0 {
				t.Fatalf("warm session check: %d reads, %d writes; budget 1 read", n.Reads, n.Writes)
			}
		})

		t.Run("network manager switches views", func(t *testing.T) {
			e.Account("manager", pw, func(a *store.Account) {
				a.NetworkAccess = true
				a.Roles = []string{"supervisor"}
			})
			c, body := e.SignIn("manager", pw)
			if v := view(t, body); v != nil {
				t.Fatalf("a network manager chooses; got view %v", v)
			}
			expires := body["session"].(map[string]any)["expiresAt"]
			res := e.Get("/api/auth/views", c)
			got := res.JSON(t)
			if res.Status != 200 || got["network"] != true || got["current"] != nil {
				t.Fatalf("views: %d %s", res.Status, res.Body)
			}
			var names []string
			for _, f := range got["facilities"].([]any) {
				names = append(names, f.(map[string]any)["name"].(string))
			}
			if strings.Join(names, ",") != "Berlin Store,Hamburg Warehouse" {
				t.Fatalf("facilities = %v (inactive ones are not offered)", names)
			}

			e.Clock.Advance(10 * time.Minute)
			res = selectView(e, c, "network", "")
			if res.Status != 200 || view(t, res.JSON(t))["type"] != "network" {
				t.Fatalf("select network: %d %s", res.Status, res.Body)
			}
			c2 := res.Cookie("gatepass")
			if c2 == nil || c2.Value == c.Value {
				t.Fatal("the token must be replaced at view selection")
			}
			if res.JSON(t)["expiresAt"] != expires {
				t.Fatalf("expiresAt moved from %v to %v: selection must not extend a session", expires, res.JSON(t)["expiresAt"])
			}
			if old := e.Get("/api/auth/session", c); old.Status != 401 {
				t.Fatalf("old token after selection: %d", old.Status)
			}

			e.Clock.Advance(time.Second)
			res = selectView(e, c2, "facility", hamburg.ID)
			if v := view(t, res.JSON(t)); res.Status != 200 || v["facilityName"] != "Hamburg Warehouse" {
				t.Fatalf("select facility: %d %s", res.Status, res.Body)
			}
			c3 := res.Cookie("gatepass")
			cur := e.Get("/api/auth/views", c3).JSON(t)["current"].(map[string]any)
			if cur["facilityId"] != hamburg.ID {
				t.Fatalf("current = %v", cur)
			}
			page, err := e.Store.ListAudit(context.Background(), store.AuditQuery{Type: "view.selected"})
			if err != nil || len(page.Items) < 2 || page.Items[0].Detail["facilityId"] != hamburg.ID || page.Items[0].IP == "" {
				t.Fatalf("audit: %+v %v", page.Items, err)
			}
		})

		t.Run("refusals", func(t *testing.T) {
			a := e.Account("picker", pw, func(a *store.Account) { a.FacilityIDs = []string{berlin.ID, closed.ID} })
			c, body := e.SignIn("picker", pw)
			if v := view(t, body); v != nil {
				t.Fatalf("two facilities: no automatic view, got %v", v)
			}
			tests := []struct {
				name, typ, facility string
				status              int
			}{
				{"network without network access", "network", "", 403},
				{"a facility not assigned", "facility", hamburg.ID, 403},
				{"an inactive facility", "facility", closed.ID, 403},
				{"an unknown facility", "facility", "f_doesnotexist", 403},
				{"an unknown type", "planet", "", 400},
				{"facility without id", "facility", "", 400},
				{"network with a facility", "network", berlin.ID, 400},
			}
			for _, tt := range tests {
				if res := selectView(e, c, tt.typ, tt.facility); res.Status != tt.status {
					t.Errorf("%s: %d %s, want %d", tt.name, res.Status, res.Body, tt.status)
				}
			}
			if got := e.Get("/api/auth/views", c).JSON(t)["facilities"].([]any); len(got) != 1 {
				t.Fatalf("offered %v, want only the active assigned facility", got)
			}
			_ = a
		})
	})
}

// Removing a facility or network access takes effect on the next request:
// the session stays, its view is gone.
func TestRevokedViewTakesEffectOnTheNextRequest(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	berlin := e.Facility("Berlin Store")
	tests := []struct {
		name   string
		start  func(*store.Account)
		sel    []string
		revoke func(t *testing.T, a store.Account)
	}{
		{"facility removed from the account", func(a *store.Account) { a.FacilityIDs = []string{berlin.ID} }, nil,
			func(t *testing.T, a store.Account) {
				a.FacilityIDs = nil
				update(t, e, a)
			}},
		{"network access withdrawn", func(a *store.Account) { a.NetworkAccess = true }, []string{"network", ""},
			func(t *testing.T, a store.Account) {
				a.NetworkAccess = false
				update(t, e, a)
			}},
		{"facility deactivated", func(a *store.Account) { a.FacilityIDs = []string{berlin.ID} }, nil,
			func(t *testing.T, a store.Account) {
				f := berlin
				f.Status = "inactive"
				if err := e.Store.Commit(context.Background(), store.PutFacility{Facility: f}); err != nil {
					t.Fatal(err)
				}
				berlin.Version++
				f.Status = "active"
				t.Cleanup(func() {
					f.Version = berlin.Version
					if err := e.Store.Commit(context.Background(), store.PutFacility{Facility: f}); err != nil {
						t.Fatal(err)
					}
					berlin.Version++
				})
			}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "user" + string(rune('a'+i))
			a := e.Account(name, pw, tt.start)
			c, _ := e.SignIn(name, pw)
			if tt.sel != nil {
				res := selectView(e, c, tt.sel[0], tt.sel[1])
				if res.Status != 200 {
					t.Fatalf("select: %d %s", res.Status, res.Body)
				}
				c = res.Cookie("gatepass")
			}
			if v := view(t, e.Get("/api/auth/session", c).JSON(t)); v == nil {
				t.Fatal("no view before the change")
			}
			tt.revoke(t, e.Load(a.ID))
			res := e.Get("/api/auth/session", c)
			if res.Status != 200 || view(t, res.JSON(t)) != nil {
				t.Fatalf("after the change: %d %s; want the session without its view", res.Status, res.Body)
			}
			if cur := e.Get("/api/auth/views", c).JSON(t)["current"]; cur != nil {
				t.Fatalf("views current = %v", cur)
			}
		})
	}
}

func update(t *testing.T, e *apptest.Env, a store.Account) {
	t.Helper()
	if err := e.Store.Commit(context.Background(), store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey}); err != nil {
		t.Fatal(err)
	}
}

func TestRestrictedAndAnonymousSessions(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("temp", pw, func(a *store.Account) { a.PasswordChangeRequired = true; a.NetworkAccess = true })
	c, _ := e.SignIn("temp", pw)
	for _, res := range []apptest.Response{e.Get("/api/auth/views", c), selectView(e, c, "network", "")} {
		if res.Status != 403 || res.Code(t) != "password_change_required" {
			t.Fatalf("restricted session: %d %s", res.Status, res.Body)
		}
	}
	for _, res := range []apptest.Response{e.Get("/api/auth/views", nil), selectView(e, nil, "network", "")} {
		if res.Status != 401 || res.Code(t) != "unauthenticated" {
			t.Fatalf("no session: %d %s", res.Status, res.Body)
		}
	}
}

// A token whose facility hint was altered finds nothing.
func TestAlteredFacilityHintFindsNothing(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	berlin, other := e.Facility("Berlin Store"), e.Facility("Other")
	e.Account("clerk", pw, func(a *store.Account) { a.FacilityIDs = []string{berlin.ID} })
	c, _ := e.SignIn("clerk", pw)
	forged := *c
	forged.Value = strings.Replace(c.Value, berlin.ID, other.ID, 1)
	if forged.Value == c.Value {
		t.Fatal("no hint in the cookie")
	}
	if res := e.Get("/api/auth/session", &forged); res.Status != 401 {
		t.Fatalf("forged hint: %d", res.Status)
	}
}

// Six parallel view selections with one token (the attack of the 2.1
// review): exactly one wins and every other answers 401, so one live session
// remains, and revoking its id ends the sign-in — nothing forked off.
func TestConcurrentSelectionsNeverForkTheSession(t *testing.T) {
	apptest.ForEachStore(t, local, func(t *testing.T, newEnv func(*testing.T) *apptest.Env) {
		e := newEnv(t)
		berlin := e.Facility("Berlin Store")
		e.Account("manager", pw, func(a *store.Account) { a.NetworkAccess = true })
		c, _ := e.SignIn("manager", pw)

		const n = 6
		res := make([]apptest.Response, n)
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-gate
				if i%2 == 0 {
					res[i] = selectView(e, c, "network", "")
				} else {
					res[i] = selectView(e, c, "facility", berlin.ID)
				}
			})
		}
		close(gate)
		wg.Wait()

		var winner *http.Cookie
		for i, r := range res {
			switch {
			case r.Status == 200 && winner != nil:
				t.Fatalf("two selections with one token both won (second: %d)", i)
			case r.Status == 200:
				winner = r.Cookie(c.Name)
			case r.Status != 401 || r.Code(t) != "unauthenticated":
				t.Fatalf("selection %d: %d %s, want 200 once and 401 unauthenticated otherwise", i, r.Status, r.Body)
			}
		}
		if winner == nil {
			t.Fatal("no selection won")
		}
		list := e.Get("/api/auth/sessions", winner).JSON(t)["items"].([]any)
		if len(list) != 1 {
			t.Fatalf("live sessions after the race = %d, want 1: %v", len(list), list)
		}
		if res := e.Get("/api/auth/session", c); res.Status != 401 {
			t.Fatalf("the spent token still works: %d", res.Status)
		}
		id := list[0].(map[string]any)["id"].(string)
		if res := e.Do(apptest.Request{Method: "DELETE", Path: "/api/auth/sessions/" + id, Cookie: winner}); res.Status != 204 {
			t.Fatalf("revoke: %d %s", res.Status, res.Body)
		}
		if res := e.Get("/api/auth/session", winner); res.Status != 401 {
			t.Fatalf("revoking the one id left a live session: %d", res.Status)
		}
	})
}
