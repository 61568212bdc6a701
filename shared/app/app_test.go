package app_test

import (
	"io"
	"log/slog"
	"maps"
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
	"github.com/gatepass/gatepass/shared/origin"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/routes"
	"github.com/gatepass/gatepass/shared/secretbox"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/embedded"
	"github.com/gatepass/gatepass/shared/store/storecount"
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
	verifier, err := origin.NewVerifier(t.Context(), origin.Config{
		Source: origin.Static{Current: originSecret, Previous: previousOriginSecret}, Clock: clk, Tenant: "acme",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return app.Deps{Secrets: box, Tenant: "acme", PublicURL: "http://127.0.0.1:8080", Store: st, Clock: clk,
		Hasher: password.NewArgon2id(password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Mailer: &apptest.Mailbox{}, Origin: verifier}
}

// The origin secret of deps, and the one before its last rotation.
const (
	originSecret         = "app-test-origin-secret-0123456789abcdef"
	previousOriginSecret = "app-test-origin-secret-before-rotation"
)

// Without the origin check there is no HTTP function: it is never built to
// serve unverified.
func TestHandlerNeedsTheOriginCheck(t *testing.T) {
	d := deps(t)
	d.Origin = nil
	for name, build := range app.Builders() {
		if _, err := app.Handler(name, build, d); err == nil {
			t.Errorf("%s built without the origin check", name)
		}
	}
}

// CloudFront is the only way in (API.md "The client address"): on every
// route of every function, a request around the edge — no secret, a wrong
// one, the secret twice — is refused with 403 forbidden before anything
// else, the CSRF checks and the alias gate included, and reads and writes
// nothing.
func TestEveryRouteRefusesRequestsAroundTheEdge(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("boss", "a super admin passphrase", func(a *store.Account) { a.Roles = []string{"super_admin"} })
	c, _ := e.SignIn("boss", "a super admin passphrase")
	forged := map[string]string{origin.ViewerAddressHeader: "192.0.2.66:1234"}
	tests := []struct {
		name   string
		header map[string]string
		body   string
		ctype  string
	}{
		{"no secret", forged, "{}", ""},
		{"no secret, not JSON", forged, "x", "text/plain"},
		{"wrong secret", map[string]string{origin.Header: "app-test-origin-secret-0123456789abcdeX"}, "{}", ""},
		{"secret twice", map[string]string{origin.Header: e.OriginSecret + "," + e.OriginSecret}, "{}", ""},
		{"secret of another environment", map[string]string{origin.Header: originSecret}, "{}", ""},
	}
	n := 0
	for _, tt := range tests {
		for _, f := range routes.Table() {
			for _, key := range f.Routes {
				n++
				method, path := routes.Split(key)
				body := tt.body
				if method == http.MethodGet {
					body = ""
				}
				e.Store.Reset()
				header := maps.Clone(tt.header)
				header["Origin"] = "https://evil.example" // CSRF would answer 403 too, but after the store
				res := e.Do(apptest.Request{Method: method, Path: concrete(path), Body: body, Cookie: c,
					ContentType: tt.ctype, Header: header, Direct: true})
				if res.Status != http.StatusForbidden || res.Code(t) != "forbidden" ||
					res.Header.Get("Content-Type") != "application/problem+json" || res.Header.Get("X-Request-Id") == "" ||
					res.Header.Get("Cache-Control") != "no-store" {
					t.Errorf("%s, %s: %d %v %s", tt.name, key, res.Status, res.Header, res.Body)
				}
				if counts := e.Store.Counts(); counts != (storecount.Counts{}) {
					t.Errorf("%s, %s: the store was reached: %+v", tt.name, key, counts)
				}
			}
		}
	}
	if n < 5*40 {
		t.Fatalf("only %d requests", n)
	}
	if res := e.Get("/api/auth/session", c); res.Status != http.StatusOK {
		t.Fatalf("through the edge the session works: %d %s", res.Status, res.Body)
	}
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
