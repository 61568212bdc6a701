package admin_test

import (
	"slices"
	"testing"

	"github.com/gatepass/gatepass/shared/app/apptest"
)

// The user lifecycle on both stores: create (invited and with a temporary
// password), list with filters and paging, update with an email move,
// deactivate, delete; facilities and parameters alongside.
func TestUserLifecycleOnEveryStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		res := f.asSuper("POST", "/api/admin/users", newUserBody(f, "Invitee", map[string]any{"email": "invitee@example.com"}))
		if res.Status != 201 {
			t.Fatalf("create invited: %d %s", res.Status, res.Body)
		}
		invitee := decode[user](t, res)
		res = f.asSuper("POST", "/api/admin/users", newUserBody(f, "temp", map[string]any{"temporaryPassword": strong}))
		if res.Status != 201 {
			t.Fatalf("create temp: %d %s", res.Status, res.Body)
		}
		temp := decode[user](t, res)
		if res := f.asSuper("POST", "/api/admin/users", newUserBody(f, "INVITEE", map[string]any{"temporaryPassword": strong})); res.Status != 409 {
			t.Fatalf("duplicate: %d", res.Status)
		}

		page := decode[struct {
			Items      []user
			NextCursor *string
		}](t, f.asSuper("GET", "/api/admin/users?facilityId="+f.f1+"&limit=2", nil))
		if len(page.Items) != 2 || page.NextCursor == nil || page.Items[0].Username != "Invitee" {
			t.Fatalf("first page %+v", page)
		}
		rest := decode[struct{ Items []user }](t, f.asSuper("GET", "/api/admin/users?facilityId="+f.f1+"&limit=2&cursor="+*page.NextCursor, nil))
		var names []string
		for _, u := range append(page.Items, rest.Items...) {
			names = append(names, u.Username)
		}
		if !slices.Equal(names, []string{"Invitee", "otto", "sam", "temp"}) {
			t.Fatalf("f1 users %v", names)
		}

		res = f.asSuper("PATCH", "/api/admin/users/"+invitee.ID, map[string]any{"email": "moved@example.com", "roles": []string{"supervisor"}})
		if got := decode[user](t, res); res.Status != 200 || *got.Email != "moved@example.com" || got.Roles[0] != "supervisor" {
			t.Fatalf("patch: %d %s", res.Status, res.Body)
		}
		// The old address is free, the new one taken.
		if res := f.asSuper("PATCH", "/api/admin/users/"+temp.ID, map[string]any{"email": "moved@example.com"}); res.Status != 409 {
			t.Fatalf("taken email: %d", res.Status)
		}
		if res := f.asSuper("PATCH", "/api/admin/users/"+temp.ID, map[string]any{"email": "invitee@example.com"}); res.Status != 200 {
			t.Fatalf("freed email: %d %s", res.Status, res.Body)
		}
		// The moved invitation goes to the new address.
		if res := f.asSuper("POST", "/api/admin/users/"+invitee.ID+"/invitation", nil); res.Status != 204 {
			t.Fatalf("invite: %d %s", res.Status, res.Body)
		}
		token := apptest.Token(t, f.Mail.To("moved@example.com")[0])
		if res := f.Post("/api/auth/invitation/accept", map[string]string{"token": token, "password": strong, "passwordRepeat": strong}, nil); res.Status != 204 {
			t.Fatalf("accept: %d %s", res.Status, res.Body)
		}

		c, _ := f.SignIn("invitee", strong)
		if res := f.asSuper("POST", "/api/admin/users/"+invitee.ID+"/deactivate", nil); res.Status != 204 {
			t.Fatalf("deactivate: %d %s", res.Status, res.Body)
		}
		if f.status("/api/auth/session", c) != 401 {
			t.Fatal("session survived deactivation")
		}
		if res := f.asSuper("DELETE", "/api/admin/users/"+invitee.ID, nil); res.Status != 204 {
			t.Fatalf("delete: %d %s", res.Status, res.Body)
		}
		if res := f.asSuper("POST", "/api/admin/users", newUserBody(f, "invitee", map[string]any{"email": "moved@example.com"})); res.Status != 201 {
			t.Fatalf("recreate: %d %s", res.Status, res.Body)
		}

		res = f.asSuper("POST", "/api/admin/facilities", map[string]string{"name": "Cologne"})
		if res.Status != 201 {
			t.Fatalf("facility: %d %s", res.Status, res.Body)
		}
		id := decode[facilityDoc](t, res).ID
		if res := f.asSuper("PATCH", "/api/admin/facilities/"+id, map[string]string{"status": "inactive"}); res.Status != 200 {
			t.Fatalf("patch facility: %d %s", res.Status, res.Body)
		}
		if res := f.asSuper("DELETE", "/api/admin/facilities/"+id, nil); res.Status != 204 {
			t.Fatalf("delete facility: %d %s", res.Status, res.Body)
		}
		for _, minLength := range []int{16, 17} {
			res := f.asSuper("PUT", "/api/admin/parameters", map[string]any{"passwordPolicy": map[string]int{"minLength": minLength}})
			if res.Status != 200 {
				t.Fatalf("parameters: %d %s", res.Status, res.Body)
			}
		}
		if res := f.as(callerAdmin, "GET", "/api/admin/audit?limit=5", nil); res.Status != 200 || len(decode[auditPage](t, res).Items) != 5 {
			t.Fatalf("audit: %d %s", res.Status, res.Body)
		}
	})
}
