package cognito_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/gatepass/gatepass/shared/sso"
	"github.com/gatepass/gatepass/shared/sso/cognito"
)

const (
	// newSecret is the OIDC client secret the tests put.
	newSecret = "UpstreamSecret-4b1d9c2e7f60a8e3"
	// storedSecret is the OIDC client secret the fake holds already.
	storedSecret = "StoredSecret-0a9b8c7d6e5f4a3b"

	contosoIssuer = "https://login.contoso.example/v2.0"
	emailClaim    = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
	nameClaim     = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
	metadataXML   = `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.fabrikam.example">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>
</md:EntityDescriptor>`
)

// Operation names, as in X-Amz-Target.
const (
	opList           = "ListIdentityProviders"
	opDescribe       = "DescribeIdentityProvider"
	opCreate         = "CreateIdentityProvider"
	opUpdate         = "UpdateIdentityProvider"
	opDelete         = "DeleteIdentityProvider"
	opDescribeClient = "DescribeUserPoolClient"
	opUpdateClient   = "UpdateUserPoolClient"
)

var secrets = []string{newSecret, storedSecret, appClientSecret}

// storedContoso is an OIDC provider as Cognito holds it.
func storedContoso() fakeIdP {
	return fakeIdP{
		ProviderName: "Contoso",
		ProviderType: "OIDC",
		ProviderDetails: map[string]string{
			"client_id":                 "contoso-client",
			"client_secret":             storedSecret,
			"authorize_scopes":          "openid email profile",
			"oidc_issuer":               contosoIssuer,
			"attributes_request_method": "POST",
		},
		AttributeMapping: map[string]string{
			"email":          "email",
			"email_verified": "email_verified",
			"name":           "name",
			"custom:groups":  "groups",
		},
		IdpIdentifiers: []string{"contoso.example"},
	}
}

// storedFabrikam is a SAML provider as Cognito holds it.
func storedFabrikam() fakeIdP {
	return fakeIdP{
		ProviderName: "Fabrikam",
		ProviderType: "SAML",
		ProviderDetails: map[string]string{
			"MetadataURL":        "https://idp.fabrikam.example/metadata",
			"IDPSignout":         "true",
			"EncryptedResponses": "true",
		},
		AttributeMapping: map[string]string{"email": emailClaim, "name": nameClaim},
	}
}

func oidcProvider(id, secret string) sso.Provider {
	return sso.Provider{
		ID:   id,
		Type: sso.TypeOIDC,
		OIDC: &sso.OIDCSettings{
			Issuer:       contosoIssuer,
			ClientID:     "contoso-client",
			ClientSecret: secret,
			Scopes:       []string{"openid", "email", "profile"},
		},
		Attributes: map[string]string{"email": "email", "name": "name", "groups": "groups"},
	}
}

func samlProvider(id string) sso.Provider {
	return sso.Provider{
		ID:         id,
		Type:       sso.TypeSAML,
		SAML:       &sso.SAMLSettings{MetadataXML: metadataXML},
		Attributes: map[string]string{"email": emailClaim},
	}
}

// assertNoSecret fails when a secret shows anywhere in v: its printed
// form and, for an error, every error it wraps and every API message.
func assertNoSecret(t *testing.T, what string, v any) {
	t.Helper()
	texts := []string{fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v)}
	if err, ok := v.(error); ok && err != nil {
		walkErrors(err, func(e error) {
			texts = append(texts, e.Error())
			var apiErr smithy.APIError
			if errors.As(e, &apiErr) {
				texts = append(texts, apiErr.ErrorMessage())
			}
		})
	}
	for _, text := range texts {
		if showsSecret(text) {
			t.Errorf("%s shows a secret", what)
			return
		}
	}
}

// showsSecret reports whether text holds 8 consecutive bytes of a secret.
func showsSecret(text string) bool {
	for _, s := range secrets {
		for i := 0; i+8 <= len(s); i++ {
			if strings.Contains(text, s[i:i+8]) {
				return true
			}
		}
	}
	return false
}

// scrub formats v for a failure message, withheld when it shows a secret.
func scrub(v any) string {
	if text := fmt.Sprintf("%+v", v); !showsSecret(text) {
		return text
	}
	return "(withheld: shows a secret)"
}

func walkErrors(err error, f func(error)) {
	if err == nil {
		return
	}
	f(err)
	switch e := err.(type) {
	case interface{ Unwrap() error }:
		walkErrors(e.Unwrap(), f)
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			walkErrors(inner, f)
		}
	}
}

func assertErr(t *testing.T, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("error %v, want none", scrub(err))
	case want != nil && !errors.Is(err, want):
		t.Fatalf("error %v, want one wrapping %v", scrub(err), want)
	}
}

func assertOps(t *testing.T, f *fakeCognito, want []string) {
	t.Helper()
	if got := f.ops(); !slices.Equal(got, want) {
		t.Errorf("calls %v, want %v", scrub(got), want)
	}
}

