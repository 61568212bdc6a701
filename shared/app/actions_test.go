package app_test

import (
	"context"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/events"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/authorizer"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/mfa/totp"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/passkey/passkeytest"
	"github.com/gatepass/gatepass/shared/routes"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/sso"
	"github.com/gatepass/gatepass/shared/sso/ssotest"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/dynamo"
	"github.com/gatepass/gatepass/shared/store/dynamo/dynamotest"
)

// local is this package's DynamoDB Local, started once by TestMain (only
// TestDynamoDBActionsPerFunction uses it).
var local *dynamolocal.Shared

func TestMain(m *testing.M) { os.Exit(dynamolocal.Main(m, &local)) }

// updateActionsEnv, set to 1, makes TestDynamoDBActionsPerFunction write what
// it derived to routes.DynamoDBActionsFile instead of comparing.
const updateActionsEnv = "GATEPASS_UPDATE_ACTIONS"

// updateActionsCommand is what a failure tells to run.
const updateActionsCommand = updateActionsEnv + "=1 go test ./shared/app -run TestDynamoDBActionsPerFunction"

// Passwords of the walk's accounts.
const (
	walkPW   = "correct horse battery staple 42"
	walkNew  = "a fresh and long passphrase 2027"
	walkNew2 = "another fresh long passphrase 2028"
)

// Least privilege is derived, not declared (DESIGN.md): every function of the
// route table runs on its own DynamoDB store — one table, one recorder per
// function — while the walk drives every route through its flows (success
// and the main failure paths), the authorizer through allow and deny, and
// the bootstrap custom resource through create and update. The IAM actions
// each function sent must equal routes.DynamoDBActionsFile, which the tenant
// stack grants; and every route of the table must have been served
// successfully at least once, so that no route goes unexercised.
func TestDynamoDBActionsPerFunction(t *testing.T) {
	began := time.Now()
	client, table := dynamotest.NewTable(t, local)
	clk := clock.NewFake(apptest.Start)

	recorders := map[string]*dynamotest.Recorder{}
	storeOf := func(function string) store.Store {
		if recorders[function] != nil {
			t.Fatalf("function %s built twice", function)
		}
		r := dynamotest.NewRecorder(client)
		recorders[function] = r
		return dynamo.New(r, table, clk)
	}
	broker := newFakeBroker()
	e := apptest.New(t, apptest.Options{
		Clock: clk,
		// The helpers' store: the same table, sent to unrecorded.
		Open:          func(testing.TB, clock.Clock) store.Store { return dynamo.New(client, table, clk) },
		FunctionStore: func(_ testing.TB, function string) store.Store { return storeOf(function) },
		SSO: app.SSODeps{Directory: ssotest.NewDirectory(sso.Provider{ID: "Contoso", Type: sso.TypeOIDC}),
			Broker: broker},
	})

	// The functions that serve no routes, built as their Lambda mains do.
	authDeps := e.Deps
	authDeps.Store = storeOf("authorizer")
	authorize, err := app.Authorizer(authDeps)
	if err != nil {
		t.Fatal(err)
	}
	bootDeps := e.Deps
	bootDeps.Store = storeOf("bootstrap")
	bootDeps.Hasher = nil // lambdarun sets none for the bootstrap
	bootstrap, err := app.Bootstrapper(bootDeps)
	if err != nil {
		t.Fatal(err)
	}

	syncDeps := bootDeps // the same function answers the SSO sync resource
	syncDeps.SSO.Directory = &resyncDirectory{Directory: ssotest.NewDirectory()}

	w := newWalk(t, e, broker)
	w.setUp()
	for _, flow := range []struct {
		name string
		run  func()
	}{
		{"sign-in and sessions", w.signInAndSessions},
		{"password change", w.passwordChange},
		{"two-factor", w.twoFactor},
		{"passkeys and devices", w.passkeysAndDevices},
		{"views", w.views},
		{"reset", w.reset},
		{"administration", w.administration},
		{"invitation", w.invitation},
		{"sso", w.singleSignOn},
		{"authorizer", func() { w.authorizer(authorize) }},
		{"bootstrap", func() { w.bootstrap(bootstrap) }},
		{"sso sync", func() { w.ssoSync(app.SSOSyncer(syncDeps)) }},
	} {
		w.flow = flow.name
		flow.run()
	}
	w.flow = ""
	w.checkCoverage()

	// Every authenticated route of every function, and the authorizer, also
	// record a session's activity (at most once per sessions.TouchInterval)
	// and end an idle session: flows of every request, whatever the route.
	w.counting = false
	w.sessionUpkeep(authorize)

	derived := map[string][]string{}
	for _, f := range routes.Table() {
		r := recorders[f.Name]
		if r == nil {
			t.Fatalf("function %s was never built on a recording store", f.Name)
		}
		derived[f.Name] = r.Actions()
		if res := r.Resources(); !slices.Equal(res, []string{table}) {
			t.Errorf("%s sent requests for %v; every grant is on the table %s alone", f.Name, res, table)
		}
	}
	if len(recorders) != len(routes.Table()) {
		t.Errorf("%d recording stores for %d functions", len(recorders), len(routes.Table()))
	}
	t.Logf("walk took %s", time.Since(began).Round(time.Millisecond))
	if t.Failed() {
		return // an incomplete walk derives too little: neither compare nor write
	}
	compareOrUpdate(t, derived)
}

// compareOrUpdate compares the derived actions with the committed file, or
// writes them there when updateActionsEnv is set.
func compareOrUpdate(t *testing.T, derived map[string][]string) {
	t.Helper()
	path := filepath.Join("..", "routes", routes.DynamoDBActionsFile)
	if os.Getenv(updateActionsEnv) == "1" {
		b, err := routes.EncodeDynamoDBActions(derived)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
		return
	}
	committed := routes.AllDynamoDBActions()
	var diff []string
	for _, name := range slices.Sorted(maps.Keys(mergeKeys(derived, committed))) {
		got, want := derived[name], committed[name]
		for _, a := range got {
			if !slices.Contains(want, a) {
				diff = append(diff, fmt.Sprintf("  %s: + %s (sent by its flows, not in the file: the role would be denied)", name, a))
			}
		}
		for _, a := range want {
			if !slices.Contains(got, a) {
				diff = append(diff, fmt.Sprintf("  %s: - %s (in the file, never sent: more than least privilege)", name, a))
			}
		}
		if _, ok := derived[name]; !ok {
			diff = append(diff, fmt.Sprintf("  %s: in the file, not in the route table", name))
		}
	}
	if len(diff) > 0 {
		t.Errorf("the DynamoDB actions the functions send differ from shared/routes/%s:\n%s\nIf the change is intended, update the file with\n\t%s\nand commit it (the tenant stack grants exactly its lists).",
			routes.DynamoDBActionsFile, strings.Join(diff, "\n"), updateActionsCommand)
	}
}

