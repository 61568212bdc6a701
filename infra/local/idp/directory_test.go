package idp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/gatepass/gatepass/shared/sso"
)

func oidcProvider(id, secret string) sso.Provider {
	return sso.Provider{ID: id, Type: sso.TypeOIDC, OIDC: &sso.OIDCSettings{
		Issuer: "https://login.example/" + id, ClientID: "client-" + id, ClientSecret: secret,
		Scopes: []string{"openid", "email"}}}
}

func samlProvider(id string) sso.Provider {
	return sso.Provider{ID: id, Type: sso.TypeSAML, SAML: &sso.SAMLSettings{MetadataURL: "https://idp.example/" + id + "/metadata"}}
}

// newIssuer is an Issuer without a server.
func newIssuer(t *testing.T, dataDir string, seed []SeedProvider) *Issuer {
	t.Helper()
	iss, err := New(Config{Issuer: "http://127.0.0.1:8080/_dev/oidc", ClientID: testClientID, ClientSecret: testClientSecret,
		RedirectURIs: []string{"http://127.0.0.1:8080/api/auth/sso/callback"}, DataDir: dataDir, Seed: seed})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return iss
}

func listIDs(t *testing.T, d sso.Directory) string {
	t.Helper()
	ps, err := d.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range ps {
		if p.OIDC != nil || p.SAML != nil || p.Attributes != nil {
			t.Errorf("List filled the settings of %s", p.ID)
		}
		ids = append(ids, p.ID+":"+p.Type)
	}
	return strings.Join(ids, ",")
}

