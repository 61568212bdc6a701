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

// CSRF (SECURITY.md "Sessions and authorization"): every state-changing route
// of every function — admin and views included — refuses a foreign Origin
// (403 forbidden) and a body that is not JSON (415), even with a live
// session cookie, and changes nothing.
func TestEveryStateChangeRefusesForeignOriginsAndNonJSON(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("boss", "a super admin passphrase", func(a *store.Account) { a.Roles = []string{"super_admin"} })
	c, _ := e.SignIn("boss", "a super admin passphrase")
	n := 0
	for _, f := range routes.Table() {
		for _, key := range f.Routes {
			method, path := routes.Split(key)
			if method == http.MethodGet {
				continue
			}
			n++
			e.Store.Reset()
			foreign := e.Do(apptest.Request{Method: method, Path: concrete(path), Body: "{}", Cookie: c,
				Header: map[string]string{"Origin": "https://evil.example"}})
			plain := e.Do(apptest.Request{Method: method, Path: concrete(path), Body: "{}", Cookie: c, ContentType: "text/plain"})
			if foreign.Status != http.StatusForbidden || foreign.Code(t) != "forbidden" ||
				plain.Status != http.StatusUnsupportedMediaType || plain.Code(t) != "unsupported_media_type" {
				t.Errorf("%s: foreign origin %d, text/plain %d", key, foreign.Status, plain.Status)
			}
			if w := e.Store.Counts().Writes; w != 0 {
				t.Errorf("%s: %d writes for refused requests", key, w)
			}
		}
	}
	if n < 25 {
		t.Fatalf("only %d state-changing routes walked", n)
	}
	if res := e.Get("/api/auth/session", c); res.Status != http.StatusOK {
		t.Fatalf("the session must survive the refused requests: %d", res.Status)
	}
}
