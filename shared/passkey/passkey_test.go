package passkey_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/passkey/passkeytest"
	"github.com/gatepass/gatepass/shared/store"
)

var local *dynamolocal.Shared

func TestMain(m *testing.M) { os.Exit(dynamolocal.Main(m, &local)) }

const pw = "a long enough passphrase 2026"

// register adds a passkey to the signed-in account c through the API and
// returns the finish response.
func register(t testing.TB, e *apptest.Env, c *http.Cookie, auth *passkeytest.Authenticator, name string) apptest.Response {
	t.Helper()
	begin := e.Post("/api/auth/passkeys/register/begin", map[string]string{"password": pw}, c)
	if begin.Status != 200 {
		t.Fatalf("register begin: %d %s", begin.Status, begin.Body)
	}
	var b struct {
		Registration string          `json:"registration"`
		Options      json.RawMessage `json:"options"`
	}
	if err := json.Unmarshal(begin.Body, &b); err != nil {
		t.Fatal(err)
	}
	cred, err := auth.Create(b.Options)
	if err != nil {
		t.Fatal(err)
	}
	return e.Post("/api/auth/passkeys/register/finish",
		map[string]any{"registration": b.Registration, "name": name, "credential": json.RawMessage(cred)}, c)
}

// passwordless signs in with the authenticator's discoverable passkey.
func passwordless(t *testing.T, e *apptest.Env, auth *passkeytest.Authenticator) apptest.Response {
	t.Helper()
	challenge, options := beginPasswordless(t, e)
	assertion, err := auth.Get(options)
	if err != nil {
		t.Fatal(err)
	}
	return finishPasswordless(e, challenge, assertion)
}

func beginPasswordless(t *testing.T, e *apptest.Env) (string, json.RawMessage) {
	t.Helper()
	res := e.Post("/api/auth/login/passkey/begin", map[string]any{}, nil)
	if res.Status != 200 {
		t.Fatalf("passwordless begin: %d %s", res.Status, res.Body)
	}
	var b struct {
		Challenge string          `json:"challenge"`
		Options   json.RawMessage `json:"options"`
	}
	if err := json.Unmarshal(res.Body, &b); err != nil {
		t.Fatal(err)
	}
	return b.Challenge, b.Options
}

func finishPasswordless(e *apptest.Env, challenge string, assertion []byte) apptest.Response {
	return e.Post("/api/auth/login/passkey/finish",
		map[string]any{"challenge": challenge, "credential": json.RawMessage(assertion)}, nil)
}

func auditDetail(t *testing.T, e *apptest.Env, typ string) []map[string]string {
	t.Helper()
	var out []map[string]string
	for _, ev := range e.Audit(t, typ) {
		out = append(out, ev.Detail)
	}
	return out
}

// hasMethod reports whether one of the events' details names method.
func hasMethod(details []map[string]string, method string) bool {
	return slices.ContainsFunc(details, func(d map[string]string) bool { return d["method"] == method })
}