func TestDirectoryPutGetList(t *testing.T) {
	ctx := context.Background()
	iss := newIssuer(t, "", testSeed())
	if got := listIDs(t, iss); got != "Contoso:oidc,Fabrikam:saml" {
		t.Fatalf("seeded List = %s", got)
	}
	xml := `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example"></md:EntityDescriptor>`
	tests := []struct {
		name        string
		put         sso.Provider
		wantCreated bool
		want        sso.Provider // what Get returns
	}{
		{
			name: "create OIDC", put: oidcProvider("Acme", "acme-secret"), wantCreated: true,
			want: sso.Provider{ID: "Acme", Type: sso.TypeOIDC, OIDC: &sso.OIDCSettings{Issuer: "https://login.example/Acme",
				ClientID: "client-Acme", ClientSecretSet: true, Scopes: []string{"openid", "email"}}},
		},
		{
			name: "replace OIDC keeping the secret", put: func() sso.Provider {
				p := oidcProvider("Acme", "")
				p.OIDC.ClientID = "client-2"
				p.Attributes = map[string]string{"email": "mail", "groups": "roles"}
				return p
			}(),
			want: sso.Provider{ID: "Acme", Type: sso.TypeOIDC, Attributes: map[string]string{"email": "mail", "groups": "roles"},
				OIDC: &sso.OIDCSettings{Issuer: "https://login.example/Acme", ClientID: "client-2", ClientSecretSet: true,
					Scopes: []string{"openid", "email"}}},
		},
		{
			name: "create SAML with metadata XML", wantCreated: true,
			put:  sso.Provider{ID: "Tailspin", Type: sso.TypeSAML, SAML: &sso.SAMLSettings{MetadataXML: xml}},
			want: sso.Provider{ID: "Tailspin", Type: sso.TypeSAML, SAML: &sso.SAMLSettings{MetadataXML: xml}},
		},
		{
			name: "replace SAML with a metadata URL", put: samlProvider("Tailspin"),
			want: sso.Provider{ID: "Tailspin", Type: sso.TypeSAML, SAML: &sso.SAMLSettings{MetadataURL: "https://idp.example/Tailspin/metadata"}},
		},
		{
			name: "local http upstream", put: func() sso.Provider {
				p := oidcProvider("Local", "s")
				p.OIDC.Issuer = "http://127.0.0.1:5556/dex"
				return p
			}(), wantCreated: true,
			want: sso.Provider{ID: "Local", Type: sso.TypeOIDC, OIDC: &sso.OIDCSettings{Issuer: "http://127.0.0.1:5556/dex",
				ClientID: "client-Local", ClientSecretSet: true, Scopes: []string{"openid", "email"}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			created, err := iss.Put(ctx, tc.put)
			if err != nil || created != tc.wantCreated {
				t.Fatalf("Put = %v, %v; want %v, nil", created, err, tc.wantCreated)
			}
			got, err := iss.Get(ctx, tc.put.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Get = %+v %+v %+v, want %+v %+v %+v", got, got.OIDC, got.SAML, tc.want, tc.want.OIDC, tc.want.SAML)
			}
		})
	}
	if got := listIDs(t, iss); got != "Acme:oidc,Contoso:oidc,Fabrikam:saml,Local:oidc,Tailspin:saml" {
		t.Errorf("List = %s", got)
	}
	if sp, _ := iss.provider("Acme"); sp.OIDC.ClientSecret != "acme-secret" {
		t.Errorf("the stored secret is %q, want the first one", sp.OIDC.ClientSecret)
	}
	// Get returns copies.
	got, _ := iss.Get(ctx, "Acme")
	got.OIDC.Scopes[0] = "changed"
	got.Attributes["email"] = "changed"
	if again, _ := iss.Get(ctx, "Acme"); again.OIDC.Scopes[0] != "openid" || again.Attributes["email"] != "mail" {
		t.Errorf("Get shares its slices or maps with the store")
	}
}

func TestDirectoryValidation(t *testing.T) {
	ctx := context.Background()
	iss := newIssuer(t, "", nil)
	if _, err := iss.Put(ctx, samlProvider("Existing")); err != nil {
		t.Fatal(err)
	}
	with := func(p sso.Provider, f func(*sso.Provider)) sso.Provider { f(&p); return p }
	tests := []struct {
		name string
		p    sso.Provider
	}{
		{"empty id", samlProvider("")},
		{"id of 33 characters", samlProvider(strings.Repeat("a", 33))},
		{"id starting with _", samlProvider("_Acme")},
		{"id with a space", samlProvider("Acme Corp")},
		{"id with a control character", samlProvider("Acme\t")},
		{"reserved id COGNITO", samlProvider("COGNITO")},
		{"reserved id Cognito", samlProvider("Cognito")},
		{"unknown type", with(samlProvider("Acme"), func(p *sso.Provider) { p.Type = "ldap" })},
		{"OIDC without settings", sso.Provider{ID: "Acme", Type: sso.TypeOIDC}},
		{"OIDC with SAML settings too", with(oidcProvider("Acme", "upstream-SECRET-42"), func(p *sso.Provider) { p.SAML = &sso.SAMLSettings{MetadataURL: "https://x.example"} })},
		{"OIDC without issuer", with(oidcProvider("Acme", "upstream-SECRET-42"), func(p *sso.Provider) { p.OIDC.Issuer = "" })},
		{"OIDC with an http issuer", with(oidcProvider("Acme", "upstream-SECRET-42"), func(p *sso.Provider) { p.OIDC.Issuer = "http://login.example" })},
		{"OIDC with a relative issuer", with(oidcProvider("Acme", "upstream-SECRET-42"), func(p *sso.Provider) { p.OIDC.Issuer = "login.example" })},
		{"OIDC without client id", with(oidcProvider("Acme", "upstream-SECRET-42"), func(p *sso.Provider) { p.OIDC.ClientID = " " })},
		{"OIDC created without secret", oidcProvider("Acme", "")},
		{"OIDC replacing SAML without secret", oidcProvider("Existing", "")},
		{"OIDC scopes without openid", with(oidcProvider("Acme", "upstream-SECRET-42"), func(p *sso.Provider) { p.OIDC.Scopes = []string{"email"} })},
		{"OIDC scope with a space", with(oidcProvider("Acme", "upstream-SECRET-42"), func(p *sso.Provider) { p.OIDC.Scopes = []string{"openid", "a b"} })},
		{"SAML without settings", sso.Provider{ID: "Acme", Type: sso.TypeSAML}},
		{"SAML without metadata", sso.Provider{ID: "Acme", Type: sso.TypeSAML, SAML: &sso.SAMLSettings{}}},
		{"SAML with both metadata", sso.Provider{ID: "Acme", Type: sso.TypeSAML, SAML: &sso.SAMLSettings{MetadataURL: "https://x.example", MetadataXML: "<EntityDescriptor/>"}}},
		{"SAML with OIDC settings too", with(samlProvider("Acme"), func(p *sso.Provider) { p.OIDC = &sso.OIDCSettings{} })},
		{"SAML metadata URL not https", with(samlProvider("Acme"), func(p *sso.Provider) { p.SAML.MetadataURL = "ftp://x.example/m" })},
		{"SAML metadata not XML", sso.Provider{ID: "Acme", Type: sso.TypeSAML, SAML: &sso.SAMLSettings{MetadataXML: "<EntityDescriptor>"}}},
		{"SAML metadata of another kind", sso.Provider{ID: "Acme", Type: sso.TypeSAML, SAML: &sso.SAMLSettings{MetadataXML: "<html></html>"}}},
		{"unknown attribute", with(samlProvider("Acme"), func(p *sso.Provider) { p.Attributes = map[string]string{"phone": "tel"} })},
		{"empty attribute mapping", with(samlProvider("Acme"), func(p *sso.Provider) { p.Attributes = map[string]string{"email": ""} })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			created, err := iss.Put(ctx, tc.p)
			if !errors.Is(err, sso.ErrInvalidProvider) || created {
				t.Fatalf("Put = %v, %v; want an error wrapping ErrInvalidProvider", created, err)
			}
			if tc.p.OIDC != nil && tc.p.OIDC.ClientSecret != "" && strings.Contains(err.Error(), tc.p.OIDC.ClientSecret) {
				t.Errorf("the error %q holds the secret", err)
			}
			if got := listIDs(t, iss); got != "Existing:saml" {
				t.Errorf("List after a refused Put = %s", got)
			}
		})
	}
}