func mergeKeys(a, b map[string][]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// walk drives the environment's routes and keeps track of which were served.
type walk struct {
	t      *testing.T
	e      *apptest.Env
	broker *fakeBroker
	flow   string // the flow running, for messages

	// counting is set while the flows run: only their answers count as
	// exercising a route.
	counting bool
	served   map[string]bool         // route key → answered below 400 while counting
	statuses map[string]map[int]bool // route key → every status while counting

	f1, f2                          store.Facility
	root, olga, lena, pete, mia     store.Account
	sven, rosa, vera, rita, sweeper store.Account
	samSSO, nora                    store.Account
}

func newWalk(t *testing.T, e *apptest.Env, broker *fakeBroker) *walk {
	w := &walk{t: t, e: e, broker: broker, counting: true, served: map[string]bool{}, statuses: map[string]map[int]bool{}}
	patterns := http.NewServeMux()
	for _, f := range routes.Table() {
		for _, key := range f.Routes {
			patterns.Handle(key, http.NotFoundHandler())
		}
	}
	inner := e.Handler
	e.Handler = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		_, pattern := patterns.Handler(r)
		sw := &statusWriter{ResponseWriter: rw}
		inner.ServeHTTP(sw, r)
		if pattern == "" || !w.counting {
			return
		}
		if w.statuses[pattern] == nil {
			w.statuses[pattern] = map[int]bool{}
		}
		w.statuses[pattern][sw.status()] = true
		if sw.status() < 400 {
			w.served[pattern] = true
		}
	})
	return w
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}

// checkCoverage fails the test for every route of the table the flows did
// not serve successfully at least once.
func (w *walk) checkCoverage() {
	w.t.Helper()
	n := 0
	for _, f := range routes.Table() {
		for _, key := range f.Routes {
			n++
			if !w.served[key] {
				w.t.Errorf("route %q of %s was not exercised: no flow of the walk got an answer below 400 (statuses %v); add its flows",
					key, f.Name, slices.Sorted(maps.Keys(w.statuses[key])))
			}
		}
	}
	if n == 0 {
		w.t.Fatal("the route table has no routes")
	}
}

// fatalf stops the walk, naming the flow.
func (w *walk) fatalf(format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("%s: %s", w.flow, fmt.Sprintf(format, args...))
}

// call sends a request; a nil body sends {} on state changes.
func (w *walk) call(method, path string, body any, c *http.Cookie) apptest.Response {
	w.t.Helper()
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
			w.t.Fatal(err)
		}
		raw = string(enc)
	}
	return w.e.Do(apptest.Request{Method: method, Path: path, Body: raw, Cookie: c})
}

// must sends a request that must be answered with status.
func (w *walk) must(status int, method, path string, body any, c *http.Cookie) apptest.Response {
	w.t.Helper()
	res := w.call(method, path, body, c)
	if res.Status != status {
		w.fatalf("%s %s: %d %s, want %d", method, path, res.Status, res.Body, status)
	}
	return res
}

// refused sends a request that must be refused with status and problem code.
func (w *walk) refused(status int, code, method, path string, body any, c *http.Cookie) {
	w.t.Helper()
	res := w.call(method, path, body, c)
	if res.Status != status || res.Code(w.t) != code {
		w.fatalf("%s %s: %d %s, want %d %s", method, path, res.Status, res.Body, status, code)
	}
}

// cookie returns the session cookie a response sets.
func (w *walk) cookie(res apptest.Response) *http.Cookie {
	w.t.Helper()
	c := res.Cookie("gatepass")
	if c == nil || c.Value == "" {
		w.fatalf("no session cookie in %d %s", res.Status, res.Body)
	}
	return c
}

// login signs in with a password and returns the step's status and
// response.
func (w *walk) login(username, pw string) (string, apptest.Response) {
	w.t.Helper()
	res := w.must(http.StatusOK, http.MethodPost, "/api/auth/login", map[string]string{"username": username, "password": pw}, nil)
	status, _ := res.JSON(w.t)["status"].(string)
	return status, res
}

// signIn signs in an account without a second factor.
func (w *walk) signIn(username, pw, wantStatus string) *http.Cookie {
	w.t.Helper()
	status, res := w.login(username, pw)
	if status != wantStatus {
		w.fatalf("sign-in of %s: status %q, want %q", username, status, wantStatus)
	}
	return w.cookie(res)
}

// agedSession stores a session of a that was opened, and last seen, age
// ago, with view v — as a completed sign-in would have — through the
// helpers' store, and returns its cookie.
func (w *walk) agedSession(a store.Account, age time.Duration, v sessions.View) *http.Cookie {
	w.t.Helper()
	ctx := context.Background()
	snap, err := w.e.Store.Load(ctx, store.Query{AccountID: a.ID, Parameters: true})
	if err != nil || snap.Account == nil {
		w.fatalf("aged session of %s: %v", a.Username, err)
	}
	m := sessions.NewManager(w.e.Store, clock.NewFake(w.e.Clock.Now().Add(-age)), false)
	is := m.New(snap.Account, sessions.Meta{IP: "203.0.113.7", UserAgent: "apptest/1.0"}, store.RestrictionNone, v, snap.Parameters)
	if err := w.e.Store.Commit(ctx, is.Op()); err != nil {
		w.fatalf("aged session of %s: %v", a.Username, err)
	}
	return &http.Cookie{Name: m.CookieName(), Value: is.Token}
}

// totpCode is the current code of secret, after moving the clock to the next
// step (a step is used once).
func (w *walk) totpCode(secret []byte) string {
	w.e.Clock.Advance(30 * time.Second)
	return totp.Code(secret, totp.Step(w.e.Clock.Now()))
}

// wrongCode is a code that is none of the accepted ones around now.
func (w *walk) wrongCode(secret []byte) string {
	now := totp.Step(w.e.Clock.Now())
	for c := 0; ; c++ {
		code := fmt.Sprintf("%06d", c)
		if code != totp.Code(secret, now-1) && code != totp.Code(secret, now) && code != totp.Code(secret, now+1) {
			return code
		}
	}
}

// enrol sets up TOTP for the session's account and returns its secret and
// the activation's response.
func (w *walk) enrol(c *http.Cookie) ([]byte, apptest.Response) {
	w.t.Helper()
	res := w.must(http.StatusOK, http.MethodPost, "/api/auth/mfa/totp/enrol", map[string]string{"password": walkPW}, c)
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(res.JSON(w.t)["secret"].(string))
	if err != nil {
		w.fatalf("enrol secret: %v", err)
	}
	w.refused(http.StatusUnauthorized, "invalid_code", http.MethodPost, "/api/auth/mfa/totp/activate",
		map[string]string{"code": w.wrongCode(secret)}, c)
	act := w.must(http.StatusOK, http.MethodPost, "/api/auth/mfa/totp/activate", map[string]string{"code": w.totpCode(secret)}, c)
	return secret, act
}

