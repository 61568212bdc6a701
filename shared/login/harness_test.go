package login_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/dynamo/dynamotest"
	"github.com/gatepass/gatepass/shared/store/embedded"
	"github.com/gatepass/gatepass/shared/store/storecount"
)

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// countingHasher counts argon2id derivations, to prove which paths hash.
type countingHasher struct {
	password.Hasher
	derivations atomic.Int64
}

func (h *countingHasher) Verify(pw, enc string) (bool, bool, error) {
	h.derivations.Add(1)
	return h.Hasher.Verify(pw, enc)
}

func (h *countingHasher) VerifyDummy(pw string) {
	h.derivations.Add(1)
	h.Hasher.VerifyDummy(pw)
}

func cheapParams() password.Params {
	return password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}
}

type harness struct {
	t       testing.TB
	clock   *clock.Fake
	store   *storecount.Store
	hasher  *countingHasher
	handler http.Handler
	public  string
}

func newHarness(t *testing.T) *harness { return newHarnessAt(t, "http://127.0.0.1:8080") }

func newHarnessAt(t *testing.T, public string) *harness {
	return build(t, public, password.NewArgon2id(cheapParams()))
}

func build(t testing.TB, public string, hasher password.Hasher) *harness {
	return buildOn(t, public, hasher, func(tb testing.TB, clk clock.Clock) store.Store {
		st, err := embedded.Open(filepath.Join(tb.TempDir(), "gatepass.db"), clk)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { st.Close() })
		return st
	})
}

func buildOn(t testing.TB, public string, hasher password.Hasher, open func(testing.TB, clock.Clock) store.Store) *harness {
	t.Helper()
	clk := clock.NewFake(t0)
	raw := open(t, clk)
	var err error
	h := &harness{t: t, clock: clk, store: storecount.New(raw), public: public,
		hasher: &countingHasher{Hasher: hasher}}
	h.handler, err = app.Handler("login", app.LoginHandlers, app.Deps{
		Tenant: "acme", PublicURL: public, Store: h.store, Clock: clk, Hasher: h.hasher,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// account creates an active account with a password; mutate adjusts it.
func (h *harness) account(username, pw string, mutate ...func(*store.Account)) store.Account {
	h.t.Helper()
	hash, err := h.hasher.Hash(pw)
	if err != nil {
		h.t.Fatal(err)
	}
	a := store.Account{
		ID: ids.New("u"), Username: username, UsernameKey: accounts.CanonicalUsername(username),
		DisplayName: "Jane Doe", PasswordHash: hash, Roles: []string{"supervisor"}, Locale: "en",
		Status: store.StatusActive, CreatedAt: t0, UpdatedAt: t0,
	}
	for _, m := range mutate {
		m(&a)
	}
	if a.Email != "" {
		a.EmailKey = accounts.CanonicalEmail(a.Email)
	}
	if err := h.store.Commit(context.Background(), store.CreateAccount{Account: a}); err != nil {
		h.t.Fatal(err)
	}
	a.Version = 1
	return a
}

type response struct {
	*http.Response
	body []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func (r response) code(t *testing.T) string {
	t.Helper()
	c, _ := r.json(t)["code"].(string)
	return c
}

func (r response) cookie(name string) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

type req struct {
	method, path, body string
	cookie             *http.Cookie
	ip                 string
	contentType        string
	header             map[string]string
}

func (h *harness) do(rq req) response {
	h.t.Helper()
	var body io.Reader = http.NoBody
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	r := httptest.NewRequest(rq.method, h.public+rq.path, body)
	r.RemoteAddr = "203.0.113.7"
	if rq.ip != "" {
		r.RemoteAddr = rq.ip
	}
	if rq.method != http.MethodGet {
		r.Header.Set("Content-Type", "application/json")
	}
	if rq.contentType != "" {
		r.Header.Set("Content-Type", rq.contentType)
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	r.Header.Set("User-Agent", "harness/1.0")
	if rq.cookie != nil {
		r.AddCookie(rq.cookie)
	}
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return response{Response: res, body: b}
}

func loginBody(user, pw string) string {
	b, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	return string(b)
}

func (h *harness) login(user, pw string) response {
	h.t.Helper()
	return h.do(req{method: "POST", path: "/api/auth/login", body: loginBody(user, pw)})
}

func (h *harness) loginFrom(ip, user, pw string) response {
	h.t.Helper()
	return h.do(req{method: "POST", path: "/api/auth/login", body: loginBody(user, pw), ip: ip})
}

// signIn logs in and returns the session cookie.
func (h *harness) signIn(user, pw string) *http.Cookie {
	h.t.Helper()
	res := h.login(user, pw)
	if res.StatusCode != 200 {
		h.t.Fatalf("login %s: %d %s", user, res.StatusCode, res.body)
	}
	c := res.cookie("gatepass")
	if c == nil {
		h.t.Fatal("no session cookie")
	}
	return c
}

func (h *harness) get(path string, c *http.Cookie) response {
	h.t.Helper()
	return h.do(req{method: "GET", path: path, cookie: c})
}

func (h *harness) auditTypes(userID string) []string {
	h.t.Helper()
	page, err := h.store.ListAudit(context.Background(), store.AuditQuery{UserID: userID, Limit: 200})
	if err != nil {
		h.t.Fatal(err)
	}
	var types []string
	for i := len(page.Items) - 1; i >= 0; i-- {
		types = append(types, page.Items[i].Type)
	}
	return types
}

func compact(b []byte) string {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return string(b)
	}
	return out.String()
}

// local is this package's DynamoDB Local, started once by TestMain and never
// changed afterwards.
var local *dynamolocal.Shared

func TestMain(m *testing.M) { os.Exit(dynamolocal.Main(m, &local)) }

// forEachStore runs a test against the embedded store and against DynamoDB
// Local: login is proven on the adapter AWS runs, not only on the laptop one.
func forEachStore(t *testing.T, test func(t *testing.T, newHarness func(*testing.T) *harness)) {
	t.Run("embedded", func(t *testing.T) { test(t, newHarness) })
	t.Run("dynamodb", func(t *testing.T) {
		test(t, func(t *testing.T) *harness {
			return buildOn(t, "http://127.0.0.1:8080", password.NewArgon2id(cheapParams()),
				func(tb testing.TB, clk clock.Clock) store.Store { return dynamotest.NewStore(tb, local, clk) })
		})
	})
}
