package idp

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatepass/gatepass/shared/sso"
)

// checkPageHeaders checks the security headers of an HTML page.
func checkPageHeaders(t *testing.T, res response) {
	t.Helper()
	h := res.header
	if got := h.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	if got := h.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options %q, want DENY", got)
	}
	if got := h.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "style-src 'nonce-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(res.body, "<script") {
		t.Errorf("inline script or style allowed: CSP %q", csp)
	}
	m := regexp.MustCompile(`style-src 'nonce-([A-Za-z0-9_-]+)'`).FindStringSubmatch(csp)
	if m == nil || !strings.Contains(res.body, `<style nonce="`+m[1]+`">`) {
		t.Errorf("the <style> block does not carry the CSP nonce")
	}
}

func TestAuthorizeShowsForm(t *testing.T) {
	e := newEnv(t, nil)
	res := e.get(t, e.issuerURL+PathAuthorize+"?"+e.authParamsFor("Contoso").Encode())
	if res.status != http.StatusOK {
		t.Fatalf("status %d, body %s", res.status, res.body)
	}
	checkPageHeaders(t, res)
	csp := res.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' "+e.srv.URL) {
		t.Errorf("CSP %q: form-action should allow this origin and the redirect URI's", csp)
	}
	for _, want := range []string{
		"<title>Local test identity provider — Contoso</title>",
		"exists only in the local stack",
		`<label for="email">`, `<label for="groups">`, `<label for="subject">`,
		`value="cancel"`, `method="post" action="` + testIssuerPath + PathAuthorize + `"`,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	inputs := formInputs(res.body)
	for k, v := range e.authParamsFor("Contoso") {
		if inputs.Get(k) != v[0] {
			t.Errorf("hidden %s = %q, want %q", k, inputs.Get(k), v[0])
		}
	}
}

func TestAuthorizeEscapes(t *testing.T) {
	e := newEnv(t, nil)
	id := `<i>"x"&'y'`
	if _, err := e.iss.Put(context.Background(), sso.Provider{ID: id, Type: sso.TypeSAML,
		SAML: &sso.SAMLSettings{MetadataURL: "https://idp.example/m"}}); err != nil {
		t.Fatal(err)
	}
	params := e.authParamsFor(id)
	params.Set("state", `"><script>alert(1)</script>`)
	res := e.get(t, e.issuerURL+PathAuthorize+"?"+params.Encode())
	if res.status != http.StatusOK {
		t.Fatalf("status %d, body %s", res.status, res.body)
	}
	checkPageHeaders(t, res)
	if strings.Contains(res.body, "<i>") || strings.Contains(res.body, "<script>") {
		t.Errorf("unescaped provider id or state in page:\n%s", res.body)
	}
	if got := formInputs(res.body); got.Get("identity_provider") != id || got.Get("state") != params.Get("state") {
		t.Errorf("hidden fields do not round-trip: %v", got)
	}
}

