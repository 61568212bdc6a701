package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/admin"
	"github.com/gatepass/gatepass/shared/routes"
	"github.com/gatepass/gatepass/shared/sso"
	"github.com/gatepass/gatepass/shared/store"
)

// matrixRow is one admin route of the role matrix: how to make a fresh
// request (n makes names unique), its success status and who succeeds.
type matrixRow struct {
	prepare func(f *fixture, n int) (path string, body any)
	ok      int
	allowed []string
}

var (
	managers = []string{callerSuper, callerAdmin}
	withSup  = []string{callerSuper, callerAdmin, callerSupIn}
)

// onUser targets a fresh operator of facility f1.
func onUser(suffix string, body any, mutate ...func(*store.Account)) func(f *fixture, n int) (string, any) {
	return func(f *fixture, n int) (string, any) {
		a := f.operatorIn(fmt.Sprintf("target%d", n), mutate...)
		return "/api/admin/users/" + a.ID + suffix, body
	}
}

// onFacility targets a fresh facility.
func onFacility(body any) func(f *fixture, n int) (string, any) {
	return func(f *fixture, n int) (string, any) {
		return "/api/admin/facilities/" + f.facility(fmt.Sprintf("Target %d", n)), body
	}
}

func fixed(path string, body func(n int) any) func(f *fixture, n int) (string, any) {
	return func(f *fixture, n int) (string, any) {
		if body == nil {
			return path, nil
		}
		return path, body(n)
	}
}

func matrix() map[string]matrixRow {
	inactive := func(a *store.Account) { a.Status = store.StatusInactive }
	return map[string]matrixRow{
		admin.RouteListUsers: {fixed("/api/admin/users", nil), 200,
			[]string{callerSuper, callerAdmin, callerSupIn, callerSupOut}},
		admin.RouteCreateUser: {func(f *fixture, n int) (string, any) {
			return "/api/admin/users", map[string]any{"username": fmt.Sprintf("new%d", n), "displayName": "New User",
				"roles": []string{"operator"}, "networkAccess": false, "facilityIds": []string{f.f1}, "temporaryPassword": strong}
		}, 201, managers},
		admin.RouteGetUser:        {onUser("", nil), 200, managers},
		admin.RouteUpdateUser:     {onUser("", map[string]any{"displayName": "Renamed"}), 200, managers},
		admin.RouteDeleteUser:     {onUser("", nil), 204, managers},
		admin.RouteDeactivate:     {onUser("/deactivate", nil), 204, managers},
		admin.RouteActivate:       {onUser("/activate", nil, inactive), 204, managers},
		admin.RouteUnlock:         {onUser("/unlock", nil), 204, withSup},
		admin.RouteResetMFA:       {onUser("/mfa/reset", nil), 204, withSup},
		admin.RouteInvitation:     {onUser("/invitation", nil, invited), 204, managers},
		admin.RouteRevokeSessions: {onUser("/sessions/revoke", nil), 204, managers},
		admin.RouteSetPassword: {onUser("/password", map[string]any{"password": strong, "temporary": true}),
			204, withSup},
		admin.RouteListFacilities: {fixed("/api/admin/facilities", nil), 200, managers},
		admin.RouteCreateFacility: {fixed("/api/admin/facilities", func(n int) any {
			return map[string]string{"name": fmt.Sprintf("Store %d", n)}
		}), 201, managers},
		admin.RouteUpdateFacility: {onFacility(map[string]string{"status": "inactive"}), 200, managers},
		admin.RouteDeleteFacility: {onFacility(nil), 204, managers},
		admin.RouteGetParameters:  {fixed("/api/admin/parameters", nil), 200, managers},
		admin.RoutePutParameters:  {fixed("/api/admin/parameters", func(int) any { return map[string]any{} }), 200, []string{callerSuper}},
		admin.RouteListAudit:      {fixed("/api/admin/audit", nil), 200, managers},
		admin.RouteListHelp: {fixed("/api/admin/help-requests", nil), 200,
			[]string{callerSuper, callerAdmin, callerSupIn, callerSupOut}},
		admin.RouteDismissHelp: {func(f *fixture, n int) (string, any) {
			a := f.operatorIn(fmt.Sprintf("helpless%d", n), noEmail)
			return "/api/admin/help-requests/" + f.openHelpRequest(a).ID, nil
		}, 204, withSup},
		admin.RouteListProviders: {fixed("/api/admin/sso/providers", nil), 200, []string{callerSuper}},
		admin.RoutePutProvider: {func(f *fixture, n int) (string, any) {
			return fmt.Sprintf("/api/admin/sso/providers/Prov%d", n), oidcProvider("Provider", "secret")
		}, 201, []string{callerSuper}},
		admin.RouteDeleteProvider: {func(f *fixture, n int) (string, any) {
			id := fmt.Sprintf("Gone%d", n)
			if _, err := f.dir.Put(context.Background(), sso.Provider{ID: id, Type: sso.TypeSAML}); err != nil {
				panic(err)
			}
			return "/api/admin/sso/providers/" + id, nil
		}, 204, []string{callerSuper}},
	}
}

