package views_test

import (
	"net/http"
	"testing"

	"github.com/gatepass/gatepass/infra/bench/flowbench"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/store"
)

// A view switch (POST /api/auth/views/select) of a network manager into a
// facility: the session check, the facility's read and one transaction that
// replaces the session. Each switch uses the cookie of the one before.
func BenchmarkViewsSelect(b *testing.B) {
	e := apptest.New(b, apptest.Options{Open: flowbench.OpenStore, Hasher: flowbench.PlainHasher{}})
	berlin := e.Facility("Berlin Store")
	e.Account("manager", pw, func(a *store.Account) { a.NetworkAccess = true })
	c, _ := e.SignIn("manager", pw)
	run := flowbench.Start(b, e.Store)
	for b.Loop() {
		res := selectView(e, c, "facility", berlin.ID)
		if res.Status != http.StatusOK {
			b.Fatalf("select: %d %s", res.Status, res.Body)
		}
		c = res.Cookie("gatepass")
	}
	run.Done()
}

// The views routes' round trips, exactly: listing is the session check and
// the facility list; choosing the network is the session check and one
// transaction; choosing a facility reads the facility too.
func TestViewsRoundTripsExactly(t *testing.T) {
	apptest.ForEachStore(t, local, func(t *testing.T, newEnv func(*testing.T) *apptest.Env) {
		e := newEnv(t)
		berlin := e.Facility("Berlin Store")
		e.Account("manager", pw, func(a *store.Account) { a.NetworkAccess = true })
		c, _ := e.SignIn("manager", pw)
		for _, step := range []struct {
			name          string
			do            func() apptest.Response
			reads, writes int64
		}{
			{"list", func() apptest.Response { return e.Get("/api/auth/views", c) }, 2, 0},
			{"select the network", func() apptest.Response { return selectView(e, c, "network", "") }, 1, 1},
			{"select a facility", func() apptest.Response { return selectView(e, c, "facility", berlin.ID) }, 2, 1},
		} {
			e.Store.Reset()
			res := step.do()
			if res.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", step.name, res.Status, res.Body)
			}
			if next := res.Cookie("gatepass"); next != nil {
				c = next
			}
			if got := e.Store.Counts(); got.Reads != step.reads || got.Writes != step.writes {
				t.Errorf("%s: round trips %+v, want %d reads + %d writes", step.name, got, step.reads, step.writes)
			}
		}
	})
}