func TestList(t *testing.T) {
	many := make([]string, 130)
	for i := range many {
		many[i] = fmt.Sprintf("idp%03d", i)
	}
	cases := []struct {
		name     string
		seed     func(f *fakeCognito)
		want     []sso.Provider
		wantErr  bool
		wantOps  []string
		wantList int // ListIdentityProviders calls
	}{
		{
			name: "intersection of the pool and the app client",
			seed: func(f *fakeCognito) {
				f.addProvider(storedContoso())
				f.addProvider(storedFabrikam())
				f.addProvider(fakeIdP{ProviderName: "Disabled", ProviderType: "OIDC",
					ProviderDetails: map[string]string{"oidc_issuer": "https://x.example", "client_id": "x", "client_secret": "y", "authorize_scopes": "openid"}})
				f.addProvider(fakeIdP{ProviderName: "Google", ProviderType: "Google"})
				f.enable("COGNITO", "Fabrikam", "Google", "Contoso", "Ghost")
			},
			want: []sso.Provider{
				{ID: "Contoso", Type: sso.TypeOIDC},
				{ID: "Fabrikam", Type: sso.TypeSAML},
			},
			wantList: 1,
		},
		{
			name: "only COGNITO enabled: the pool is not listed",
			seed: func(f *fakeCognito) {
				f.addProvider(storedContoso())
				f.enable("COGNITO")
			},
			want:    []sso.Provider{},
			wantOps: []string{opDescribeClient},
		},
		{
			name: "more than one page",
			seed: func(f *fakeCognito) {
				for _, n := range many {
					f.addProvider(fakeIdP{ProviderName: n, ProviderType: "SAML",
						ProviderDetails: map[string]string{"MetadataURL": "https://x.example/" + n}})
				}
				f.enable(append([]string{"COGNITO"}, many...)...)
			},
			want: func() []sso.Provider {
				var ps []sso.Provider
				for _, n := range many {
					ps = append(ps, sso.Provider{ID: n, Type: sso.TypeSAML})
				}
				return ps
			}(),
			wantList: 3,
		},
		{
			name:    "app client unknown",
			seed:    func(f *fakeCognito) { f.failOn(opDescribeClient, apiError{"NotAuthorizedException", "denied"}) },
			wantErr: true,
			wantOps: []string{opDescribeClient},
		},
		{
			name: "listing fails",
			seed: func(f *fakeCognito) {
				f.enable("Contoso")
				f.failOn(opList, apiError{"TooManyRequestsException", "slow down"})
			},
			wantErr:  true,
			wantList: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, f := newDirectory(t)
			tc.seed(f)
			got, err := dir.List(t.Context())
			if tc.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				if errors.Is(err, sso.ErrProviderNotFound) || errors.Is(err, sso.ErrInvalidProvider) {
					t.Errorf("error %v wraps a directory error", scrub(err))
				}
			} else {
				assertErr(t, err, nil)
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("List = %v, want %v", scrub(got), tc.want)
				}
			}
			if tc.wantOps != nil {
				assertOps(t, f, tc.wantOps)
			}
			lists := f.requests(opList)
			// Pages, not calls: the same page asked again is the SDK
			// retrying a read the loopback connection broke (see newDirectory).
			pages := map[string]bool{}
			for _, body := range lists {
				pages[fmt.Sprint(body["NextToken"])] = true
			}
			if len(pages) != tc.wantList && tc.wantOps == nil {
				t.Errorf("%d ListIdentityProviders pages asked, want %d", len(pages), tc.wantList)
			}
			for _, body := range lists {
				if fmt.Sprint(body["MaxResults"]) != "60" {
					t.Errorf("MaxResults %v, want 60", scrub(body["MaxResults"]))
				}
			}
			assertNoSecret(t, "List", got)
			assertNoSecret(t, "List error", err)
		})
	}
}