// tokens returns the tokens of the links mailed to addr, oldest first.
func (w *walk) tokens(addr string) []string {
	var out []string
	for _, m := range w.e.Mail.To(addr) {
		if strings.Contains(m.Text, "?token=") {
			out = append(out, apptest.Token(w.t, m))
		}
	}
	return out
}

func withRoles(r ...string) func(*store.Account) { return func(a *store.Account) { a.Roles = r } }

func withFacilities(fs ...string) func(*store.Account) {
	return func(a *store.Account) { a.FacilityIDs = fs }
}

func withNetwork(a *store.Account) { a.NetworkAccess = true }

// setUp stores the walk's facilities, accounts and parameters through the
// helpers' store: none of it is a function's flow.
func (w *walk) setUp() {
	e := w.e
	w.f1, w.f2 = e.Facility("Berlin Store"), e.Facility("Hamburg Warehouse")
	w.root = e.Account("root", walkPW, withRoles(accounts.RoleSuperAdmin), withNetwork)
	w.sweeper = e.Account("sweeper", walkPW, withRoles(accounts.RoleSuperAdmin), withNetwork)
	w.olga = e.Account("olga", walkPW, withFacilities(w.f1.ID))
	w.lena = e.Account("lena", walkPW)
	w.pete = e.Account("pete", walkPW, func(a *store.Account) { a.PasswordChangeRequired = true })
	w.rita = e.Account("rita", walkPW, func(a *store.Account) { a.PasswordChangeRequired = true })
	w.mia = e.Account("mia", walkPW)
	w.sven = e.Account("sven", walkPW, withRoles(accounts.RoleSupervisor), withFacilities(w.f1.ID))
	w.rosa = e.Account("rosa", walkPW)
	w.vera = e.Account("vera", walkPW, withNetwork, withFacilities(w.f1.ID, w.f2.ID))
	w.samSSO = e.Account("sam", "", func(a *store.Account) { a.SSO, a.Email = true, "sam@contoso.example" })
	// Without an email: a reset request opens a help request.
	w.nora = e.Account("nora", walkPW, withFacilities(w.f1.ID), func(a *store.Account) { a.Email = "" })
	e.Account("pia", walkPW)
	// Supervisors must use a second factor: sven's sign-in leads to the
	// enrolment.
	e.SetParameters(func(p *params.Parameters) { p.MFA.RequiredForRoles = []string{accounts.RoleSupervisor} })
}

// login: config, sign-in success and failures, lockout, the session and the
// session list, revoking one, the others, logging out, step-up.
func (w *walk) signInAndSessions() {
	w.must(http.StatusOK, http.MethodGet, "/api/auth/config", nil, nil)
	w.refused(http.StatusUnauthorized, "invalid_credentials", http.MethodPost, "/api/auth/login",
		map[string]string{"username": "nobody", "password": walkPW}, nil)
	w.refused(http.StatusUnauthorized, "invalid_credentials", http.MethodPost, "/api/auth/login",
		map[string]string{"username": "olga", "password": "not olga's password"}, nil)
	// Lockout: wrong passwords until the account locks; then even the right
	// one is refused.
	locked := false
	for i := 0; i < 10 && !locked; i++ {
		res := w.call(http.MethodPost, "/api/auth/login", map[string]string{"username": "lena", "password": "wrong " + strconv.Itoa(i)}, nil)
		switch res.Status {
		case http.StatusTooManyRequests:
			locked = true
		case http.StatusUnauthorized:
		default:
			w.fatalf("lockout attempt %d: %d %s", i, res.Status, res.Body)
		}
	}
	if !locked {
		w.fatalf("lena never locked")
	}
	w.refused(http.StatusTooManyRequests, "too_many_requests", http.MethodPost, "/api/auth/login",
		map[string]string{"username": "lena", "password": walkPW}, nil)

	first := w.signIn("olga", walkPW, "authenticated")
	w.must(http.StatusOK, http.MethodGet, "/api/auth/session", nil, first)
	second := w.signIn("olga", walkPW, "authenticated")
	list := w.must(http.StatusOK, http.MethodGet, "/api/auth/sessions", nil, first).JSON(w.t)["items"].([]any)
	if len(list) != 2 {
		w.fatalf("olga has %d sessions, want 2", len(list))
	}
	var other string
	for _, it := range list {
		if s := it.(map[string]any); s["current"] != true {
			other = s["id"].(string)
		}
	}
	w.must(http.StatusNoContent, http.MethodDelete, "/api/auth/sessions/"+other, nil, first)
	w.refused(http.StatusUnauthorized, "unauthenticated", http.MethodGet, "/api/auth/session", nil, second)
	w.refused(http.StatusNotFound, "not_found", http.MethodDelete, "/api/auth/sessions/s_unknown", nil, first)
	w.signIn("olga", walkPW, "authenticated")
	w.must(http.StatusNoContent, http.MethodDelete, "/api/auth/sessions", nil, first)

	// Step-up (POST /api/auth/reauth): a wrong password, then the right one.
	w.refused(http.StatusBadRequest, "current_password_invalid", http.MethodPost, "/api/auth/reauth",
		map[string]string{"password": "not olga's password"}, first)
	first = w.cookie(w.must(http.StatusNoContent, http.MethodPost, "/api/auth/reauth", map[string]string{"password": walkPW}, first))

	w.must(http.StatusNoContent, http.MethodPost, "/api/auth/logout", nil, first)
	w.refused(http.StatusUnauthorized, "unauthenticated", http.MethodGet, "/api/auth/session", nil, first)
	w.must(http.StatusNoContent, http.MethodPost, "/api/auth/logout", nil, nil) // without a session
}

// password: the forced change of a temporary password, the normal change
// and its refusals.
func (w *walk) passwordChange() {
	c := w.signIn("pete", walkPW, "password_change_required")
	w.refused(http.StatusForbidden, "password_change_required", http.MethodGet, "/api/auth/views", nil, c)
	w.must(http.StatusNoContent, http.MethodPost, "/api/auth/password/change", map[string]string{
		"currentPassword": walkPW, "newPassword": walkNew, "newPasswordRepeat": walkNew}, c)

	o := w.signIn("olga", walkPW, "authenticated")
	w.refused(http.StatusBadRequest, "current_password_invalid", http.MethodPost, "/api/auth/password/change", map[string]string{
		"currentPassword": "not olga's password", "newPassword": walkNew, "newPasswordRepeat": walkNew}, o)
	w.refused(http.StatusBadRequest, "password_mismatch", http.MethodPost, "/api/auth/password/change", map[string]string{
		"currentPassword": walkPW, "newPassword": walkNew, "newPasswordRepeat": walkNew2}, o)
	w.refused(http.StatusUnprocessableEntity, "password_policy", http.MethodPost, "/api/auth/password/change", map[string]string{
		"currentPassword": walkPW, "newPassword": "short", "newPasswordRepeat": "short"}, o)
	w.must(http.StatusNoContent, http.MethodPost, "/api/auth/password/change", map[string]string{
		"currentPassword": walkPW, "newPassword": walkNew, "newPasswordRepeat": walkNew}, o)
}

