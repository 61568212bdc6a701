package idp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of the authorization endpoint.
const (
	maxFormBytes    = 64 << 10
	maxParamLength  = 2048 // state, nonce
	maxEmailLength  = 254
	maxNameLength   = 256
	maxGroupLength  = 256
	maxSubjectRunes = 128
	// maxGroupsClaim is the maximum length of a Cognito custom attribute
	// value, which custom:groups is.
	maxGroupsClaim = 2048
)

// authParams are the parameters of an authorization request, carried by the
// sign-in form in hidden fields.
func authParams() []string {
	return []string{"response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
		"code_challenge", "code_challenge_method", "identity_provider"}
}

// authRequest is an authorization request; once checked, every field is
// valid.
type authRequest struct {
	params      url.Values // the authParams, one value each
	redirectURI string
	state       string
	nonce       string
	challenge   string
	provider    storedProvider
}

// authError is a refused authorization request.
type authError struct {
	// page: the client or redirect URI is wrong, so answer a 400 page and
	// never redirect.
	page bool
	code string // OAuth error code when redirecting
	desc string
}

// grant is an issued authorization code.
type grant struct {
	clientID    string
	redirectURI string
	challenge   string
	nonce       string
	provider    storedProvider
	identity    TestIdentity
	sub         string
	created     time.Time // when the federated user was first seen
	authTime    time.Time
	expires     time.Time
}

// authorize is the authorization endpoint: GET shows the sign-in form of a
// valid request, POST (the form) checks the request again, never trusting
// the hidden fields, and redirects with a code.
func (i *Issuer) authorize(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	var params url.Values
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		v, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			i.errorPage(w, http.StatusBadRequest, "The authorization request is malformed.")
			return
		}
		params = v
	case http.MethodPost:
		if err := i.crossOrigin.Check(r); err != nil {
			i.errorPage(w, http.StatusForbidden, "Cross-origin form submissions are refused.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			i.errorPage(w, http.StatusBadRequest, "The form submission is malformed.")
			return
		}
		params = r.PostForm
	default:
		h.Set("Allow", "GET, HEAD, POST")
		i.errorPage(w, http.StatusMethodNotAllowed, "Method not allowed.")
		return
	}
	req, aerr := i.checkAuthRequest(params)
	switch {
	case aerr != nil && aerr.page:
		i.errorPage(w, http.StatusBadRequest, aerr.desc)
		return
	case aerr != nil:
		redirect(w, req.redirectURI, "error", aerr.code, "error_description", aerr.desc, "state", req.state)
		return
	case r.Method != http.MethodPost:
		i.renderForm(w, http.StatusOK, req, defaultForm(req.provider), "")
		return
	}
	if action, _ := one(params, "action"); action == "cancel" {
		redirect(w, req.redirectURI, "error", "access_denied", "error_description", "the user cancelled the sign-in", "state", req.state)
		return
	}
	form, id, problem := parseIdentity(params)
	if problem != "" {
		i.renderForm(w, http.StatusBadRequest, req, form, problem)
		return
	}
	code := i.issueCode(req, id)
	redirect(w, req.redirectURI, "code", code, "state", req.state)
}

// one returns the parameter name's value ("" when absent), and false when it
// is repeated (RFC 6749 §3.1: parameters must not be repeated).
func one(v url.Values, name string) (string, bool) {
	switch vs := v[name]; len(vs) {
	case 0:
		return "", true
	case 1:
		return vs[0], true
	default:
		return "", false
	}
}

// checkAuthRequest checks an authorization request. When it returns an
// error that is not a page, req.redirectURI is a registered redirect URI and
// req.state the state to send back ("" when unusable).
func (i *Issuer) checkAuthRequest(v url.Values) (authRequest, *authError) {
	var req authRequest
	clientID, ok := one(v, "client_id")
	if !ok || clientID == "" || clientID != i.clientID {
		return req, &authError{page: true, desc: "The client_id is missing or unknown."}
	}
	redirectURI, ok := one(v, "redirect_uri")
	if !ok || !slices.Contains(i.redirectURIs, redirectURI) {
		return req, &authError{page: true, desc: "The redirect_uri is missing or not registered for this client."}
	}
	req.redirectURI = redirectURI
	if state, ok := one(v, "state"); ok && len(state) <= maxParamLength {
		req.state = state
	}
	bad := func(desc string) (authRequest, *authError) {
		return req, &authError{code: "invalid_request", desc: desc}
	}
	req.params = url.Values{}
	for _, name := range authParams() {
		value, ok := one(v, name)
		if !ok {
			return bad(name + " is repeated")
		}
		req.params.Set(name, value)
	}
	if req.params.Get("response_type") != "code" {
		return bad("response_type must be code")
	}
	scopes := strings.Fields(req.params.Get("scope"))
	if !slices.Contains(scopes, "openid") {
		return bad("scope must include openid")
	}
	for _, s := range scopes {
		if !slices.Contains(supportedScopes(), s) {
			return bad("unsupported scope " + s)
		}
	}
	if req.state == "" {
		return bad("state is required")
	}
	req.nonce = req.params.Get("nonce")
	if req.nonce == "" || len(req.nonce) > maxParamLength {
		return bad("nonce is required")
	}
	if req.params.Get("code_challenge_method") != "S256" {
		return bad("PKCE with code_challenge_method S256 is required")
	}
	req.challenge = req.params.Get("code_challenge")
	if sum, err := base64.RawURLEncoding.Strict().DecodeString(req.challenge); err != nil || len(sum) != sha256.Size {
		return bad("code_challenge must be a base64url SHA-256")
	}
	p, found := i.provider(req.params.Get("identity_provider"))
	if !found {
		return bad("identity_provider is missing or unknown")
	}
	req.provider = p
	return req, nil
}

