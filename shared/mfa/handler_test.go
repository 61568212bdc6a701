package mfa_test

import (
	"context"
	"encoding/base32"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/mfa"
	"github.com/gatepass/gatepass/shared/mfa/totp"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/secretbox"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/storecount"
)

const (
	public = "http://127.0.0.1:8080"
	pw     = "a long enough passphrase 2026"
)

// start is the environment's clock: 10 s into a 30 s step.
var start = time.Date(2026, 11, 23, 8, 0, 10, 0, time.UTC)

// env is the two-factor tests' view of an apptest environment: every
// function routed as in AWS, sessions inserted directly when a test needs a
// particular restriction.
type env struct {
	*apptest.Env
	t        testing.TB
	clock    *clock.Fake
	store    *storecount.Store
	box      *secretbox.Box
	hasher   password.Hasher
	sessions *sessions.Manager
	mail     mailKinds
	service  *mfa.Service
	handler  http.Handler
}

// mailKinds lists the kinds of the mails sent so far.
type mailKinds struct{ box *apptest.Mailbox }

func (m mailKinds) kinds() []mail.Kind {
	var out []mail.Kind
	for _, msg := range m.box.Sent() {
		out = append(out, msg.Kind)
	}
	return out
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := apptest.New(t, apptest.Options{})
	e.Clock.Set(start)
	svc, err := app.MFA(app.Deps{Tenant: "acme", PublicURL: e.Public, Store: e.Store, Clock: e.Clock, Hasher: e.Hasher,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Mailer: e.Mail, Secrets: e.Box})
	if err != nil {
		t.Fatal(err)
	}
	return &env{Env: e, t: t, clock: e.Clock, store: e.Store, box: e.Box, hasher: e.Hasher,
		sessions: sessions.NewManager(e.Store, e.Clock, false), mail: mailKinds{e.Mail}, service: svc, handler: e.Handler}
}

// account creates an active operator with password pw.
func (e *env) account(username string, mutate ...func(*store.Account)) store.Account {
	e.t.Helper()
	return e.Account(username, pw, mutate...)
}

func (e *env) load(id string) store.Account { return e.Load(id) }

// creds returns the user's live credentials by kind (the last of a kind).
func (e *env) creds(id string) map[store.CredentialKind]store.Credential {
	e.t.Helper()
	list, err := e.store.ListCredentials(context.Background(), id, "")
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[store.CredentialKind]store.Credential{}
	for _, c := range list {
		out[c.Kind] = c
	}
	return out
}

// signIn stores a session for the account as login would, with the given
// restriction, and returns its cookie.
func (e *env) signIn(userID, restriction string) *http.Cookie {
	e.t.Helper()
	snap, err := e.store.Load(context.Background(), store.Query{AccountID: userID, Parameters: true})
	if err != nil {
		e.t.Fatal(err)
	}
	is := e.sessions.New(snap.Account, sessions.Meta{IP: "203.0.113.7", UserAgent: "test"}, restriction, sessions.View{}, snap.Parameters)
	if err := e.store.Commit(context.Background(), store.PutSession{Session: is.Session}); err != nil {
		e.t.Fatal(err)
	}
	return &http.Cookie{Name: e.sessions.CookieName(), Value: is.Token}
}

func (e *env) setParams(mutate func(*params.Parameters)) {
	e.t.Helper()
	snap, err := e.store.Load(context.Background(), store.Query{Parameters: true})
	if err != nil {
		e.t.Fatal(err)
	}
	p := snap.Parameters
	mutate(&p)
	if err := e.store.Commit(context.Background(), store.PutParameters{Parameters: p, Version: snap.ParametersVersion}); err != nil {
		e.t.Fatal(err)
	}
}

// response keeps the short names the tests use.
type response struct {
	apptest.Response
	status int
	body   []byte
}

func (r response) json(t testing.TB) map[string]any { return r.JSON(t) }
func (r response) code(t testing.TB) string         { return r.Code(t) }
func (r response) cookie(name string) *http.Cookie  { return r.Cookie(name) }