func TestRegisterThenSignInWithoutPassword(t *testing.T) {
	apptest.ForEachStore(t, local, func(t *testing.T, newEnv func(*testing.T) *apptest.Env) {
		e := newEnv(t)
		a := e.Account("jdoe", pw, func(a *store.Account) { a.NetworkAccess = true })
		c, _ := e.SignIn("jdoe", pw)
		auth := passkeytest.New(e.Public)

		res := register(t, e, c, auth, "Work laptop")
		if res.Status != 201 {
			t.Fatalf("register finish: %d %s", res.Status, res.Body)
		}
		body := res.JSON(t)
		pk := body["passkey"].(map[string]any)
		if pk["name"] != "Work laptop" || pk["lastUsedAt"] != nil || pk["id"] == "" {
			t.Fatalf("passkey = %v", pk)
		}
		if codes, _ := body["recoveryCodes"].([]any); len(codes) != 10 {
			t.Fatalf("the first second factor comes with 10 recovery codes: %v", body["recoveryCodes"])
		}
		// Stored: the credential, its claim, the account's index.
		stored := e.Load(a.ID)
		if ids := stored.CredentialIDs(store.CredentialPasskey); len(ids) != 1 || ids[0] != pk["id"] ||
			!stored.HasCredential(store.CredentialRecoveryCodes) {
			t.Fatalf("index = %v", stored.Credentials)
		}
		st := e.Get("/api/auth/mfa", c).JSON(t)
		if list := st["passkeys"].([]any); len(list) != 1 || st["recoveryCodes"].(map[string]any)["remaining"] != float64(10) {
			t.Fatalf("GET /api/auth/mfa = %v", st)
		}
		if s := e.Get("/api/auth/session", c).JSON(t); s["mfa"].(map[string]any)["passkeys"] != float64(1) {
			t.Fatalf("session mfa = %v", s["mfa"])
		}
		if d := auditDetail(t, e, "mfa.passkey.added"); len(d) != 1 || d[0]["name"] != "Work laptop" {
			t.Fatalf("mfa.passkey.added = %v", d)
		}
		if sent := e.Mail.To("jdoe@example.com"); len(sent) == 0 || sent[len(sent)-1].Kind != mail.KindPasskeyAdded {
			t.Fatalf("mails = %v", sent)
		}

		e.Clock.Advance(time.Minute)
		e.Store.Reset()
		res = passwordless(t, e, auth)
		if res.Status != 200 || res.JSON(t)["status"] != "authenticated" || res.Cookie("gatepass") == nil {
			t.Fatalf("passwordless: %d %s", res.Status, res.Body)
		}
		// Budget (issue 2.4): a passkey sign-in ≤ 2 reads + 2 writes, begin
		// and finish together.
		if n := e.Store.Counts(); n.Reads > 2 || n.Writes > 2 {
			t.Fatalf("passkey sign-in took %d reads and %d writes", n.Reads, n.Writes)
		}
		if d := auditDetail(t, e, "login.succeeded"); !hasMethod(d, "passkey") {
			t.Fatalf("login.succeeded details = %v", d)
		}
		after := e.Get("/api/auth/mfa", res.Cookie("gatepass")).JSON(t)
		if after["passkeys"].([]any)[0].(map[string]any)["lastUsedAt"] == nil {
			t.Fatal("lastUsedAt not recorded")
		}
	})
}

func TestPasswordlessFailuresAreAlike(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	a := e.Account("jdoe", pw)
	c, _ := e.SignIn("jdoe", pw)
	auth := passkeytest.New(e.Public)
	if res := register(t, e, c, auth, "Key"); res.Status != 201 {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	cred := auth.Credentials[0]

	tests := []struct {
		name   string
		answer func(challenge string, options json.RawMessage) []byte
		before func()
	}{
		{"replayed challenge", func(challenge string, options json.RawMessage) []byte {
			assertion, _ := auth.Get(options)
			if res := finishPasswordless(e, challenge, assertion); res.Status != 200 {
				t.Fatalf("first use: %d %s", res.Status, res.Body)
			}
			again, _ := auth.Get(options)
			return again
		}, nil},
		{"wrong origin", func(_ string, options json.RawMessage) []byte {
			evil := passkeytest.New("https://evil.example")
			evil.Credentials = auth.Credentials
			b, _ := evil.Get(options)
			return b
		}, nil},
		{"counter did not grow", func(_ string, options json.RawMessage) []byte {
			var o struct {
				PublicKey struct {
					Challenge string `json:"challenge"`
				} `json:"publicKey"`
			}
			_ = json.Unmarshal(options, &o)
			// The one sign-in that succeeded stored counter 1; a clone
			// sends what it last saw, not more.
			b, _ := auth.AssertWithCounter(cred, o.PublicKey.Challenge, 1)
			return b
		}, nil},
		{"no user verification", func(_ string, options json.RawMessage) []byte {
			auth.NoUserVerification = true
			defer func() { auth.NoUserVerification = false }()
			b, _ := auth.Get(options)
			return b
		}, nil},
		{"unknown credential", func(_ string, options json.RawMessage) []byte {
			other := passkeytest.New(e.Public)
			other.Credentials = []*passkeytest.Credential{{ID: []byte("not registered"), RPID: cred.RPID, UserID: cred.UserID, Key: cred.Key}}
			b, _ := other.Get(options)
			return b
		}, nil},
		{"garbage", func(string, json.RawMessage) []byte { return []byte(`{"id":"AAAA","response":{}}`) }, nil},
		{"deactivated account", func(_ string, options json.RawMessage) []byte {
			b, _ := auth.Get(options)
			return b
		}, func() {
			acct := e.Load(a.ID)
			acct.Status = store.StatusInactive
			if err := e.Store.Commit(context.Background(), store.UpdateAccount{Account: acct, PreviousEmailKey: acct.EmailKey}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	var bodies []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before()
			}
			challenge, options := beginPasswordless(t, e)
			res := finishPasswordless(e, challenge, tt.answer(challenge, options))
			if res.Status != 401 || res.Code(t) != "invalid_credentials" || res.Cookie("gatepass") != nil {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			bodies = append(bodies, string(res.Body))
		})
	}
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Fatalf("failure bodies differ:\n%s\n%s", bodies[0], b)
		}
	}
	if n := len(e.Audit(t, "login.failed")); n < len(tests) {
		t.Fatalf("%d login.failed events for %d failures", n, len(tests))
	}
}

