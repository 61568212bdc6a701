package idp

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// tokenCall is one request to the token endpoint.
type tokenCall struct {
	form  url.Values
	basic []string // client id and secret for client_secret_basic; nil for none
}

// validTokenCall redeems code with client_secret_basic.
func (e *env) validTokenCall(code string) tokenCall {
	return tokenCall{
		form: url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {e.redirectURI}, "code_verifier": {testVerifier}},
		basic: []string{testClientID, testClientSecret},
	}
}

func (e *env) callToken(t *testing.T, c tokenCall) (response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.issuerURL+PathToken, strings.NewReader(c.form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.basic != nil {
		req.SetBasicAuth(url.QueryEscape(c.basic[0]), url.QueryEscape(c.basic[1]))
	}
	res := e.do(t, req)
	var body map[string]any
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatalf("token response %q: %v", res.body, err)
	}
	if got := res.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	if got := res.header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("Content-Type %q, want JSON", got)
	}
	return res, body
}

func TestTokenRefusals(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name string
		// before runs after the code is issued: a first use of the code,
		// or the clock moving on.
		before     func(t *testing.T, e *env, code string)
		mutate     func(c *tokenCall)
		wantStatus int
		wantError  string // "" for success
	}{
		{name: "valid, client_secret_basic", wantStatus: http.StatusOK},
		{name: "valid, client_secret_post", mutate: func(c *tokenCall) {
			c.basic = nil
			c.form.Set("client_id", testClientID)
			c.form.Set("client_secret", testClientSecret)
		}, wantStatus: http.StatusOK},
		{name: "valid, basic with the client_id in the form too", mutate: func(c *tokenCall) { c.form.Set("client_id", testClientID) },
			wantStatus: http.StatusOK},
		{name: "wrong code_verifier", mutate: func(c *tokenCall) { c.form.Set("code_verifier", otherTestVerifier) },
			wantStatus: http.StatusBadRequest, wantError: "invalid_grant"},
		{name: "challenge sent as verifier", mutate: func(c *tokenCall) { c.form.Set("code_verifier", challenge(testVerifier)) },
			wantStatus: http.StatusBadRequest, wantError: "invalid_grant"},
		{name: "too short code_verifier", mutate: func(c *tokenCall) { c.form.Set("code_verifier", "short") },
			wantStatus: http.StatusBadRequest, wantError: "invalid_grant"},
		{name: "missing code_verifier", mutate: func(c *tokenCall) { c.form.Del("code_verifier") },
			wantStatus: http.StatusBadRequest, wantError: "invalid_request"},
		{name: "code used twice", before: func(t *testing.T, e *env, code string) {
			if res, _ := e.callToken(t, e.validTokenCall(code)); res.status != http.StatusOK {
				t.Fatalf("first use: status %d", res.status)
			}
		}, wantStatus: http.StatusBadRequest, wantError: "invalid_grant"},
		{name: "code used again after a failed PKCE check", before: func(t *testing.T, e *env, code string) {
			c := e.validTokenCall(code)
			c.form.Set("code_verifier", otherTestVerifier)
			if res, _ := e.callToken(t, c); res.status != http.StatusBadRequest {
				t.Fatalf("first use: status %d", res.status)
			}
		}, wantStatus: http.StatusBadRequest, wantError: "invalid_grant"},
		{name: "code used again after a wrong redirect_uri", before: func(t *testing.T, e *env, code string) {
			c := e.validTokenCall(code)
			c.form.Set("redirect_uri", e.redirectURI+"/x")
			if res, _ := e.callToken(t, c); res.status != http.StatusBadRequest {
				t.Fatalf("first use: status %d", res.status)
			}
		}, wantStatus: http.StatusBadRequest, wantError: "invalid_grant"},
		{name: "a failed client authentication does not spend the code", before: func(t *testing.T, e *env, code string) {
			c := e.validTokenCall(code)
			c.basic[1] = "wrong"
			if res, _ := e.callToken(t, c); res.status != http.StatusUnauthorized {
				t.Fatalf("first use: status %d", res.status)
			}
		}, wantStatus: http.StatusOK},
		{name: "expired code", before: func(t *testing.T, e *env, _ string) { e.clk.Advance(CodeTTL) },
			wantStatus: http.StatusBadRequest, wantError: "invalid_grant"},
		{name: "code one second before expiry", before: func(t *testing.T, e *env, _ string) { e.clk.Advance(CodeTTL - time.Second) },
			wantStatus: http.StatusOK},
		{name: "unknown code", mutate: func(c *tokenCall) { c.form.Set("code", randomToken()) },
			wantStatus: http.StatusBadRequest, wantError: "invalid_grant"},
		{name: "missing code", mutate: func(c *tokenCall) { c.form.Del("code") },
			wantStatus: http.StatusBadRequest, wantError: "invalid_request"},
		{name: "wrong redirect_uri", mutate: func(c *tokenCall) { c.form.Set("redirect_uri", "https://evil.example/cb") },
			wantStatus: http.StatusBadRequest, wantError: "invalid_grant"},
		{name: "missing redirect_uri", mutate: func(c *tokenCall) { c.form.Del("redirect_uri") },
			wantStatus: http.StatusBadRequest, wantError: "invalid_request"},
		{name: "wrong client secret (basic)", mutate: func(c *tokenCall) { c.basic[1] = testClientSecret + "x" },
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client"},
		{name: "wrong client secret (post)", mutate: func(c *tokenCall) {
			c.basic = nil
			c.form.Set("client_id", testClientID)
			c.form.Set("client_secret", "wrong")
		}, wantStatus: http.StatusUnauthorized, wantError: "invalid_client"},
		{name: "wrong client id", mutate: func(c *tokenCall) { c.basic[0] = "other-client" },
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client"},
		{name: "no client authentication", mutate: func(c *tokenCall) { c.basic = nil; c.form.Set("client_id", testClientID) },
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client"},
		{name: "two client authentication methods", mutate: func(c *tokenCall) { c.form.Set("client_secret", testClientSecret) },
			wantStatus: http.StatusBadRequest, wantError: "invalid_request"},
		{name: "unsupported grant_type", mutate: func(c *tokenCall) { c.form.Set("grant_type", "refresh_token") },
			wantStatus: http.StatusBadRequest, wantError: "unsupported_grant_type"},
		{name: "missing grant_type", mutate: func(c *tokenCall) { c.form.Del("grant_type") },
			wantStatus: http.StatusBadRequest, wantError: "unsupported_grant_type"},
		{name: "repeated parameter", mutate: func(c *tokenCall) { c.form.Add("code", "again") },
			wantStatus: http.StatusBadRequest, wantError: "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code := e.signIn(t, e.authParamsFor("Contoso"), url.Values{"email": {"jane.doe@contoso.example"}})
			if tc.before != nil {
				tc.before(t, e, code)
			}
			c := e.validTokenCall(code)
			if tc.mutate != nil {
				tc.mutate(&c)
			}
			res, body := e.callToken(t, c)
			if res.status != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", res.status, tc.wantStatus, res.body)
			}
			if tc.wantError == "" {
				if body["token_type"] != "Bearer" || body["id_token"] == nil || body["access_token"] == nil || body["expires_in"] != float64(3600) {
					t.Errorf("token response %s", res.body)
				}
				return
			}
			if body["error"] != tc.wantError || body["id_token"] != nil {
				t.Errorf("body %s, want error %s", res.body, tc.wantError)
			}
			if res.status == http.StatusUnauthorized && !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("401 without WWW-Authenticate: Basic")
			}
			if strings.Contains(res.body, testClientSecret) || strings.Contains(res.body, code) {
				t.Errorf("the error response holds a secret or the code: %s", res.body)
			}
		})
	}

	t.Run("GET", func(t *testing.T) {
		if res := e.get(t, e.issuerURL+PathToken); res.status != http.StatusMethodNotAllowed {
			t.Errorf("status %d, want 405", res.status)
		}
	})
}