// TestAuthorizeRefusals: a bad client or redirect URI gets a 400 page and
// never a redirect; anything else redirects with invalid_request.
func TestAuthorizeRefusals(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name      string
		mutate    func(url.Values)
		wantPage  bool   // 400 page, no redirect
		wantState string // state in the error redirect
	}{
		{name: "unknown client_id", mutate: func(v url.Values) { v.Set("client_id", "someone-else") }, wantPage: true},
		{name: "missing client_id", mutate: func(v url.Values) { v.Del("client_id") }, wantPage: true},
		{name: "unregistered redirect_uri", mutate: func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") }, wantPage: true},
		{name: "redirect_uri with a suffix", mutate: func(v url.Values) { v.Set("redirect_uri", v.Get("redirect_uri")+"/x") }, wantPage: true},
		{name: "redirect_uri with a query", mutate: func(v url.Values) { v.Set("redirect_uri", v.Get("redirect_uri")+"?x=1") }, wantPage: true},
		{name: "missing redirect_uri", mutate: func(v url.Values) { v.Del("redirect_uri") }, wantPage: true},
		{name: "repeated redirect_uri", mutate: func(v url.Values) { v.Add("redirect_uri", v.Get("redirect_uri")) }, wantPage: true},
		{name: "response_type token", mutate: func(v url.Values) { v.Set("response_type", "token") }, wantState: testState},
		{name: "response_type code id_token", mutate: func(v url.Values) { v.Set("response_type", "code id_token") }, wantState: testState},
		{name: "plain challenge method", mutate: func(v url.Values) {
			v.Set("code_challenge_method", "plain")
			v.Set("code_challenge", testVerifier)
		}, wantState: testState},
		{name: "missing challenge method", mutate: func(v url.Values) { v.Del("code_challenge_method") }, wantState: testState},
		{name: "missing code_challenge", mutate: func(v url.Values) { v.Del("code_challenge") }, wantState: testState},
		{name: "malformed code_challenge", mutate: func(v url.Values) { v.Set("code_challenge", "abc") }, wantState: testState},
		{name: "unknown identity_provider", mutate: func(v url.Values) { v.Set("identity_provider", "Northwind") }, wantState: testState},
		{name: "identity_provider in another case", mutate: func(v url.Values) { v.Set("identity_provider", "contoso") }, wantState: testState},
		{name: "missing identity_provider", mutate: func(v url.Values) { v.Del("identity_provider") }, wantState: testState},
		{name: "scope without openid", mutate: func(v url.Values) { v.Set("scope", "email profile") }, wantState: testState},
		{name: "unsupported scope", mutate: func(v url.Values) { v.Set("scope", "openid aws.cognito.signin.user.admin") }, wantState: testState},
		{name: "missing nonce", mutate: func(v url.Values) { v.Del("nonce") }, wantState: testState},
		{name: "repeated nonce", mutate: func(v url.Values) { v.Add("nonce", "again") }, wantState: testState},
		{name: "missing state", mutate: func(v url.Values) { v.Del("state") }, wantState: ""},
		{name: "repeated state", mutate: func(v url.Values) { v.Add("state", "again") }, wantState: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			params := e.authParamsFor("Contoso")
			tc.mutate(params)
			res := e.get(t, e.issuerURL+PathAuthorize+"?"+params.Encode())
			checkRefusal(t, e, res, tc.wantPage, "invalid_request", tc.wantState)
		})
	}
}

// checkRefusal checks a 400 page (wantPage) or an error redirect.
func checkRefusal(t *testing.T, e *env, res response, wantPage bool, wantError, wantState string) {
	t.Helper()
	if wantPage {
		if res.status != http.StatusBadRequest || res.header.Get("Location") != "" {
			t.Fatalf("status %d, Location %q: want a 400 page and no redirect", res.status, res.header.Get("Location"))
		}
		checkPageHeaders(t, res)
		if strings.Contains(res.body, "<form") {
			t.Errorf("the error page has a form")
		}
		return
	}
	if res.status != http.StatusFound {
		t.Fatalf("status %d, want 302; body %s", res.status, res.body)
	}
	if got := res.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	q := mustRedirect(t, res, e.redirectURI)
	if q.Get("error") != wantError || q.Get("state") != wantState || q.Has("code") {
		t.Errorf("redirect query %v, want error=%s state=%q and no code", q, wantError, wantState)
	}
	if _, has := q["state"]; has != (wantState != "") {
		t.Errorf("state present = %v, want %v", has, wantState != "")
	}
}

