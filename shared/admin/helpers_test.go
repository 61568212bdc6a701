package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/sso"
	"github.com/gatepass/gatepass/shared/sso/ssotest"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/dynamo/dynamotest"
)

// local is this package's DynamoDB Local, started once by TestMain.
var local *dynamolocal.Shared

func TestMain(m *testing.M) { os.Exit(dynamolocal.Main(m, &local)) }

// pw is every fixture account's password; strong is a password that meets
// the default policy, for setting.
const (
	pw     = "correct horse battery staple 42"
	strong = "a fresh and long passphrase 2027"
)

// fixture is an environment with two facilities and one signed-in caller
// of every kind the role matrix knows.
type fixture struct {
	*apptest.Env
	f1, f2 string // facility ids: the supervisor in scope has f1, the one out of scope f2

	super, admin, supIn, supOut, operator store.Account
	cookies                               map[string]*http.Cookie // by caller kind
	dir                                   *ssotest.Directory      // the identity providers
}

// Caller kinds of the role matrix.
const (
	callerSuper      = "super_admin"
	callerAdmin      = "admin"
	callerSupIn      = "supervisor in scope"
	callerSupOut     = "supervisor out of scope"
	callerOperator   = "operator"
	callerAnonymous  = "no session"
	callerRestricted = "restricted session"
)

func callerKinds() []string {
	return []string{callerSuper, callerAdmin, callerSupIn, callerSupOut, callerOperator, callerAnonymous, callerRestricted}
}

func newFixture(t *testing.T) *fixture {
	dir := ssotest.NewDirectory()
	f := fixtureOn(t, apptest.New(t, apptest.Options{SSO: app.SSODeps{Directory: dir,
		// Never reached by the admin routes; the sso function needs one.
		Broker: sso.NewOIDCBroker(sso.OIDCBrokerConfig{Issuer: "https://broker.invalid", Clock: clock.System{}})}}))
	f.dir = dir
	return f
}

func fixtureOn(t *testing.T, e *apptest.Env) *fixture {
	t.Helper()
	f := &fixture{Env: e, cookies: map[string]*http.Cookie{}, dir: ssotest.NewDirectory()}
	f.f1 = f.facility("Berlin Store")
	f.f2 = f.facility("Hamburg Warehouse")
	f.super = f.Account("root", pw, roles(accounts.RoleSuperAdmin), network)
	f.admin = f.Account("alice", pw, roles(accounts.RoleAdmin), network)
	f.supIn = f.Account("sam", pw, roles(accounts.RoleSupervisor), facilities(f.f1))
	f.supOut = f.Account("sue", pw, roles(accounts.RoleSupervisor), facilities(f.f2))
	f.operator = f.Account("otto", pw, facilities(f.f1))
	f.Account("rita", pw, roles(accounts.RoleSuperAdmin), network, func(a *store.Account) { a.PasswordChangeRequired = true })
	for kind, name := range map[string]string{callerSuper: "root", callerAdmin: "alice", callerSupIn: "sam",
		callerSupOut: "sue", callerOperator: "otto", callerRestricted: "rita"} {
		f.cookies[kind], _ = f.SignIn(name, pw)
	}
	// Time moves on after the sign-ins: a sign-in clears the failures made
	// up to its instant (lockout.Since), so later ones need a later time.
	f.Clock.Advance(time.Second)
	return f
}

func roles(r ...string) func(*store.Account) { return func(a *store.Account) { a.Roles = r } }

func facilities(ids ...string) func(*store.Account) {
	return func(a *store.Account) { a.FacilityIDs = ids }
}

func network(a *store.Account) { a.NetworkAccess = true }

func invited(a *store.Account) { a.Status = store.StatusInvited }

// facility stores an active facility and returns its id.
func (f *fixture) facility(name string) string {
	f.T.Helper()
	id := ids.New("f")
	now := f.Clock.Now()
	err := f.Store.Commit(context.Background(), store.PutFacility{Facility: store.Facility{
		ID: id, Name: name, Status: "active", CreatedAt: now, UpdatedAt: now}})
	if err != nil {
		f.T.Fatal(err)
	}
	return id
}

