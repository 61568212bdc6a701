package sso_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
)

// testIssuer is an OIDC broker for tests: discovery, JWKS and a token
// endpoint that checks client, redirect URI and PKCE like Cognito, and that
// can be told to mint a bad ID token.
type testIssuer struct {
	t      testing.TB
	srv    *httptest.Server
	key    *rsa.PrivateKey
	clock  clock.Clock
	client string
	secret string

	mu    sync.Mutex
	codes map[string]grant
}

// grant is what an authorization code was issued for.
type grant struct {
	redirectURI, challenge, nonce, clientID string
	claims                                  map[string]any
	header                                  map[string]any
	unsigned, otherKey                      bool
}

// tokenTweak changes the ID token minted for a code.
type tokenTweak func(g *grant)

func newTestIssuer(t testing.TB, clk clock.Clock) *testIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &testIssuer{t: t, key: key, clock: clk, client: "gatepass-client", secret: "s3cret-client",
		codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{
			"issuer": is.srv.URL, "authorization_endpoint": is.srv.URL + "/oauth2/authorize",
			"token_endpoint": is.srv.URL + "/oauth2/token", "jwks_uri": is.srv.URL + "/jwks.json",
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported":              []string{"code"}, "subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("GET /jwks.json", func(w http.ResponseWriter, r *http.Request) {
		pub := is.key.PublicKey
		writeJSON(w, 200, map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "k1",
			"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
		}}})
	})
	mux.HandleFunc("POST /oauth2/token", is.token)
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// authorize plays the person signing in at the provider: it reads the
// authorization URL Gatepass redirected to and returns the callback query
// the broker would send the browser back with.
func (is *testIssuer) authorize(authURL, provider, subject, email string, tweaks ...tokenTweak) url.Values {
	is.t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		is.t.Fatal(err)
	}
	q := u.Query()
	for k, want := range map[string]string{"response_type": "code", "client_id": is.client,
		"code_challenge_method": "S256", "identity_provider": provider} {
		if q.Get(k) != want {
			is.t.Fatalf("authorization URL %s = %q, want %q (%s)", k, q.Get(k), want, authURL)
		}
	}
	if q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		is.t.Fatalf("authorization URL without challenge, nonce or state: %s", authURL)
	}
	now := is.clock.Now()
	g := grant{redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), nonce: q.Get("nonce"),
		clientID: is.client, header: map[string]any{"alg": "RS256", "kid": "k1", "typ": "JWT"},
		claims: map[string]any{
			"iss": is.srv.URL, "aud": is.client, "sub": "cognito-" + subject, "iat": now.Unix(),
			"exp": now.Add(time.Hour).Unix(), "auth_time": now.Unix(), "token_use": "id", "nonce": q.Get("nonce"),
			"email": email, "email_verified": true, "name": "Sam Example",
			"cognito:username": provider + "_" + subject,
			"identities": []map[string]any{{"userId": subject, "providerName": provider, "providerType": "OIDC",
				"primary": "true", "issuer": nil, "dateCreated": "1700000000000"}},
		}}
	for _, tw := range tweaks {
		tw(&g)
	}
	code := b64(randomBytes(is.t))
	is.mu.Lock()
	is.codes[code] = g
	is.mu.Unlock()
	return url.Values{"code": {code}, "state": {q.Get("state")}}
}

func randomBytes(t testing.TB) []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func (is *testIssuer) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := r.ParseForm(); err != nil {
		writeJSON(w, 400, map[string]string{"error": "invalid_request"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok || id != is.client || subtle.ConstantTimeCompare([]byte(secret), []byte(is.secret)) != 1 {
		writeJSON(w, 401, map[string]string{"error": "invalid_client"})
		return
	}
	code := r.PostForm.Get("code")
	is.mu.Lock()
	g, found := is.codes[code]
	delete(is.codes, code) // single use
	is.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !found || r.PostForm.Get("grant_type") != "authorization_code" ||
		r.PostForm.Get("redirect_uri") != g.redirectURI || b64(sum[:]) != g.challenge {
		writeJSON(w, 400, map[string]string{"error": "invalid_grant"})
		return
	}
	writeJSON(w, 200, map[string]any{"access_token": "at-" + code, "token_type": "Bearer", "expires_in": 3600,
		"id_token": is.mint(g)})
}

func (is *testIssuer) mint(g grant) string {
	h, _ := json.Marshal(g.header)
	c, _ := json.Marshal(g.claims)
	signing := b64(h) + "." + b64(c)
	if g.unsigned {
		return signing + "."
	}
	key := is.key
	if g.otherKey {
		other, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			is.t.Fatal(err)
		}
		key = other
	}
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		is.t.Fatal(err)
	}
	return signing + "." + b64(sig)
}
