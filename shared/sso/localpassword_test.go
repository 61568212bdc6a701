package sso_test

import (
	"os"
	"testing"

	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/mail"
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
