package idp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// cognitoClaims are the claims Gatepass reads from a Cognito ID token.
type cognitoClaims struct {
	Iss             string   `json:"iss"`
	Aud             string   `json:"aud"`
	Sub             string   `json:"sub"`
	Iat             int64    `json:"iat"`
	Exp             int64    `json:"exp"`
	AuthTime        int64    `json:"auth_time"`
	TokenUse        string   `json:"token_use"`
	Nonce           string   `json:"nonce"`
	Email           string   `json:"email"`
	EmailVerified   bool     `json:"email_verified"`
	Name            string   `json:"name"`
	CognitoUsername string   `json:"cognito:username"`
	Groups          *string  `json:"custom:groups"`
	CognitoGroups   []string `json:"cognito:groups"`
	Identities      []ident  `json:"identities"`
}

type ident struct {
	UserID       string  `json:"userId"`
	ProviderName string  `json:"providerName"`
	ProviderType string  `json:"providerType"`
	Issuer       *string `json:"issuer"`
	Primary      string  `json:"primary"`
	DateCreated  string  `json:"dateCreated"`
}

// signInWithGoOIDC runs the whole flow as Gatepass does: discovery,
// AuthCodeURL with PKCE, nonce and identity_provider, the sign-in form,
// Exchange with the verifier, verification of the ID token and its nonce.
// identity overrides the form's fields; defaults receives the form's
// proposed identity.
func signInWithGoOIDC(t *testing.T, e *env, provider string, style oauth2.AuthStyle, identity url.Values) (claims cognitoClaims, defaults url.Values, raw map[string]any) {
	t.Helper()
	ctx := oidc.ClientContext(context.Background(), e.srv.Client())
	op, err := oidc.NewProvider(ctx, e.issuerURL)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	conf := oauth2.Config{
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		Endpoint:     op.Endpoint(),
		RedirectURL:  e.redirectURI,
		Scopes:       []string{oidc.ScopeOpenID, "email", "profile"},
	}
	conf.Endpoint.AuthStyle = style
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(verifier), oidc.Nonce(testNonce),
		oauth2.SetAuthURLParam("identity_provider", provider))

	page := e.get(t, authURL)
	if page.status != http.StatusOK {
		t.Fatalf("authorize: status %d, body %s", page.status, page.body)
	}
	inputs := formInputs(page.body)
	defaults = url.Values{}
	for _, name := range []string{"email", "name", "groups", "subject"} {
		defaults.Set(name, inputs.Get(name))
	}
	form := url.Values{}
	for k, v := range inputs { // hidden fields and the proposed identity
		form[k] = v
	}
	for k, v := range identity {
		form[k] = v
	}
	form.Set("action", "sign_in")
	res := e.postForm(t, PathAuthorize, form, nil)
	if res.status != http.StatusFound {
		t.Fatalf("sign-in: status %d, body %s", res.status, res.body)
	}
	q := mustRedirect(t, res, e.redirectURI)
	if q.Get("state") != testState {
		t.Fatalf("callback state %q, want %q", q.Get("state"), testState)
	}

	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if tok.TokenType != "Bearer" || tok.AccessToken == "" {
		t.Fatalf("token type %q, access token %q", tok.TokenType, tok.AccessToken)
	}
	if got := tok.Extra("expires_in"); got != float64(3600) {
		t.Fatalf("expires_in %v, want 3600", got)
	}
	rawID, ok := tok.Extra("id_token").(string)
	if !ok {
		t.Fatal("no id_token in the token response")
	}
	idt, err := op.Verifier(&oidc.Config{ClientID: testClientID, Now: e.clk.Now}).Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if idt.Nonce != testNonce {
		t.Fatalf("nonce %q, want %q", idt.Nonce, testNonce)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Fatalf("at_hash: %v", err)
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatalf("claims: %v", err)
	}
	if err := idt.Claims(&raw); err != nil {
		t.Fatalf("claims: %v", err)
	}
	return claims, defaults, raw
}