func TestGet(t *testing.T) {
	cases := []struct {
		name    string
		seed    func(f *fakeCognito)
		id      string
		want    sso.Provider
		wantErr error
		wantOps []string
	}{
		{
			name: "OIDC: secret blanked, attributes inverted",
			seed: func(f *fakeCognito) { f.addProvider(storedContoso()) },
			id:   "Contoso",
			want: sso.Provider{
				ID:   "Contoso",
				Type: sso.TypeOIDC,
				OIDC: &sso.OIDCSettings{
					Issuer:          contosoIssuer,
					ClientID:        "contoso-client",
					ClientSecretSet: true,
					Scopes:          []string{"openid", "email", "profile"},
				},
				Attributes: map[string]string{"email": "email", "name": "name", "groups": "groups"},
			},
			wantOps: []string{opDescribe},
		},
		{
			name: "OIDC without a stored secret",
			seed: func(f *fakeCognito) {
				p := storedContoso()
				delete(p.ProviderDetails, "client_secret")
				p.AttributeMapping = nil
				f.addProvider(p)
			},
			id: "Contoso",
			want: sso.Provider{
				ID:   "Contoso",
				Type: sso.TypeOIDC,
				OIDC: &sso.OIDCSettings{
					Issuer:   contosoIssuer,
					ClientID: "contoso-client",
					Scopes:   []string{"openid", "email", "profile"},
				},
				Attributes: map[string]string{},
			},
			wantOps: []string{opDescribe},
		},
		{
			name: "SAML with a metadata URL",
			seed: func(f *fakeCognito) { f.addProvider(storedFabrikam()) },
			id:   "Fabrikam",
			want: sso.Provider{
				ID:         "Fabrikam",
				Type:       sso.TypeSAML,
				SAML:       &sso.SAMLSettings{MetadataURL: "https://idp.fabrikam.example/metadata"},
				Attributes: map[string]string{"email": emailClaim, "name": nameClaim},
			},
			wantOps: []string{opDescribe},
		},
		{
			name: "SAML with a metadata document",
			seed: func(f *fakeCognito) {
				f.addProvider(fakeIdP{ProviderName: "Fabrikam", ProviderType: "SAML",
					ProviderDetails: map[string]string{"MetadataFile": metadataXML}})
			},
			id: "Fabrikam",
			want: sso.Provider{
				ID:         "Fabrikam",
				Type:       sso.TypeSAML,
				SAML:       &sso.SAMLSettings{MetadataXML: metadataXML},
				Attributes: map[string]string{},
			},
			wantOps: []string{opDescribe},
		},
		{
			name:    "unknown",
			seed:    func(f *fakeCognito) {},
			id:      "Contoso",
			wantErr: sso.ErrProviderNotFound,
			wantOps: []string{opDescribe},
		},
		{
			name:    "a social provider is not Gatepass's",
			seed:    func(f *fakeCognito) { f.addProvider(fakeIdP{ProviderName: "Google", ProviderType: "Google"}) },
			id:      "Google",
			wantErr: sso.ErrProviderNotFound,
			wantOps: []string{opDescribe},
		},
		{name: "COGNITO", seed: func(f *fakeCognito) {}, id: "COGNITO", wantErr: sso.ErrProviderNotFound, wantOps: []string{}},
		{name: "too short", seed: func(f *fakeCognito) {}, id: "ab", wantErr: sso.ErrProviderNotFound, wantOps: []string{}},
		{name: "space", seed: func(f *fakeCognito) {}, id: "Con toso", wantErr: sso.ErrProviderNotFound, wantOps: []string{}},
		{
			name:    "describe fails",
			seed:    func(f *fakeCognito) { f.failOn(opDescribe, apiError{"NotAuthorizedException", "denied"}) },
			id:      "Contoso",
			wantErr: errors.New("any"),
			wantOps: []string{opDescribe},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, f := newDirectory(t)
			tc.seed(f)
			got, err := dir.Get(t.Context(), tc.id)
			switch {
			case tc.wantErr == nil:
				assertErr(t, err, nil)
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("Get = %+v %+v, want %+v %+v", scrub(got), scrub(got.OIDC), tc.want, scrub(tc.want.OIDC))
				}
			case errors.Is(tc.wantErr, sso.ErrProviderNotFound):
				assertErr(t, err, tc.wantErr)
			default:
				if err == nil || errors.Is(err, sso.ErrProviderNotFound) {
					t.Fatalf("error %v, want an error that is not ErrProviderNotFound", scrub(err))
				}
			}
			assertOps(t, f, tc.wantOps)
			assertNoSecret(t, "Get", got)
			assertNoSecret(t, "Get error", err)
		})
	}
}

