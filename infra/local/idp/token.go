package idp

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// tokenResponse is a successful token response (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

// tokenError is an error response (RFC 6749 §5.2).
type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// token is the token endpoint: the authorization code grant, with PKCE S256
// and client_secret_basic or client_secret_post.
func (i *Issuer) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeJSON(w, http.StatusMethodNotAllowed, "no-store", tokenError{Error: "invalid_request", Description: "use POST"})
		return
	}
	fail := func(status int, code, desc string) {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="local-idp", charset="UTF-8"`)
		}
		w.Header().Set("Pragma", "no-cache")
		writeJSON(w, status, "no-store", tokenError{Error: code, Description: desc})
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "invalid_request", "the body must be a form")
		return
	}
	v := r.PostForm
	for name := range v {
		if len(v[name]) > 1 {
			fail(http.StatusBadRequest, "invalid_request", name+" is repeated")
			return
		}
	}
	clientID, secret, status, desc := clientCredentials(r, v)
	if status != 0 {
		code := "invalid_client"
		if status == http.StatusBadRequest {
			code = "invalid_request"
		}
		fail(status, code, desc)
		return
	}
	if !i.authenticate(clientID, secret) {
		fail(http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if gt := v.Get("grant_type"); gt != "authorization_code" {
		fail(http.StatusBadRequest, "unsupported_grant_type", "only authorization_code is supported")
		return
	}
	code, redirectURI, verifier := v.Get("code"), v.Get("redirect_uri"), v.Get("code_verifier")
	if code == "" || redirectURI == "" || verifier == "" {
		fail(http.StatusBadRequest, "invalid_request", "code, redirect_uri and code_verifier are required")
		return
	}
	// From here on the code is spent, whatever follows (RFC 6749 §4.1.2:
	// a code is used once).
	g, ok := i.redeem(code)
	switch {
	case !ok:
		fail(http.StatusBadRequest, "invalid_grant", "the code is unknown, expired or used")
		return
	case g.clientID != clientID:
		fail(http.StatusBadRequest, "invalid_grant", "the code was issued to another client")
		return
	case g.redirectURI != redirectURI:
		fail(http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
		return
	case !pkceMatches(verifier, g.challenge):
		fail(http.StatusBadRequest, "invalid_grant", "the code_verifier does not match the code_challenge")
		return
	}
	access := randomToken()
	idToken, err := i.idToken(g, access)
	if err != nil {
		fail(http.StatusInternalServerError, "server_error", "")
		return
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, "no-store", tokenResponse{
		AccessToken: access, IDToken: idToken, TokenType: "Bearer", ExpiresIn: int(TokenTTL / time.Second),
	})
}

// clientCredentials reads the client's credentials from the Authorization
// header (client_secret_basic, form-encoded per RFC 6749 §2.3.1) or the
// form (client_secret_post). A non-zero status refuses the request.
func clientCredentials(r *http.Request, v url.Values) (id, secret string, status int, desc string) {
	if r.Header.Get("Authorization") != "" {
		user, pass, ok := r.BasicAuth()
		if !ok {
			return "", "", http.StatusUnauthorized, "malformed Authorization header"
		}
		var err1, err2 error
		id, err1 = url.QueryUnescape(user)
		secret, err2 = url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return "", "", http.StatusUnauthorized, "malformed Authorization header"
		}
		if v.Has("client_secret") {
			return "", "", http.StatusBadRequest, "use one client authentication method"
		}
		if v.Has("client_id") && v.Get("client_id") != id {
			return "", "", http.StatusBadRequest, "client_id differs from the Authorization header's"
		}
		return id, secret, 0, ""
	}
	if !v.Has("client_id") || !v.Has("client_secret") {
		return "", "", http.StatusUnauthorized, "client authentication is required"
	}
	return v.Get("client_id"), v.Get("client_secret"), 0, ""
}

// authenticate compares the client's credentials in constant time.
func (i *Issuer) authenticate(id, secret string) bool {
	return equalConstantTime(id, i.clientID)&equalConstantTime(secret, i.clientSecret) == 1
}

// equalConstantTime compares SHA-256 digests, so that not even the lengths
// leak; 1 means equal.
func equalConstantTime(a, b string) int {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:])
}

// redeem removes the code and returns its grant, unless it is unknown or
// expired.
func (i *Issuer) redeem(code string) (grant, bool) {
	key := sha256.Sum256([]byte(code))
	now := i.clock.Now()
	i.cmu.Lock()
	defer i.cmu.Unlock()
	g, ok := i.codes[key]
	delete(i.codes, key)
	if !ok || !now.Before(g.expires) {
		return grant{}, false
	}
	return g, true
}

// pkceMatches checks a code_verifier (RFC 7636 §4.1: 43–128 unreserved
// characters) against an S256 code_challenge.
func pkceMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	for _, c := range verifier {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("-._~", c)) {
			return false
		}
	}
	sum := sha256.Sum256([]byte(verifier))
	computed := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(computed), []byte(challenge)) == 1
}

// idClaims are the claims of an ID token, shaped like those Cognito issues
// for a federated user.
type idClaims struct {
	AtHash          string          `json:"at_hash"`
	Sub             string          `json:"sub"`
	CognitoGroups   []string        `json:"cognito:groups"`
	Groups          string          `json:"custom:groups,omitempty"`
	EmailVerified   bool            `json:"email_verified"`
	Iss             string          `json:"iss"`
	CognitoUsername string          `json:"cognito:username"`
	Nonce           string          `json:"nonce"`
	Aud             string          `json:"aud"`
	Identities      []identityClaim `json:"identities"`
	TokenUse        string          `json:"token_use"`
	AuthTime        int64           `json:"auth_time"`
	Name            string          `json:"name,omitempty"`
	Exp             int64           `json:"exp"`
	Iat             int64           `json:"iat"`
	Jti             string          `json:"jti"`
	Email           string          `json:"email"`
}

// identityClaim is one element of Cognito's identities claim. Cognito
// writes primary and dateCreated as strings.
type identityClaim struct {
	UserID       string  `json:"userId"`
	ProviderName string  `json:"providerName"`
	ProviderType string  `json:"providerType"`
	Issuer       *string `json:"issuer"` // always null
	Primary      string  `json:"primary"`
	DateCreated  string  `json:"dateCreated"`
}

// LocalUserPoolID stands in for the Cognito user pool id. Cognito puts
// every federated user in a group named <user pool id>_<provider name>, which
// its ID tokens list in cognito:groups; the upstream groups are in
// custom:groups.
const LocalUserPoolID = "local-1_gatepass"

// idToken signs the ID token of a redeemed grant.
func (i *Issuer) idToken(g grant, accessToken string) (string, error) {
	now := i.clock.Now()
	typ := "OIDC"
	if g.provider.Type == "saml" {
		typ = "SAML"
	}
	atHash := sha256.Sum256([]byte(accessToken))
	c := idClaims{
		AtHash:          base64.RawURLEncoding.EncodeToString(atHash[:sha256.Size/2]),
		Sub:             g.sub,
		CognitoGroups:   []string{LocalUserPoolID + "_" + g.provider.ID},
		Groups:          groupsClaim(g.identity.Groups),
		EmailVerified:   true,
		Iss:             i.issuer,
		CognitoUsername: g.provider.ID + "_" + g.identity.Subject,
		Nonce:           g.nonce,
		Aud:             g.clientID,
		Identities: []identityClaim{{
			UserID: g.identity.Subject, ProviderName: g.provider.ID, ProviderType: typ,
			Primary: "true", DateCreated: strconv.FormatInt(g.created.UnixMilli(), 10),
		}},
		TokenUse: "id",
		AuthTime: g.authTime.Unix(),
		Name:     g.identity.Name,
		Exp:      now.Add(TokenTTL).Unix(),
		Iat:      now.Unix(),
		Jti:      uuid4(),
		Email:    g.identity.Email,
	}
	return i.sign(c)
}

// groupsClaim formats groups the way Cognito stores a multi-valued SAML or
// OIDC attribute in a (string) custom attribute: "[a, b]"; "" for none.
func groupsClaim(groups []string) string {
	if len(groups) == 0 {
		return ""
	}
	return "[" + strings.Join(groups, ", ") + "]"
}

// sign returns the RS256 JWS compact serialization of claims.
func (i *Issuer) sign(claims any) (string, error) {
	sk, err := i.signingKey()
	if err != nil {
		return "", err
	}
	header, err := json.Marshal(struct { // as Cognito's: no typ
		Kid string `json:"kid"`
		Alg string `json:"alg"`
	}{sk.kid, "RS256"})
	if err != nil {
		return "", fmt.Errorf("idp: token header: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("idp: token claims: %w", err)
	}
	signing := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, sk.private, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("idp: sign token: %w", err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// federatedSub is the stable, UUID-shaped sub of a federated user: the
// first 128 bits of a SHA-256 of provider and subject, marked as an RFC 9562
// version 8 (custom) UUID.
func federatedSub(providerID, subject string) string {
	sum := sha256.Sum256([]byte("gatepass-local-idp\x00" + providerID + "\x00" + subject))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// uuid4 returns a random UUID.
func uuid4() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
