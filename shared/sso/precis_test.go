package sso_test

import (
	"testing"

	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/sso"
)

// A provisioned account's username is the email's canonical form, and
// follows the rules of every new username: an email they refuse is no
// account, and nothing is stored.
func TestProvisionRefusesAUsernameThePRECISRulesRefuse(t *testing.T) {
	for _, email := range []string{"new\u200bperson@example.com", "\u202enew@example.com", "\u0430dmin@example.com"} {
		t.Run(email, func(t *testing.T) {
			f := newFixture(t)
			f.setParams(func(p *params.Parameters) { p.SSO.Strategy = "provision" })
			wantRefusal(t, f.signIn("00u-new", email), sso.CodeNoAccount)
			ev := f.events(audit.SSOLoginFailed)
			if len(ev) != 1 || ev[0].Detail["reason"] != "username_refused" {
				t.Fatalf("sso.login.failed: %+v", ev)
			}
			if n := len(f.events(audit.UserCreated)); n != 0 {
				t.Fatalf("%d accounts created", n)
			}
		})
	}
}

// The identity's name becomes the display name as the Nickname profile
// enforces it; a name the profile refuses gives way to the email, and the
// sign-in goes on.
func TestProvisionedDisplayNames(t *testing.T) {
	tests := []struct{ name, want string }{
		{"  Sam   Example ", "Sam Example"},
		{"Ｓａｍ Example", "Sam Example"},
		{"Sam \u202eelpmaxE", "New.Person@Example.com"},
		{"Sam\u200bExample", "New.Person@Example.com"},
		{"\u2066Sam", "New.Person@Example.com"},
		{"", "New.Person@Example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.setParams(func(p *params.Parameters) { p.SSO.Strategy = "provision" })
			res := f.signIn("00u-new", "New.Person@Example.com", func(g *grant) { g.claims["name"] = tt.name })
			user := wantSession(t, f, res, "/")["user"].(map[string]any)
			if a := f.Load(user["id"].(string)); a.DisplayName != tt.want || a.UsernameKey != "new.person@example.com" {
				t.Fatalf("display name %q, username key %q", a.DisplayName, a.UsernameKey)
			}
		})
	}
}
