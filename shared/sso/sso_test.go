package sso_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/alias"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/sso"
	"github.com/gatepass/gatepass/shared/sso/ssotest"
	"github.com/gatepass/gatepass/shared/store"
)

// fixture is an environment with every function, a test broker and one
// provider, "Contoso".
type fixture struct {
	*apptest.Env
	issuer *testIssuer
}

func newFixture(t *testing.T) *fixture { return newLoggingFixture(t, nil) }

// newLoggingFixture is newFixture with every function's log lines in log.
func newLoggingFixture(t *testing.T, log io.Writer) *fixture {
	return newFixtureWith(t, apptest.Options{Log: log})
}

// newFixtureWith is newFixture on the environment o describes (its store,
// its log); the clock and the SSO dependencies are the fixture's.
func newFixtureWith(t *testing.T, o apptest.Options) *fixture {
	t.Helper()
	clk := clock.NewFake(apptest.Start)
	is := newTestIssuer(t, clk)
	broker := sso.NewOIDCBroker(sso.OIDCBrokerConfig{Issuer: is.srv.URL, ClientID: is.client,
		ClientSecret: is.secret, Clock: clk})
	dir := ssotest.NewDirectory(sso.Provider{ID: "Contoso", Type: sso.TypeOIDC})
	o.Clock, o.SSO = clk, app.SSODeps{Directory: dir, Broker: broker}
	return &fixture{Env: apptest.New(t, o), issuer: is}
}

// flow is one browser's trip: start, the provider, the callback.
type flow struct {
	binding  *http.Cookie
	authURL  string
	callback url.Values
}

func (f *fixture) start(provider, returnTo string) (apptest.Response, flow) {
	f.T.Helper()
	path := "/api/auth/sso/" + provider + "/start"
	if returnTo != "" {
		path += "?returnTo=" + url.QueryEscape(returnTo)
	}
	res := f.Get(path, nil)
	fl := flow{authURL: res.Header.Get("Location"), binding: res.Cookie("gatepass-sso")}
	return res, fl
}

func (f *fixture) mustStart(returnTo string) flow {
	f.T.Helper()
	res, fl := f.start("Contoso", returnTo)
	if res.Status != http.StatusFound || fl.binding == nil || !strings.HasPrefix(fl.authURL, f.issuer.srv.URL) {
		f.T.Fatalf("start: %d location %q cookie %v body %s", res.Status, fl.authURL, fl.binding, res.Body)
	}
	c := fl.binding
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 600 {
		f.T.Fatalf("binding cookie %+v", c)
	}
	return fl
}

func (f *fixture) back(q url.Values, binding *http.Cookie) apptest.Response {
	f.T.Helper()
	return f.Get("/api/auth/sso/callback?"+q.Encode(), binding)
}

// signIn runs a whole flow for subject with email and returns the callback
// response.
func (f *fixture) signIn(subject, email string, tweaks ...tokenTweak) apptest.Response {
	f.T.Helper()
	fl := f.mustStart("")
	return f.back(f.issuer.authorize(fl.authURL, "Contoso", subject, email, tweaks...), fl.binding)
}

func wantRefusal(t *testing.T, res apptest.Response, code string) {
	t.Helper()
	if res.Status != http.StatusFound || res.Header.Get("Location") != "/#/login?error="+code {
		t.Fatalf("got %d to %q, want a redirect with %s", res.Status, res.Header.Get("Location"), code)
	}
	if c := res.Cookie("gatepass"); c != nil && c.Value != "" {
		t.Fatalf("a refused sign-in set a session cookie")
	}
}

func wantSession(t *testing.T, f *fixture, res apptest.Response, location string) map[string]any {
	t.Helper()
	if res.Status != http.StatusFound || res.Header.Get("Location") != location {
		t.Fatalf("got %d to %q, want a redirect to %q", res.Status, res.Header.Get("Location"), location)
	}
	c := res.Cookie("gatepass")
	if c == nil || c.Value == "" || c.SameSite != http.SameSiteStrictMode || !c.HttpOnly {
		t.Fatalf("session cookie %+v", c)
	}
	s := f.Get("/api/auth/session", c)
	if s.Status != 200 {
		t.Fatalf("session: %d %s", s.Status, s.Body)
	}
	return s.JSON(t)
}