// totp and login/mfa: enrolment and activation, the two-step sign-in with a
// TOTP code and a recovery code and their refusals, step-up with a code,
// new recovery codes, removal; the enrolment a role requires.
func (w *walk) twoFactor() {
	c := w.signIn("mia", walkPW, "authenticated")
	w.must(http.StatusOK, http.MethodGet, "/api/auth/mfa", nil, c)
	w.refused(http.StatusBadRequest, "current_password_invalid", http.MethodPost, "/api/auth/mfa/totp/enrol",
		map[string]string{"password": "not mia's password"}, c)
	secret, act := w.enrol(c)
	codes := act.JSON(w.t)["recoveryCodes"].([]any)

	challenge := func() string {
		status, res := w.login("mia", walkPW)
		if status != "mfa_required" || res.Cookie("gatepass") != nil {
			w.fatalf("first step of mia: %s %s", status, res.Body)
		}
		return res.JSON(w.t)["challenge"].(string)
	}
	ch := challenge()
	w.refused(http.StatusUnauthorized, "invalid_code", http.MethodPost, "/api/auth/login/mfa",
		map[string]string{"challenge": ch, "code": w.wrongCode(secret)}, nil)
	c = w.cookie(w.must(http.StatusOK, http.MethodPost, "/api/auth/login/mfa",
		map[string]string{"challenge": ch, "code": w.totpCode(secret)}, nil))
	w.refused(http.StatusUnauthorized, "challenge_invalid", http.MethodPost, "/api/auth/login/mfa",
		map[string]string{"challenge": ch, "code": w.totpCode(secret)}, nil) // used
	w.cookie(w.must(http.StatusOK, http.MethodPost, "/api/auth/login/mfa",
		map[string]string{"challenge": challenge(), "recoveryCode": codes[0].(string)}, nil))
	w.refused(http.StatusUnauthorized, "invalid_code", http.MethodPost, "/api/auth/login/mfa",
		map[string]string{"challenge": challenge(), "recoveryCode": codes[0].(string)}, nil) // used

	// Step-up with the second factor: the code is required, then accepted.
	w.refused(http.StatusBadRequest, "invalid_request", http.MethodPost, "/api/auth/reauth", map[string]string{"password": walkPW}, c)
	w.refused(http.StatusUnauthorized, "invalid_code", http.MethodPost, "/api/auth/reauth",
		map[string]string{"password": walkPW, "code": w.wrongCode(secret)}, c)
	c = w.cookie(w.must(http.StatusNoContent, http.MethodPost, "/api/auth/reauth",
		map[string]string{"password": walkPW, "code": w.totpCode(secret)}, c))

	w.refused(http.StatusBadRequest, "current_password_invalid", http.MethodPost, "/api/auth/mfa/recovery-codes",
		map[string]string{"password": "not mia's password"}, c)
	w.must(http.StatusOK, http.MethodPost, "/api/auth/mfa/recovery-codes", map[string]string{"password": walkPW}, c)
	w.refused(http.StatusUnauthorized, "invalid_code", http.MethodDelete, "/api/auth/mfa/totp",
		map[string]string{"code": w.wrongCode(secret)}, c)
	w.must(http.StatusNoContent, http.MethodDelete, "/api/auth/mfa/totp", map[string]string{"code": w.totpCode(secret)}, c)
	w.refused(http.StatusConflict, "conflict", http.MethodDelete, "/api/auth/mfa/totp", map[string]string{"password": walkPW}, c)
	// Set up again, and removed with the password this time.
	w.enrol(c)
	w.must(http.StatusNoContent, http.MethodDelete, "/api/auth/mfa/totp", map[string]string{"password": walkPW}, c)

	// A role that requires two-factor: the sign-in may only enrol, and the
	// activation renews the session unrestricted.
	s := w.signIn("sven", walkPW, "mfa_enrolment_required")
	w.refused(http.StatusForbidden, "mfa_enrolment_required", http.MethodGet, "/api/auth/views", nil, s)
	w.must(http.StatusOK, http.MethodGet, "/api/auth/mfa", nil, s)
	_, act = w.enrol(s)
	s = w.cookie(act)
	w.must(http.StatusOK, http.MethodGet, "/api/auth/views", nil, s)
}

// passkeysAndDevices: registering, renaming and removing a passkey,
// passwordless sign-in, the passkey as second step with the browser
// remembered, the remembered sign-in, listing and forgetting devices, and a
// step-up with the passkey.
func (w *walk) passkeysAndDevices() {
	c := w.signIn("pia", walkPW, "authenticated")
	auth := passkeytest.New(w.e.Public)
	raw := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			w.t.Fatal(err)
		}
		return b
	}
	answer := func(v any, get bool) json.RawMessage {
		var out []byte
		var err error
		if get {
			out, err = auth.Get(raw(v))
		} else {
			out, err = auth.Create(raw(v))
		}
		if err != nil {
			w.fatalf("authenticator: %v", err)
		}
		return out
	}
	w.refused(http.StatusBadRequest, "current_password_invalid", http.MethodPost, "/api/auth/passkeys/register/begin",
		map[string]string{"password": "not pia's password"}, c)
	begin := w.must(http.StatusOK, http.MethodPost, "/api/auth/passkeys/register/begin",
		map[string]string{"password": walkPW}, c).JSON(w.t)
	added := w.must(http.StatusCreated, http.MethodPost, "/api/auth/passkeys/register/finish", map[string]any{
		"registration": begin["registration"], "name": "Laptop", "credential": answer(begin["options"], false)}, c).JSON(w.t)
	id := added["passkey"].(map[string]any)["id"].(string)
	w.must(http.StatusOK, http.MethodPatch, "/api/auth/passkeys/"+id, map[string]string{"name": "Desk"}, c)

	pl := w.must(http.StatusOK, http.MethodPost, "/api/auth/login/passkey/begin", nil, nil).JSON(w.t)
	finish := map[string]any{"challenge": pl["challenge"], "credential": answer(pl["options"], true)}
	w.cookie(w.must(http.StatusOK, http.MethodPost, "/api/auth/login/passkey/finish", finish, nil))
	w.refused(http.StatusUnauthorized, "invalid_credentials", http.MethodPost, "/api/auth/login/passkey/finish", finish, nil)

	status, res := w.login("pia", walkPW)
	if status != "mfa_required" {
		w.fatalf("first step of pia: %s", res.Body)
	}
	first := res.JSON(w.t)
	second := w.must(http.StatusOK, http.MethodPost, "/api/auth/login/mfa", map[string]any{"challenge": first["challenge"],
		"passkey": answer(first["passkeyOptions"], true), "rememberDevice": true}, nil)
	c = w.cookie(second)
	device := second.Cookie("gatepass-device")
	if device == nil {
		w.fatalf("no device cookie: %s", second.Body)
	}
	body := `{"username":"pia","password":"` + walkPW + `"}`
	remembered := w.e.Do(apptest.Request{Method: http.MethodPost, Path: "/api/auth/login", Body: body, Cookies: []*http.Cookie{device}})
	if remembered.Status != http.StatusOK || remembered.JSON(w.t)["status"] != "authenticated" {
		w.fatalf("remembered sign-in: %d %s", remembered.Status, remembered.Body)
	}
	list := w.e.Do(apptest.Request{Method: http.MethodGet, Path: "/api/auth/devices", Cookie: c, Cookies: []*http.Cookie{device}})
	items, _ := list.JSON(w.t)["items"].([]any)
	if list.Status != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["current"] != true {
		w.fatalf("devices: %d %s", list.Status, list.Body)
	}
	w.must(http.StatusNoContent, http.MethodDelete, "/api/auth/devices/"+items[0].(map[string]any)["id"].(string), nil, c)
	w.must(http.StatusNoContent, http.MethodDelete, "/api/auth/devices", nil, c)

	rb := w.must(http.StatusOK, http.MethodPost, "/api/auth/reauth/passkey/begin", nil, c).JSON(w.t)
	c = w.cookie(w.must(http.StatusNoContent, http.MethodPost, "/api/auth/reauth", map[string]any{"password": walkPW,
		"challenge": rb["challenge"], "passkey": answer(rb["options"], true)}, c))
	w.must(http.StatusNoContent, http.MethodDelete, "/api/auth/passkeys/"+id, map[string]string{"password": walkPW}, c)
}