func TestDirectoryNotFound(t *testing.T) {
	ctx := context.Background()
	iss := newIssuer(t, "", testSeed())
	if _, err := iss.Get(ctx, "Northwind"); !errors.Is(err, sso.ErrProviderNotFound) {
		t.Errorf("Get unknown: %v", err)
	}
	if err := iss.Delete(ctx, "Northwind"); !errors.Is(err, sso.ErrProviderNotFound) {
		t.Errorf("Delete unknown: %v", err)
	}
	if err := iss.Delete(ctx, "Contoso"); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Get(ctx, "Contoso"); !errors.Is(err, sso.ErrProviderNotFound) {
		t.Errorf("Get deleted: %v", err)
	}
	if err := iss.Delete(ctx, "Contoso"); !errors.Is(err, sso.ErrProviderNotFound) {
		t.Errorf("Delete twice: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := iss.List(canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a canceled context: %v", err)
	}
}

func TestDirectoryPersistence(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	first := newIssuer(t, dir, testSeed())
	if _, err := first.Put(ctx, oidcProvider("Acme", "acme-upstream-secret")); err != nil {
		t.Fatal(err)
	}
	if err := first.Delete(ctx, "Fabrikam"); err != nil {
		t.Fatal(err)
	}
	want, err := first.Get(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(dir, ProvidersFile)
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", ProvidersFile, info.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("data dir holds %d entries, want only %s", len(entries), ProvidersFile)
	}

	// A second Issuer on the same folder: same providers, the deleted seed
	// stays deleted, the secret is still stored but not returned.
	second := newIssuer(t, dir, testSeed())
	if got := listIDs(t, second); got != "Acme:oidc,Contoso:oidc" {
		t.Errorf("List after restart = %s", got)
	}
	got, err := second.Get(ctx, "Acme")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Get after restart = %+v, %v; want %+v", got, err, want)
	}
	if got.OIDC.ClientSecret != "" || !got.OIDC.ClientSecretSet {
		t.Errorf("Get returned secret %q, set %v", got.OIDC.ClientSecret, got.OIDC.ClientSecretSet)
	}
	if sp, _ := second.provider("Acme"); sp.OIDC.ClientSecret != "acme-upstream-secret" {
		t.Errorf("the secret did not survive the restart")
	}
	if sp, _ := second.provider("Contoso"); sp.TestIdentity == nil || sp.TestIdentity.Subject != "00u1contoso" {
		t.Errorf("the seeded test identity did not survive the restart: %+v", sp.TestIdentity)
	}

	// Deleting everything is remembered too: no seeding again.
	for _, id := range []string{"Acme", "Contoso"} {
		if err := second.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := listIDs(t, newIssuer(t, dir, testSeed())); got != "" {
		t.Errorf("List after deleting all and restarting = %s, want nothing", got)
	}
}

