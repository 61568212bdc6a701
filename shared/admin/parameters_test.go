package admin_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

func storedParameters(t *testing.T, f *fixture) (params.Parameters, int64) {
	t.Helper()
	snap, err := f.Store.Load(context.Background(), store.Query{Parameters: true})
	if err != nil {
		t.Fatal(err)
	}
	return snap.Parameters, snap.ParametersVersion
}

func TestGetParameters(t *testing.T) {
	f := newFixture(t)
	res := f.as(callerAdmin, "GET", "/api/admin/parameters", nil)
	if res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	got := decode[params.Parameters](t, res)
	want := params.Defaults()
	if got.PasswordPolicy != want.PasswordPolicy || got.Lockout != want.Lockout || got.SSO.Strategy != want.SSO.Strategy {
		t.Fatalf("got %+v", got)
	}
	if m := res.JSON(t)["mfa"].(map[string]any); m["requiredForRoles"] == nil {
		t.Fatalf("null role list: %s", res.Body)
	}
	if v, ok := res.JSON(t)["sso"].(map[string]any)["allowLocalPassword"]; !ok || v != false {
		t.Fatalf("sso.allowLocalPassword = %v (present %v), want false", v, ok)
	}
}

// sso.allowLocalPassword is a parameter like the others: a super_admin
// turns it on and off, each change audited.
func TestPutAllowLocalPassword(t *testing.T) {
	f := newFixture(t)
	for _, on := range []bool{true, false} {
		res := f.asSuper("PUT", "/api/admin/parameters", map[string]any{"sso": map[string]any{"allowLocalPassword": on}})
		if res.Status != 200 || decode[params.Parameters](t, res).SSO.AllowLocalPassword != on {
			t.Fatalf("put %v: %d %s", on, res.Status, res.Body)
		}
		if stored, _ := storedParameters(t, f); stored.SSO.AllowLocalPassword != on || stored.SSO.Strategy != "existing_only" {
			t.Fatalf("stored %+v", stored.SSO)
		}
		e := f.lastEvent(audit.ParametersChanged)
		if e.Detail["paths"] != "sso.allowLocalPassword" || e.Detail["sso.allowLocalPassword"] != fmt.Sprintf("%v → %v", !on, on) {
			t.Fatalf("parameters.changed %+v", e.Detail)
		}
	}
}

// PUT merges the body over the current parameters: members left out keep
// their value.
func TestPutParametersMerges(t *testing.T) {
	f := newFixture(t)
	res := f.asSuper("PUT", "/api/admin/parameters", map[string]any{
		"passwordPolicy": map[string]any{"minLength": 12},
		"mfa":            map[string]any{"requiredForRoles": []string{"admin", "super_admin", "admin"}},
	})
	if res.Status != 200 {
		t.Fatalf("put: %d %s", res.Status, res.Body)
	}
	got := decode[params.Parameters](t, res)
	stored, version := storedParameters(t, f)
	if got.PasswordPolicy.MinLength != 12 || got.PasswordPolicy.MaxLength != 128 || !got.PasswordPolicy.BlockCommon ||
		got.Lockout != params.Defaults().Lockout || len(got.MFA.RequiredForRoles) != 2 || version != 1 ||
		stored.PasswordPolicy.MinLength != 12 || len(stored.MFA.RequiredForRoles) != 2 {
		t.Fatalf("got %+v, stored %+v v%d", got, stored, version)
	}
	e := f.lastEvent(audit.ParametersChanged)
	if e.Detail["paths"] != "mfa.requiredForRoles,passwordPolicy.minLength" || e.Detail["passwordPolicy.minLength"] != "15 → 12" ||
		e.Detail["mfa.requiredForRoles"] != `[] → ["admin","super_admin"]` || e.ActorID != f.super.ID {
		t.Fatalf("parameters.changed %+v", e.Detail)
	}
	// A second partial PUT keeps the first one's change.
	res = f.asSuper("PUT", "/api/admin/parameters", map[string]any{"lockout": map[string]any{"maxFailures": 7}})
	got = decode[params.Parameters](t, res)
	if res.Status != 200 || got.PasswordPolicy.MinLength != 12 || got.Lockout.MaxFailures != 7 || got.Lockout.LockSeconds != 300 {
		t.Fatalf("second put: %d %s", res.Status, res.Body)
	}
	// An unchanged document writes nothing.
	before := len(f.events(audit.ParametersChanged))
	if res := f.asSuper("PUT", "/api/admin/parameters", map[string]any{"lockout": map[string]any{"maxFailures": 7}}); res.Status != 200 {
		t.Fatalf("no-op put: %d", res.Status)
	}
	if len(f.events(audit.ParametersChanged)) != before {
		t.Fatal("a no-op put was audited")
	}
	// The new policy applies at once.
	res = f.asSuper("POST", "/api/admin/users", newUserBody(f, "twelve", map[string]any{"temporaryPassword": "purple lamps!"}))
	if res.Status != 201 {
		t.Fatalf("a 12-character password under minLength 12: %d %s", res.Status, res.Body)
	}
}