func TestFlowWithGoOIDC(t *testing.T) {
	e := newEnv(t, nil)
	start := testStart()
	uuidShape := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	tests := []struct {
		name         string
		provider     string
		style        oauth2.AuthStyle
		identity     url.Values
		wantDefaults url.Values
		wantEmail    string
		wantName     string
		wantGroups   *string
		wantSubject  string
		wantType     string
	}{
		{
			name: "OIDC provider, seeded identity, client_secret_basic", provider: "Contoso", style: oauth2.AuthStyleInHeader,
			wantDefaults: url.Values{"email": {"jane.doe@contoso.example"}, "name": {"Jane Doe"},
				"groups": {"store-managers, berlin"}, "subject": {"00u1contoso"}},
			wantEmail: "jane.doe@contoso.example", wantName: "Jane Doe", wantGroups: ptr("[store-managers, berlin]"),
			wantSubject: "00u1contoso", wantType: "OIDC",
		},
		{
			name: "SAML provider, typed identity with one group, client_secret_post", provider: "Fabrikam", style: oauth2.AuthStyleInParams,
			identity: url.Values{"email": {"erika@fabrikam.example"}, "name": {"Erika Musterfrau"},
				"groups": {" auditors ,, "}, "subject": {"E-1234"}},
			wantDefaults: url.Values{"email": {"max.mustermann@fabrikam.example"}, "name": {"Max Mustermann"},
				"groups": {""}, "subject": {"max.mustermann@fabrikam.example"}},
			wantEmail: "erika@fabrikam.example", wantName: "Erika Musterfrau", wantGroups: ptr("[auditors]"),
			wantSubject: "E-1234", wantType: "SAML",
		},
		{
			name: "no groups and no subject: no custom:groups, subject is the email", provider: "Contoso", style: oauth2.AuthStyleAutoDetect,
			identity: url.Values{"email": {"max@contoso.example"}, "name": {""}, "groups": {""}, "subject": {""}},
			wantDefaults: url.Values{"email": {"jane.doe@contoso.example"}, "name": {"Jane Doe"},
				"groups": {"store-managers, berlin"}, "subject": {"00u1contoso"}},
			wantEmail: "max@contoso.example", wantSubject: "max@contoso.example", wantType: "OIDC",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, defaults, raw := signInWithGoOIDC(t, e, tc.provider, tc.style, tc.identity)
			for k := range tc.wantDefaults {
				if defaults.Get(k) != tc.wantDefaults.Get(k) {
					t.Errorf("form default %s = %q, want %q", k, defaults.Get(k), tc.wantDefaults.Get(k))
				}
			}
			checks := []struct {
				claim     string
				got, want any
			}{
				{"iss", c.Iss, e.issuerURL},
				{"aud", c.Aud, testClientID},
				{"sub", c.Sub, federatedSub(tc.provider, tc.wantSubject)},
				{"iat", c.Iat, start.Unix()},
				{"exp", c.Exp, start.Add(time.Hour).Unix()},
				{"auth_time", c.AuthTime, start.Unix()},
				{"token_use", c.TokenUse, "id"},
				{"nonce", c.Nonce, testNonce},
				{"email", c.Email, tc.wantEmail},
				{"email_verified", c.EmailVerified, true},
				{"name", c.Name, tc.wantName},
				{"cognito:username", c.CognitoUsername, tc.provider + "_" + tc.wantSubject},
				{"custom:groups", deref(c.Groups), deref(tc.wantGroups)},
				{"custom:groups present", c.Groups != nil, tc.wantGroups != nil},
				{"identities", len(c.Identities), 1},
				{"cognito:groups", strings.Join(c.CognitoGroups, ","), LocalUserPoolID + "_" + tc.provider},
			}
			for _, ch := range checks {
				if ch.got != ch.want {
					t.Errorf("%s = %v, want %v", ch.claim, ch.got, ch.want)
				}
			}
			if !uuidShape.MatchString(c.Sub) {
				t.Errorf("sub %q is not UUID-shaped", c.Sub)
			}
			if _, has := raw["name"]; has != (tc.wantName != "") {
				t.Errorf("name claim present = %v, want %v", has, tc.wantName != "")
			}
			if len(c.Identities) == 1 {
				want := ident{UserID: tc.wantSubject, ProviderName: tc.provider, ProviderType: tc.wantType,
					Primary: "true", DateCreated: strconv.FormatInt(start.UnixMilli(), 10)}
				if got := c.Identities[0]; got != want {
					t.Errorf("identities[0] = %+v, want %+v", got, want)
				}
				first := raw["identities"].([]any)[0].(map[string]any)
				if v, has := first["issuer"]; !has || v != nil {
					t.Errorf("identities[0].issuer = %v (present %v), want null", v, has)
				}
			}
		})
	}
}