// Every admin route × every kind of caller: deny by default, and exactly the
// callers API.md names get through. The route list comes from the route
// table, so a new admin route without a row fails here.
func TestRoleMatrix(t *testing.T) {
	f := newFixture(t)
	fn, ok := routes.Lookup("admin")
	if !ok {
		t.Fatal("no admin function in the route table")
	}
	rows := matrix()
	for key := range rows {
		if !slices.Contains(fn.Routes, key) {
			t.Errorf("matrix row %q is not an admin route", key)
		}
	}
	n := 0
	for _, key := range fn.Routes {
		row, ok := rows[key]
		if !ok {
			t.Errorf("route %q has no row in the role matrix", key)
			continue
		}
		method, _ := routes.Split(key)
		for _, kind := range callerKinds() {
			n++
			path, body := row.prepare(f, n)
			res := f.as(kind, method, path, body)
			want, code := row.ok, ""
			switch {
			case slices.Contains(row.allowed, kind):
			case kind == callerAnonymous:
				want, code = http.StatusUnauthorized, "unauthenticated"
			case kind == callerRestricted:
				want, code = http.StatusForbidden, "password_change_required"
			default:
				want, code = http.StatusForbidden, "forbidden"
			}
			if res.Status != want || (code != "" && res.Code(t) != code) {
				t.Errorf("%s as %s: got %d %s, want %d %s", key, kind, res.Status, res.Body, want, code)
			}
		}
	}
}

// Every route declares an access, and the declarations match the matrix.
func TestEveryRouteDeclaresItsAccess(t *testing.T) {
	declared := admin.NewHandlers(nil, nil).Access()
	fn, _ := routes.Lookup("admin")
	for _, key := range fn.Routes {
		if _, ok := declared[key]; !ok {
			t.Errorf("route %q declares no access", key)
		}
	}
	if len(declared) != len(fn.Routes) {
		t.Errorf("%d declarations for %d routes", len(declared), len(fn.Routes))
	}
}

// An admin reads admins but changes nothing about them — otherwise it could
// take over a super_admin with a temporary password.
func TestAdminCannotActOnAdmins(t *testing.T) {
	f := newFixture(t)
	for _, role := range []string{accounts.RoleAdmin, accounts.RoleSuperAdmin} {
		t.Run(role, func(t *testing.T) {
			n := 0
			fresh := func() string {
				n++
				return f.Account(fmt.Sprintf("%s%d", strings.ReplaceAll(role, "_", ""), n), pw, roles(role), network).ID
			}
			if res := f.as(callerAdmin, "GET", "/api/admin/users/"+fresh(), nil); res.Status != 200 {
				t.Fatalf("read: %d %s", res.Status, res.Body)
			}
			for _, rq := range []struct {
				method, suffix string
				body           any
			}{
				{"PATCH", "", map[string]any{"displayName": "Pwned"}},
				{"PATCH", "", map[string]any{"roles": []string{"operator"}}},
				{"DELETE", "", nil},
				{"POST", "/deactivate", nil},
				{"POST", "/activate", nil},
				{"POST", "/unlock", nil},
				{"POST", "/mfa/reset", nil},
				{"POST", "/invitation", nil},
				{"POST", "/sessions/revoke", nil},
				{"POST", "/password", map[string]any{"password": strong, "temporary": true}},
			} {
				res := f.as(callerAdmin, rq.method, "/api/admin/users/"+fresh()+rq.suffix, rq.body)
				if res.Status != 403 || res.Code(t) != "forbidden" {
					t.Errorf("%s %s: %d %s", rq.method, rq.suffix, res.Status, res.Body)
				}
			}
		})
	}
}