func TestPutParametersBounds(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name   string
		body   string
		status int
		field  string
	}{
		{"minLength below the floor", `{"passwordPolicy":{"minLength":7}}`, 422, "passwordPolicy.minLength"},
		{"negative limit", `{"resetRequests":{"perIpPerHour":-1}}`, 422, "resetRequests.perIpPerHour"},
		{"idle above absolute", `{"session":{"idleTimeoutSeconds":50000}}`, 422, "session.absoluteTimeoutSeconds"},
		{"unknown role", `{"sso":{"defaultRoles":["vendor"]}}`, 422, "sso.defaultRoles"},
		{"bad strategy", `{"sso":{"strategy":"anything"}}`, 422, "sso.strategy"},
		{"unknown member", `{"passwordPolicy":{"minLenght":20}}`, 400, "minLenght"},
		{"unknown top-level member", `{"colour":"blue"}`, 400, "colour"},
		{"wrong type", `{"lockout":{"maxFailures":"five"}}`, 400, "lockout.maxFailures"},
		{"allowLocalPassword not a boolean", `{"sso":{"allowLocalPassword":"yes"}}`, 400, "sso.allowLocalPassword"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.asSuper("PUT", "/api/admin/parameters", tc.body)
			v := decode[struct {
				Code       string
				Violations []struct{ Field string }
			}](t, res)
			if res.Status != tc.status || v.Code != "invalid_request" || len(v.Violations) == 0 || v.Violations[0].Field != tc.field {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
	}
	if _, version := storedParameters(t, f); version != 0 {
		t.Fatal("refused parameters were stored")
	}
	if res := f.as(callerAdmin, "PUT", "/api/admin/parameters", `{}`); res.Status != 403 {
		t.Fatalf("admin puts parameters: %d", res.Status)
	}
}

// A deployment whose edge does not enforce the alias refuses to set one:
// it would hide the Backoffice from everyone, its administrators included.
func TestAliasNeedsAnEdge(t *testing.T) {
	e := apptest.New(t, apptest.Options{NoAliasEdge: true})
	e.Account("boss", "a super admin passphrase", func(a *store.Account) { a.Roles = []string{"super_admin"} })
	c, _ := e.SignIn("boss", "a super admin passphrase")
	put := func(body string) apptest.Response {
		return e.Do(apptest.Request{Method: "PUT", Path: "/api/admin/parameters", Body: body, Cookie: c})
	}
	if res := put(`{"adminAlias":"k3-x_9QzLmPa"}`); res.Status != 409 || res.Code(t) != "conflict" {
		t.Fatalf("alias without an edge: %d %s", res.Status, res.Body)
	}
	if res := put(`{"lockout":{"maxFailures":7}}`); res.Status != 200 {
		t.Fatalf("other parameters: %d %s", res.Status, res.Body)
	}
	if res := e.Get("/api/auth/session", c); res.Status != 200 {
		t.Fatalf("still reachable: %d", res.Status)
	}
}