func ssoAccount(email string) func(*store.Account) {
	return func(a *store.Account) {
		a.SSO, a.PasswordHash, a.Email = true, "", email
	}
}

func (f *fixture) events(typ string) []store.AuditEvent {
	f.T.Helper()
	page, err := f.Store.ListAudit(context.Background(), store.AuditQuery{Type: typ, Limit: 200})
	if err != nil {
		f.T.Fatal(err)
	}
	return page.Items
}

func (f *fixture) setParams(mutate func(*params.Parameters)) {
	f.T.Helper()
	snap, err := f.Store.Load(context.Background(), store.Query{Parameters: true})
	if err != nil {
		f.T.Fatal(err)
	}
	p := snap.Parameters
	mutate(&p)
	if err := f.Store.Commit(context.Background(), store.PutParameters{Parameters: p, Version: snap.ParametersVersion}); err != nil {
		f.T.Fatal(err)
	}
}

func TestExistingOnlyBindsTheSSOAccountWithTheEmail(t *testing.T) {
	f := newFixture(t)
	sam := f.Account("sam", "", ssoAccount("Sam@Example.com"))
	fl := f.mustStart("/#/admin/users")
	res := f.back(f.issuer.authorize(fl.authURL, "Contoso", "00u-sam", "sam@example.com"), fl.binding)
	doc := wantSession(t, f, res, "/#/admin/users")
	if doc["user"].(map[string]any)["id"] != sam.ID {
		t.Fatalf("signed in as %v", doc["user"])
	}
	if got := f.Load(sam.ID); got.SSOIdentity != store.SSOIdentityKey("Contoso", "00u-sam") || got.LastLoginAt.IsZero() {
		t.Fatalf("account after first SSO sign-in: identity %q last login %v", got.SSOIdentity, got.LastLoginAt)
	}
	if c := res.Cookie("gatepass-sso"); c == nil || c.MaxAge >= 0 {
		t.Fatalf("binding cookie not cleared: %+v", c)
	}
	// Later sign-ins find the account by identity, whatever the email says now.
	res = f.signIn("00u-sam", "sam.renamed@example.com")
	wantSession(t, f, res, "/")
	if ev := f.events(audit.SSOLoginSucceeded); len(ev) != 2 || ev[0].UserID != sam.ID || ev[0].Detail["provider"] != "Contoso" {
		t.Fatalf("sso.login.succeeded events: %+v", ev)
	}
}

func TestProvisionCreatesTheAccountWithMappedGroups(t *testing.T) {
	f := newFixture(t)
	munich := f.Facility("Munich")
	f.setParams(func(p *params.Parameters) {
		p.SSO.Strategy = "provision"
		p.SSO.DefaultRoles = []string{"operator"}
		p.SSO.GroupMappings = []params.GroupMapping{
			{Group: "store-leads", Roles: []string{"supervisor"}, FacilityIDs: []string{munich.ID}},
			{Provider: "Other", Group: "store-leads", Roles: []string{"admin"}, NetworkAccess: true},
			{Group: "unrelated", Roles: []string{"admin"}},
		}
	})
	res := f.signIn("00u-new", "New.Person@Example.com", func(g *grant) {
		g.claims["custom:groups"] = "[store-leads, everyone]"
	})
	doc := wantSession(t, f, res, "/")
	user := doc["user"].(map[string]any)
	roles := user["roles"].([]any)
	if len(roles) != 2 || roles[0] != "operator" || roles[1] != "supervisor" || user["sso"] != true {
		t.Fatalf("provisioned user %v", user)
	}
	// One facility and no network access: the session opens in it.
	if v, _ := doc["view"].(map[string]any); v == nil || v["facilityId"] != munich.ID {
		t.Fatalf("view %v", doc["view"])
	}
	a := f.Load(user["id"].(string))
	if !a.SSO || a.PasswordHash != "" || a.Status != store.StatusActive || a.EmailKey != "new.person@example.com" ||
		a.NetworkAccess || !slices.Equal(a.FacilityIDs, []string{munich.ID}) {
		t.Fatalf("provisioned account %+v", a)
	}
	if ev := f.events(audit.UserCreated); len(ev) != 1 || ev[0].Detail["provisioned"] != "true" {
		t.Fatalf("user.created: %+v", ev)
	}
	// The next sign-in finds it; no second account.
	wantSession(t, f, f.signIn("00u-new", "New.Person@Example.com"), "/")
	if ev := f.events(audit.UserCreated); len(ev) != 1 {
		t.Fatalf("%d accounts created", len(ev))
	}
}