// views: the list, selecting the network and a facility, refusals.
func (w *walk) views() {
	c := w.signIn("vera", walkPW, "authenticated")
	w.must(http.StatusOK, http.MethodGet, "/api/auth/views", nil, c)
	c = w.cookie(w.must(http.StatusOK, http.MethodPost, "/api/auth/views/select", map[string]string{"type": "network"}, c))
	c = w.cookie(w.must(http.StatusOK, http.MethodPost, "/api/auth/views/select",
		map[string]string{"type": "facility", "facilityId": w.f2.ID}, c))
	w.refused(http.StatusForbidden, "forbidden", http.MethodPost, "/api/auth/views/select",
		map[string]string{"type": "facility", "facilityId": "f_unknown"}, c)
	o := w.signIn("olga", walkNew, "authenticated")
	w.must(http.StatusOK, http.MethodGet, "/api/auth/views", nil, o)
	w.refused(http.StatusForbidden, "forbidden", http.MethodPost, "/api/auth/views/select", map[string]string{"type": "network"}, o)
}

// reset-request and reset-confirm: requests for a known account (twice: the
// second link supersedes the first), an unknown identifier, an SSO account
// and an account without an email (a help request, once); verifying and
// completing the link and their refusals.
func (w *walk) reset() {
	session := w.signIn("rosa", walkPW, "authenticated") // its record is cleaned up by the reset
	for _, id := range []string{"rosa", "rosa@example.com", "nobody", "sam@contoso.example", "nora", "nora"} {
		w.must(http.StatusAccepted, http.MethodPost, "/api/auth/password/reset", map[string]string{"identifier": id}, nil)
	}
	links := w.tokens("rosa@example.com")
	if len(links) != 2 {
		w.fatalf("%d reset links for rosa, want 2", len(links))
	}
	superseded, token := links[0], links[1]
	w.refused(http.StatusGone, "token_invalid", http.MethodPost, "/api/auth/password/reset/verify", map[string]string{"token": superseded}, nil)
	w.must(http.StatusOK, http.MethodPost, "/api/auth/password/reset/verify", map[string]string{"token": token}, nil)
	w.refused(http.StatusBadRequest, "password_mismatch", http.MethodPost, "/api/auth/password/reset/confirm",
		map[string]string{"token": token, "password": walkNew, "passwordRepeat": walkNew2}, nil)
	w.refused(http.StatusUnprocessableEntity, "password_policy", http.MethodPost, "/api/auth/password/reset/confirm",
		map[string]string{"token": token, "password": "short", "passwordRepeat": "short"}, nil)
	w.refused(http.StatusGone, "token_invalid", http.MethodPost, "/api/auth/password/reset/confirm",
		map[string]string{"token": superseded, "password": walkNew, "passwordRepeat": walkNew}, nil)
	w.must(http.StatusNoContent, http.MethodPost, "/api/auth/password/reset/confirm",
		map[string]string{"token": token, "password": walkNew, "passwordRepeat": walkNew}, nil)
	w.refused(http.StatusGone, "token_invalid", http.MethodPost, "/api/auth/password/reset/confirm",
		map[string]string{"token": token, "password": walkNew2, "passwordRepeat": walkNew2}, nil) // used
	w.refused(http.StatusUnauthorized, "unauthenticated", http.MethodGet, "/api/auth/session", nil, session)
	w.signIn("rosa", walkNew, "authenticated")
}

