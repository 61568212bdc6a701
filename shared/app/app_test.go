package app_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/routes"
	"github.com/gatepass/gatepass/shared/secretbox"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/embedded"
)

func deps(t *testing.T) app.Deps {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
	st, err := embedded.Open(filepath.Join(t.TempDir(), "db"), clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	box, err := secretbox.New(make([]byte, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return app.Deps{Secrets: box, Tenant: "acme", PublicURL: "http://127.0.0.1:8080", Store: st, Clock: clk,
		Hasher: password.NewArgon2id(password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Mailer: &apptest.Mailbox{}}
}

// concrete turns a route key's path into a request path ({id} → x).
func concrete(path string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			b.WriteString(path)
			return b.String()
		}
		b.WriteString(path[:i])
		b.WriteString("x")
		path = path[strings.IndexByte(path, '}')+1:]
	}
}

// Every route is served by the function whose row names it, and no function
// answers a route outside its row.
func TestEachFunctionServesExactlyItsRow(t *testing.T) {
	d := deps(t)
	table := routes.Table()
	builders := app.Builders()
	seen := map[string]string{}
	for _, f := range table {
		for _, key := range f.Routes {
			if owner, dup := seen[key]; dup {
				t.Fatalf("route %q in the rows of %s and %s", key, owner, f.Name)
			}
			seen[key] = f.Name
		}
	}
	for _, f := range table {
		build, ok := builders[f.Name]
		if !f.HTTP() {
			if ok {
				t.Errorf("%s function %s has an HTTP builder", f.Kind, f.Name)
			}
			continue
		}
		if !ok {
			t.Fatalf("function %s has no builder", f.Name)
		}
		mux, err := app.Mux(f.Name, build, d)
		if err != nil {
			t.Fatal(err)
		}
		for key, owner := range seen {
			method, path := routes.Split(key)
			_, pattern := mux.Handler(httptest.NewRequest(method, concrete(path), nil))
			switch {
			case owner == f.Name && pattern != key:
				t.Errorf("%s does not serve its route %q (matched %q)", f.Name, key, pattern)
			case owner != f.Name && pattern != "/":
				t.Errorf("%s answers %q of %s (matched %q)", f.Name, key, owner, pattern)
			}
		}
	}
}

func TestMuxRefusesHandlersOutsideTheRow(t *testing.T) {
	f := routes.Function{Name: "x", Routes: []string{"GET /a"}}
	h := map[string]http.Handler{"GET /a": http.NotFoundHandler(), "GET /b": http.NotFoundHandler()}
	if _, err := routes.Mux(f, h, http.NotFoundHandler()); err == nil {
		t.Fatal("a handler outside the row was accepted")
	}
	if _, err := routes.Mux(f, map[string]http.Handler{}, http.NotFoundHandler()); err == nil {
		t.Fatal("a row route without handler was accepted")
	}
}

// The functions/ folder and the route table agree: one main per function.
func TestFunctionsFolderMatchesTheTable(t *testing.T) {
	entries, err := os.ReadDir("../../functions")
	if err != nil {
		t.Fatal(err)
	}
	var dirs, names []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
			if _, err := os.Stat(filepath.Join("../../functions", e.Name(), "main.go")); err != nil {
				t.Errorf("functions/%s has no main.go", e.Name())
			}
		}
	}
	for _, f := range routes.Table() {
		names = append(names, f.Name)
	}
	slices.Sort(dirs)
	slices.Sort(names)
	if !slices.Equal(dirs, names) {
		t.Fatalf("functions/ has %v, the route table %v", dirs, names)
	}
}

func storeQuery() store.AuditQuery { return store.AuditQuery{Type: "login.succeeded", Limit: 10} }