func TestAccountRefusals(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(f *fixture)
		subject string
		email   string
		code    string
		reason  string
	}{
		{"existing_only without an account", nil, "00u-x", "nobody@example.com", sso.CodeNoAccount, "no_account"},
		{"a local-password account with the email is never taken over", func(f *fixture) {
			f.Account("lena", "correct horse battery staple", func(a *store.Account) { a.Email = "lena@example.com" })
		}, "00u-lena", "lena@example.com", sso.CodeNoAccount, "email_is_local_account"},
		{"provision never takes over a local account either", func(f *fixture) {
			f.setParams(func(p *params.Parameters) { p.SSO.Strategy = "provision" })
			f.Account("lena", "correct horse battery staple", func(a *store.Account) { a.Email = "lena@example.com" })
		}, "00u-lena", "lena@example.com", sso.CodeNoAccount, "email_is_local_account"},
		{"an SSO account bound to another identity", func(f *fixture) {
			f.Account("sam", "", ssoAccount("sam@example.com"), func(a *store.Account) {
				a.SSOIdentity = store.SSOIdentityKey("Contoso", "00u-first")
			})
		}, "00u-second", "sam@example.com", sso.CodeNoAccount, "email_bound_to_other_identity"},
		{"no email", nil, "00u-x", "", sso.CodeNoAccount, "no_email"},
		{"deactivated", func(f *fixture) {
			f.Account("sam", "", ssoAccount("sam@example.com"), func(a *store.Account) { a.Status = store.StatusInactive })
		}, "00u-sam", "sam@example.com", sso.CodeInactive, "account_inactive"},
		{"expired", func(f *fixture) {
			f.Account("sam", "", ssoAccount("sam@example.com"), func(a *store.Account) {
				a.ValidUntil = f.Clock.Now().Add(-time.Minute)
			})
		}, "00u-sam", "sam@example.com", sso.CodeInactive, "account_expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			wantRefusal(t, f.signIn(tt.subject, tt.email), tt.code)
			ev := f.events(audit.SSOLoginFailed)
			if len(ev) != 1 || ev[0].Detail["reason"] != tt.reason || ev[0].Detail["provider"] != "Contoso" {
				t.Fatalf("sso.login.failed: %+v", ev)
			}
			if n := len(f.events(audit.SSOLoginSucceeded)); n != 0 {
				t.Fatalf("%d successes", n)
			}
			if n := len(f.events(audit.UserCreated)); n != 0 {
				t.Fatalf("%d accounts created", n)
			}
		})
	}
}

func TestLocalAccountStaysUnbound(t *testing.T) {
	f := newFixture(t)
	lena := f.Account("lena", "correct horse battery staple", func(a *store.Account) { a.Email = "lena@example.com" })
	wantRefusal(t, f.signIn("00u-lena", "lena@example.com"), sso.CodeNoAccount)
	if got := f.Load(lena.ID); got.SSOIdentity != "" || got.Version != lena.Version || !got.LastLoginAt.IsZero() {
		t.Fatalf("local account changed: %+v", got)
	}
}

func TestStateRefusals(t *testing.T) {
	tests := []struct {
		name   string
		mangle func(f *fixture, fl flow, q url.Values) (url.Values, *http.Cookie)
		reason string
	}{
		{"state missing", func(f *fixture, fl flow, q url.Values) (url.Values, *http.Cookie) {
			q.Del("state")
			return q, fl.binding
		}, "state_missing"},
		{"state altered", func(f *fixture, fl flow, q url.Values) (url.Values, *http.Cookie) {
			s := q.Get("state")
			q.Set("state", s[:len(s)-1]+string("AB"[strings.IndexByte("AB", s[len(s)-1])+1&1]))
			return q, fl.binding
		}, "state_unknown"},
		{"no binding cookie (another browser)", func(f *fixture, fl flow, q url.Values) (url.Values, *http.Cookie) {
			return q, nil
		}, "state_other_browser"},
		{"another browser's binding cookie", func(f *fixture, fl flow, q url.Values) (url.Values, *http.Cookie) {
			_, other := f.start("Contoso", "")
			return q, other.binding
		}, "state_other_browser"},
		{"state expired", func(f *fixture, fl flow, q url.Values) (url.Values, *http.Cookie) {
			f.Clock.Advance(sso.StateTTL + time.Second)
			return q, fl.binding
		}, "state_unknown"},
		{"provider error", func(f *fixture, fl flow, q url.Values) (url.Values, *http.Cookie) {
			q.Del("code")
			q.Set("error", "access_denied")
			return q, fl.binding
		}, "provider_error:access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.Account("sam", "", ssoAccount("sam@example.com"))
			fl := f.mustStart("")
			q := f.issuer.authorize(fl.authURL, "Contoso", "00u-sam", "sam@example.com")
			q, cookie := tt.mangle(f, fl, q)
			wantRefusal(t, f.back(q, cookie), sso.CodeFailed)
			ev := f.events(audit.SSOLoginFailed)
			if len(ev) != 1 || ev[0].Detail["reason"] != tt.reason {
				t.Fatalf("sso.login.failed: %+v", ev)
			}
		})
	}
}