func (e *env) do(method, path string, body any, c *http.Cookie) response {
	e.t.Helper()
	rq := apptest.Request{Method: method, Path: path, Cookie: c}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rq.Body = string(b)
	}
	res := e.Do(rq)
	return response{Response: res, status: res.Status, body: res.Body}
}

func (e *env) status(c *http.Cookie) response { return e.do("GET", "/api/auth/mfa", nil, c) }

func (e *env) enrol(c *http.Cookie, password string) response {
	return e.do("POST", "/api/auth/mfa/totp/enrol", map[string]string{"password": password}, c)
}

func (e *env) activate(c *http.Cookie, code string) response {
	return e.do("POST", "/api/auth/mfa/totp/activate", map[string]string{"code": code}, c)
}

func (e *env) disable(c *http.Cookie, body map[string]string) response {
	return e.do("DELETE", "/api/auth/mfa/totp", body, c)
}

func (e *env) regenerate(c *http.Cookie, password string) response {
	return e.do("POST", "/api/auth/mfa/recovery-codes", map[string]string{"password": password}, c)
}

// enrolSecret enrols and returns the pending secret.
func (e *env) enrolSecret(c *http.Cookie) []byte {
	e.t.Helper()
	res := e.enrol(c, pw)
	if res.status != 200 {
		e.t.Fatalf("enrol: %d %s", res.status, res.body)
	}
	s, _ := res.json(e.t)["secret"].(string)
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil {
		e.t.Fatalf("secret %q: %v", s, err)
	}
	return secret
}

// enable enrols and activates TOTP at the current step and returns the
// secret and the recovery codes.
func (e *env) enable(c *http.Cookie) ([]byte, []string) {
	e.t.Helper()
	secret := e.enrolSecret(c)
	res := e.activate(c, totp.Code(secret, totp.Step(e.clock.Now())))
	if res.status != 200 {
		e.t.Fatalf("activate: %d %s", res.status, res.body)
	}
	return secret, recoveryCodes(e.t, res)
}

