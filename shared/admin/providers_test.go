package admin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gatepass/gatepass/shared/admin"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/store"
)

func oidcProvider(name, secret string) map[string]any {
	o := map[string]any{"issuer": "https://login.contoso.example/v2.0", "clientId": "gatepass",
		"scopes": []string{"openid", "email", "profile"}}
	if secret != "" {
		o["clientSecret"] = secret
	}
	return map[string]any{"name": name, "type": "oidc", "oidc": o,
		"attributes": map[string]string{"email": "email", "groups": "groups"}}
}

func TestProviderAdministration(t *testing.T) {
	f := newFixture(t)
	const secret = "upstream-client-secret-value"
	res := f.as(callerSuper, "PUT", "/api/admin/sso/providers/Contoso", oidcProvider("Contoso Azure AD", secret))
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	doc := res.JSON(t)
	o := doc["oidc"].(map[string]any)
	if doc["id"] != "Contoso" || doc["name"] != "Contoso Azure AD" || o["clientSecretSet"] != true || o["clientSecret"] != nil {
		t.Fatalf("created %s", res.Body)
	}
	// The sign-in page lists it under its name.
	cfg := f.Get("/api/auth/config", nil).JSON(t)["sso"].(map[string]any)
	if list := cfg["providers"].([]any); len(list) != 1 || list[0].(map[string]any)["name"] != "Contoso Azure AD" {
		t.Fatalf("config sso %v", cfg)
	}
	// Update without a secret keeps it; a rename shows.
	res = f.as(callerSuper, "PUT", "/api/admin/sso/providers/Contoso", oidcProvider("Contoso", ""))
	if res.Status != 200 || res.JSON(t)["name"] != "Contoso" {
		t.Fatalf("update: %d %s", res.Status, res.Body)
	}
	if p, _ := f.dir.Get(context.Background(), "Contoso"); !p.OIDC.ClientSecretSet {
		t.Fatal("the update dropped the stored secret")
	}
	list := f.as(callerSuper, "GET", "/api/admin/sso/providers", nil)
	if list.Status != 200 || strings.Contains(string(list.Body), secret) {
		t.Fatalf("list: %d %s", list.Status, list.Body)
	}
	if items := list.JSON(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["name"] != "Contoso" {
		t.Fatalf("list %s", list.Body)
	}
	// Audited, never with the secret.
	for _, typ := range []string{admin.SSOProviderCreated, admin.SSOProviderUpdated} {
		ev := f.events(typ)
		if len(ev) != 1 || ev[0].Detail["provider"] != "Contoso" || ev[0].ActorID != f.super.ID {
			t.Fatalf("%s: %+v", typ, ev)
		}
	}
	// Delete: gone from the directory, the sign-in page and the names.
	if res := f.as(callerSuper, "DELETE", "/api/admin/sso/providers/Contoso", nil); res.Status != 204 {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if res := f.as(callerSuper, "DELETE", "/api/admin/sso/providers/Contoso", nil); res.Status != 404 {
		t.Fatalf("delete again: %d %s", res.Status, res.Body)
	}
	snap, _ := f.Store.Load(context.Background(), store.Query{Parameters: true})
	if len(snap.Parameters.SSO.Providers) != 0 {
		t.Fatalf("names left: %+v", snap.Parameters.SSO.Providers)
	}
	if ev := f.events(admin.SSOProviderDeleted); len(ev) != 1 {
		t.Fatalf("deleted events %+v", ev)
	}
}

func TestProviderRefusals(t *testing.T) {
	f := newFixture(t)
	f.dir.Refuse = "Broken"
	tests := []struct {
		name, id string
		body     map[string]any
		status   int
		field    string
	}{
		{"no name", "Contoso", oidcProvider("", "s"), 400, "name"},
		{"unknown type", "Contoso", map[string]any{"name": "X", "type": "ldap"}, 400, "type"},
		{"oidc without settings", "Contoso", map[string]any{"name": "X", "type": "oidc"}, 400, "oidc"},
		{"saml with oidc settings", "Contoso", map[string]any{"name": "X", "type": "saml",
			"saml": map[string]any{"metadataUrl": "https://idp.example/metadata"}, "oidc": map[string]any{}}, 400, "saml"},
		{"unknown attribute", "Contoso", map[string]any{"name": "X", "type": "saml",
			"saml": map[string]any{"metadataUrl": "https://idp.example/metadata"}, "attributes": map[string]string{"role": "x"}}, 400, "attributes"},
		{"id mismatch", "Contoso", map[string]any{"id": "Other", "name": "X", "type": "saml",
			"saml": map[string]any{"metadataUrl": "https://idp.example/metadata"}}, 400, "id"},
		{"broker refuses", "Broken", oidcProvider("Broken", "s"), 400, "provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.as(callerSuper, "PUT", "/api/admin/sso/providers/"+tt.id, tt.body)
			if res.Status != tt.status || !strings.Contains(string(res.Body), `"field":"`+tt.field) {
				t.Fatalf("got %d %s", res.Status, res.Body)
			}
		})
	}
	if list, _ := f.dir.List(context.Background()); len(list) != 0 {
		t.Fatalf("providers created: %+v", list)
	}
}

func TestProvidersWithoutSSO(t *testing.T) {
	f := fixtureOn(t, newPlainEnv(t))
	if res := f.as(callerSuper, "GET", "/api/admin/sso/providers", nil); res.Status != 200 || len(res.JSON(t)["items"].([]any)) != 0 {
		t.Fatalf("list: %d %s", res.Status, res.Body)
	}
	if res := f.as(callerSuper, "PUT", "/api/admin/sso/providers/Contoso", oidcProvider("C", "s")); res.Status != 409 {
		t.Fatalf("put: %d %s", res.Status, res.Body)
	}
}

// newPlainEnv is an environment without SSO.
func newPlainEnv(t *testing.T) *apptest.Env { return apptest.New(t, apptest.Options{}) }

// trustEmail is a super_admin's word that a provider's email assertions may
// bind accounts without email_verified; it is stored with the provider's
// name, returned, audited, and off when omitted.
func TestProviderTrustEmail(t *testing.T) {
	f := newFixture(t)
	doc := oidcProvider("Contoso", "s3cret")
	doc["trustEmail"] = true
	res := f.asSuper("PUT", "/api/admin/sso/providers/Contoso", doc)
	if res.Status != 201 || res.JSON(t)["trustEmail"] != true {
		t.Fatalf("create trusted: %d %s", res.Status, res.Body)
	}
	list := f.asSuper("GET", "/api/admin/sso/providers", nil).JSON(t)["items"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["trustEmail"] != true {
		t.Fatalf("list: %v", list)
	}
	if ev := f.lastEvent(admin.SSOProviderCreated); ev.Detail["trustEmail"] != "true" {
		t.Fatalf("audit: %+v", ev)
	}
	res = f.asSuper("PUT", "/api/admin/sso/providers/Contoso", oidcProvider("Contoso", ""))
	if res.Status != 200 || res.JSON(t)["trustEmail"] != false {
		t.Fatalf("replace without trustEmail: %d %s", res.Status, res.Body)
	}
	snap, err := f.Store.Load(context.Background(), store.Query{Parameters: true})
	if err != nil || snap.Parameters.SSO.TrustsEmail("Contoso") {
		t.Fatalf("stored trust after the replace: %v %v", snap.Parameters.SSO.Providers, err)
	}
}