func TestStateIsSingleUse(t *testing.T) {
	f := newFixture(t)
	f.Account("sam", "", ssoAccount("sam@example.com"))
	fl := f.mustStart("")
	q := f.issuer.authorize(fl.authURL, "Contoso", "00u-sam", "sam@example.com")
	wantSession(t, f, f.back(q, fl.binding), "/")
	// Replaying the same callback (same state, even with a fresh code) fails.
	q2 := f.issuer.authorize(fl.authURL, "Contoso", "00u-sam", "sam@example.com")
	wantRefusal(t, f.back(q2, fl.binding), sso.CodeFailed)
	if ev := f.events(audit.SSOLoginFailed); len(ev) != 1 || ev[0].Detail["reason"] != "state_unknown" {
		t.Fatalf("sso.login.failed: %+v", ev)
	}
	// A state used by a wrong browser is gone for the right one as well.
	fl = f.mustStart("")
	q = f.issuer.authorize(fl.authURL, "Contoso", "00u-sam", "sam@example.com")
	wantRefusal(t, f.back(q, nil), sso.CodeFailed)
	wantRefusal(t, f.back(q, fl.binding), sso.CodeFailed)
}

func TestIDTokenRefusals(t *testing.T) {
	tests := []struct {
		name  string
		tweak tokenTweak
	}{
		{"wrong nonce", func(g *grant) { g.claims["nonce"] = "not-the-nonce" }},
		{"no nonce", func(g *grant) { delete(g.claims, "nonce") }},
		{"wrong aud", func(g *grant) { g.claims["aud"] = "another-client" }},
		{"wrong iss", func(g *grant) { g.claims["iss"] = "https://evil.example" }},
		{"expired", func(g *grant) { g.claims["exp"] = time.Unix(g.claims["iat"].(int64), 0).Add(-time.Minute).Unix() }},
		{"alg none", func(g *grant) { g.header = map[string]any{"alg": "none", "typ": "JWT"}; g.unsigned = true }},
		{"alg HS256", func(g *grant) { g.header["alg"] = "HS256" }},
		{"signed by another key", func(g *grant) { g.otherKey = true }},
		{"identities of another provider", func(g *grant) {
			g.claims["identities"] = []map[string]any{{"userId": "00u-sam", "providerName": "Other"}}
		}},
		{"no identities", func(g *grant) { delete(g.claims, "identities") }},
		{"PKCE verifier does not match", func(g *grant) { g.challenge = "something-else" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			sam := f.Account("sam", "", ssoAccount("sam@example.com"))
			wantRefusal(t, f.signIn("00u-sam", "sam@example.com", tt.tweak), sso.CodeFailed)
			if got := f.Load(sam.ID); got.SSOIdentity != "" {
				t.Fatal("a refused token bound the identity")
			}
			if ev := f.events(audit.SSOLoginFailed); len(ev) != 1 {
				t.Fatalf("sso.login.failed: %+v", ev)
			}
		})
	}
}

