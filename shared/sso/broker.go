package sso

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatepass/gatepass/shared/clock"
)

// ErrBroker means the broker refused or failed a step of the code flow, or
// its ID token did not verify. The wrapped detail is for logs; it never
// holds a token, code or secret.
var ErrBroker = errors.New("sso: broker")

// AuthRequest is what the authorization redirect carries.
type AuthRequest struct {
	ProviderID  string // sent as identity_provider (Cognito skips its own page)
	RedirectURI string
	State       string
	Nonce       string
	Verifier    string // PKCE code verifier; only its S256 challenge is sent
}

// Claims are the verified ID token's claims Gatepass uses.
type Claims struct {
	Subject string
	Nonce   string
	Email   string
	// EmailVerified is the token's email_verified: the broker (mapping the
	// upstream provider's claim) vouches that the provider verified Email.
	EmailVerified bool
	Name          string
	// Identities are Cognito's "identities" claim: the upstream provider and
	// subject behind the broker's user.
	Identities []UpstreamIdentity
	Groups     []string
}

// UpstreamIdentity is one entry of the identities claim.
type UpstreamIdentity struct {
	ProviderName string `json:"providerName"`
	UserID       string `json:"userId"`
}

// OIDCBrokerConfig configures an OIDCBroker.
type OIDCBrokerConfig struct {
	// Issuer is the broker's issuer: https://cognito-idp.<region>.amazonaws.com/<poolId>
	// in AWS, the local issuer in the local stack. Its discovery document
	// names the hosted authorize and token endpoints.
	Issuer       string
	ClientID     string
	ClientSecret string
	// HTTPClient makes the discovery, JWKS and token requests; nil uses a
	// client with a 10-second timeout.
	HTTPClient *http.Client
	Clock      clock.Clock
}

// OIDCBroker runs the authorization code flow against an OpenID Connect
// broker with go-oidc and x/oauth2: PKCE S256 always (Cognito does not force
// it), ID tokens verified for signature (JWKS), iss, aud and exp. Discovery
// happens at first use and is kept for the life of the process (a Lambda
// cold start); a failed discovery is retried at the next use.
type OIDCBroker struct {
	cfg  OIDCBrokerConfig
	http *http.Client

	mu       sync.Mutex
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
}

// NewOIDCBroker returns a broker client; nothing is fetched yet.
func NewOIDCBroker(cfg OIDCBrokerConfig) *OIDCBroker {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return &OIDCBroker{cfg: cfg, http: hc}
}

func (b *OIDCBroker) discover(ctx context.Context) (*oidc.Provider, *oidc.IDTokenVerifier, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.provider != nil {
		return b.provider, b.verifier, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, b.http), b.cfg.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: discovery: %w", ErrBroker, err)
	}
	// Only RS256 (what Cognito signs with); "none" and HMAC are never
	// accepted.
	v := p.Verifier(&oidc.Config{ClientID: b.cfg.ClientID, SupportedSigningAlgs: []string{oidc.RS256},
		Now: b.cfg.Clock.Now})
	b.provider, b.verifier = p, v
	return p, v, nil
}

func (b *OIDCBroker) oauth(p *oidc.Provider, redirectURI string) *oauth2.Config {
	ep := p.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader // client_secret_basic, as Cognito expects
	return &oauth2.Config{ClientID: b.cfg.ClientID, ClientSecret: b.cfg.ClientSecret, Endpoint: ep,
		RedirectURL: redirectURI, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// AuthCodeURL is the broker's authorization URL for a.
func (b *OIDCBroker) AuthCodeURL(ctx context.Context, a AuthRequest) (string, error) {
	p, _, err := b.discover(ctx)
	if err != nil {
		return "", err
	}
	return b.oauth(p, a.RedirectURI).AuthCodeURL(a.State,
		oidc.Nonce(a.Nonce),
		oauth2.S256ChallengeOption(a.Verifier),
		oauth2.SetAuthURLParam("identity_provider", a.ProviderID),
	), nil
}

// Exchange redeems code with the PKCE verifier and returns the claims of the
// verified ID token. The nonce is the caller's to compare.
func (b *OIDCBroker) Exchange(ctx context.Context, code, verifier, redirectURI string) (Claims, error) {
	p, v, err := b.discover(ctx)
	if err != nil {
		return Claims{}, err
	}
	ctx = oidc.ClientContext(ctx, b.http)
	tok, err := b.oauth(p, redirectURI).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Claims{}, fmt.Errorf("%w: token exchange: %s", ErrBroker, exchangeError(err))
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return Claims{}, fmt.Errorf("%w: token response without id_token", ErrBroker)
	}
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: id token: %w", ErrBroker, err)
	}
	var c rawClaims
	if err := idt.Claims(&c); err != nil {
		return Claims{}, fmt.Errorf("%w: id token claims: %w", ErrBroker, err)
	}
	return c.claims(idt.Subject, idt.Nonce)
}

// exchangeError names a failed exchange without echoing the response body,
// which could carry tokens.
func exchangeError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if code == "" {
			code = "no error code"
		}
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return fmt.Sprintf("status %d, %s", status, code)
	}
	return "request failed"
}

// rawClaims is the JSON of the claims read from a Cognito ID token.
type rawClaims struct {
	Email string `json:"email"`
	// EmailVerified is a JSON boolean, or — as Cognito writes mapped
	// attributes for federated users — the string "true" or "false".
	EmailVerified json.RawMessage `json:"email_verified"`
	Name          string          `json:"name"`
	Identities    json.RawMessage `json:"identities"`
	Groups        json.RawMessage `json:"custom:groups"`
}

func (r rawClaims) claims(sub, nonce string) (Claims, error) {
	c := Claims{Subject: sub, Nonce: nonce, Email: strings.TrimSpace(r.Email), Name: strings.TrimSpace(r.Name),
		EmailVerified: trueClaim(r.EmailVerified)}
	ids, err := parseIdentities(r.Identities)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: identities claim: %w", ErrBroker, err)
	}
	c.Identities = ids
	c.Groups = ParseGroups(r.Groups)
	return c, nil
}

// trueClaim reports whether a boolean claim is true: the JSON value true or
// the string "true"; anything else, absence included, is false.
func trueClaim(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && s == "true"
}

// parseIdentities reads the identities claim: a JSON array, or a string
// holding one.
func parseIdentities(raw json.RawMessage) ([]UpstreamIdentity, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(s)
	}
	var out []UpstreamIdentity
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseGroups reads the groups claim: a JSON array of strings, or the string
// form Cognito gives a multi-valued attribute mapped to a custom attribute
// ("[a, b]", or a JSON array in a string, or a plain comma-separated list).
// Blank entries are dropped.
func ParseGroups(raw json.RawMessage) []string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return clean(list)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil
	}
	s = strings.TrimSpace(s)
	if json.Unmarshal([]byte(s), &list) == nil {
		return clean(list)
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	return clean(strings.Split(s, ","))
}

func clean(list []string) []string {
	var out []string
	for _, g := range list {
		g = strings.Trim(strings.TrimSpace(g), `"`)
		if g != "" && len(g) <= 256 {
			out = append(out, g)
		}
	}
	return out
}