func TestPasskeyAsSecondStep(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("jdoe", pw, func(a *store.Account) { a.NetworkAccess = true })
	c, _ := e.SignIn("jdoe", pw)
	auth := passkeytest.New(e.Public)
	if res := register(t, e, c, auth, "Key"); res.Status != 201 {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	res := e.Post("/api/auth/login", map[string]string{"username": "jdoe", "password": pw}, nil)
	body := res.JSON(t)
	methods, _ := body["methods"].([]any)
	if body["status"] != "mfa_required" || !slices.Equal(methods, []any{"passkey", "recovery_code"}) || body["passkeyOptions"] == nil {
		t.Fatalf("login: %s", res.Body)
	}
	options, _ := json.Marshal(body["passkeyOptions"])
	if !strings.Contains(string(options), `"allowCredentials":[{"id":"`+passkeyID(auth.Credentials[0].ID)+`"`) {
		t.Fatalf("the allow list is not the account's passkeys: %s", options)
	}
	challenge := body["challenge"].(string)
	// A wrong answer costs a try.
	evil := passkeytest.New("https://evil.example")
	evil.Credentials = auth.Credentials
	wrong, _ := evil.Get(options)
	if res := e.Post("/api/auth/login/mfa", map[string]any{"challenge": challenge, "passkey": json.RawMessage(wrong)}, nil); res.Status != 401 || res.Code(t) != "invalid_code" {
		t.Fatalf("wrong origin: %d %s", res.Status, res.Body)
	}
	assertion, err := auth.Get(options)
	if err != nil {
		t.Fatal(err)
	}
	res = e.Post("/api/auth/login/mfa", map[string]any{"challenge": challenge, "passkey": json.RawMessage(assertion)}, nil)
	if res.Status != 200 || res.JSON(t)["status"] != "authenticated" {
		t.Fatalf("second step: %d %s", res.Status, res.Body)
	}
	if d := auditDetail(t, e, "login.succeeded"); !hasMethod(d, "password+passkey") {
		t.Fatalf("login.succeeded = %v", d)
	}
	// The same assertion again: its challenge is used.
	if res := e.Post("/api/auth/login/mfa", map[string]any{"challenge": challenge, "passkey": json.RawMessage(assertion)}, nil); res.Status != 401 {
		t.Fatalf("replay: %d %s", res.Status, res.Body)
	}
}

func TestRenameAndRemove(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	a := e.Account("jdoe", pw)
	c, _ := e.SignIn("jdoe", pw)
	auth := passkeytest.New(e.Public)
	first := register(t, e, c, auth, "One").JSON(t)["passkey"].(map[string]any)["id"].(string)
	second := register(t, e, c, passkeytest.New(e.Public), "Two") // another authenticator
	if second.Status != 201 || second.JSON(t)["recoveryCodes"] != nil {
		t.Fatalf("second passkey: %d %s (no new codes)", second.Status, second.Body)
	}
	secondID := second.JSON(t)["passkey"].(map[string]any)["id"].(string)

	res := e.Do(apptest.Request{Method: "PATCH", Path: "/api/auth/passkeys/" + first, Body: `{"name":"Desk key"}`, Cookie: c})
	if res.Status != 200 || res.JSON(t)["passkey"].(map[string]any)["name"] != "Desk key" {
		t.Fatalf("rename: %d %s", res.Status, res.Body)
	}
	if res := e.Do(apptest.Request{Method: "PATCH", Path: "/api/auth/passkeys/" + first, Body: `{"name":"a\u202ebad"}`, Cookie: c}); res.Status != 422 {
		t.Fatalf("rename with a bidi override: %d %s", res.Status, res.Body)
	}
	if res := e.Do(apptest.Request{Method: "PATCH", Path: "/api/auth/passkeys/nope", Body: `{"name":"x"}`, Cookie: c}); res.Status != 404 {
		t.Fatalf("rename unknown: %d %s", res.Status, res.Body)
	}
	remove := func(id, password string) apptest.Response {
		b, _ := json.Marshal(map[string]string{"password": password})
		return e.Do(apptest.Request{Method: "DELETE", Path: "/api/auth/passkeys/" + id, Body: string(b), Cookie: c})
	}
	if res := remove(first, "wrong"); res.Status != 400 || res.Code(t) != "current_password_invalid" {
		t.Fatalf("remove with a wrong password: %d %s", res.Status, res.Body)
	}
	if res := remove(first, pw); res.Status != 204 {
		t.Fatalf("remove: %d %s", res.Status, res.Body)
	}
	claim := store.ClaimKey{Kind: store.CredentialClaim(store.CredentialPasskey), Value: first}
	if snap, _ := e.Store.Load(context.Background(), store.Query{Claims: []store.ClaimKey{claim}}); snap.Claims[claim] != "" {
		t.Fatal("the removed passkey's id is still claimed")
	}
	// The last second factor may not go while a role requires one.
	e.SetParameters(func(p *params.Parameters) { p.MFA.RequiredForRoles = []string{accounts.RoleOperator} })
	if res := remove(secondID, pw); res.Status != 403 || res.Code(t) != "mfa_required_by_policy" {
		t.Fatalf("remove the last factor: %d %s", res.Status, res.Body)
	}
	e.SetParameters(func(p *params.Parameters) { p.MFA.RequiredForRoles = []string{} })
	if res := remove(secondID, pw); res.Status != 204 {
		t.Fatalf("remove the last: %d %s", res.Status, res.Body)
	}
	// With the last factor the recovery codes went too.
	if stored := e.Load(a.ID); len(stored.Credentials) != 0 {
		t.Fatalf("index after removing the last passkey: %v", stored.Credentials)
	}
	if list, _ := e.Store.ListCredentials(context.Background(), a.ID, ""); len(list) != 0 {
		t.Fatalf("credentials left: %+v", list)
	}
	if n := len(e.Audit(t, "mfa.passkey.removed")); n != 2 {
		t.Fatalf("%d mfa.passkey.removed events", n)
	}
}

func TestRegistrationRefusals(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("jdoe", pw)
	e.Account("sso", "", func(a *store.Account) { a.SSO = true })
	c, _ := e.SignIn("jdoe", pw)
	if res := e.Post("/api/auth/passkeys/register/begin", map[string]string{"password": "wrong"}, c); res.Status != 400 ||
		res.Code(t) != "current_password_invalid" {
		t.Fatalf("wrong password: %d %s", res.Status, res.Body)
	}
	sso := e.SessionFor(e.Load(accountID(t, e, "sso")))
	if res := e.Post("/api/auth/passkeys/register/begin", map[string]string{"password": pw}, sso); res.Status != 403 ||
		res.Code(t) != "sso_account" {
		t.Fatalf("sso account: %d %s", res.Status, res.Body)
	}
	// An attestation for another challenge, or a registration used twice.
	auth := passkeytest.New(e.Public)
	begin := e.Post("/api/auth/passkeys/register/begin", map[string]string{"password": pw}, c).JSON(t)
	options, _ := json.Marshal(begin["options"])
	cred, _ := auth.Create(options)
	other := e.Post("/api/auth/passkeys/register/begin", map[string]string{"password": pw}, c).JSON(t)
	if res := e.Post("/api/auth/passkeys/register/finish", map[string]any{"registration": other["registration"],
		"credential": json.RawMessage(cred)}, c); res.Status != 400 || res.Code(t) != "invalid_request" {
		t.Fatalf("another challenge: %d %s", res.Status, res.Body)
	}
	finish := map[string]any{"registration": begin["registration"], "credential": json.RawMessage(cred)}
	if res := e.Post("/api/auth/passkeys/register/finish", finish, c); res.Status != 201 {
		t.Fatalf("finish: %d %s", res.Status, res.Body)
	}
	if res := e.Post("/api/auth/passkeys/register/finish", finish, c); res.Status != 400 {
		t.Fatalf("registration used twice: %d %s", res.Status, res.Body)
	}
	// The authenticator refuses what the options exclude: its own passkey.
	next := e.Post("/api/auth/passkeys/register/begin", map[string]string{"password": pw}, c).JSON(t)
	options, _ = json.Marshal(next["options"])
	if _, err := auth.Create(options); err != passkeytest.ErrExcluded {
		t.Fatalf("exclude list: %v", err)
	}
}

func accountID(t *testing.T, e *apptest.Env, username string) string {
	t.Helper()
	claim := store.ClaimKey{Kind: store.ClaimUsername, Value: accounts.CanonicalUsername(username)}
	snap, err := e.Store.Load(context.Background(), store.Query{Claims: []store.ClaimKey{claim}})
	if err != nil || snap.Claims[claim] == "" {
		t.Fatalf("no account %s: %v", username, err)
	}
	return snap.Claims[claim]
}

// A credential id is registered once per tenant: a second account that
// presents the same credential gets 409 and nothing is written.
func TestCredentialIDUniquePerTenant(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("jdoe", pw)
	e.Account("otto", pw)
	jdoe, _ := e.SignIn("jdoe", pw)
	otto, _ := e.SignIn("otto", pw)
	auth := passkeytest.New(e.Public)
	if res := register(t, e, jdoe, auth, "Mine"); res.Status != 201 {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	// otto's registration answered with jdoe's credential id.
	begin := e.Post("/api/auth/passkeys/register/begin", map[string]string{"password": pw}, otto).JSON(t)
	options, _ := json.Marshal(begin["options"])
	clone := passkeytest.New(e.Public)
	cred, err := clone.Create(options)
	if err != nil {
		t.Fatal(err)
	}
	cred = []byte(strings.ReplaceAll(string(cred), passkeyID(clone.Credentials[0].ID), passkeyID(auth.Credentials[0].ID)))
	res := e.Post("/api/auth/passkeys/register/finish", map[string]any{"registration": begin["registration"],
		"credential": json.RawMessage(cred)}, otto)
	// The id inside the signed attestation is still the clone's: the
	// response does not verify, and nothing is stored either way.
	if res.Status != 400 && res.Status != 409 {
		t.Fatalf("a foreign credential id: %d %s", res.Status, res.Body)
	}
	if got := e.Load(accountID(t, e, "otto")); got.HasCredential(store.CredentialPasskey) {
		t.Fatal("otto got a passkey")
	}
}

func passkeyID(raw []byte) string {
	b, _ := json.Marshal(raw) // standard base64 in quotes
	s := strings.Trim(string(b), `"`)
	s = strings.NewReplacer("+", "-", "/", "_").Replace(s)
	return strings.TrimRight(s, "=")
}

func TestStepUpWithPasskey(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("jdoe", pw)
	c, _ := e.SignIn("jdoe", pw)
	auth := passkeytest.New(e.Public)
	if res := register(t, e, c, auth, "Key"); res.Status != 201 {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	// A second factor is required now.
	if res := e.Post("/api/auth/reauth", map[string]string{"password": pw}, c); res.Status != 400 {
		t.Fatalf("reauth without the passkey: %d %s", res.Status, res.Body)
	}
	begin := e.Post("/api/auth/reauth/passkey/begin", map[string]any{}, c)
	if begin.Status != 200 {
		t.Fatalf("reauth begin: %d %s", begin.Status, begin.Body)
	}
	b := begin.JSON(t)
	options, _ := json.Marshal(b["options"])
	assertion, err := auth.Get(options)
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"password": pw, "challenge": b["challenge"], "passkey": json.RawMessage(assertion)}
	res := e.Post("/api/auth/reauth", body, c)
	if res.Status != 204 || res.Cookie("gatepass") == nil {
		t.Fatalf("reauth: %d %s", res.Status, res.Body)
	}
	if d := auditDetail(t, e, "session.reauthenticated"); d[0]["method"] != "password+passkey" {
		t.Fatalf("session.reauthenticated = %v", d)
	}
	// The challenge is used: the same proof again fails.
	if res := e.Post("/api/auth/reauth", body, res.Cookie("gatepass")); res.Status != 401 || res.Code(t) != "invalid_code" {
		t.Fatalf("replayed reauth: %d %s", res.Status, res.Body)
	}
}

// A passkey satisfies mfa.requiredForRoles: a session restricted to MFA
// enrolment may add one, and becomes a normal session.
func TestPasskeyLiftsEnrolmentRestriction(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("boss", pw, func(a *store.Account) { a.Roles, a.NetworkAccess = []string{accounts.RoleSupervisor}, true })
	e.SetParameters(func(p *params.Parameters) { p.MFA.RequiredForRoles = []string{accounts.RoleSupervisor} })
	res := e.Post("/api/auth/login", map[string]string{"username": "boss", "password": pw}, nil)
	if res.JSON(t)["status"] != "mfa_enrolment_required" {
		t.Fatalf("login: %s", res.Body)
	}
	c := res.Cookie("gatepass")
	if res := e.Get("/api/auth/views", c); res.Status != 403 {
		t.Fatalf("restricted session used a view: %d", res.Status)
	}
	added := register(t, e, c, passkeytest.New(e.Public), "Key")
	renewed := added.Cookie("gatepass")
	if added.Status != 201 || renewed == nil {
		t.Fatalf("register: %d %s", added.Status, added.Body)
	}
	if res := e.Get("/api/auth/views", renewed); res.Status != 200 {
		t.Fatalf("session still restricted: %d %s", res.Status, res.Body)
	}
}