func TestReturnTo(t *testing.T) {
	tests := []struct{ returnTo, want string }{
		{"", "/"},
		{"/#/home", "/#/home"},
		{"/#/admin/users?status=active", "/#/admin/users?status=active"},
		{"//evil.example", "/"},
		{"//evil.example/#/home", "/"},
		{"https://evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"/\tevil", "/"},
		{"/%0d%0aSet-Cookie:x=y", "/%0d%0aSet-Cookie:x=y"},
		{"http:/evil.example", "/"},
		{"evil.example", "/"},
	}
	for _, tt := range tests {
		if got := sso.SafeReturnTo(tt.returnTo); got != tt.want {
			t.Errorf("SafeReturnTo(%q) = %q, want %q", tt.returnTo, got, tt.want)
		}
	}
	// End to end: an open-redirect returnTo lands on "/".
	for _, evil := range []string{"//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)"} {
		t.Run(evil, func(t *testing.T) {
			f := newFixture(t)
			f.Account("sam", "", ssoAccount("sam@example.com"))
			fl := f.mustStart(evil)
			res := f.back(f.issuer.authorize(fl.authURL, "Contoso", "00u-sam", "sam@example.com"), fl.binding)
			wantSession(t, f, res, "/")
		})
	}
}

func TestUnknownProviderIsNotFound(t *testing.T) {
	f := newFixture(t)
	for _, id := range []string{"Nope", "contoso", "COGNITO"} {
		if res, _ := f.start(id, ""); res.Status != http.StatusNotFound || res.Cookie("gatepass-sso") != nil {
			t.Errorf("start %s: %d", id, res.Status)
		}
	}
}

func TestConfigListsProvidersWithTheirNames(t *testing.T) {
	f := newFixture(t)
	f.setParams(func(p *params.Parameters) {
		p.SSO.Providers = []params.SSOProvider{{ID: "Contoso", Name: "Contoso Azure AD"}}
	})
	doc := f.Get("/api/auth/config", nil).JSON(t)
	s := doc["sso"].(map[string]any)
	list := s["providers"].([]any)
	if s["enabled"] != true || len(list) != 1 || list[0].(map[string]any)["name"] != "Contoso Azure AD" ||
		list[0].(map[string]any)["id"] != "Contoso" {
		t.Fatalf("config sso = %v", s)
	}
	// Without a broker: disabled and empty.
	plain := apptest.New(t, apptest.Options{})
	s = plain.Get("/api/auth/config", nil).JSON(t)["sso"].(map[string]any)
	if s["enabled"] != false || len(s["providers"].([]any)) != 0 {
		t.Fatalf("config sso without SSO = %v", s)
	}
	if res := plain.Get("/api/auth/sso/Contoso/start", nil); res.Status != http.StatusNotFound {
		t.Fatalf("start without SSO: %d", res.Status)
	}
}

func TestUnderTheAdminAlias(t *testing.T) {
	f := newFixture(t)
	f.Account("sam", "", ssoAccount("sam@example.com"))
	f.setParams(func(p *params.Parameters) { p.AdminAlias = "backstage-2026" })
	hdr := map[string]string{alias.Header: "backstage-2026"}
	res := f.Do(apptest.Request{Method: "GET", Path: "/api/auth/sso/Contoso/start?returnTo=/%23/home", Header: hdr})
	loc, _ := url.Parse(res.Header.Get("Location"))
	if res.Status != http.StatusFound || loc.Query().Get("redirect_uri") != apptest.Public+"/backstage-2026/api/auth/sso/callback" {
		t.Fatalf("start under the alias: %d %s", res.Status, res.Header.Get("Location"))
	}
	q := f.issuer.authorize(loc.String(), "Contoso", "00u-sam", "sam@example.com")
	res = f.Do(apptest.Request{Method: "GET", Path: "/api/auth/sso/callback?" + q.Encode(), Header: hdr,
		Cookie: res.Cookie("gatepass-sso")})
	if res.Status != http.StatusFound || res.Header.Get("Location") != "/backstage-2026/#/home" || res.Cookie("gatepass") == nil {
		t.Fatalf("callback under the alias: %d %s", res.Status, res.Header.Get("Location"))
	}
}

// SECURITY.md "Operations": logs and the audit trail never hold a token,
// code or secret — here the authorization code, the state, the browser's
// binding secret, the broker client secret and the session token — whether
// the sign-in succeeds or the token is refused after the code was redeemed.
func TestNoSecretInLogsOrAudit(t *testing.T) {
	var log bytes.Buffer
	f := newLoggingFixture(t, &log)
	f.Account("sam", "", ssoAccount("sam@example.com"))
	var secrets []string
	for _, tweak := range []tokenTweak{nil, func(g *grant) { g.claims["aud"] = "another-client" }} {
		fl := f.mustStart("")
		tweaks := []tokenTweak{}
		if tweak != nil {
			tweaks = append(tweaks, tweak)
		}
		q := f.issuer.authorize(fl.authURL, "Contoso", "00u-sam", "sam@example.com", tweaks...)
		res := f.back(q, fl.binding)
		secrets = append(secrets, q.Get("code"), q.Get("state"), fl.binding.Value)
		if c := res.Cookie("gatepass"); c != nil && c.Value != "" {
			secrets = append(secrets, c.Value)
		}
	}
	secrets = append(secrets, f.issuer.secret)
	if n := len(f.events(audit.SSOLoginSucceeded)) + len(f.events(audit.SSOLoginFailed)); n != 2 {
		t.Fatalf("%d sso events, want a success and a refusal", n)
	}
	page, err := f.Store.ListAudit(context.Background(), store.AuditQuery{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var trail strings.Builder
	for _, e := range page.Items {
		fmt.Fprintf(&trail, "%+v\n", e)
	}
	for _, s := range secrets {
		if strings.Contains(log.String(), s) {
			t.Errorf("a secret (%.6s…) is in the logs", s)
		}
		if strings.Contains(trail.String(), s) {
			t.Errorf("a secret (%.6s…) is in the audit trail", s)
		}
	}
	if !strings.Contains(log.String(), "sso exchange failed") {
		t.Fatal("the refused token left no log line: the test checks nothing")
	}
}

// emailVerified sets the ID token's email_verified claim to v (a JSON
// boolean, or a string as Cognito writes mapped attributes); nil removes it.
func emailVerified(v any) tokenTweak {
	return func(g *grant) {
		if v == nil {
			delete(g.claims, "email_verified")
			return
		}
		g.claims["email_verified"] = v
	}
}

// A provider user who changed their own email to an SSO account's does not
// get that account: binding by email needs an email the provider vouches
// for — the token's email_verified, or the provider marked trustEmail by a
// super_admin (API.md callback).
func TestBindingByEmailNeedsAVouchedEmail(t *testing.T) {
	for _, tc := range []struct {
		name     string
		verified any
		trust    bool
		bound    bool
	}{
		{"email_verified true", true, false, true},
		{`email_verified "true" (Cognito's mapped form)`, "true", false, true},
		{"email_verified false", false, false, false},
		{`email_verified "false"`, "false", false, false},
		{"no email_verified", nil, false, false},
		{"unverified, but the provider is trusted", false, true, true},
		{"no claim, but the provider is trusted", nil, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			boss := f.Account("boss", "", ssoAccount("boss@example.com"))
			if tc.trust {
				f.setParams(func(p *params.Parameters) {
					p.SSO.Providers = []params.SSOProvider{{ID: "Contoso", Name: "Contoso", TrustEmail: true}}
				})
			}
			res := f.signIn("00u-mallory", "boss@example.com", emailVerified(tc.verified))
			if !tc.bound {
				wantRefusal(t, res, "sso_no_account")
				if got := f.Load(boss.ID); got.SSOIdentity != "" {
					t.Fatalf("the account was bound to the unvouched identity: %q", got.SSOIdentity)
				}
				if ev := f.events(audit.SSOLoginFailed); len(ev) != 1 || ev[0].Detail["reason"] != "email_not_verified" {
					t.Fatalf("sso.login.failed events: %+v", ev)
				}
				return
			}
			doc := wantSession(t, f, res, "/")
			if doc["user"].(map[string]any)["id"] != boss.ID {
				t.Fatalf("signed in as %v", doc["user"])
			}
		})
	}
}

// A provisioned account's email is verified only when the provider vouched
// for it.
func TestProvisionedEmailIsVerifiedOnlyWhenVouched(t *testing.T) {
	f := newFixture(t)
	f.setParams(func(p *params.Parameters) { p.SSO.Strategy = "provision" })
	wantSession(t, f, f.signIn("00u-new", "new@example.com", emailVerified(false)), "/")
	wantSession(t, f, f.signIn("00u-ok", "ok@example.com"), "/")
	page, err := f.Store.ListAccounts(context.Background(), store.AccountQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range page.Items {
		if want := a.Email == "ok@example.com"; a.EmailVerified != want {
			t.Errorf("%s: emailVerified %v, want %v", a.Email, a.EmailVerified, want)
		}
	}
}