// TestAuthorizePost: the form's POST checks everything again (hidden fields
// are not trusted) and then either redirects with a code or explains.
func TestAuthorizePost(t *testing.T) {
	e := newEnv(t, nil)
	identity := url.Values{"email": {"jane.doe@contoso.example"}, "name": {"Jane"}, "groups": {"a, b"}, "subject": {"s-1"}}
	tests := []struct {
		name       string
		mutate     func(form url.Values)
		header     http.Header
		wantStatus int
		wantPage   bool   // 400 error page
		wantError  string // error redirect
		wantCode   bool   // code redirect
		wantInBody string // the form again, with this problem
	}{
		{name: "valid", mutate: func(url.Values) {}, wantStatus: http.StatusFound, wantCode: true},
		{name: "tampered redirect_uri", mutate: func(f url.Values) { f.Set("redirect_uri", "https://evil.example/cb") },
			wantStatus: http.StatusBadRequest, wantPage: true},
		{name: "tampered client_id", mutate: func(f url.Values) { f.Set("client_id", "other") },
			wantStatus: http.StatusBadRequest, wantPage: true},
		{name: "tampered identity_provider", mutate: func(f url.Values) { f.Set("identity_provider", "Northwind") },
			wantStatus: http.StatusFound, wantError: "invalid_request"},
		{name: "tampered challenge method", mutate: func(f url.Values) { f.Set("code_challenge_method", "plain") },
			wantStatus: http.StatusFound, wantError: "invalid_request"},
		{name: "tampered response_type", mutate: func(f url.Values) { f.Set("response_type", "token") },
			wantStatus: http.StatusFound, wantError: "invalid_request"},
		{name: "cancel", mutate: func(f url.Values) { f.Set("action", "cancel"); f.Set("email", "") },
			wantStatus: http.StatusFound, wantError: "access_denied"},
		{name: "invalid email", mutate: func(f url.Values) { f.Set("email", "not an email") },
			wantStatus: http.StatusBadRequest, wantInBody: "Enter an email address"},
		{name: "email with a display name", mutate: func(f url.Values) { f.Set("email", "Jane <jane@contoso.example>") },
			wantStatus: http.StatusBadRequest, wantInBody: "Enter an email address"},
		{name: "repeated email", mutate: func(f url.Values) { f.Add("email", "x@contoso.example") },
			wantStatus: http.StatusBadRequest, wantInBody: "The field email is repeated."},
		{name: "control character in name", mutate: func(f url.Values) { f.Set("name", "Jane\x00") },
			wantStatus: http.StatusBadRequest, wantInBody: "display name"},
		{name: "groups longer than a Cognito attribute", mutate: func(f url.Values) { f.Set("groups", strings.Repeat("g, ", 700)+"g") },
			wantStatus: http.StatusBadRequest, wantInBody: "2048"},
		{name: "cross-origin submission", mutate: func(url.Values) {}, header: http.Header{"Sec-Fetch-Site": {"cross-site"}},
			wantStatus: http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := e.authParamsFor("Contoso")
			for k, v := range identity {
				form[k] = v
			}
			form.Set("action", "sign_in")
			tc.mutate(form)
			res := e.postForm(t, PathAuthorize, form, tc.header)
			if res.status != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", res.status, tc.wantStatus, res.body)
			}
			switch {
			case tc.wantPage:
				checkRefusal(t, e, res, true, "", "")
			case tc.wantError != "":
				checkRefusal(t, e, res, false, tc.wantError, testState)
			case tc.wantCode:
				q := mustRedirect(t, res, e.redirectURI)
				if len(q.Get("code")) != 43 || q.Get("state") != testState || q.Has("error") {
					t.Errorf("redirect query %v, want a 256-bit code and the state", q)
				}
			case tc.wantInBody != "":
				checkPageHeaders(t, res)
				if !strings.Contains(res.body, tc.wantInBody) || !strings.Contains(res.body, `role="alert"`) {
					t.Errorf("body lacks %q as an alert:\n%s", tc.wantInBody, res.body)
				}
				if res.header.Get("Location") != "" {
					t.Errorf("redirected to %q", res.header.Get("Location"))
				}
			}
		})
	}

	t.Run("parameters in the query are not read", func(t *testing.T) {
		q := e.authParamsFor("Contoso")
		res := e.postForm(t, PathAuthorize+"?"+q.Encode(), identity, nil)
		checkRefusal(t, e, res, true, "", "")
	})
	t.Run("other methods", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, e.issuerURL+PathAuthorize, nil)
		if res := e.do(t, req); res.status != http.StatusMethodNotAllowed {
			t.Errorf("PUT: status %d, want 405", res.status)
		}
	})
}