// redirect answers 302 to uri with the name/value pairs kv added to its
// query; empty values are left out.
func redirect(w http.ResponseWriter, uri string, kv ...string) {
	u, err := url.Parse(uri) // a registered redirect URI: checked by New
	if err != nil {
		http.Error(w, "bad redirect URI", http.StatusInternalServerError)
		return
	}
	q := u.Query()
	for n := 0; n+1 < len(kv); n += 2 {
		if kv[n+1] != "" {
			q.Set(kv[n], kv[n+1])
		}
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Location", u.String())
	w.WriteHeader(http.StatusFound)
}

// identityForm is the sign-in form's identity fields as typed.
type identityForm struct {
	Email, Name, Groups, Subject string
}

// defaultForm fills the form from a provider's test identity.
func defaultForm(p storedProvider) identityForm {
	id := TestIdentity{Email: "test.user@example.com", Name: "Test User"}
	if p.TestIdentity != nil {
		id = *p.TestIdentity
	}
	subject := id.Subject
	if subject == "" {
		subject = id.Email
	}
	return identityForm{Email: id.Email, Name: id.Name, Groups: strings.Join(id.Groups, ", "), Subject: subject}
}

// parseIdentity reads the identity fields of the form. problem, when not
// empty, tells the user what to correct.
func parseIdentity(v url.Values) (form identityForm, id TestIdentity, problem string) {
	fields := []*string{&form.Email, &form.Name, &form.Groups, &form.Subject}
	for n, name := range []string{"email", "name", "groups", "subject"} {
		value, ok := one(v, name)
		if !ok {
			return form, id, "The field " + name + " is repeated."
		}
		*fields[n] = value
	}
	id.Email = strings.TrimSpace(form.Email)
	if a, err := mail.ParseAddress(id.Email); err != nil || a.Address != id.Email || len(id.Email) > maxEmailLength {
		return form, id, "Enter an email address such as jane.doe@example.com."
	}
	id.Name = strings.TrimSpace(form.Name)
	if len(id.Name) > maxNameLength || !printable(id.Name) {
		return form, id, "The display name is too long or holds control characters."
	}
	for g := range strings.SplitSeq(form.Groups, ",") {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if len(g) > maxGroupLength || !printable(g) {
			return form, id, "A group name is too long or holds control characters."
		}
		id.Groups = append(id.Groups, g)
	}
	if len(groupsClaim(id.Groups)) > maxGroupsClaim {
		return form, id, "Too many groups: Cognito keeps at most 2048 characters in custom:groups."
	}
	id.Subject = strings.TrimSpace(form.Subject)
	if id.Subject == "" {
		id.Subject = id.Email
	}
	if utf8.RuneCountInString(id.Subject) > maxSubjectRunes || !printable(id.Subject) {
		return form, id, "The subject is too long or holds control characters."
	}
	return form, id, ""
}

func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// issueCode stores a single-use code for the request and identity.
func (i *Issuer) issueCode(req authRequest, id TestIdentity) string {
	code := randomToken()
	now := i.clock.Now()
	sub := federatedSub(req.provider.ID, id.Subject)
	i.cmu.Lock()
	defer i.cmu.Unlock()
	for k, g := range i.codes {
		if !now.Before(g.expires) {
			delete(i.codes, k)
		}
	}
	created, seen := i.firstSeen[sub]
	if !seen {
		created = now
		i.firstSeen[sub] = now
	}
	i.codes[sha256.Sum256([]byte(code))] = grant{
		clientID:    req.params.Get("client_id"),
		redirectURI: req.redirectURI,
		challenge:   req.challenge,
		nonce:       req.nonce,
		provider:    req.provider,
		identity:    id,
		sub:         sub,
		created:     created,
		authTime:    now,
		expires:     now.Add(CodeTTL),
	}
	return code
}

// randomToken returns 256 random bits, base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	return base64.RawURLEncoding.EncodeToString(b)
}