// admin: every route, as the super_admin after a step-up, with the main
// refusals.
func (w *walk) administration() {
	root := w.signIn("root", walkPW, "authenticated")
	root = w.cookie(w.must(http.StatusNoContent, http.MethodPost, "/api/auth/reauth", map[string]string{"password": walkPW}, root))
	operator := w.signIn("olga", walkNew, "authenticated")
	w.refused(http.StatusForbidden, "forbidden", http.MethodGet, "/api/admin/users", nil, operator)
	w.refused(http.StatusUnauthorized, "unauthenticated", http.MethodGet, "/api/admin/users", nil, nil)

	// Users.
	w.must(http.StatusOK, http.MethodGet, "/api/admin/users", nil, root)
	w.must(http.StatusOK, http.MethodGet, "/api/admin/users?search=ol&status=active&facilityId="+w.f1.ID+"&limit=2", nil, root)
	tom := map[string]any{"username": "tom", "displayName": "Tom", "email": "tom@example.com", "roles": []string{"operator"},
		"facilityIds": []string{w.f1.ID}, "temporaryPassword": walkNew}
	tomID := w.must(http.StatusCreated, http.MethodPost, "/api/admin/users", tom, root).JSON(w.t)["id"].(string)
	w.refused(http.StatusConflict, "conflict", http.MethodPost, "/api/admin/users", tom, root)
	w.refused(http.StatusUnprocessableEntity, "invalid_request", http.MethodPost, "/api/admin/users",
		map[string]any{"username": "x y", "roles": []string{"operator"}}, root)
	w.must(http.StatusCreated, http.MethodPost, "/api/admin/users", map[string]any{"username": "ivy", "displayName": "Ivy",
		"email": "ivy@example.com", "roles": []string{"operator"}, "facilityIds": []string{w.f1.ID}}, root)
	w.must(http.StatusCreated, http.MethodPost, "/api/admin/users", map[string]any{"username": "sue", "displayName": "Sue",
		"email": "sue@contoso.example", "roles": []string{"operator"}, "sso": true}, root)
	w.must(http.StatusOK, http.MethodGet, "/api/admin/users/"+tomID, nil, root)
	w.refused(http.StatusNotFound, "not_found", http.MethodGet, "/api/admin/users/u_unknown", nil, root)
	w.must(http.StatusOK, http.MethodPatch, "/api/admin/users/"+tomID, map[string]any{"displayName": "Tom T."}, root)
	w.must(http.StatusOK, http.MethodPatch, "/api/admin/users/"+tomID, map[string]any{"email": "tom.t@example.com"}, root)
	w.must(http.StatusOK, http.MethodPatch, "/api/admin/users/"+tomID, map[string]any{"roles": []string{"admin"}}, root)
	w.must(http.StatusOK, http.MethodPatch, "/api/admin/users/"+tomID, map[string]any{"roles": []string{"operator"}}, root)
	w.refused(http.StatusNotFound, "not_found", http.MethodPatch, "/api/admin/users/u_unknown", map[string]any{"displayName": "X"}, root)
	tomSession := w.signIn("tom", walkNew, "password_change_required")
	w.must(http.StatusNoContent, http.MethodPost, "/api/admin/users/"+tomID+"/deactivate", nil, root)
	w.refused(http.StatusUnauthorized, "unauthenticated", http.MethodGet, "/api/auth/session", nil, tomSession)
	w.refused(http.StatusConflict, "conflict", http.MethodPost, "/api/admin/users/"+w.root.ID+"/deactivate", nil, root)
	w.must(http.StatusNoContent, http.MethodPost, "/api/admin/users/"+tomID+"/activate", nil, root)
	w.must(http.StatusNoContent, http.MethodPost, "/api/admin/users/"+w.lena.ID+"/unlock", nil, root)
	w.signIn("lena", walkPW, "authenticated")
	w.must(http.StatusNoContent, http.MethodPost, "/api/admin/users/"+w.mia.ID+"/mfa/reset", nil, root)
	w.refused(http.StatusConflict, "conflict", http.MethodPost, "/api/admin/users/"+tomID+"/invitation", nil, root)
	w.signIn("olga", walkNew, "authenticated")
	w.must(http.StatusNoContent, http.MethodPost, "/api/admin/users/"+w.olga.ID+"/sessions/revoke", nil, root)
	w.refused(http.StatusUnauthorized, "unauthenticated", http.MethodGet, "/api/auth/session", nil, operator)
	w.refused(http.StatusUnprocessableEntity, "password_policy", http.MethodPost, "/api/admin/users/"+tomID+"/password",
		map[string]any{"password": "short", "temporary": true}, root)
	w.must(http.StatusNoContent, http.MethodPost, "/api/admin/users/"+tomID+"/password", map[string]any{"password": walkNew2, "temporary": true}, root)
	w.signIn("tom", walkNew2, "password_change_required")
	w.refused(http.StatusConflict, "conflict", http.MethodDelete, "/api/admin/users/"+w.root.ID, nil, root)
	w.must(http.StatusNoContent, http.MethodDelete, "/api/admin/users/"+tomID, nil, root)
	w.refused(http.StatusNotFound, "not_found", http.MethodDelete, "/api/admin/users/"+tomID, nil, root)

	// Help requests: nora's (the reset flow opened it) is listed and
	// dismissed; asked for again, setting her a password resolves it.
	help := func() []any {
		return w.must(http.StatusOK, http.MethodGet, "/api/admin/help-requests", nil, root).JSON(w.t)["items"].([]any)
	}
	items := help()
	if len(items) != 1 || items[0].(map[string]any)["userId"] != w.nora.ID {
		w.fatalf("help requests %v, want nora's", items)
	}
	dismiss := "/api/admin/help-requests/" + items[0].(map[string]any)["id"].(string)
	w.must(http.StatusNoContent, http.MethodDelete, dismiss, nil, root)
	w.refused(http.StatusNotFound, "not_found", http.MethodDelete, dismiss, nil, root)
	w.must(http.StatusAccepted, http.MethodPost, "/api/auth/password/reset", map[string]string{"identifier": "nora"}, nil)
	w.must(http.StatusNoContent, http.MethodPost, "/api/admin/users/"+w.nora.ID+"/password", map[string]any{"password": walkNew, "temporary": true}, root)
	if items := help(); len(items) != 0 {
		w.fatalf("help requests %v after nora's password was set", items)
	}

	// Facilities.
	w.must(http.StatusOK, http.MethodGet, "/api/admin/facilities", nil, root)
	fid := w.must(http.StatusCreated, http.MethodPost, "/api/admin/facilities", map[string]string{"name": "Munich Store"}, root).JSON(w.t)["id"].(string)
	w.refused(http.StatusConflict, "conflict", http.MethodPost, "/api/admin/facilities", map[string]string{"name": "Munich Store"}, root)
	w.must(http.StatusOK, http.MethodPatch, "/api/admin/facilities/"+fid, map[string]string{"name": "Munich Depot", "status": "inactive"}, root)
	w.refused(http.StatusConflict, "conflict", http.MethodPatch, "/api/admin/facilities/"+fid, map[string]string{"name": "Berlin Store"}, root)
	w.must(http.StatusNoContent, http.MethodDelete, "/api/admin/facilities/"+fid, nil, root)
	w.refused(http.StatusNotFound, "not_found", http.MethodDelete, "/api/admin/facilities/"+fid, nil, root)

	// Parameters: SSO provisions accounts from here on (the sso flow).
	w.must(http.StatusOK, http.MethodGet, "/api/admin/parameters", nil, root)
	w.refused(http.StatusUnprocessableEntity, "invalid_request", http.MethodPut, "/api/admin/parameters",
		map[string]any{"lockout": map[string]any{"maxFailures": 0}}, root)
	w.must(http.StatusOK, http.MethodPut, "/api/admin/parameters", map[string]any{"sso": map[string]any{"strategy": "provision"}}, root)

	// The audit trail.
	w.must(http.StatusOK, http.MethodGet, "/api/admin/audit", nil, root)
	w.must(http.StatusOK, http.MethodGet, "/api/admin/audit?type=login.failed&limit=5", nil, root)
	w.must(http.StatusOK, http.MethodGet, "/api/admin/audit?userId="+w.olga.ID, nil, root)
	w.refused(http.StatusBadRequest, "invalid_request", http.MethodGet, "/api/admin/audit?cursor=%21", nil, root)

	// SSO providers.
	w.must(http.StatusOK, http.MethodGet, "/api/admin/sso/providers", nil, root)
	fabrikam := map[string]any{"name": "Fabrikam", "type": "oidc", "oidc": map[string]any{
		"issuer": "https://login.fabrikam.example", "clientId": "gatepass", "clientSecret": "s3cret", "scopes": []string{"openid", "email"}}}
	w.must(http.StatusCreated, http.MethodPut, "/api/admin/sso/providers/Fabrikam", fabrikam, root)
	w.must(http.StatusOK, http.MethodPut, "/api/admin/sso/providers/Fabrikam", fabrikam, root)
	w.must(http.StatusNoContent, http.MethodDelete, "/api/admin/sso/providers/Fabrikam", nil, root)
	w.refused(http.StatusNotFound, "not_found", http.MethodDelete, "/api/admin/sso/providers/Fabrikam", nil, root)

	// Sensitive actions need a recent authentication.
	w.e.Clock.Advance(sessions.StepUpWindow + time.Minute)
	w.refused(http.StatusForbidden, "step_up_required", http.MethodPost, "/api/admin/users/"+w.mia.ID+"/mfa/reset", nil, root)
}

