package login_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/dynamo/dynamotest"
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

// harness is the login tests' view of an apptest environment: every
// function routed as in AWS, a hasher that counts derivations.
type harness struct {
	*apptest.Env
	t      testing.TB
	clock  *clock.Fake
	store  *storecount.Store
	hasher *countingHasher
}

func newHarness(t *testing.T) *harness { return newHarnessAt(t, "http://127.0.0.1:8080") }

func newHarnessAt(t *testing.T, public string) *harness {
	return buildOn(t, public, password.NewArgon2id(cheapParams()), nil)
}

// buildOn builds a harness on the store open makes (nil: embedded).
func buildOn(t testing.TB, public string, hasher password.Hasher, open func(testing.TB, clock.Clock) store.Store) *harness {
	t.Helper()
	counting := &countingHasher{Hasher: hasher}
	e := apptest.New(t, apptest.Options{Open: open, Hasher: counting, PublicURL: public})
	return &harness{Env: e, t: t, clock: e.Clock, store: e.Store, hasher: counting}
}

// account creates an active account with a password; mutate adjusts it.
func (h *harness) account(username, pw string, mutate ...func(*store.Account)) store.Account {
	h.t.Helper()
	return h.Account(username, pw, mutate...)
}

type response = apptest.Response

type req struct {
	method, path, body string
	cookie             *http.Cookie
	ip                 string
	contentType        string
	header             map[string]string
}

func (h *harness) do(rq req) response {
	h.t.Helper()
	return h.Do(apptest.Request{Method: rq.method, Path: rq.path, Body: rq.body, Cookie: rq.cookie,
		IP: rq.ip, ContentType: rq.contentType, Header: rq.header})
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
	if res.Status != 200 {
		h.t.Fatalf("login %s: %d %s", user, res.Status, res.Body)
	}
	c := res.Cookie("gatepass")
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