// Only a super_admin grants admin or super_admin.
func TestOnlySuperAdminsGrantAdminRoles(t *testing.T) {
	f := newFixture(t)
	target := f.operatorIn("promote")
	for _, role := range []string{accounts.RoleAdmin, accounts.RoleSuperAdmin} {
		res := f.as(callerAdmin, "POST", "/api/admin/users", map[string]any{"username": "x" + role, "displayName": "X",
			"roles": []string{role}, "networkAccess": true, "facilityIds": []string{}, "temporaryPassword": strong})
		if res.Status != 403 || res.Code(t) != "forbidden" {
			t.Errorf("admin creates %s: %d %s", role, res.Status, res.Body)
		}
		res = f.as(callerAdmin, "PATCH", "/api/admin/users/"+target.ID, map[string]any{"roles": []string{role}})
		if res.Status != 403 {
			t.Errorf("admin grants %s: %d %s", role, res.Status, res.Body)
		}
	}
	if got := f.getUser(target.ID).Roles; !slices.Equal(got, []string{"operator"}) {
		t.Fatalf("roles changed to %v", got)
	}
	res := f.asSuper("PATCH", "/api/admin/users/"+target.ID, map[string]any{"roles": []string{"admin"}})
	if res.Status != 200 || !slices.Equal(decode[user](t, res).Roles, []string{"admin"}) {
		t.Fatalf("super_admin grants admin: %d %s", res.Status, res.Body)
	}
	// An admin may still give ordinary roles.
	other := f.operatorIn("other")
	res = f.as(callerAdmin, "PATCH", "/api/admin/users/"+other.ID, map[string]any{"roles": []string{"supervisor", "operator"}})
	if res.Status != 200 || !slices.Equal(decode[user](t, res).Roles, []string{"supervisor", "operator"}) {
		t.Fatalf("admin makes a supervisor: %d %s", res.Status, res.Body)
	}
}

// Roles are read on every request: a change takes effect on the user's next
// request, both ways.
func TestRoleChangesTakeEffectOnTheNextRequest(t *testing.T) {
	f := newFixture(t)
	u := f.operatorIn("climber")
	c, _ := f.SignIn("climber", pw)
	if got := f.status("/api/admin/users", c); got != 403 {
		t.Fatalf("operator lists users: %d", got)
	}
	if res := f.asSuper("PATCH", "/api/admin/users/"+u.ID, map[string]any{"roles": []string{"admin"}}); res.Status != 200 {
		t.Fatalf("promote: %d %s", res.Status, res.Body)
	}
	if got := f.status("/api/admin/users", c); got != 200 {
		t.Fatalf("promoted user lists users: %d", got)
	}
	if res := f.asSuper("PATCH", "/api/admin/users/"+u.ID, map[string]any{"roles": []string{"operator"}}); res.Status != 200 {
		t.Fatalf("demote: %d %s", res.Status, res.Body)
	}
	if got := f.status("/api/admin/users", c); got != 403 {
		t.Fatalf("demoted user still lists users: %d", got)
	}
}

