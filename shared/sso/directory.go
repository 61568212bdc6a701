// Package sso is single sign-on through a federation broker: the Cognito user
// pool in AWS, a small local OIDC issuer in the local stack. The broker speaks
// OIDC to Gatepass (authorization code flow with PKCE, state and nonce) and
// federates the tenant's own OIDC and SAML identity providers.
//
// This file is the identity-provider administration port, consumed by the
// sign-in flow (which providers exist) and by the admin endpoints (manage
// them). Adapters: sso/cognito (cognitoidentityprovider) and the local
// stack's issuer.
package sso

import (
	"context"
	"errors"
	"strings"
)

// Provider types.
const (
	TypeOIDC = "oidc"
	TypeSAML = "saml"
)

// Errors of a Directory. Callers compare them with errors.Is.
var (
	// ErrProviderNotFound means no provider has the id.
	ErrProviderNotFound = errors.New("sso: identity provider not found")
	// ErrInvalidProvider means the broker refused the provider's settings
	// (an unreachable issuer, malformed metadata, a bad id). The wrapping
	// error's message may be shown to an administrator; it never holds a
	// secret.
	ErrInvalidProvider = errors.New("sso: invalid identity provider settings")
)

// InvalidReason is what an ErrInvalidProvider error says for an
// administrator: the reason its directory wrapped the sentinel with
// ("%w: reason"), without the sentinel's own words, as a sentence — or a
// general sentence when it gave none.
func InvalidReason(err error) string {
	msg := err.Error()
	prefix := ErrInvalidProvider.Error() + ": "
	i := strings.Index(msg, prefix)
	if i < 0 || strings.TrimSpace(msg[i+len(prefix):]) == "" {
		return "The identity provider's settings were refused."
	}
	reason := strings.TrimSpace(msg[i+len(prefix):])
	reason = strings.ToUpper(reason[:1]) + reason[1:]
	if !strings.HasSuffix(reason, ".") {
		reason += "."
	}
	return reason
}

// Provider is one identity provider the tenant federates. Its ID is the
// broker's provider name (Cognito's ProviderName): the path segment of
// /api/auth/sso/{providerId}/start and the identity_provider parameter sent
// to the broker.
type Provider struct {
	ID   string
	Type string // TypeOIDC or TypeSAML
	// OIDC is set for TypeOIDC, SAML for TypeSAML. A Directory's List fills
	// neither (ID and Type only); Get fills the one of its type.
	OIDC *OIDCSettings
	SAML *SAMLSettings
	// Attributes maps Gatepass's attributes to the provider's claim or
	// SAML attribute names: keys "email", "name", "groups". Get returns the
	// stored mapping; a missing key is not mapped.
	Attributes map[string]string
}

// OIDCSettings configure an upstream OpenID Connect provider.
type OIDCSettings struct {
	Issuer   string
	ClientID string
	// ClientSecret is write-only: Put stores it when non-empty and keeps the
	// stored one when empty; Get and List always return "".
	ClientSecret string
	// ClientSecretSet reports, on Get, that a secret is stored.
	ClientSecretSet bool
	Scopes          []string // e.g. openid email profile
}

// SAMLSettings configure an upstream SAML 2.0 identity provider: exactly one
// of MetadataURL and MetadataXML.
type SAMLSettings struct {
	MetadataURL string
	MetadataXML string
}

// Directory manages the tenant's identity providers at the broker, and which
// of them the Gatepass app client may use.
type Directory interface {
	// List returns every provider the Gatepass app client may use (ID and
	// Type), ordered by ID.
	List(ctx context.Context) ([]Provider, error)
	// Get returns one provider with its settings (secrets blanked), or
	// ErrProviderNotFound.
	Get(ctx context.Context, id string) (Provider, error)
	// Put creates or replaces the provider p.ID and enables it for the
	// Gatepass app client. created reports a new provider. Settings the
	// broker refuses give an error wrapping ErrInvalidProvider.
	Put(ctx context.Context, p Provider) (created bool, err error)
	// Delete disables the provider for the app client and removes it, or
	// returns ErrProviderNotFound.
	Delete(ctx context.Context, id string) error
}

// ProviderResyncer is the optional capability of a Directory whose broker can
// forget which providers the Gatepass app client may use: a deploy that
// updates Cognito's app client resets its SupportedIdentityProviders. The
// tenant stack's SSO sync custom resource calls it after every such deploy
// with the providers saved through the admin API.
type ProviderResyncer interface {
	// EnableAll lets the app client use every provider of ids the broker
	// holds and returns those; others are passed over.
	EnableAll(ctx context.Context, ids []string) ([]string, error)
}
