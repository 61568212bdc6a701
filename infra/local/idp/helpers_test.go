package idp

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/sso"
)

const (
	testClientID     = "gatepass-local-client"
	testClientSecret = "local-client-secret-0123456789"
	testIssuerPath   = "/_dev/oidc"
	testCallbackPath = "/api/auth/sso/callback"
	testState        = "state-0123456789abcdef"
	testNonce        = "nonce-0123456789abcdef"
	// testVerifier is a valid RFC 7636 code verifier (43 characters).
	testVerifier      = "verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
	otherTestVerifier = "verifier-9876543210-zyxwvutsrqponmlkjihgfedcba"
)

// testStart is where the fake clock stands at the start of every test.
func testStart() time.Time { return time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC) }

// testSeed is an OIDC provider with groups and a SAML provider without.
func testSeed() []SeedProvider {
	return []SeedProvider{
		{
			Provider: sso.Provider{ID: "Contoso", Type: sso.TypeOIDC,
				OIDC: &sso.OIDCSettings{Issuer: "https://login.contoso.example/v2.0", ClientID: "contoso-client",
					ClientSecret: "contoso-upstream-secret", Scopes: []string{"openid", "email", "profile"}},
				Attributes: map[string]string{"email": "email", "name": "name", "groups": "groups"}},
			Identity: TestIdentity{Email: "jane.doe@contoso.example", Name: "Jane Doe",
				Groups: []string{"store-managers", "berlin"}, Subject: "00u1contoso"},
		},
		{
			Provider: sso.Provider{ID: "Fabrikam", Type: sso.TypeSAML,
				SAML: &sso.SAMLSettings{MetadataURL: "https://idp.fabrikam.example/metadata.xml"}},
			Identity: TestIdentity{Email: "max.mustermann@fabrikam.example", Name: "Max Mustermann"},
		},
	}
}

// env is an Issuer served by an httptest server at <server>/_dev/oidc.
type env struct {
	srv         *httptest.Server
	iss         *Issuer
	clk         *clock.Fake
	issuerURL   string
	redirectURI string
	client      *http.Client // does not follow redirects
}

func newEnv(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	clk := clock.NewFake(testStart())
	cfg := Config{
		Issuer:       base + testIssuerPath,
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		RedirectURIs: []string{base + testCallbackPath},
		Clock:        clk,
		Seed:         testSeed(),
	}
	if mod != nil {
		mod(&cfg)
	}
	iss, err := New(cfg)
	if err != nil {
		srv.Listener.Close()
		t.Fatalf("New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(testIssuerPath+"/", iss)
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	client := *srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &env{srv: srv, iss: iss, clk: clk, issuerURL: cfg.Issuer, redirectURI: cfg.RedirectURIs[0], client: &client}
}

// challenge is the S256 code challenge of verifier.
func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authParamsFor is a valid authorization request for provider.
func (e *env) authParamsFor(provider string) url.Values {
	return url.Values{
		"response_type":         {"code"},
		"client_id":             {testClientID},
		"redirect_uri":          {e.redirectURI},
		"scope":                 {"openid email profile"},
		"state":                 {testState},
		"nonce":                 {testNonce},
		"code_challenge":        {challenge(testVerifier)},
		"code_challenge_method": {"S256"},
		"identity_provider":     {provider},
	}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(t *testing.T, req *http.Request) response {
	t.Helper()
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(body)}
}

func (e *env) get(t *testing.T, rawURL string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e.do(t, req)
}

func (e *env) postForm(t *testing.T, path string, form url.Values, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.issuerURL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, vs := range header {
		req.Header[k] = vs
	}
	return e.do(t, req)
}

// signIn posts the sign-in form for params with the identity fields and
// returns the code it redirects with.
func (e *env) signIn(t *testing.T, params url.Values, identity url.Values) string {
	t.Helper()
	form := url.Values{"action": {"sign_in"}}
	for k, v := range params {
		form[k] = v
	}
	for k, v := range identity {
		form[k] = v
	}
	res := e.postForm(t, PathAuthorize, form, nil)
	if res.status != http.StatusFound {
		t.Fatalf("sign-in: status %d, want 302; body %s", res.status, res.body)
	}
	loc := mustRedirect(t, res, e.redirectURI)
	if loc.Get("state") != params.Get("state") {
		t.Fatalf("sign-in: state %q, want %q", loc.Get("state"), params.Get("state"))
	}
	code := loc.Get("code")
	if code == "" {
		t.Fatalf("sign-in: no code in %v", loc)
	}
	return code
}

// mustRedirect checks that res redirects to redirectURI and returns the
// redirect's query.
func mustRedirect(t *testing.T, res response, redirectURI string) url.Values {
	t.Helper()
	loc := res.header.Get("Location")
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("Location %q: %v", loc, err)
	}
	q := u.Query()
	u.RawQuery = ""
	if u.String() != redirectURI {
		t.Fatalf("redirect to %q, want %q", u, redirectURI)
	}
	return q
}

// formInputs returns the name and value of every input of an HTML page.
func formInputs(page string) url.Values {
	inputTag := regexp.MustCompile(`<input\b[^>]*>`)
	attribute := regexp.MustCompile(`([a-z-]+)="([^"]*)"`)
	out := url.Values{}
	for _, tag := range inputTag.FindAllString(page, -1) {
		attrs := map[string]string{}
		for _, m := range attribute.FindAllStringSubmatch(tag, -1) {
			attrs[m[1]] = html.UnescapeString(m[2])
		}
		if name, ok := attrs["name"]; ok {
			out.Add(name, attrs["value"])
		}
	}
	return out
}