// invitation: an invited user (created by the admin flow) is sent a new
// link that supersedes the first; verifying and accepting it.
func (w *walk) invitation() {
	root := w.signIn("root", walkPW, "authenticated")
	snap, err := w.e.Store.Load(context.Background(), store.Query{Claims: []store.ClaimKey{{Kind: store.ClaimUsername, Value: "ivy"}}})
	if err != nil {
		w.fatalf("ivy: %v", err)
	}
	ivy := snap.Claims[store.ClaimKey{Kind: store.ClaimUsername, Value: "ivy"}]
	w.must(http.StatusNoContent, http.MethodPost, "/api/admin/users/"+ivy+"/invitation", nil, root)
	links := w.tokens("ivy@example.com")
	if len(links) != 2 {
		w.fatalf("%d invitations for ivy, want 2", len(links))
	}
	superseded, token := links[0], links[1]
	w.refused(http.StatusGone, "token_invalid", http.MethodPost, "/api/auth/invitation/verify", map[string]string{"token": superseded}, nil)
	w.must(http.StatusOK, http.MethodPost, "/api/auth/invitation/verify", map[string]string{"token": token}, nil)
	w.refused(http.StatusBadRequest, "password_mismatch", http.MethodPost, "/api/auth/invitation/accept",
		map[string]string{"token": token, "password": walkNew, "passwordRepeat": walkNew2}, nil)
	w.must(http.StatusNoContent, http.MethodPost, "/api/auth/invitation/accept",
		map[string]string{"token": token, "password": walkNew, "passwordRepeat": walkNew}, nil)
	w.refused(http.StatusGone, "token_invalid", http.MethodPost, "/api/auth/invitation/accept",
		map[string]string{"token": token, "password": walkNew, "passwordRepeat": walkNew}, nil)
	w.signIn("ivy", walkNew, "authenticated")
}

// sso: start (and an unknown provider); callbacks that bind an SSO account
// by email, sign in a bound identity, provision a new account; refusals.
func (w *walk) singleSignOn() {
	start := func() (string, *http.Cookie) {
		res := w.must(http.StatusFound, http.MethodGet, "/api/auth/sso/Contoso/start?returnTo=%2F%23%2Fviews", nil, nil)
		binding := res.Cookie("gatepass-sso")
		if binding == nil {
			w.fatalf("no binding cookie")
		}
		return res.Header.Get("Location"), binding
	}
	back := func(q url.Values, binding *http.Cookie) apptest.Response {
		return w.call(http.MethodGet, "/api/auth/sso/callback?"+q.Encode(), nil, binding)
	}
	signIn := func(subject, email string) {
		loc, binding := start()
		res := back(w.broker.authorize(w.t, loc, subject, email), binding)
		if res.Status != http.StatusFound || res.Header.Get("Location") != "/#/views" || w.cookie(res) == nil {
			w.fatalf("sso sign-in of %s: %d to %q", subject, res.Status, res.Header.Get("Location"))
		}
	}
	refusal := func(res apptest.Response, code string) {
		if res.Status != http.StatusFound || res.Header.Get("Location") != "/#/login?error="+code {
			w.fatalf("sso refusal: %d to %q, want %s", res.Status, res.Header.Get("Location"), code)
		}
	}
	w.refused(http.StatusNotFound, "not_found", http.MethodGet, "/api/auth/sso/Nope/start", nil, nil)
	signIn("00u-sam", "sam@contoso.example") // binds sam by email
	signIn("00u-sam", "sam@contoso.example") // the bound identity
	signIn("00u-new", "new@contoso.example") // provisioned (the admin flow set the strategy)

	loc, binding := start()
	refusal(back(w.broker.authorize(w.t, loc, "00u-olga", "olga@example.com"), binding), sso.CodeNoAccount) // a local account
	loc, binding = start()
	q := w.broker.authorize(w.t, loc, "00u-sam", "sam@contoso.example")
	refusal(back(url.Values{"state": q["state"], "error": {"access_denied"}}, binding), sso.CodeFailed)
	refusal(back(q, binding), sso.CodeFailed) // the state is used
	refusal(back(url.Values{"state": {ids.Token()}, "code": {"x"}}, binding), sso.CodeFailed)
}

// authorizer: allow for a session with a view; deny without a cookie, for a
// malformed or unknown one, a restricted session and one without a view.
func (w *walk) authorizer(a *authorizer.Authorizer) {
	c := w.signIn("vera", walkPW, "authenticated")
	c = w.cookie(w.must(http.StatusOK, http.MethodPost, "/api/auth/views/select", map[string]string{"type": "network"}, c))
	restricted := w.signIn("rita", walkPW, "password_change_required")
	noView := w.signIn("root", walkPW, "authenticated")
	revoked := w.signIn("vera", walkPW, "authenticated")
	w.must(http.StatusNoContent, http.MethodPost, "/api/auth/logout", nil, revoked)
	for _, tt := range []struct {
		name    string
		cookies []string
		allow   bool
	}{
		{"a network view", []string{pair(c)}, true},
		{"no cookie", nil, false},
		{"malformed", []string{"gatepass=not-a-token"}, false},
		{"unknown", []string{"gatepass=" + w.olga.ID + "." + ids.Token()}, false},
		{"revoked", []string{pair(revoked)}, false},
		{"restricted", []string{pair(restricted)}, false},
		{"no view", []string{pair(noView)}, false},
	} {
		if got := w.authorize(a, tt.cookies...); got != tt.allow {
			w.fatalf("%s: allowed %v, want %v", tt.name, got, tt.allow)
		}
	}
}

