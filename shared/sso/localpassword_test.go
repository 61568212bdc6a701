package sso_test

import (
	"encoding/base32"
	"os"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/mfa/totp"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/dynamo/dynamotest"
)

// local is this package's DynamoDB Local, started once by TestMain.
var local *dynamolocal.Shared

func TestMain(m *testing.M) { os.Exit(dynamolocal.Main(m, &local)) }

// forEachStore runs test on a fixture over the embedded store and over
// DynamoDB Local.
func forEachStore(t *testing.T, test func(t *testing.T, f *fixture)) {
	t.Run("embedded", func(t *testing.T) { test(t, newFixture(t)) })
	t.Run("dynamodb", func(t *testing.T) {
		test(t, newFixtureWith(t, apptest.Options{Open: func(tb testing.TB, clk clock.Clock) store.Store {
			return dynamotest.NewStore(tb, local, clk)
		}}))
	})
}

// An SSO account that set a local password through a reset link (while
// sso.allowLocalPassword is on) signs in both ways; turning the parameter
// off stops the password, never the SSO sign-in.
func TestSSOAccountWithALocalPasswordSignsInBothWays(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		const localPW = "a local passphrase beside SSO"
		sam := f.Account("sam", "", ssoAccount("sam@example.com"))
		wantSession(t, f, f.signIn("00u-sam", "sam@example.com"), "/") // binds the identity
		password := func() int {
			f.T.Helper()
			return f.Post("/api/auth/login", map[string]string{"username": "sam", "password": localPW}, nil).Status
		}

		f.setParams(func(p *params.Parameters) { p.SSO.AllowLocalPassword = true })
		f.Post("/api/auth/password/reset", map[string]string{"identifier": "sam@example.com"}, nil)
		sent := f.Mail.To("sam@example.com")
		if len(sent) != 1 || sent[0].Kind != mail.KindResetLink {
			t.Fatalf("mails %+v, want a reset link", sent)
		}
		res := f.Post("/api/auth/password/reset/confirm", map[string]string{"token": apptest.Token(t, sent[0]),
			"password": localPW, "passwordRepeat": localPW}, nil)
		if res.Status != 204 {
			t.Fatalf("confirm: %d %s", res.Status, res.Body)
		}
		if got := f.Load(sam.ID); !got.SSO || got.SSOIdentity == "" || got.PasswordHash == "" {
			t.Fatalf("after the reset: sso %v identity %q password %v", got.SSO, got.SSOIdentity, got.PasswordHash != "")
		}
		if status := password(); status != 200 {
			t.Fatalf("password sign-in: %d", status)
		}
		doc := wantSession(t, f, f.signIn("00u-sam", "sam@example.com"), "/")
		if doc["user"].(map[string]any)["id"] != sam.ID {
			t.Fatalf("SSO signed in as %v", doc["user"])
		}

		f.setParams(func(p *params.Parameters) { p.SSO.AllowLocalPassword = false })
		if status := password(); status != 401 {
			t.Fatalf("password sign-in with local passwords off: %d", status)
		}
		wantSession(t, f, f.signIn("00u-sam", "sam@example.com"), "/")
	})
}

// An SSO account that signs in with a local password is held to
// mfa.requiredForRoles like any password account: it may set up TOTP (it
// has a password to re-authenticate with) and then completes the second
// step — and once local passwords are off, its second step is refused too.
func TestSSOAccountWithALocalPasswordMeetsRequiredMFA(t *testing.T) {
	f := newFixture(t)
	const localPW = "a local passphrase beside SSO"
	f.Account("sam", "", ssoAccount("sam@example.com"), func(a *store.Account) { a.Roles = []string{"supervisor"} })
	f.setParams(func(p *params.Parameters) {
		p.SSO.AllowLocalPassword = true
		p.MFA.RequiredForRoles = []string{"supervisor"}
	})
	f.Post("/api/auth/password/reset", map[string]string{"identifier": "sam@example.com"}, nil)
	res := f.Post("/api/auth/password/reset/confirm", map[string]string{"token": apptest.Token(t, f.Mail.To("sam@example.com")[0]),
		"password": localPW, "passwordRepeat": localPW}, nil)
	if res.Status != 204 {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	login := func() apptest.Response {
		return f.Post("/api/auth/login", map[string]string{"username": "sam", "password": localPW}, nil)
	}
	first := login()
	if first.JSON(t)["status"] != "mfa_enrolment_required" {
		t.Fatalf("password sign-in: %s", first.Body)
	}
	c := first.Cookie("gatepass")
	enrol := f.Post("/api/auth/mfa/totp/enrol", map[string]string{"password": localPW}, c)
	if enrol.Status != 200 {
		t.Fatalf("enrol: %d %s", enrol.Status, enrol.Body)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(enrol.JSON(t)["secret"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if res := f.Post("/api/auth/mfa/totp/activate", map[string]string{"code": totp.Code(secret, totp.Step(f.Clock.Now()))}, c); res.Status != 200 {
		t.Fatalf("activate: %d %s", res.Status, res.Body)
	}
	f.Clock.Advance(30 * time.Second)
	second := login()
	if second.JSON(t)["status"] != "mfa_required" {
		t.Fatalf("sign-in after enrolment: %s", second.Body)
	}
	challenge := second.JSON(t)["challenge"]
	f.setParams(func(p *params.Parameters) { p.SSO.AllowLocalPassword = false })
	code := totp.Code(secret, totp.Step(f.Clock.Now()))
	if res := f.Post("/api/auth/login/mfa", map[string]any{"challenge": challenge, "code": code}, nil); res.Status != 401 {
		t.Fatalf("second step with local passwords turned off: %d %s", res.Status, res.Body)
	}
	f.setParams(func(p *params.Parameters) { p.SSO.AllowLocalPassword = true })
	third := login()
	if res := f.Post("/api/auth/login/mfa", map[string]any{"challenge": third.JSON(t)["challenge"], "code": code}, nil); res.Status != 200 {
		t.Fatalf("second step: %d %s", res.Status, res.Body)
	}
}
