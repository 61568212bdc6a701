package admin_test

import (
	"net/http"
	"testing"

	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/validate"
)

// violation is one member of a problem's violations.
type violation struct{ Field, Code, Message string }

// The strings of the penetration test, and their kin, are refused with 422
// invalid_request and the violation invalid_characters on their field
// (API.md "Usernames and display names"), and nothing is created.
func TestCharactersThePRECISProfilesRefuse(t *testing.T) {
	f := newFixture(t)
	target := f.operatorIn("target")
	withPassword := map[string]any{"temporaryPassword": strong}
	tests := []struct {
		name         string
		method, path string
		body         any
		field        string
	}{
		{"username with a zero-width space", "POST", "/api/admin/users", newUserBody(f, "ad\u200bmin", withPassword), "username"},
		{"username with a cyrillic look-alike among latin letters", "POST", "/api/admin/users", newUserBody(f, "\u0430dmin", withPassword), "username"},
		{"username with a greek look-alike among latin letters", "POST", "/api/admin/users", newUserBody(f, "r\u03bfot", withPassword), "username"},
		{"username with a right-to-left override", "POST", "/api/admin/users", newUserBody(f, "\u202enimda", withPassword), "username"},
		{"username with a left-to-right isolate", "POST", "/api/admin/users", newUserBody(f, "admin\u2066", withPassword), "username"},
		{"username with a soft hyphen", "POST", "/api/admin/users", newUserBody(f, "ad\u00admin", withPassword), "username"},
		{"username with a space inside", "POST", "/api/admin/users", newUserBody(f, "john doe", withPassword), "username"},
		{"display name with a right-to-left override", "POST", "/api/admin/users",
			newUserBody(f, "newbie", map[string]any{"displayName": "Jane \u202eeoD", "temporaryPassword": strong}), "displayName"},
		{"display name with a zero-width space", "POST", "/api/admin/users",
			newUserBody(f, "newbie", map[string]any{"displayName": "Jane\u200bDoe", "temporaryPassword": strong}), "displayName"},
		{"display name with a pop directional formatting", "POST", "/api/admin/users",
			newUserBody(f, "newbie", map[string]any{"displayName": "Jane\u202cDoe", "temporaryPassword": strong}), "displayName"},
		{"display name changed to one with a left-to-right embedding", "PATCH", "/api/admin/users/" + target.ID,
			map[string]any{"displayName": "\u202aJane"}, "displayName"},
		{"facility name with a zero-width space", "POST", "/api/admin/facilities", map[string]string{"name": "Berlin\u200bStore"}, "name"},
		{"facility name with a right-to-left isolate", "POST", "/api/admin/facilities", map[string]string{"name": "\u2067Store"}, "name"},
		{"facility renamed with a right-to-left override", "PATCH", "/api/admin/facilities/" + f.f1,
			map[string]string{"name": "Berlin \u202eerotS"}, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.asSuper(tt.method, tt.path, tt.body)
			if res.Status != http.StatusUnprocessableEntity || res.Code(t) != "invalid_request" {
				t.Fatalf("got %d %s", res.Status, res.Body)
			}
			v := decode[struct{ Violations []violation }](t, res).Violations
			if len(v) != 1 || v[0].Field != tt.field || v[0].Code != validate.CodeInvalidCharacters || v[0].Message == "" {
				t.Fatalf("violations %+v", v)
			}
		})
	}
	for _, typ := range []string{audit.UserCreated, audit.UserUpdated, audit.FacilityCreated, audit.FacilityUpdated} {
		if n := len(f.events(typ)); n != 0 {
			t.Errorf("%d %s events", n, typ)
		}
	}
	if got := f.getUser(target.ID).DisplayName; got != target.DisplayName {
		t.Errorf("display name changed to %q", got)
	}
}

// A request that breaks a form rule and refuses characters is 422 and lists
// both: the status belongs to the request as a whole.
func TestRefusedCharactersMakeTheWholeRequestUnprocessable(t *testing.T) {
	f := newFixture(t)
	res := f.asSuper("POST", "/api/admin/users", newUserBody(f, "ad\u200bmin", map[string]any{"displayName": ""}))
	if res.Status != http.StatusUnprocessableEntity || res.Code(t) != "invalid_request" {
		t.Fatalf("got %d %s", res.Status, res.Body)
	}
	var codes []string
	for _, v := range decode[struct{ Violations []violation }](t, res).Violations {
		codes = append(codes, v.Field+":"+v.Code)
	}
	if len(codes) != 3 || codes[0] != "username:invalid_characters" || codes[1] != "displayName:required" ||
		codes[2] != "temporaryPassword:required" {
		t.Fatalf("violations %v", codes)
	}
}

// What is stored is what the profiles make of the input: the username's key
// is the UsernameCaseMapped form (folded), display and facility names the
// Nickname form. Scripts that belong together may be mixed.
func TestNamesAreStoredAsTheProfilesEnforceThem(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		username, displayName string
		wantUsername, wantKey string
		wantDisplay           string
	}{
		{" ＪＤｏｅ2 ", "  Ｊａｎｅ   Doe ", "ＪＤｏｅ2", "jdoe2", "Jane Doe"},
		{"Straße", "Zoe\u0308 Straße", "Straße", "strasse", "Zoë Straße"},
		{"Дмитрий", "Дмитрий Петров", "Дмитрий", "дмитрий", "Дмитрий Петров"},
		{"山田taro", "山田 太郎", "山田taro", "山田taro", "山田 太郎"},
		{"jane@example.com", "Jane 😀", "jane@example.com", "jane@example.com", "Jane 😀"},
	}
	for _, tt := range tests {
		t.Run(tt.username, func(t *testing.T) {
			res := f.asSuper("POST", "/api/admin/users", newUserBody(f, tt.username,
				map[string]any{"displayName": tt.displayName, "temporaryPassword": strong}))
			if res.Status != http.StatusCreated {
				t.Fatalf("create: %d %s", res.Status, res.Body)
			}
			u := decode[user](t, res)
			a := f.Load(u.ID)
			if u.Username != tt.wantUsername || a.UsernameKey != tt.wantKey || u.DisplayName != tt.wantDisplay ||
				a.DisplayName != tt.wantDisplay {
				t.Fatalf("stored username %q, key %q, display name %q", a.Username, a.UsernameKey, a.DisplayName)
			}
		})
	}
	// One name, as before PRECIS: "strasse" is "Straße".
	if res := f.asSuper("POST", "/api/admin/users", newUserBody(f, "STRASSE", map[string]any{"temporaryPassword": strong})); res.Status != http.StatusConflict {
		t.Fatalf("STRASSE: %d %s", res.Status, res.Body)
	}
	res := f.asSuper("POST", "/api/admin/facilities", map[string]string{"name": "  Ｋöln   Süd "})
	if got := decode[facilityDoc](t, res); res.Status != http.StatusCreated || got.Name != "Köln Süd" {
		t.Fatalf("facility: %d %s", res.Status, res.Body)
	}
}