func pair(c *http.Cookie) string { return c.Name + "=" + c.Value }

// authorize runs the authorizer on an event carrying cookies.
func (w *walk) authorize(a *authorizer.Authorizer, cookies ...string) bool {
	w.t.Helper()
	res, err := a.Authorize(context.Background(), events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST", RouteKey: "GET /api/orders", RawPath: "/api/orders", Cookies: cookies,
		Headers:        map[string]string{"host": "backoffice.example.com"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req", RouteKey: "GET /api/orders", Stage: "$default"},
	})
	if err != nil {
		w.fatalf("authorize: %v", err)
	}
	return res.IsAuthorized
}

// bootstrap: create (the first super_admin invited), create again (nothing
// to do), update (a new invitation superseding the first), delete, and a
// create refused for its properties.
func (w *walk) bootstrap(f cfn.CustomResourceFunction) {
	ctx := context.Background()
	const to = "it@acme.example"
	physical := app.BootstrapPhysicalID("acme")
	ev := func(typ cfn.RequestType, id string, props map[string]any) cfn.Event {
		return cfn.Event{RequestType: typ, RequestID: "req", StackID: "stack", LogicalResourceID: "Bootstrap",
			PhysicalResourceID: id, ResourceType: "Custom::GatepassBootstrap", ResourceProperties: props}
	}
	props := map[string]any{app.BootstrapAdminEmail: to}
	if _, _, err := f(ctx, ev(cfn.RequestCreate, "", map[string]any{})); err == nil {
		w.fatalf("a create without an email succeeded")
	}
	for i, step := range []struct {
		ev      cfn.Event
		created string
		mails   int
	}{
		{ev(cfn.RequestCreate, "", props), "true", 1},
		{ev(cfn.RequestCreate, "", props), "false", 1},
		{ev(cfn.RequestUpdate, physical, map[string]any{app.BootstrapAdminEmail: to, "Reinvite": "2"}), "false", 2},
	} {
		id, data, err := f(ctx, step.ev)
		if err != nil || id != physical || data["Created"] != step.created || len(w.e.Mail.To(to)) != step.mails {
			w.fatalf("step %d (%s): %q %v %v, %d mails", i, step.ev.RequestType, id, data, err, len(w.e.Mail.To(to)))
		}
	}
	if _, _, err := f(ctx, ev(cfn.RequestDelete, physical, nil)); err != nil {
		w.fatalf("delete: %v", err)
	}
	links := w.tokens(to)
	w.must(http.StatusOK, http.MethodPost, "/api/auth/invitation/verify", map[string]string{"token": links[len(links)-1]}, nil)
}

// ssoSync: the custom resource that gives the app client back the saved
// providers after a deploy reads the parameters, on create and update.
func (w *walk) ssoSync(f cfn.CustomResourceFunction) {
	for _, typ := range []cfn.RequestType{cfn.RequestCreate, cfn.RequestUpdate, cfn.RequestDelete} {
		ev := cfn.Event{RequestType: typ, RequestID: "req", StackID: "stack", LogicalResourceID: "SsoSync",
			PhysicalResourceID: app.SSOSyncPhysicalID("acme"), ResourceType: app.SSOSyncResourceType}
		if _, _, err := f(context.Background(), ev); err != nil {
			w.fatalf("sso sync %s: %v", typ, err)
		}
	}
}

// sessionUpkeep sends every route of the table, and the authorizer, a
// session last seen over sessions.TouchInterval ago (its activity is
// recorded) and one idle past the timeout (it is ended). The caller is a
// super_admin, so that admin routes reach their handlers; bodies are empty
// and path ids unknown, so that nothing else changes.
func (w *walk) sessionUpkeep(a *authorizer.Authorizer) {
	idle := params.Defaults().Session.IdleTimeout() + time.Minute
	for _, f := range routes.Table() {
		for _, key := range f.Routes {
			method, path := routes.Split(key)
			path = concrete(path)
			for _, age := range []time.Duration{2 * sessions.TouchInterval, idle} {
				w.call(method, path, nil, w.agedSession(w.sweeper, age, sessions.View{}))
			}
		}
	}
	network := sessions.View{Type: sessions.ViewNetwork}
	if !w.authorize(a, pair(w.agedSession(w.sweeper, 2*sessions.TouchInterval, network))) {
		w.fatalf("the authorizer refused a live session with a view")
	}
	if w.authorize(a, pair(w.agedSession(w.sweeper, idle, network))) {
		w.fatalf("the authorizer allowed an idle session")
	}
}

// fakeBroker is an sso.Broker for the walk: it keeps each authorization
// request and redeems the codes authorize hands out, once, for the verifier
// and redirect URI of their request. The broker touches no store, so the
// sso function sends DynamoDB the same requests as with Cognito.
type fakeBroker struct {
	mu      sync.Mutex
	pending map[string]sso.AuthRequest // by state
	codes   map[string]brokerGrant
}

type brokerGrant struct {
	req    sso.AuthRequest
	claims sso.Claims
}

func newFakeBroker() *fakeBroker {
	return &fakeBroker{pending: map[string]sso.AuthRequest{}, codes: map[string]brokerGrant{}}
}

// AuthCodeURL implements sso.Broker.
func (b *fakeBroker) AuthCodeURL(_ context.Context, a sso.AuthRequest) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending[a.State] = a
	return "https://broker.example/oauth2/authorize?" + url.Values{"state": {a.State}, "identity_provider": {a.ProviderID}}.Encode(), nil
}

// Exchange implements sso.Broker.
func (b *fakeBroker) Exchange(_ context.Context, code, verifier, redirectURI string) (sso.Claims, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	g, ok := b.codes[code]
	delete(b.codes, code)
	if !ok || verifier != g.req.Verifier || redirectURI != g.req.RedirectURI {
		return sso.Claims{}, fmt.Errorf("%w: invalid_grant", sso.ErrBroker)
	}
	return g.claims, nil
}

// authorize plays the person signing in at the provider as subject with a
// verified email: it returns the callback query for the flow whose
// authorization URL is location.
func (b *fakeBroker) authorize(t testing.TB, location, subject, email string) url.Values {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	state := u.Query().Get("state")
	b.mu.Lock()
	defer b.mu.Unlock()
	req, ok := b.pending[state]
	if !ok {
		t.Fatalf("no authorization request for %s", location)
	}
	code := ids.Token()
	b.codes[code] = brokerGrant{req: req, claims: sso.Claims{Subject: "cognito-" + subject, Nonce: req.Nonce,
		Email: email, EmailVerified: true, Name: "Sam Example",
		Identities: []sso.UpstreamIdentity{{ProviderName: req.ProviderID, UserID: subject}}}}
	return url.Values{"code": {code}, "state": {state}}
}
