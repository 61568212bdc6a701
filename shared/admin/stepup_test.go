package admin_test

import (
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
)

// Sensitive admin actions need an authentication no older than ten minutes
// (API.md POST /api/auth/reauth): past it they answer 403 step_up_required
// and change nothing; other admin actions go on as before.
func TestSensitiveActionsNeedARecentAuthentication(t *testing.T) {
	f := newFixture(t)
	if res := f.asSuper("PUT", "/api/admin/sso/providers/Contoso", oidcProvider("Contoso", "s3cret")); res.Status != 201 {
		t.Fatalf("provider: %d %s", res.Status, res.Body)
	}
	target := f.operatorIn("target")
	admin2 := f.Account("admin2", pw, roles(accounts.RoleAdmin), network)
	f.Clock.Advance(10*time.Minute + time.Second) // every fixture caller signed in at the start

	before := len(f.events(""))
	for _, tc := range []struct {
		name, kind, method, path string
		body                     any
	}{
		{"set a password", callerSuper, "POST", "/api/admin/users/" + target.ID + "/password", map[string]any{"password": strong, "temporary": true}},
		{"set a temporary password by patch", callerSuper, "PATCH", "/api/admin/users/" + target.ID, map[string]any{"temporaryPassword": strong}},
		{"a supervisor sets a password", callerSupIn, "POST", "/api/admin/users/" + target.ID + "/password", map[string]any{"password": strong, "temporary": true}},
		{"reset MFA", callerSuper, "POST", "/api/admin/users/" + target.ID + "/mfa/reset", nil},
		{"a supervisor resets MFA", callerSupIn, "POST", "/api/admin/users/" + target.ID + "/mfa/reset", nil},
		{"grant admin", callerSuper, "PATCH", "/api/admin/users/" + target.ID, map[string]any{"roles": []string{"admin"}}},
		{"revoke admin", callerSuper, "PATCH", "/api/admin/users/" + admin2.ID, map[string]any{"roles": []string{"operator"}}},
		{"create an admin", callerSuper, "POST", "/api/admin/users", newUserBody(f, "newadmin", map[string]any{"roles": []string{"admin"}, "temporaryPassword": strong})},
		{"change parameters", callerSuper, "PUT", "/api/admin/parameters", map[string]any{"passwordPolicy": map[string]any{"minLength": 12}}},
		{"change a provider", callerSuper, "PUT", "/api/admin/sso/providers/Contoso", oidcProvider("Renamed", "")},
		{"remove a provider", callerSuper, "DELETE", "/api/admin/sso/providers/Contoso", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.as(tc.kind, tc.method, tc.path, tc.body)
			if res.Status != 403 || res.Code(t) != "step_up_required" {
				t.Fatalf("%d %s, want 403 step_up_required", res.Status, res.Body)
			}
		})
	}
	if after := len(f.events("")); after != before {
		t.Fatalf("refused sensitive actions wrote %d audit events", after-before)
	}
	if got := f.getUser(target.ID); got.Roles[0] != "operator" {
		t.Fatalf("target changed: %+v", got)
	}
	// Everything else needs no step-up.
	for _, tc := range []struct {
		name, method, path string
		body               any
		want               int
	}{
		{"rename", "PATCH", "/api/admin/users/" + target.ID, map[string]any{"displayName": "Otto Renamed"}, 200},
		{"unlock", "POST", "/api/admin/users/" + target.ID + "/unlock", nil, 204},
		{"create an operator", "POST", "/api/admin/users", newUserBody(f, "newop", map[string]any{"temporaryPassword": strong}), 201},
		{"read parameters", "GET", "/api/admin/parameters", nil, 200},
	} {
		if res := f.asSuper(tc.method, tc.path, tc.body); res.Status != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, res.Status, res.Body, tc.want)
		}
	}
	// A step-up opens the window again.
	res := f.asSuper("POST", "/api/auth/reauth", map[string]any{"password": pw})
	if res.Status != 204 {
		t.Fatalf("reauth: %d %s", res.Status, res.Body)
	}
	f.cookies[callerSuper] = res.Cookie(f.cookies[callerSuper].Name)
	if res := f.asSuper("POST", "/api/admin/users/"+target.ID+"/password", map[string]any{"password": strong, "temporary": true}); res.Status != 204 {
		t.Fatalf("after the step-up: %d %s", res.Status, res.Body)
	}
}
