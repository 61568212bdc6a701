package stack_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatepass/gatepass/shared/bootstrap"
)

const alias = "k3-x_9QzLmPa"

// must asserts a status and returns the body.
func (c *client) must(status int, method, path, body string) map[string]any {
	c.t.Helper()
	res, m := c.do(method, path, body)
	if res.StatusCode != status {
		c.t.Fatalf("%s %s: %d %v, want %d", method, path, res.StatusCode, m, status)
	}
	return m
}

func jsonBody(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func signIn(t *testing.T, base, username, pw string) (*client, map[string]any) {
	t.Helper()
	c := newClient(t, base)
	body := c.must(200, "POST", "/api/auth/login", jsonBody(t, map[string]string{"username": username, "password": pw}))
	return c, body
}

// The whole story over HTTP against the real local stack: an admin
// creates facilities and users from the API, a single-facility operator
// lands in its facility, a network manager switches views without signing
// in again, a supervisor manages only its own operators, and the alias
// hides everything else.
func TestBackofficeAdministration(t *testing.T) {
	s := start(t, t.TempDir(), bootstrap.Admin{Username: "admin", Password: adminPassword})
	defer stop(t, s)
	admin, _ := signIn(t, s.URL, "admin", adminPassword)

	berlin := admin.must(201, "POST", "/api/admin/facilities", `{"name":"Berlin Store"}`)["id"].(string)
	hamburg := admin.must(201, "POST", "/api/admin/facilities", `{"name":"Hamburg Warehouse"}`)["id"].(string)

	// An operator of one facility, invited by mail.
	admin.must(201, "POST", "/api/admin/users", jsonBody(t, map[string]any{
		"username": "clerk", "displayName": "Carla Clerk", "email": "clerk@example.com",
		"roles": []string{"operator"}, "networkAccess": false, "facilityIds": []string{berlin},
	}))
	const clerkPW = "berlin counter passphrase 7"
	anon := newClient(t, s.URL)
	anon.must(204, "POST", "/api/auth/invitation/accept", jsonBody(t, map[string]string{
		"token": mailLink(t, anon, "clerk@example.com"), "password": clerkPW, "passwordRepeat": clerkPW}))
	clerk, body := signIn(t, s.URL, "clerk", clerkPW)
	view := body["session"].(map[string]any)["view"].(map[string]any)
	if view["type"] != "facility" || view["facilityId"] != berlin || view["facilityName"] != "Berlin Store" {
		t.Fatalf("the single-facility operator landed in %v", view)
	}

	// A network manager with a temporary password switches views.
	const tempPW = "temporary passphrase 4 you"
	const managerPW = "ocean lighthouse seventeen keys"
	admin.must(201, "POST", "/api/admin/users", jsonBody(t, map[string]any{
		"username": "manager", "displayName": "Nina Network", "roles": []string{"supervisor"},
		"networkAccess": true, "facilityIds": []string{}, "temporaryPassword": tempPW,
	}))
	manager, body := signIn(t, s.URL, "manager", tempPW)
	if body["status"] != "password_change_required" {
		t.Fatalf("temporary password: %v", body)
	}
	manager.must(403, "GET", "/api/auth/views", "")
	manager.must(204, "POST", "/api/auth/password/change", jsonBody(t, map[string]string{
		"currentPassword": tempPW, "newPassword": managerPW, "newPasswordRepeat": managerPW}))
	views := manager.must(200, "GET", "/api/auth/views", "")
	if views["network"] != true || len(views["facilities"].([]any)) != 2 {
		t.Fatalf("views = %v", views)
	}
	if v := manager.must(200, "POST", "/api/auth/views/select", `{"type":"network"}`)["view"].(map[string]any); v["type"] != "network" {
		t.Fatalf("network view: %v", v)
	}
	if v := manager.must(200, "POST", "/api/auth/views/select", jsonBody(t, map[string]string{"type": "facility", "facilityId": hamburg}))["view"].(map[string]any); v["facilityName"] != "Hamburg Warehouse" {
		t.Fatalf("facility view: %v", v)
	}
	manager.must(200, "GET", "/api/auth/session", "")

	// A supervisor of Berlin manages Berlin's operators and no one else.
	const superPW = "berlin supervisor passphrase"
	admin.must(201, "POST", "/api/admin/users", jsonBody(t, map[string]any{
		"username": "boss", "displayName": "Bert Boss", "roles": []string{"supervisor"},
		"networkAccess": false, "facilityIds": []string{berlin}, "temporaryPassword": superPW,
	}))
	hamburgOp := admin.must(201, "POST", "/api/admin/users", jsonBody(t, map[string]any{
		"username": "picker", "displayName": "Paul Picker", "roles": []string{"operator"},
		"networkAccess": false, "facilityIds": []string{hamburg}, "temporaryPassword": tempPW,
	}))["id"].(string)
	boss, _ := signIn(t, s.URL, "boss", superPW)
	boss.must(204, "POST", "/api/auth/password/change", jsonBody(t, map[string]string{
		"currentPassword": superPW, "newPassword": superPW + " renewed", "newPasswordRepeat": superPW + " renewed"}))
	list := boss.must(200, "GET", "/api/admin/users", "")
	var names []string
	clerkID := ""
	for _, it := range list["items"].([]any) {
		u := it.(map[string]any)
		names = append(names, u["username"].(string))
		if u["username"] == "clerk" {
			clerkID = u["id"].(string)
		}
	}
	if strings.Contains(strings.Join(names, ","), "picker") || clerkID == "" {
		t.Fatalf("the Berlin supervisor lists %v", names)
	}
	boss.must(204, "POST", "/api/admin/users/"+clerkID+"/unlock", "{}")
	boss.must(403, "POST", "/api/admin/users/"+hamburgOp+"/unlock", "{}")
	boss.must(403, "POST", "/api/admin/facilities", `{"name":"Rogue Store"}`)
	clerk.must(403, "GET", "/api/admin/users", "")

	// The alias: set by the super_admin, it applies to everyone at once.
	admin.must(200, "PUT", "/api/admin/parameters", jsonBody(t, map[string]string{"adminAlias": alias}))
	if got, err := s.AppURL(context.Background()); err != nil || got != s.URL+"/"+alias {
		t.Fatalf("AppURL = %q, %v; the banner must print the alias", got, err)
	}
	// Every path outside it answers exactly as an unknown path does — status,
	// Content-Type and body — API routes, the web app and nonsense alike
	// (API.md "Admin alias").
	unknown := rawGet(t, s.URL+"/no-such-page.html")
	if !strings.HasPrefix(unknown, "404 Not Found text/plain") {
		t.Fatalf("an unknown path under an alias: %q", unknown)
	}
	for _, path := range []string{"/api/auth/session", "/api/auth/config", "/api/admin/users", "/api/auth/no-such-thing",
		"/", "/index.html", "/js/main.js", "/guess/api/auth/config"} {
		if got := rawGet(t, s.URL+path); got != unknown {
			t.Errorf("%s under an alias: %q, want the unknown path's %q", path, got, unknown)
		}
	}
	clerk.must(404, "GET", "/api/auth/session", "")
	under := newClient(t, s.URL+"/"+alias)
	under.http.Jar = clerk.http.Jar // the cookie is for the host, path /
	under.must(200, "GET", "/api/auth/session", "")
	if page := rawGet(t, s.URL+"/"+alias+"/"); !strings.Contains(page, "200") {
		t.Fatalf("the web app under the alias: %s", page)
	}
	anonUnder := newClient(t, s.URL+"/"+alias)
	anonUnder.must(202, "POST", "/api/auth/password/reset", `{"identifier":"clerk"}`)
	if res, body := anon.do("GET", "/_dev/mail", ""); res.StatusCode != 200 ||
		!strings.Contains(body["items"].([]any)[0].(map[string]any)["text"].(string), s.URL+"/"+alias+"/#/reset?token=") {
		t.Fatalf("the reset link does not go under the alias: %v", body["items"].([]any)[0])
	}
	adminUnder := newClient(t, s.URL+"/"+alias)
	adminUnder.http.Jar = admin.http.Jar
	adminUnder.must(200, "PUT", "/api/admin/parameters", `{"adminAlias":""}`)
	clerk.must(200, "GET", "/api/auth/session", "")
}

// rawGet returns status, content type and body of an anonymous GET.
func rawGet(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.Status + " " + res.Header.Get("Content-Type") + " " + string(b)
}