func recoveryCodes(t testing.TB, res response) []string {
	t.Helper()
	var body struct {
		RecoveryCodes []string `json:"recoveryCodes"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil {
		t.Fatal(err)
	}
	return body.RecoveryCodes
}

func (e *env) auditTypes(userID, typ string) int {
	e.t.Helper()
	page, err := e.store.ListAudit(context.Background(), store.AuditQuery{UserID: userID, Type: typ})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(page.Items)
}

func TestEnrolAndActivate(t *testing.T) {
	e := newEnv(t)
	a := e.account("jdoe")
	c := e.signIn(a.ID, store.RestrictionNone)

	res := e.status(c)
	if res.status != 200 || strings.TrimSpace(string(res.body)) != `{"totp":{"enabled":false,"enrolledAt":null},"passkeys":[],"recoveryCodes":{"remaining":0}}` {
		t.Fatalf("status before: %d %s", res.status, res.body)
	}

	res = e.enrol(c, pw)
	if res.status != 200 {
		t.Fatalf("enrol: %d %s", res.status, res.body)
	}
	body := res.json(t)
	secretText, _ := body["secret"].(string)
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secretText)
	if err != nil || len(secret) != 20 {
		t.Fatalf("secret %q: %d bytes, %v", secretText, len(secret), err)
	}
	if uri, _ := body["otpauthUri"].(string); !strings.HasPrefix(uri, "otpauth://totp/acme:jdoe?secret="+secretText) ||
		!strings.Contains(uri, "issuer=acme") {
		t.Errorf("otpauthUri = %q", uri)
	}
	if qr, _ := body["qrCode"].(string); !strings.HasPrefix(qr, "data:image/png;base64,") {
		t.Errorf("qrCode = %.40q", qr)
	}
	if exp, _ := body["expiresAt"].(string); exp != start.Add(10*time.Minute).Format(time.RFC3339) {
		t.Errorf("expiresAt = %q", exp)
	}
	stored := e.load(a.ID)
	pending := e.creds(a.ID)[store.CredentialTOTPPending]
	if mfa.Enabled(stored) || len(pending.Secret) == 0 || strings.Contains(string(pending.Secret), string(secret)) ||
		!pending.ExpiresAt.Equal(start.Add(10*time.Minute)) {
		t.Fatal("pending secret not stored sealed")
	}
	// Pending is not enabled.
	if got := e.status(c).json(t)["totp"].(map[string]any)["enabled"]; got != false {
		t.Fatal("a pending enrolment counts as enabled")
	}

	e.clock.Advance(time.Minute)
	step := totp.Step(e.clock.Now())
	res = e.activate(c, totp.Code(secret, step))
	if res.status != 200 {
		t.Fatalf("activate: %d %s", res.status, res.body)
	}
	codes := recoveryCodes(t, res)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes", len(codes))
	}
	stored = e.load(a.ID)
	creds := e.creds(a.ID)
	active, recovery := creds[store.CredentialTOTP], creds[store.CredentialRecoveryCodes]
	if _, still := creds[store.CredentialTOTPPending]; !mfa.Enabled(stored) || active.Counter != step || still ||
		!active.CreatedAt.Equal(e.clock.Now()) || len(recovery.Hashes) != 10 ||
		!stored.HasCredential(store.CredentialRecoveryCodes) {
		t.Fatalf("stored after activation: %+v, %+v", stored, creds)
	}
	for _, code := range codes {
		if strings.Contains(strings.Join(recovery.Hashes, ","), code) {
			t.Fatal("a recovery code is stored in clear")
		}
	}
	st := e.status(c).json(t)
	if st["totp"].(map[string]any)["enabled"] != true || st["totp"].(map[string]any)["enrolledAt"] != e.clock.Now().Format(time.RFC3339) ||
		st["recoveryCodes"].(map[string]any)["remaining"] != float64(10) {
		t.Fatalf("status after: %v", st)
	}
	if e.auditTypes(a.ID, "mfa.totp.enabled") != 1 {
		t.Error("no mfa.totp.enabled audit event")
	}
	if k := e.mail.kinds(); len(k) != 1 || k[0] != mail.KindTOTPEnabled {
		t.Errorf("mails = %v", k)
	}

	// The activating step counts as used: its code is refused, also for removal.
	if res := e.disable(c, map[string]string{"code": totp.Code(secret, step)}); res.status != 401 || res.code(t) != "invalid_code" {
		t.Fatalf("replayed activation code: %d %s", res.status, res.body)
	}
	// Already enabled; nothing pending.
	if res := e.enrol(c, pw); res.status != 409 || res.code(t) != "conflict" {
		t.Fatalf("enrol when enabled: %d %s", res.status, res.body)
	}
	if res := e.activate(c, totp.Code(secret, step+1)); res.status != 409 {
		t.Fatalf("activate when enabled: %d %s", res.status, res.body)
	}
	// A recovery code works as a second factor.
	if _, err := e.checkRecoveryCode(e.load(a.ID), codes[3]); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
}

// checkRecoveryCode verifies a recovery code of the account as the login's
// second step would: its set read, then the factor.
func (e *env) checkRecoveryCode(a store.Account, code string) (mfa.Use, error) {
	e.t.Helper()
	f := mfa.RecoveryCodes{}
	p := mfa.Proof{Method: mfa.MethodRecoveryCode, Code: code}
	snap, err := e.store.Load(context.Background(), store.Query{Credentials: f.Needs(a.ID, p)})
	if err != nil {
		e.t.Fatal(err)
	}
	if !f.Offered(a) {
		return mfa.Use{}, mfa.ErrInvalidCode
	}
	return f.Verify(mfa.Check{Account: a, Credentials: snap.Credentials, Proof: p, Now: e.clock.Now()})
}

func TestActivateWindow(t *testing.T) {
	tests := []struct {
		name   string
		offset int64
		status int
	}{
		{"T-2", -2, 401},
		{"T-1", -1, 200},
		{"T", 0, 200},
		{"T+1", 1, 200},
		{"T+2", 2, 401},
		{"garbage", 100, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.account("jdoe")
			c := e.signIn(a.ID, store.RestrictionNone)
			secret := e.enrolSecret(c)
			code := totp.Code(secret, totp.Step(e.clock.Now())+tt.offset)
			if tt.name == "garbage" {
				code = "12345x"
			}
			res := e.activate(c, code)
			if res.status != tt.status {
				t.Fatalf("activate: %d %s", res.status, res.body)
			}
			if tt.status == 401 && res.code(t) != "invalid_code" {
				t.Fatalf("code %s", res.body)
			}
			if got := mfa.Enabled(e.load(a.ID)); got != (tt.status == 200) {
				t.Fatalf("enabled = %v", got)
			}
		})
	}
}

func TestPendingEnrolment(t *testing.T) {
	t.Run("nothing pending", func(t *testing.T) {
		e := newEnv(t)
		c := e.signIn(e.account("jdoe").ID, store.RestrictionNone)
		if res := e.activate(c, "123456"); res.status != 409 || res.code(t) != "conflict" {
			t.Fatalf("activate: %d %s", res.status, res.body)
		}
	})
	t.Run("expires after 10 minutes", func(t *testing.T) {
		e := newEnv(t)
		c := e.signIn(e.account("jdoe").ID, store.RestrictionNone)
		secret := e.enrolSecret(c)
		e.clock.Advance(10 * time.Minute)
		if res := e.activate(c, totp.Code(secret, totp.Step(e.clock.Now()))); res.status != 409 {
			t.Fatalf("activate after expiry: %d %s", res.status, res.body)
		}
	})
	t.Run("still pending just before", func(t *testing.T) {
		e := newEnv(t)
		c := e.signIn(e.account("jdoe").ID, store.RestrictionNone)
		secret := e.enrolSecret(c)
		e.clock.Advance(10*time.Minute - time.Second)
		if res := e.activate(c, totp.Code(secret, totp.Step(e.clock.Now()))); res.status != 200 {
			t.Fatalf("activate before expiry: %d %s", res.status, res.body)
		}
	})
	t.Run("a new enrolment replaces the pending one", func(t *testing.T) {
		e := newEnv(t)
		c := e.signIn(e.account("jdoe").ID, store.RestrictionNone)
		first := e.enrolSecret(c)
		second := e.enrolSecret(c)
		step := totp.Step(e.clock.Now())
		if res := e.activate(c, totp.Code(first, step)); res.status != 401 {
			t.Fatalf("first secret: %d %s", res.status, res.body)
		}
		if res := e.activate(c, totp.Code(second, step)); res.status != 200 {
			t.Fatalf("second secret: %d %s", res.status, res.body)
		}
	})
}

func TestWrongPasswordIsCountedAndLocks(t *testing.T) {
	tests := []struct {
		name    string
		enabled bool
		call    func(e *env, c *http.Cookie, password string) response
	}{
		{"enrol", false, (*env).enrol},
		{"recovery codes", true, (*env).regenerate},
		{"disable by password", true, func(e *env, c *http.Cookie, p string) response {
			return e.disable(c, map[string]string{"password": p})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.account("jdoe")
			c := e.signIn(a.ID, store.RestrictionNone)
			if tt.enabled {
				e.enable(c)
			}
			for i := 1; i <= 5; i++ {
				res := tt.call(e, c, "not the password at all")
				if res.status != 400 || res.code(t) != "current_password_invalid" {
					t.Fatalf("attempt %d: %d %s", i, res.status, res.body)
				}
			}
			res := tt.call(e, c, pw) // even the right password, while locked
			if res.status != 429 || res.code(t) != "too_many_requests" || res.Header.Get("Retry-After") == "" {
				t.Fatalf("attempt 6: %d %s", res.status, res.body)
			}
			if n := e.auditTypes(a.ID, "login.failed"); n != 5 {
				t.Errorf("%d login.failed events", n)
			}
			if n := e.auditTypes(a.ID, "login.locked"); n != 1 {
				t.Errorf("%d login.locked events", n)
			}
			e.clock.Advance(6 * time.Minute) // the lock (5 minutes) is over
			if res := tt.call(e, c, pw); res.status/100 != 2 {
				t.Fatalf("after the lock: %d %s", res.status, res.body)
			}
		})
	}
}

func TestSuccessResetsTheCount(t *testing.T) {
	e := newEnv(t)
	a := e.account("jdoe")
	c := e.signIn(a.ID, store.RestrictionNone)
	for range 4 {
		e.enrol(c, "wrong password, again")
	}
	if res := e.enrol(c, pw); res.status != 200 {
		t.Fatalf("enrol: %d %s", res.status, res.body)
	}
	for i := range 5 {
		if res := e.enrol(c, "wrong password, again"); res.status != 400 {
			t.Fatalf("attempt %d after a success: %d", i+1, res.status)
		}
	}
}

func TestDisable(t *testing.T) {
	tests := []struct {
		name string
		body func(secret []byte, now time.Time) map[string]string
	}{
		{"by password", func([]byte, time.Time) map[string]string { return map[string]string{"password": pw} }},
		{"by a fresh code", func(secret []byte, now time.Time) map[string]string {
			return map[string]string{"code": totp.Code(secret, totp.Step(now))}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.account("jdoe")
			c := e.signIn(a.ID, store.RestrictionNone)
			secret, _ := e.enable(c)
			e.clock.Advance(30 * time.Second) // next step
			res := e.disable(c, tt.body(secret, e.clock.Now()))
			if res.status != 204 {
				t.Fatalf("disable: %d %s", res.status, res.body)
			}
			stored := e.load(a.ID)
			if creds := e.creds(a.ID); mfa.Enabled(stored) || len(stored.Credentials) != 0 || len(creds) != 0 {
				t.Fatalf("stored after disable: %+v, %+v", stored, creds)
			}
			if st := e.status(c).json(t); st["totp"].(map[string]any)["enabled"] != false {
				t.Fatalf("status: %v", st)
			}
			if e.auditTypes(a.ID, "mfa.totp.disabled") != 1 {
				t.Error("no mfa.totp.disabled event")
			}
			if k := e.mail.kinds(); len(k) != 2 || k[1] != mail.KindTOTPDisabled {
				t.Errorf("mails = %v", k)
			}
			if res := e.disable(c, map[string]string{"password": pw}); res.status != 409 {
				t.Fatalf("disable when off: %d %s", res.status, res.body)
			}
		})
	}
}

func TestDisableRefusals(t *testing.T) {
	e := newEnv(t)
	a := e.account("jdoe")
	c := e.signIn(a.ID, store.RestrictionNone)
	secret, _ := e.enable(c)
	step := totp.Step(e.clock.Now())
	tests := []struct {
		name   string
		body   map[string]string
		status int
		code   string
	}{
		{"no proof", map[string]string{}, 400, "invalid_request"},
		{"both", map[string]string{"password": pw, "code": totp.Code(secret, step+1)}, 400, "invalid_request"},
		{"wrong password", map[string]string{"password": "wrong"}, 400, "current_password_invalid"},
		{"wrong code", map[string]string{"code": "000000"}, 401, "invalid_code"},
		{"used step", map[string]string{"code": totp.Code(secret, step)}, 401, "invalid_code"},
		{"old step", map[string]string{"code": totp.Code(secret, step-1)}, 401, "invalid_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.disable(c, tt.body)
			if res.status != tt.status || res.code(t) != tt.code {
				t.Fatalf("disable: %d %s", res.status, res.body)
			}
			if !mfa.Enabled(e.load(a.ID)) {
				t.Fatal("disabled anyway")
			}
		})
	}

	t.Run("a code used for removal is used", func(t *testing.T) {
		e := newEnv(t)
		a := e.account("jdoe")
		c := e.signIn(a.ID, store.RestrictionNone)
		secret, _ := e.enable(c)
		next := totp.Code(secret, totp.Step(e.clock.Now())+1)
		if res := e.disable(c, map[string]string{"code": next}); res.status != 204 {
			t.Fatalf("disable: %d %s", res.status, res.body)
		}
		if _, ok := e.creds(a.ID)[store.CredentialTOTP]; ok {
			t.Fatal("the factor is still stored")
		}
		if res := e.disable(c, map[string]string{"code": next}); res.status != 409 {
			t.Fatalf("the same code again: %d %s", res.status, res.body)
		}
	})

	t.Run("required by policy", func(t *testing.T) {
		e.setParams(func(p *params.Parameters) { p.MFA.RequiredForRoles = []string{accounts.RoleOperator} })
		t.Cleanup(func() { e.setParams(func(p *params.Parameters) { p.MFA.RequiredForRoles = []string{} }) })
		for _, body := range []map[string]string{{"password": pw}, {"code": totp.Code(secret, step+1)}} {
			if res := e.disable(c, body); res.status != 403 || res.code(t) != "mfa_required_by_policy" {
				t.Fatalf("disable: %d %s", res.status, res.body)
			}
		}
		if !mfa.Enabled(e.load(a.ID)) {
			t.Fatal("disabled despite policy")
		}
	})
}

func TestRegenerateRecoveryCodes(t *testing.T) {
	e := newEnv(t)
	a := e.account("jdoe")
	c := e.signIn(a.ID, store.RestrictionNone)
	if res := e.regenerate(c, pw); res.status != 409 {
		t.Fatalf("regenerate when off: %d %s", res.status, res.body)
	}
	_, old := e.enable(c)
	if res := e.regenerate(c, "wrong"); res.status != 400 || res.code(t) != "current_password_invalid" {
		t.Fatalf("wrong password: %d %s", res.status, res.body)
	}
	res := e.regenerate(c, pw)
	if res.status != 200 {
		t.Fatalf("regenerate: %d %s", res.status, res.body)
	}
	fresh := recoveryCodes(t, res)
	if len(fresh) != 10 {
		t.Fatalf("%d codes", len(fresh))
	}
	stored := e.load(a.ID)
	for _, code := range old {
		if _, err := e.checkRecoveryCode(stored, code); err == nil {
			t.Fatalf("old code %s still works", code)
		}
	}
	for _, code := range fresh {
		if _, err := e.checkRecoveryCode(stored, code); err != nil {
			t.Fatalf("new code %s: %v", code, err)
		}
	}
	if st := e.status(c).json(t); st["recoveryCodes"].(map[string]any)["remaining"] != float64(10) {
		t.Fatalf("status: %v", st)
	}
	// Audited and mailed (API.md POST /api/auth/mfa/recovery-codes).
	if n := e.auditTypes(a.ID, "mfa.recovery_codes.regenerated"); n != 1 {
		t.Fatalf("%d mfa.recovery_codes.regenerated events, want 1", n)
	}
	if k := e.mail.kinds(); k[len(k)-1] != mail.KindRecoveryCodesRegenerated {
		t.Fatalf("mails = %v, want the last to tell of the new codes", k)
	}
}

func TestAccess(t *testing.T) {
	e := newEnv(t)
	a := e.account("jdoe")
	sso := e.account("sso", func(a *store.Account) { a.SSO, a.PasswordHash = true, "" })
	pwChange := e.signIn(a.ID, store.RestrictionPasswordChange)
	enrolment := e.signIn(a.ID, store.RestrictionMFAEnrolment)
	type call struct {
		method, path string
		body         map[string]string
	}
	calls := []call{
		{"GET", "/api/auth/mfa", nil},
		{"POST", "/api/auth/mfa/totp/enrol", map[string]string{"password": pw}},
		{"POST", "/api/auth/mfa/totp/activate", map[string]string{"code": "123456"}},
		{"DELETE", "/api/auth/mfa/totp", map[string]string{"password": pw}},
		{"POST", "/api/auth/mfa/recovery-codes", map[string]string{"password": pw}},
	}
	for _, cl := range calls {
		t.Run(cl.method+" "+cl.path, func(t *testing.T) {
			var body any
			if cl.body != nil {
				body = cl.body
			}
			if res := e.do(cl.method, cl.path, body, nil); res.status != 401 || res.code(t) != "unauthenticated" {
				t.Errorf("no session: %d %s", res.status, res.body)
			}
			if res := e.do(cl.method, cl.path, body, &http.Cookie{Name: "gatepass", Value: "u_x.nonsense"}); res.status != 401 {
				t.Errorf("bogus session: %d %s", res.status, res.body)
			}
			if res := e.do(cl.method, cl.path, body, pwChange); res.status != 403 || res.code(t) != "password_change_required" {
				t.Errorf("password change session: %d %s", res.status, res.body)
			}
			res := e.do(cl.method, cl.path, body, enrolment)
			allowed := cl.path == "/api/auth/mfa" || strings.HasPrefix(cl.path, "/api/auth/mfa/totp/") && cl.method == "POST"
			if allowed && res.status == 403 || !allowed && (res.status != 403 || res.code(t) != "mfa_enrolment_required") {
				t.Errorf("enrolment session: %d %s", res.status, res.body)
			}
		})
	}
	t.Run("sso account", func(t *testing.T) {
		c := e.signIn(sso.ID, store.RestrictionNone)
		if res := e.enrol(c, "anything"); res.status != 403 || res.code(t) != "sso_account" {
			t.Fatalf("enrol: %d %s", res.status, res.body)
		}
	})
	t.Run("unknown fields", func(t *testing.T) {
		c := e.signIn(a.ID, store.RestrictionNone)
		if res := e.do("POST", "/api/auth/mfa/totp/enrol", map[string]string{"password": pw, "x": "y"}, c); res.status != 400 {
			t.Fatalf("enrol: %d %s", res.status, res.body)
		}
	})
}

func TestEnrolmentSessionBecomesNormal(t *testing.T) {
	e := newEnv(t)
	a := e.account("jdoe")
	e.setParams(func(p *params.Parameters) { p.MFA.RequiredForRoles = []string{accounts.RoleOperator} })
	c := e.signIn(a.ID, store.RestrictionMFAEnrolment)
	before, err := e.store.ListSessions(context.Background(), a.ID)
	if err != nil || len(before) != 1 {
		t.Fatalf("sessions: %v %v", before, err)
	}
	if res := e.status(c); res.status != 200 {
		t.Fatalf("status: %d %s", res.status, res.body)
	}
	secret := e.enrolSecret(c)
	res := e.activate(c, totp.Code(secret, totp.Step(e.clock.Now())))
	if res.status != 200 {
		t.Fatalf("activate: %d %s", res.status, res.body)
	}
	renewed := res.cookie(e.sessions.CookieName())
	if renewed == nil || renewed.Value == c.Value || !renewed.HttpOnly || renewed.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie = %+v", renewed)
	}
	if res := e.status(c); res.status != 401 {
		t.Fatalf("old token: %d", res.status)
	}
	// The renewed session is unrestricted: it reaches endpoints beyond enrolment.
	if res := e.regenerate(&http.Cookie{Name: renewed.Name, Value: renewed.Value}, pw); res.status != 200 {
		t.Fatalf("renewed session: %d %s", res.status, res.body)
	}
	after, err := e.store.ListSessions(context.Background(), a.ID)
	if err != nil || len(after) != 1 {
		t.Fatalf("sessions: %v %v", after, err)
	}
	if after[0].Restriction != store.RestrictionNone || after[0].ID != before[0].ID ||
		!after[0].CreatedAt.Equal(before[0].CreatedAt) || !after[0].ExpiresAt.Equal(before[0].ExpiresAt) {
		t.Fatalf("renewed session %+v, was %+v", after[0], before[0])
	}
}

func TestUnrestrictedActivationKeepsTheSession(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(e.account("jdoe").ID, store.RestrictionNone)
	secret := e.enrolSecret(c)
	res := e.activate(c, totp.Code(secret, totp.Step(e.clock.Now())))
	if res.status != 200 || res.cookie(e.sessions.CookieName()) != nil {
		t.Fatalf("activate: %d, cookie %v", res.status, res.cookie(e.sessions.CookieName()))
	}
	if e.status(c).status != 200 {
		t.Fatal("session lost")
	}
}

func TestAdminReset(t *testing.T) {
	e := newEnv(t)
	a := e.account("jdoe")
	c := e.signIn(a.ID, store.RestrictionNone)
	other := e.signIn(a.ID, store.RestrictionNone)
	e.enable(c)
	err := e.service.AdminReset(context.Background(), a.ID, mfaAdminSource())
	if err != nil {
		t.Fatal(err)
	}
	stored := e.load(a.ID)
	if creds := e.creds(a.ID); mfa.Enabled(stored) || len(stored.Credentials) != 0 || len(creds) != 0 ||
		stored.SessionEpoch != a.SessionEpoch+1 {
		t.Fatalf("stored after reset: %+v, %+v", stored, creds)
	}
	for _, ck := range []*http.Cookie{c, other} {
		r := httptest.NewRequest("GET", public+"/api/auth/mfa", nil)
		r.AddCookie(ck)
		if _, err := e.sessions.Authenticate(context.Background(), r); err != sessions.ErrUnauthenticated {
			t.Fatalf("session survived the reset: %v", err)
		}
	}
	if e.auditTypes(a.ID, "mfa.reset_by_admin") != 1 {
		t.Error("no mfa.reset_by_admin event")
	}
	// The user can enrol again.
	c = e.signIn(a.ID, store.RestrictionNone)
	e.clock.Advance(30 * time.Second)
	e.enable(c)

	if err := e.service.AdminReset(context.Background(), "u_unknown", mfaAdminSource()); err == nil {
		t.Fatal("reset of an unknown user succeeded")
	}
}

func TestConcurrentActivationsHaveOneWinner(t *testing.T) {
	e := newEnv(t)
	a := e.account("jdoe")
	c := e.signIn(a.ID, store.RestrictionNone)
	secret := e.enrolSecret(c)
	code := totp.Code(secret, totp.Step(e.clock.Now()))
	const n = 15
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			r := httptest.NewRequest("POST", public+"/api/auth/mfa/totp/activate", strings.NewReader(`{"code":"`+code+`"}`))
			r.Header.Set("Content-Type", "application/json")
			r.AddCookie(c)
			e.ViaEdge(r)
			w := httptest.NewRecorder()
			e.handler.ServeHTTP(w, r)
			statuses <- w.Code
		})
	}
	wg.Wait()
	close(statuses)
	wins := 0
	for s := range statuses {
		switch s {
		case 200:
			wins++
		case 401, 409: // lost the race, or came after the winner
		default:
			t.Errorf("status %d", s)
		}
	}
	if wins != 1 {
		t.Fatalf("%d activations succeeded", wins)
	}
	if k := e.mail.kinds(); len(k) != 1 {
		t.Fatalf("mails = %v", k)
	}
}

func TestConcurrentActivationsServiceLevel(t *testing.T) {
	// Every contender read the same version: exactly one commit wins, the
	// others are told the code is invalid.
	e := newEnv(t)
	a := e.account("jdoe")
	c := e.signIn(a.ID, store.RestrictionNone)
	secret := e.enrolSecret(c)
	r := httptest.NewRequest("GET", public+"/api/auth/mfa", nil)
	r.AddCookie(c)
	cur, err := e.sessions.Authenticate(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	code := totp.Code(secret, totp.Step(e.clock.Now()))
	const n = 15
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := e.service.Activate(context.Background(), cur, code, sessions.Meta{})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	wins := 0
	for err := range errs {
		switch {
		case err == nil:
			wins++
		case err != mfa.ErrInvalidCode:
			t.Errorf("loser got %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d activations succeeded", wins)
	}
}

func mfaAdminSource() audit.Source {
	return audit.Source{ActorID: "u_admin", IP: "198.51.100.1", UserAgent: "admin"}
}