// TestFederatedUserStable: the same provider and subject always give the
// same sub and dateCreated (Cognito creates the user once); another
// provider or subject gives another sub.
func TestFederatedUserStable(t *testing.T) {
	e := newEnv(t, nil)
	jane := url.Values{"subject": {"00u1contoso"}}
	first, _, _ := signInWithGoOIDC(t, e, "Contoso", oauth2.AuthStyleAutoDetect, jane)
	e.clk.Advance(2 * time.Hour)
	again, _, _ := signInWithGoOIDC(t, e, "Contoso", oauth2.AuthStyleAutoDetect, jane)
	other, _, _ := signInWithGoOIDC(t, e, "Fabrikam", oauth2.AuthStyleAutoDetect, jane)
	if again.Sub != first.Sub || again.Identities[0].DateCreated != first.Identities[0].DateCreated {
		t.Errorf("second sign-in: sub %s dateCreated %s, want %s %s", again.Sub, again.Identities[0].DateCreated,
			first.Sub, first.Identities[0].DateCreated)
	}
	if again.AuthTime != testStart().Add(2*time.Hour).Unix() {
		t.Errorf("auth_time %d, want the second sign-in's time", again.AuthTime)
	}
	if other.Sub == first.Sub {
		t.Errorf("another provider with the same subject has the same sub %s", other.Sub)
	}
}

func TestDiscoveryAndJWKS(t *testing.T) {
	e := newEnv(t, nil)
	res := e.get(t, e.issuerURL+PathDiscovery)
	if res.status != http.StatusOK {
		t.Fatalf("discovery: status %d", res.status)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(res.body), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"issuer":                                e.issuerURL,
		"authorization_endpoint":                e.issuerURL + "/oauth2/authorize",
		"token_endpoint":                        e.issuerURL + "/oauth2/token",
		"jwks_uri":                              e.issuerURL + "/jwks.json",
		"response_types_supported":              "[code]",
		"subject_types_supported":               "[public]",
		"id_token_signing_alg_values_supported": "[RS256]",
		"scopes_supported":                      "[openid email profile]",
		"token_endpoint_auth_methods_supported": "[client_secret_basic client_secret_post]",
		"code_challenge_methods_supported":      "[S256]",
	}
	for k, v := range want {
		if got := fmtValue(doc[k]); got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}

	res = e.get(t, e.issuerURL+PathJWKS)
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal([]byte(res.body), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("jwks %s: %v", res.body, err)
	}
	k := set.Keys[0]
	for name, v := range map[string]string{"kty": "RSA", "use": "sig", "alg": "RS256", "e": "AQAB", "kid": mustKid(t, e.iss)} {
		if k[name] != v {
			t.Errorf("jwk %s = %q, want %q", name, k[name], v)
		}
	}
	if len(k["n"]) != 342 { // 2048 bits, base64url
		t.Errorf("jwk n has %d characters, want 342", len(k["n"]))
	}

	for _, path := range []string{"/", "/oauth2/userInfo", "/.well-known/openid-configuration/x"} {
		if res := e.get(t, e.issuerURL+path); res.status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, res.status)
		}
	}
}

func fmtValue(v any) string {
	if vs, ok := v.([]any); ok {
		parts := make([]string, len(vs))
		for n, x := range vs {
			parts[n], _ = x.(string)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	s, _ := v.(string)
	return s
}

func ptr(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func mustKid(t *testing.T, iss *Issuer) string {
	t.Helper()
	sk, err := iss.signingKey()
	if err != nil {
		t.Fatal(err)
	}
	return sk.kid
}