// Nobody locks themselves out through the admin API.
func TestSelfProtection(t *testing.T) {
	f := newFixture(t)
	me := "/api/admin/users/" + f.super.ID
	for _, rq := range []struct {
		name, method, path string
		body               any
	}{
		{"deactivate", "POST", me + "/deactivate", nil},
		{"delete", "DELETE", me, nil},
		{"roles", "PATCH", me, map[string]any{"roles": []string{"operator"}}},
		{"validUntil", "PATCH", me, map[string]any{"validUntil": "2030-01-01T00:00:00Z"}},
	} {
		t.Run(rq.name, func(t *testing.T) {
			res := f.asSuper(rq.method, rq.path, rq.body)
			if res.Status != 409 || res.Code(t) != "conflict" || res.JSON(t)["detail"] == "" {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
	}
	// Sending one's own roles unchanged, or other fields, is fine.
	res := f.asSuper("PATCH", me, map[string]any{"roles": []string{"super_admin"}, "displayName": "Root"})
	if res.Status != 200 {
		t.Fatalf("harmless self patch: %d %s", res.Status, res.Body)
	}
	if got := f.getUser(f.super.ID); got.Status != "active" || !slices.Equal(got.Roles, []string{"super_admin"}) {
		t.Fatalf("self = %+v", got)
	}
}

// A supervisor lists the users of its facilities and helps their operators;
// an unknown id and an out-of-scope one look the same.
func TestSupervisorScope(t *testing.T) {
	f := newFixture(t)
	inScope := f.operatorIn("inscope")
	both := f.Account("both", pw, facilities(f.f2, f.f1))
	outside := f.Account("outside", pw, facilities(f.f2))
	nowhere := f.Account("nowhere", pw, facilities())
	peer := f.Account("peer", pw, roles(accounts.RoleSupervisor), facilities(f.f1))
	mixed := f.Account("mixed", pw, roles(accounts.RoleOperator, accounts.RoleSupervisor), facilities(f.f1))
	roaming := f.Account("roaming", pw, facilities(f.f1), network)
	gone := f.facility("Closed Store")
	formerly := f.Account("formerly", pw, facilities(f.f1, gone))
	if res := f.asSuper("DELETE", "/api/admin/facilities/"+gone, nil); res.Status != 204 {
		t.Fatalf("delete facility: %d %s", res.Status, res.Body)
	}
	networkOperator := f.Account("netop", pw, network)

	list := func(kind, query string) (int, []string) {
		res := f.as(kind, "GET", "/api/admin/users"+query, nil)
		if res.Status != 200 {
			return res.Status, nil
		}
		var names []string
		for _, u := range decode[struct{ Items []user }](t, res).Items {
			names = append(names, u.Username)
		}
		return 200, names
	}
	if _, names := list(callerSupIn, ""); !slices.Equal(names, []string{"both", "formerly", "inscope", "mixed", "otto", "peer", "roaming", "sam"}) {
		t.Errorf("supervisor lists %v", names)
	}
	if _, names := list(callerSupIn, "?facilityId="+f.f1+"&query=OT"); !slices.Equal(names, []string{"both", "otto"}) {
		t.Errorf("supervisor lists %v", names)
	}
	if status, _ := list(callerSupIn, "?facilityId="+f.f2); status != 403 {
		t.Errorf("facility outside the scope: %d", status)
	}
	f.Account("netsup", pw, roles(accounts.RoleSupervisor), network)
	c, _ := f.SignIn("netsup", pw)
	f.cookies["netsup"] = c
	if _, names := list("netsup", ""); len(names) != 16 { // every user: no facility filter
		t.Errorf("network supervisor lists %v", names)
	}
	if _, names := list("netsup", "?facilityId="+f.f2); !slices.Equal(names, []string{"both", "outside", "sue"}) {
		t.Errorf("network supervisor lists %v for f2", names)
	}

	act := func(kind string, id, suffix string, body any) int {
		return f.as(kind, "POST", "/api/admin/users/"+id+suffix, body).Status
	}
	temp := map[string]any{"password": strong, "temporary": true}
	for _, tc := range []struct {
		name   string
		kind   string
		target string
		want   int
	}{
		{"in scope", callerSupIn, inScope.ID, 204},
		{"in scope and a deleted facility", callerSupIn, formerly.ID, 204},
		{"sharing one facility only", callerSupIn, both.ID, 403},
		{"in scope but with network access", callerSupIn, roaming.ID, 403},
		{"out of scope", callerSupIn, outside.ID, 403},
		{"without facility", callerSupIn, nowhere.ID, 403},
		{"a supervisor", callerSupIn, peer.ID, 403},
		{"operator and supervisor", callerSupIn, mixed.ID, 403},
		{"itself", callerSupIn, f.supIn.ID, 403},
		{"an admin", callerSupIn, f.admin.ID, 403},
		{"unknown id", callerSupIn, "u_doesnotexist", 403},
		{"network supervisor, any operator", "netsup", outside.ID, 204},
		{"network supervisor, no supervisor", "netsup", peer.ID, 403},
		{"network supervisor, operator with network access", "netsup", networkOperator.ID, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, rq := range []struct {
				suffix string
				body   any
			}{{"/unlock", nil}, {"/mfa/reset", nil}, {"/password", temp}} {
				if got := act(tc.kind, tc.target, rq.suffix, rq.body); got != tc.want {
					t.Errorf("%s: %d, want %d", rq.suffix, got, tc.want)
				}
			}
		})
	}
	// Only temporary passwords, and the user must change it at sign-in.
	res := f.as(callerSupIn, "POST", "/api/admin/users/"+inScope.ID+"/password", map[string]any{"password": strong, "temporary": false})
	if res.Status != 403 || res.Code(t) != "forbidden" {
		t.Fatalf("supervisor sets a permanent password: %d %s", res.Status, res.Body)
	}
	if got := f.login("inscope", strong).JSON(t)["status"]; got != "password_change_required" {
		t.Fatalf("after a supervisor's reset, login status = %v", got)
	}
	// Everything else stays closed, also on operators in scope.
	for _, rq := range []struct{ method, suffix string }{
		{"GET", ""}, {"PATCH", ""}, {"DELETE", ""}, {"POST", "/deactivate"}, {"POST", "/activate"},
		{"POST", "/invitation"}, {"POST", "/sessions/revoke"},
	} {
		if res := f.as(callerSupIn, rq.method, "/api/admin/users/"+inScope.ID+rq.suffix, map[string]any{}); res.Status != 403 {
			t.Errorf("%s %s: %d", rq.method, rq.suffix, res.Status)
		}
	}
}

// The attack of the 2.1 review: a supervisor of Berlin set a temporary
// password on an operator of Berlin and Munich, signed in as that operator
// and opened Munich. Every action a supervisor has on another account now
// needs every facility of that account to be the supervisor's.
func TestSupervisorCannotReachAFacilityThroughAnOperator(t *testing.T) {
	f := newFixture(t) // sam supervises f1 (Berlin Store) only
	victim := f.Account("victim", pw, facilities(f.f1, f.f2))
	const chosen = "the supervisor's chosen passphrase"
	res := f.as(callerSupIn, "POST", "/api/admin/users/"+victim.ID+"/password", map[string]any{"password": chosen, "temporary": true})
	if res.Status != 403 || res.Code(t) != "forbidden" {
		t.Fatalf("supervisor set the password of an operator of another facility too: %d %s", res.Status, res.Body)
	}
	for _, suffix := range []string{"/unlock", "/mfa/reset"} {
		if res := f.as(callerSupIn, "POST", "/api/admin/users/"+victim.ID+suffix, nil); res.Status != 403 {
			t.Errorf("%s: %d, want 403", suffix, res.Status)
		}
	}
	if got := f.login("victim", chosen); got.Status != 401 {
		t.Fatalf("the supervisor's password signs in as the operator: %d %s", got.Status, got.Body)
	}
	// The operator's own password is untouched, and no event claims a change.
	if got := f.login("victim", pw); got.Status != 200 {
		t.Fatalf("the operator's own password: %d %s", got.Status, got.Body)
	}
	for _, e := range f.events("password.set_by_admin") {
		if e.UserID == victim.ID {
			t.Fatalf("a refused set was audited as done: %+v", e)
		}
	}
}

// A deleted facility grants a supervisor nothing any more.
func TestDeletedFacilityLeavesTheScope(t *testing.T) {
	f := newFixture(t)
	target := f.operatorIn("target")
	if res := f.asSuper("DELETE", "/api/admin/facilities/"+f.f1, nil); res.Status != 204 {
		t.Fatalf("delete facility: %d %s", res.Status, res.Body)
	}
	if res := f.as(callerSupIn, "POST", "/api/admin/users/"+target.ID+"/unlock", nil); res.Status != 403 {
		t.Fatalf("unlock through a deleted facility: %d", res.Status)
	}
	res := f.as(callerSupIn, "GET", "/api/admin/users", nil)
	if res.Status != 200 || len(decode[struct{ Items []user }](t, res).Items) != 0 {
		t.Fatalf("list through a deleted facility: %d %s", res.Status, res.Body)
	}
}