// operatorIn creates an operator of facility f1 (a supervisor in scope may
// act on it) with a password and an email.
func (f *fixture) operatorIn(username string, mutate ...func(*store.Account)) store.Account {
	f.T.Helper()
	return f.Account(username, pw, append([]func(*store.Account){facilities(f.f1)}, mutate...)...)
}

// call sends a request as the given cookie. A nil body sends {} on state
// changes and nothing on GET.
func (f *fixture) call(method, path string, body any, c *http.Cookie) apptest.Response {
	f.T.Helper()
	// Audit ids are time-ordered: a tick per request keeps "newest" exact.
	f.Clock.Advance(time.Millisecond)
	raw := ""
	switch b := body.(type) {
	case nil:
		if method != http.MethodGet {
			raw = "{}"
		}
	case string:
		raw = b
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			f.T.Fatal(err)
		}
		raw = string(enc)
	}
	return f.Do(apptest.Request{Method: method, Path: path, Body: raw, Cookie: c})
}

// as sends a request as a caller kind.
func (f *fixture) as(kind, method, path string, body any) apptest.Response {
	f.T.Helper()
	return f.call(method, path, body, f.cookies[kind])
}

// asSuper sends a request as the super_admin.
func (f *fixture) asSuper(method, path string, body any) apptest.Response {
	f.T.Helper()
	return f.as(callerSuper, method, path, body)
}

// user decodes a User document.
type user struct {
	ID            string   `json:"id"`
	Username      string   `json:"username"`
	DisplayName   string   `json:"displayName"`
	Email         *string  `json:"email"`
	EmailVerified bool     `json:"emailVerified"`
	Roles         []string `json:"roles"`
	NetworkAccess bool     `json:"networkAccess"`
	FacilityIDs   []string `json:"facilityIds"`
	Locale        string   `json:"locale"`
	Status        string   `json:"status"`
	SSO           bool     `json:"sso"`
	HasPassword   bool     `json:"hasPassword"`
	MFA           struct {
		TOTP bool `json:"totp"`
	} `json:"mfa"`
	Locked      bool    `json:"locked"`
	LastLoginAt *string `json:"lastLoginAt"`
	ValidUntil  *string `json:"validUntil"`
	CreatedAt   string  `json:"createdAt"`
}

func decode[T any](t testing.TB, res apptest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(res.Body, &v); err != nil {
		t.Fatalf("body %s: %v", res.Body, err)
	}
	return v
}

// getUser reads a user as the super_admin.
func (f *fixture) getUser(id string) user {
	f.T.Helper()
	res := f.asSuper("GET", "/api/admin/users/"+id, nil)
	if res.Status != 200 {
		f.T.Fatalf("get user: %d %s", res.Status, res.Body)
	}
	return decode[user](f.T, res)
}

// events returns the audit events of a type, newest first.
func (f *fixture) events(typ string) []store.AuditEvent {
	f.T.Helper()
	page, err := f.Store.ListAudit(context.Background(), store.AuditQuery{Type: typ, Limit: 200})
	if err != nil {
		f.T.Fatal(err)
	}
	return page.Items
}

// lastEvent returns the newest audit event of a type, failing without one.
func (f *fixture) lastEvent(typ string) store.AuditEvent {
	f.T.Helper()
	list := f.events(typ)
	if len(list) == 0 {
		f.T.Fatalf("no %s event", typ)
	}
	return list[0]
}

func (f *fixture) status(path string, c *http.Cookie) int {
	f.T.Helper()
	return f.Do(apptest.Request{Method: "GET", Path: path, Cookie: c}).Status
}

func (f *fixture) login(username, password string) apptest.Response {
	f.T.Helper()
	return f.Post("/api/auth/login", map[string]string{"username": username, "password": password}, nil)
}

// forEachStore runs a test on the embedded store and on DynamoDB Local.
func forEachStore(t *testing.T, test func(t *testing.T, f *fixture)) {
	t.Run("embedded", func(t *testing.T) { test(t, newFixture(t)) })
	t.Run("dynamodb", func(t *testing.T) {
		e := apptest.New(t, apptest.Options{Open: func(tb testing.TB, clk clock.Clock) store.Store {
			return dynamotest.NewStore(tb, local, clk)
		}})
		test(t, fixtureOn(t, e))
	})
}