func TestNewRefusesConfig(t *testing.T) {
	valid := func() Config {
		return Config{Issuer: "http://127.0.0.1:8080/_dev/oidc", ClientID: "c", ClientSecret: "s",
			RedirectURIs: []string{"http://127.0.0.1:8080/api/auth/sso/callback"}}
	}
	corrupt := t.TempDir()
	if err := os.WriteFile(filepath.Join(corrupt, ProvidersFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	invalidStored := t.TempDir()
	if err := os.WriteFile(filepath.Join(invalidStored, ProvidersFile),
		[]byte(`{"format":1,"providers":[{"id":"_bad","type":"saml","saml":{"metadataUrl":"https://x.example"}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mutate func(*Config)
		want   error
	}{
		{"trailing slash in issuer", func(c *Config) { c.Issuer += "/" }, ErrInvalidConfig},
		{"relative issuer", func(c *Config) { c.Issuer = "/_dev/oidc" }, ErrInvalidConfig},
		{"issuer with a query", func(c *Config) { c.Issuer += "?x=1" }, ErrInvalidConfig},
		{"no client secret", func(c *Config) { c.ClientSecret = "" }, ErrInvalidConfig},
		{"no redirect URI", func(c *Config) { c.RedirectURIs = nil }, ErrInvalidConfig},
		{"relative redirect URI", func(c *Config) { c.RedirectURIs = []string{"/api/auth/sso/callback"} }, ErrInvalidConfig},
		{"invalid seed", func(c *Config) { c.Seed = []SeedProvider{{Provider: oidcProvider("Acme", "")}} }, sso.ErrInvalidProvider},
		{"seed twice", func(c *Config) { c.Seed = []SeedProvider{{Provider: samlProvider("A")}, {Provider: samlProvider("A")}} }, ErrInvalidConfig},
		{"corrupt providers file", func(c *Config) { c.DataDir = corrupt }, nil},
		{"invalid stored provider", func(c *Config) { c.DataDir = invalidStored }, sso.ErrInvalidProvider},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid()
			tc.mutate(&cfg)
			iss, err := New(cfg)
			if err == nil || iss != nil {
				t.Fatalf("New = %v, %v; want an error", iss, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("New: %v, want an error wrapping %v", err, tc.want)
			}
		})
	}
}

// TestDirectoryDrivesSignIn: a provider Put through the Directory can be
// signed in with at once; a deleted one cannot.
func TestDirectoryDrivesSignIn(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	if _, err := e.iss.Put(ctx, samlProvider("Northwind")); err != nil {
		t.Fatal(err)
	}
	res := e.get(t, e.issuerURL+PathAuthorize+"?"+e.authParamsFor("Northwind").Encode())
	if res.status != http.StatusOK || !strings.Contains(res.body, "Local test identity provider — Northwind") {
		t.Fatalf("status %d, body %s", res.status, res.body)
	}
	if got := formInputs(res.body).Get("email"); got != "test.user@example.com" {
		t.Errorf("default email %q for a provider without test identity", got)
	}
	if err := e.iss.Delete(ctx, "Northwind"); err != nil {
		t.Fatal(err)
	}
	res = e.get(t, e.issuerURL+PathAuthorize+"?"+e.authParamsFor("Northwind").Encode())
	checkRefusal(t, e, res, false, "invalid_request", testState)
}

func TestDirectoryConcurrent(t *testing.T) {
	ctx := context.Background()
	iss := newIssuer(t, t.TempDir(), nil)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, 3*n)
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("P%02d", k)
			if _, err := iss.Put(ctx, oidcProvider(id, "secret")); err != nil {
				errs <- err
			}
			if _, err := iss.List(ctx); err != nil {
				errs <- err
			}
			if _, err := iss.Get(ctx, id); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ps, _ := iss.List(ctx)
	if len(ps) != n {
		t.Errorf("%d providers, want %d", len(ps), n)
	}
}