func TestPut(t *testing.T) {
	createOps := []string{opDescribe, opCreate, opDescribeClient, opUpdateClient}
	updateOps := []string{opDescribe, opUpdate, opDescribeClient}
	cases := []struct {
		name        string
		seed        func(f *fakeCognito)
		in          sso.Provider
		wantCreated bool
		wantErr     error
		wantOps     []string
		check       func(t *testing.T, f *fakeCognito)
	}{
		{
			name:        "create OIDC and enable it",
			seed:        func(f *fakeCognito) { f.enable("COGNITO", "Fabrikam") },
			in:          oidcProvider("Contoso", newSecret),
			wantCreated: true,
			wantOps:     createOps,
			check: func(t *testing.T, f *fakeCognito) {
				req := f.requests(opCreate)[0]
				if req["ProviderType"] != "OIDC" || req["ProviderName"] != "Contoso" {
					t.Errorf("create request %v", scrub(req))
				}
				p, _ := f.provider("Contoso")
				wantDetails(t, p, map[string]string{
					"client_id":                 "contoso-client",
					"client_secret":             newSecret,
					"authorize_scopes":          "openid email profile",
					"oidc_issuer":               contosoIssuer,
					"attributes_request_method": "GET",
				})
				wantMapping(t, p, map[string]string{
					"email": "email", "email_verified": "email_verified", "name": "name",
					"custom:groups": "groups", "username": "sub",
				})
				wantSupported(t, f, "COGNITO", "Fabrikam", "Contoso")
			},
		},
		{
			name:        "create SAML from a metadata document",
			seed:        func(f *fakeCognito) {},
			in:          samlProvider("Fabrikam"),
			wantCreated: true,
			wantOps:     createOps,
			check: func(t *testing.T, f *fakeCognito) {
				p, _ := f.provider("Fabrikam")
				if p.ProviderType != "SAML" || p.ProviderDetails["MetadataFile"] != metadataXML {
					t.Errorf("stored %+v", scrub(p))
				}
				if _, ok := p.AttributeMapping["email_verified"]; ok {
					t.Errorf("SAML provider got an email_verified mapping: %v", scrub(p.AttributeMapping))
				}
				wantSupported(t, f, "COGNITO", "Fabrikam")
			},
		},
		{
			name:    "a new OIDC provider needs a secret",
			seed:    func(f *fakeCognito) {},
			in:      oidcProvider("Contoso", ""),
			wantErr: sso.ErrInvalidProvider,
			wantOps: []string{opDescribe},
		},
		{
			name: "update keeps the stored secret and settings Gatepass does not manage",
			seed: func(f *fakeCognito) {
				f.addProvider(storedContoso())
				f.enable("COGNITO", "Contoso")
			},
			in: func() sso.Provider {
				p := oidcProvider("Contoso", "")
				p.OIDC.Scopes = []string{"openid", "email"}
				p.Attributes = map[string]string{"email": "email"}
				return p
			}(),
			wantOps: updateOps,
			check: func(t *testing.T, f *fakeCognito) {
				p, _ := f.provider("Contoso")
				wantDetails(t, p, map[string]string{
					"client_id":                 "contoso-client",
					"client_secret":             storedSecret,
					"authorize_scopes":          "openid email",
					"oidc_issuer":               contosoIssuer,
					"attributes_request_method": "POST",
				})
				wantMapping(t, p, map[string]string{"email": "email", "email_verified": "email_verified", "username": "sub"})
				if !slices.Equal(p.IdpIdentifiers, []string{"contoso.example"}) {
					t.Errorf("IdpIdentifiers %v, want kept", scrub(p.IdpIdentifiers))
				}
				wantSupported(t, f, "COGNITO", "Contoso")
			},
		},
		{
			name: "update replaces the secret",
			seed: func(f *fakeCognito) {
				f.addProvider(storedContoso())
				f.enable("Contoso", "COGNITO")
			},
			in:      oidcProvider("Contoso", newSecret),
			wantOps: updateOps,
			check: func(t *testing.T, f *fakeCognito) {
				p, _ := f.provider("Contoso")
				if p.ProviderDetails["client_secret"] != newSecret {
					t.Error("secret not replaced")
				}
			},
		},
		{
			name: "a new issuer is discovered again; email from another claim is not verified",
			seed: func(f *fakeCognito) {
				f.addProvider(storedContoso())
				f.enable("COGNITO", "Contoso")
			},
			in: func() sso.Provider {
				p := oidcProvider("Contoso", "")
				p.OIDC.Issuer = "https://login.contoso-new.example"
				p.Attributes = map[string]string{"email": "upn"}
				return p
			}(),
			wantOps: updateOps,
			check: func(t *testing.T, f *fakeCognito) {
				req := f.requests(opUpdate)[0]["ProviderDetails"].(map[string]any)
				if _, ok := req["authorize_url"]; ok {
					t.Errorf("update sent the old issuer's endpoints: %v", scrub(req["authorize_url"]))
				}
				p, _ := f.provider("Contoso")
				if got := p.ProviderDetails["authorize_url"]; got != "https://login.contoso-new.example/authorize" {
					t.Errorf("authorize_url %q", scrub(got))
				}
				wantMapping(t, p, map[string]string{"email": "upn", "username": "sub"})
			},
		},
		{
			name: "an unchanged issuer keeps its endpoints",
			seed: func(f *fakeCognito) {
				p := storedContoso()
				p.ProviderDetails["authorize_url"] = "https://manual.contoso.example/auth"
				f.addProvider(p)
				f.enable("COGNITO", "Contoso")
			},
			in:      oidcProvider("Contoso", ""),
			wantOps: updateOps,
			check: func(t *testing.T, f *fakeCognito) {
				p, _ := f.provider("Contoso")
				if got := p.ProviderDetails["authorize_url"]; got != "https://manual.contoso.example/auth" {
					t.Errorf("authorize_url %q, want kept", scrub(got))
				}
			},
		},
		{
			name: "SAML from URL to document keeps its options",
			seed: func(f *fakeCognito) {
				f.addProvider(storedFabrikam())
				f.enable("COGNITO", "Fabrikam")
			},
			in:      samlProvider("Fabrikam"),
			wantOps: updateOps,
			check: func(t *testing.T, f *fakeCognito) {
				p, _ := f.provider("Fabrikam")
				if _, ok := p.ProviderDetails["MetadataURL"]; ok {
					t.Error("MetadataURL kept next to MetadataFile")
				}
				if p.ProviderDetails["MetadataFile"] != metadataXML || p.ProviderDetails["IDPSignout"] != "true" ||
					p.ProviderDetails["EncryptedResponses"] != "true" {
					t.Errorf("details %v", scrub(p.ProviderDetails))
				}
				wantMapping(t, p, map[string]string{"email": emailClaim, "username": storedUsername("SAML")})
			},
		},
		{
			name:    "an existing provider that the client doesn't list is enabled",
			seed:    func(f *fakeCognito) { f.addProvider(storedContoso()) },
			in:      oidcProvider("Contoso", ""),
			wantOps: []string{opDescribe, opUpdate, opDescribeClient, opUpdateClient},
			check:   func(t *testing.T, f *fakeCognito) { wantSupported(t, f, "COGNITO", "Contoso") },
		},
		{
			name:    "the type cannot change",
			seed:    func(f *fakeCognito) { f.addProvider(storedFabrikam()) },
			in:      oidcProvider("Fabrikam", newSecret),
			wantErr: sso.ErrInvalidProvider,
			wantOps: []string{opDescribe},
		},
		{
			name:    "a social provider is not replaced",
			seed:    func(f *fakeCognito) { f.addProvider(fakeIdP{ProviderName: "Google", ProviderType: "Google"}) },
			in:      oidcProvider("Google", newSecret),
			wantErr: sso.ErrInvalidProvider,
			wantOps: []string{opDescribe},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, f := newDirectory(t)
			tc.seed(f)
			created, err := dir.Put(t.Context(), tc.in)
			assertErr(t, err, tc.wantErr)
			assertNoSecret(t, "Put error", err)
			if created != tc.wantCreated {
				t.Errorf("created = %v, want %v", created, tc.wantCreated)
			}
			assertOps(t, f, tc.wantOps)
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

func storedUsername(typ string) string {
	return derive(fakeIdP{ProviderType: typ}).AttributeMapping["username"]
}

func wantDetails(t *testing.T, p fakeIdP, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for k := range want {
		got[k] = p.ProviderDetails[k]
	}
	if !maps.Equal(got, want) {
		t.Errorf("details %v, want %v", redact(got), redact(want))
	}
}

func wantMapping(t *testing.T, p fakeIdP, want map[string]string) {
	t.Helper()
	if !maps.Equal(p.AttributeMapping, want) {
		t.Errorf("mapping %v, want %v", scrub(p.AttributeMapping), want)
	}
}

func wantSupported(t *testing.T, f *fakeCognito, want ...string) {
	t.Helper()
	if got := f.supported(); !slices.Equal(got, want) {
		t.Errorf("SupportedIdentityProviders %v, want %v", scrub(got), want)
	}
}

// redact hides the secrets in test failure messages.
func redact(m map[string]string) map[string]string {
	m = maps.Clone(m)
	for k, v := range m {
		if slices.Contains(secrets, v) {
			m[k] = "secret #" + fmt.Sprint(slices.Index(secrets, v))
		}
	}
	return m
}

func TestPutRefusesBeforeCallingCognito(t *testing.T) {
	with := func(change func(p *sso.Provider)) sso.Provider {
		p := oidcProvider("Contoso", newSecret)
		change(&p)
		return p
	}
	withSAML := func(change func(s *sso.SAMLSettings)) sso.Provider {
		p := samlProvider("Fabrikam")
		change(p.SAML)
		return p
	}
	cases := []struct {
		name string
		in   sso.Provider
	}{
		{"empty id", with(func(p *sso.Provider) { p.ID = "" })},
		{"two characters", with(func(p *sso.Provider) { p.ID = "ab" })},
		{"33 characters", with(func(p *sso.Provider) { p.ID = strings.Repeat("a", 33) })},
		{"17 characters of two UTF-16 units", with(func(p *sso.Provider) { p.ID = strings.Repeat("😀", 17) })},
		{"COGNITO", with(func(p *sso.Provider) { p.ID = "COGNITO" })},
		{"Cognito", with(func(p *sso.Provider) { p.ID = "Cognito" })},
		{"leading underscore", with(func(p *sso.Provider) { p.ID = "_Contoso" })},
		{"underscore inside", with(func(p *sso.Provider) { p.ID = "Con_toso" })},
		{"space", with(func(p *sso.Provider) { p.ID = "Con toso" })},
		{"no-break space", with(func(p *sso.Provider) { p.ID = "Con\u00a0toso" })},
		{"leading space", with(func(p *sso.Provider) { p.ID = " Contoso" })},
		{"control character", with(func(p *sso.Provider) { p.ID = "Con\ntoso" })},
		{"invalid UTF-8", with(func(p *sso.Provider) { p.ID = "Con\xfftoso" })},
		{"unknown type", with(func(p *sso.Provider) { p.Type = "google" })},
		{"OIDC without settings", with(func(p *sso.Provider) { p.OIDC = nil })},
		{"OIDC with SAML settings", with(func(p *sso.Provider) { p.SAML = &sso.SAMLSettings{MetadataURL: "https://x.example"} })},
		{"SAML type with OIDC settings", with(func(p *sso.Provider) { p.Type = sso.TypeSAML })},
		{"http issuer", with(func(p *sso.Provider) { p.OIDC.Issuer = "http://login.contoso.example" })},
		{"http localhost issuer", with(func(p *sso.Provider) { p.OIDC.Issuer = "http://localhost:8080" })},
		{"issuer without host", with(func(p *sso.Provider) { p.OIDC.Issuer = "https:///v2.0" })},
		{"issuer with query", with(func(p *sso.Provider) { p.OIDC.Issuer = contosoIssuer + "?tenant=1" })},
		{"issuer with fragment", with(func(p *sso.Provider) { p.OIDC.Issuer = contosoIssuer + "#x" })},
		{"issuer with user info", with(func(p *sso.Provider) { p.OIDC.Issuer = "https://u:" + newSecret + "@login.contoso.example" })},
		{"not a URL", with(func(p *sso.Provider) { p.OIDC.Issuer = "login.contoso.example" })},
		{"no client id", with(func(p *sso.Provider) { p.OIDC.ClientID = " " })},
		{"no scopes", with(func(p *sso.Provider) { p.OIDC.Scopes = nil })},
		{"no openid scope", with(func(p *sso.Provider) { p.OIDC.Scopes = []string{"email", "profile"} })},
		{"scope with a space", with(func(p *sso.Provider) { p.OIDC.Scopes = []string{"openid", "email profile"} })},
		{"empty scope", with(func(p *sso.Provider) { p.OIDC.Scopes = []string{"openid", ""} })},
		{"unknown attribute", with(func(p *sso.Provider) { p.Attributes["phone"] = "phone_number" })},
		{"empty attribute", with(func(p *sso.Provider) { p.Attributes["name"] = " " })},
		{"SAML without settings", func() sso.Provider { p := samlProvider("Fabrikam"); p.SAML = nil; return p }()},
		{"SAML with both", withSAML(func(s *sso.SAMLSettings) { s.MetadataURL = "https://idp.example/metadata" })},
		{"SAML with neither", withSAML(func(s *sso.SAMLSettings) { s.MetadataXML = "" })},
		{"http metadata URL", withSAML(func(s *sso.SAMLSettings) { s.MetadataXML, s.MetadataURL = "", "http://idp.example/metadata" })},
		{"malformed metadata", withSAML(func(s *sso.SAMLSettings) { s.MetadataXML = "<md:EntityDescriptor" })},
		{"metadata that isn't XML", withSAML(func(s *sso.SAMLSettings) { s.MetadataXML = "https://idp.example/metadata" })},
		{"metadata with another root", withSAML(func(s *sso.SAMLSettings) { s.MetadataXML = `<html xmlns="http://www.w3.org/1999/xhtml"></html>` })},
		{"metadata root without the namespace", withSAML(func(s *sso.SAMLSettings) { s.MetadataXML = `<EntityDescriptor entityID="x"/>` })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, f := newDirectory(t)
			created, err := dir.Put(t.Context(), tc.in)
			assertErr(t, err, sso.ErrInvalidProvider)
			if created {
				t.Error("created")
			}
			assertOps(t, f, []string{})
			assertNoSecret(t, "Put error", err)
			if msg := strings.TrimPrefix(err.Error(), sso.ErrInvalidProvider.Error()+": "); msg == "" || msg == err.Error() {
				t.Errorf("message %q does not explain the refusal", scrub(err))
			}
		})
	}
}

func TestPutAcceptsCognitoNames(t *testing.T) {
	for _, id := range []string{"Contoso", "Azure-AD", "a_b", "abc", "Ünïcödé", "Contoso.Example", strings.Repeat("x", 32), strings.Repeat("😀", 16), "a-😀"} {
		t.Run(id, func(t *testing.T) {
			dir, _ := newDirectory(t)
			created, err := dir.Put(t.Context(), oidcProvider(id, newSecret))
			assertErr(t, err, nil)
			if !created {
				t.Error("not created")
			}
		})
	}
}

func TestPutCognitoErrors(t *testing.T) {
	cases := []struct {
		name      string
		existing  bool
		op        string
		fail      apiError
		wantErr   error  // nil: an error that is neither directory error
		wantMsg   string // in the error's message
		wantCode  bool   // the error still wraps the SDK's typed error
		wantMaybe bool   // created
	}{
		{
			name:    "Cognito's message is passed on",
			op:      opCreate,
			fail:    apiError{"InvalidParameterException", "Unable to contact well-known endpoint.\n"},
			wantErr: sso.ErrInvalidProvider,
			wantMsg: "Cognito refused the provider: Unable to contact well-known endpoint.",
		},
		{
			name:    "a message that echoes the secret is replaced",
			op:      opCreate,
			fail:    apiError{"InvalidParameterException", "Invalid client_secret " + newSecret},
			wantErr: sso.ErrInvalidProvider,
			wantMsg: "Cognito refused the provider's settings",
		},
		{
			name:     "a message that echoes part of the stored secret is replaced",
			existing: true,
			op:       opUpdate,
			fail:     apiError{"InvalidParameterException", "Invalid value " + storedSecret[3:15] + "..."},
			wantErr:  sso.ErrInvalidProvider,
			wantMsg:  "Cognito refused the provider's settings",
		},
		{
			name:    "duplicate",
			op:      opCreate,
			fail:    apiError{"DuplicateProviderException", ""},
			wantErr: sso.ErrInvalidProvider,
			wantMsg: "a provider with this name or identifier already exists",
		},
		{
			name:     "unsupported",
			existing: true,
			op:       opUpdate,
			fail:     apiError{"UnsupportedIdentityProviderException", "Identifier contoso.example is not supported."},
			wantErr:  sso.ErrInvalidProvider,
			wantMsg:  "Identifier contoso.example is not supported.",
		},
		{
			name:     "deleted meanwhile",
			existing: true,
			op:       opUpdate,
			fail:     apiError{"ResourceNotFoundException", "gone"},
			wantErr:  sso.ErrProviderNotFound,
		},
		{
			name:    "another error that echoes the secret keeps only its code",
			op:      opCreate,
			fail:    apiError{"InternalErrorException", "failed on " + newSecret},
			wantMsg: "InternalErrorException",
		},
		{
			name:     "another error is wrapped",
			op:       opCreate,
			fail:     apiError{"LimitExceededException", "too many providers"},
			wantMsg:  "too many providers",
			wantCode: true,
		},
		{
			name:      "enabling fails after the provider was created",
			op:        opUpdateClient,
			fail:      apiError{"ConcurrentModificationException", "busy"},
			wantMsg:   "busy",
			wantMaybe: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, f := newDirectory(t)
			if tc.existing {
				f.addProvider(storedContoso())
			}
			f.failOn(tc.op, tc.fail)
			created, err := dir.Put(t.Context(), oidcProvider("Contoso", newSecret))
			if err == nil {
				t.Fatal("no error")
			}
			assertNoSecret(t, "Put error", err)
			if tc.wantErr != nil {
				assertErr(t, err, tc.wantErr)
			} else if errors.Is(err, sso.ErrInvalidProvider) || errors.Is(err, sso.ErrProviderNotFound) {
				t.Errorf("error %v wraps a directory error", scrub(err))
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not contain %q", scrub(err), tc.wantMsg)
			}
			if tc.wantCode {
				var limit *types.LimitExceededException
				if !errors.As(err, &limit) {
					t.Errorf("error %v does not wrap the SDK error", scrub(err))
				}
			}
			if created != tc.wantMaybe {
				t.Errorf("created = %v, want %v", created, tc.wantMaybe)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	cases := []struct {
		name    string
		seed    func(f *fakeCognito)
		id      string
		wantErr error
		wantOps []string
		want    []string // SupportedIdentityProviders after
	}{
		{
			name: "disabled for the client first, then deleted",
			seed: func(f *fakeCognito) {
				f.addProvider(storedContoso())
				f.enable("COGNITO", "Contoso", "Fabrikam")
			},
			id:      "Contoso",
			wantOps: []string{opDescribeClient, opUpdateClient, opDelete},
			want:    []string{"COGNITO", "Fabrikam"},
		},
		{
			name: "the last provider",
			seed: func(f *fakeCognito) {
				f.addProvider(storedContoso())
				f.enable("Contoso")
			},
			id:      "Contoso",
			wantOps: []string{opDescribeClient, opUpdateClient, opDelete},
			want:    nil,
		},
		{
			name: "not enabled for the client",
			seed: func(f *fakeCognito) {
				f.addProvider(storedContoso())
				f.enable("COGNITO")
			},
			id:      "Contoso",
			wantOps: []string{opDescribeClient, opDelete},
			want:    []string{"COGNITO"},
		},
		{
			name:    "unknown",
			seed:    func(f *fakeCognito) { f.enable("COGNITO") },
			id:      "Contoso",
			wantErr: sso.ErrProviderNotFound,
			wantOps: []string{opDescribeClient, opDelete},
			want:    []string{"COGNITO"},
		},
		{
			name:    "listed by the client but not in the pool",
			seed:    func(f *fakeCognito) { f.enable("COGNITO", "Ghost") },
			id:      "Ghost",
			wantErr: sso.ErrProviderNotFound,
			wantOps: []string{opDescribeClient, opUpdateClient, opDelete},
			want:    []string{"COGNITO"},
		},
		{
			name:    "COGNITO is never removed",
			seed:    func(f *fakeCognito) { f.enable("COGNITO", "Contoso") },
			id:      "COGNITO",
			wantErr: sso.ErrProviderNotFound,
			wantOps: []string{},
			want:    []string{"COGNITO", "Contoso"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, f := newDirectory(t)
			tc.seed(f)
			err := dir.Delete(t.Context(), tc.id)
			assertErr(t, err, tc.wantErr)
			assertNoSecret(t, "Delete error", err)
			assertOps(t, f, tc.wantOps)
			wantSupported(t, f, tc.want...)
			if _, ok := f.provider(tc.id); ok {
				t.Error("provider still in the pool")
			}
		})
	}
}

// TestAppClientUpdateKeepsEverySetting checks that enabling or disabling a
// provider sends back every setting of the app client, since
// UpdateUserPoolClient resets what it is not sent. The fixture sets every
// field of the SDK's UserPoolClientType, so a new SDK version with a new
// setting fails here until the fixture and clientUpdate copy it.
func TestAppClientUpdateKeepsEverySetting(t *testing.T) {
	if missing := missingFields(reflect.TypeFor[types.UserPoolClientType](), fixtureClient()); len(missing) > 0 {
		t.Fatalf("the fixture app client lacks %v: add them to fixtureClient and check clientUpdate", missing)
	}
	describable := map[string]bool{}
	for f := range reflect.TypeFor[types.UserPoolClientType]().Fields() {
		describable[f.Name] = true
	}
	for f := range reflect.TypeFor[cognitoidentityprovider.UpdateUserPoolClientInput]().Fields() {
		if f.IsExported() && !describable[f.Name] {
			t.Errorf("UpdateUserPoolClient has setting %s, which DescribeUserPoolClient doesn't return: decide how to keep it", f.Name)
		}
	}

	readOnly := []string{"ClientSecret", "CreationDate", "LastModifiedDate"}
	cases := []struct {
		name      string
		act       func(t *testing.T, dir *cognito.Directory) error
		supported []any
	}{
		{
			name: "enable",
			act: func(t *testing.T, dir *cognito.Directory) error {
				_, err := dir.Put(t.Context(), oidcProvider("Contoso", newSecret))
				return err
			},
			supported: []any{"COGNITO", "Fabrikam", "Contoso"},
		},
		{
			name: "disable",
			act: func(t *testing.T, dir *cognito.Directory) error {
				return dir.Delete(t.Context(), "Fabrikam")
			},
			supported: []any{"COGNITO"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, f := newDirectory(t)
			f.addProvider(storedFabrikam())
			f.enable("COGNITO", "Fabrikam")
			before := f.clientState()
			if err := tc.act(t, dir); err != nil {
				t.Fatal(scrub(err))
			}
			updates := f.requests(opUpdateClient)
			if len(updates) != 1 {
				t.Fatalf("%d UpdateUserPoolClient calls, want 1", len(updates))
			}
			sent := updates[0]
			for k, v := range before {
				switch {
				case slices.Contains(readOnly, k):
					if _, ok := sent[k]; ok {
						t.Errorf("sent read-only field %s", k)
					}
				case k == "SupportedIdentityProviders":
					if !reflect.DeepEqual(sent[k], tc.supported) {
						t.Errorf("sent SupportedIdentityProviders %v, want %v", scrub(sent[k]), tc.supported)
					}
				case !reflect.DeepEqual(sent[k], v):
					t.Errorf("sent %s = %v, want %v as described", k, scrub(sent[k]), scrub(v))
				}
			}
			for k := range sent {
				if _, ok := before[k]; !ok {
					t.Errorf("sent %s, which the described client doesn't have", k)
				}
			}
			after := f.clientState()
			for _, k := range []string{"SupportedIdentityProviders", "LastModifiedDate"} {
				delete(before, k)
				delete(after, k)
			}
			if !reflect.DeepEqual(before, after) {
				t.Errorf("app client changed:\nbefore %v\nafter  %v", scrub(redactAny(before)), scrub(redactAny(after)))
			}
		})
	}
}

// missingFields returns the exported fields of struct type typ (and of the
// structs it points to) that the JSON object obj lacks.
func missingFields(typ reflect.Type, obj map[string]any) []string {
	var missing []string
	for f := range typ.Fields() {
		if !f.IsExported() {
			continue
		}
		v, ok := obj[f.Name]
		if !ok {
			missing = append(missing, f.Name)
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() {
			inner, _ := v.(map[string]any)
			for _, m := range missingFields(ft, inner) {
				missing = append(missing, f.Name+"."+m)
			}
		}
	}
	return missing
}

func redactAny(m map[string]any) map[string]any {
	m = maps.Clone(m)
	if _, ok := m["ClientSecret"]; ok {
		m["ClientSecret"] = "(secret)"
	}
	return m
}

func TestContextIsPropagated(t *testing.T) {
	dir, f := newDirectory(t)
	f.addProvider(storedContoso())
	f.enable("COGNITO", "Contoso")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := []struct {
		name string
		run  func() error
	}{
		{"List", func() error { _, err := dir.List(ctx); return err }},
		{"Get", func() error { _, err := dir.Get(ctx, "Contoso"); return err }},
		{"Put", func() error { _, err := dir.Put(ctx, oidcProvider("Contoso", newSecret)); return err }},
		{"Delete", func() error { return dir.Delete(ctx, "Contoso") }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v, want context.Canceled", scrub(err))
			}
			assertNoSecret(t, c.name+" error", err)
		})
	}
	assertOps(t, f, []string{})
}

// TestEnableAll puts back, in one update, the saved providers a deploy took
// off the app client, and leaves everything else as it is.
func TestEnableAll(t *testing.T) {
	cases := []struct {
		name    string
		seed    func(f *fakeCognito)
		ids     []string
		want    []string // returned
		wantOps []string
		enabled []string // SupportedIdentityProviders after
	}{
		{
			name: "a deploy reset the client to COGNITO",
			seed: func(f *fakeCognito) {
				f.addProvider(storedContoso())
				f.addProvider(storedFabrikam())
				f.enable("COGNITO")
			},
			ids: []string{"Fabrikam", "Contoso"}, want: []string{"Contoso", "Fabrikam"},
			wantOps: []string{opList, opDescribeClient, opUpdateClient},
			enabled: []string{"COGNITO", "Contoso", "Fabrikam"},
		},
		{
			name: "nothing to do",
			seed: func(f *fakeCognito) {
				f.addProvider(storedContoso())
				f.enable("Contoso")
			},
			ids: []string{"Contoso"}, want: []string{"Contoso"},
			wantOps: []string{opList, opDescribeClient},
			enabled: []string{"Contoso"},
		},
		{
			name: "a saved name the pool no longer holds is passed over",
			seed: func(f *fakeCognito) {
				f.addProvider(storedContoso())
				f.enable("COGNITO")
			},
			ids: []string{"Contoso", "Gone"}, want: []string{"Contoso"},
			wantOps: []string{opList, opDescribeClient, opUpdateClient},
			enabled: []string{"COGNITO", "Contoso"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, f := newDirectory(t)
			tc.seed(f)
			got, err := dir.EnableAll(t.Context(), tc.ids)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("EnableAll = %v, want %v", got, tc.want)
			}
			assertOps(t, f, tc.wantOps)
			wantSupported(t, f, tc.enabled...)
		})
	}
}
