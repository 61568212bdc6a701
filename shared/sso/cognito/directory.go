// Package cognito implements sso.Directory with the Amazon Cognito user pool
// API (cognitoidentityprovider): the identity providers of one user pool, and
// which of them one app client (Gatepass's) may use.
//
// Only OIDC and SAML providers are managed. The pool's social providers
// (Google, Facebook, Login with Amazon, Sign in with Apple) are not supported
// by Gatepass's administration: List skips them, Get reports them as not
// found and Put refuses to replace them.
//
// Secrets: an OIDC provider's client_secret is write-only. It is sent to
// Cognito by Put and never returned, logged or put into an error; errors of
// the calls that carry it are checked for it and withheld when it shows. The
// app client's own secret, which DescribeUserPoolClient returns, is never
// sent back or returned either.
package cognito

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/gatepass/gatepass/shared/sso"
)

// API is the part of the Cognito user pool client the directory uses;
// *cognitoidentityprovider.Client implements it.
type API interface {
	ListIdentityProviders(ctx context.Context, in *cip.ListIdentityProvidersInput, optFns ...func(*cip.Options)) (*cip.ListIdentityProvidersOutput, error)
	DescribeIdentityProvider(ctx context.Context, in *cip.DescribeIdentityProviderInput, optFns ...func(*cip.Options)) (*cip.DescribeIdentityProviderOutput, error)
	CreateIdentityProvider(ctx context.Context, in *cip.CreateIdentityProviderInput, optFns ...func(*cip.Options)) (*cip.CreateIdentityProviderOutput, error)
	UpdateIdentityProvider(ctx context.Context, in *cip.UpdateIdentityProviderInput, optFns ...func(*cip.Options)) (*cip.UpdateIdentityProviderOutput, error)
	DeleteIdentityProvider(ctx context.Context, in *cip.DeleteIdentityProviderInput, optFns ...func(*cip.Options)) (*cip.DeleteIdentityProviderOutput, error)
	DescribeUserPoolClient(ctx context.Context, in *cip.DescribeUserPoolClientInput, optFns ...func(*cip.Options)) (*cip.DescribeUserPoolClientOutput, error)
	UpdateUserPoolClient(ctx context.Context, in *cip.UpdateUserPoolClientInput, optFns ...func(*cip.Options)) (*cip.UpdateUserPoolClientOutput, error)
}

// CognitoProvider is the name of the user pool's own directory in an app
// client's SupportedIdentityProviders. It is never a Gatepass provider.
const CognitoProvider = "COGNITO"

// listPageSize is ListIdentityProviders' largest page.
const listPageSize = 60

// ProviderDetails keys of an OIDC provider.
const (
	keyClientID        = "client_id"
	keyClientSecret    = "client_secret"
	keyScopes          = "authorize_scopes"
	keyIssuer          = "oidc_issuer"
	keyRequestMethod   = "attributes_request_method"
	defaultRequestVerb = "GET"
)

// ProviderDetails keys of a SAML provider.
const (
	keyMetadataURL  = "MetadataURL"
	keyMetadataFile = "MetadataFile"
)

// oidcReadOnly returns the ProviderDetails keys DescribeIdentityProvider
// returns for an OIDC provider that are not settings.
func oidcReadOnly() []string { return []string{"attributes_url_add_attributes"} }

// oidcDiscovered returns the endpoint keys Cognito discovers from oidc_issuer
// (or accepts explicitly when discovery is impossible). Put keeps them while
// the issuer is unchanged and drops them when it changes, so that Cognito
// discovers the new issuer's endpoints.
func oidcDiscovered() []string {
	return []string{"authorize_url", "token_url", "attributes_url", "jwks_uri"}
}

// samlDerived returns the ProviderDetails keys DescribeIdentityProvider
// returns for a SAML provider that Cognito derives (from the metadata or
// itself), plus the two metadata keys Put sets.
func samlDerived() []string {
	return []string{"ActiveEncryptionCertificate", "SLORedirectBindingURI", "SSORedirectBindingURI", keyMetadataURL, keyMetadataFile}
}

// attributePool returns the map of Gatepass's attribute keys
// (sso.Provider.Attributes) to the user pool attributes they are stored in.
func attributePool() map[string]string {
	return map[string]string{
		"email":  "email",
		"name":   "name",
		"groups": "custom:groups",
	}
}

// emailVerified is the user pool attribute (and the OIDC standard claim) that
// says whether the email was verified by the provider.
const emailVerified = "email_verified"

// Directory implements sso.Directory with one Cognito user pool and one app
// client. It holds no mutable state and is safe for concurrent use; two
// administrators changing providers at the same time can still race on the
// app client, whose update Cognito offers no condition for.
type Directory struct {
	api         API
	userPoolID  string
	appClientID string
}

var _ sso.Directory = (*Directory)(nil)

// New returns a directory of the user pool userPoolID whose providers the
// app client appClientID may use. client is usually a
// *cognitoidentityprovider.Client; the directory adds no retries of its own.
func New(client API, userPoolID, appClientID string) *Directory {
	return &Directory{api: client, userPoolID: userPoolID, appClientID: appClientID}
}

// List returns the OIDC and SAML providers of the pool that the app client
// may use (its SupportedIdentityProviders, without COGNITO), ordered by ID.
// Names the app client lists that the pool doesn't hold are left out, and so
// are providers of other types.
func (d *Directory) List(ctx context.Context) ([]sso.Provider, error) {
	client, err := d.describeClient(ctx)
	if err != nil {
		return nil, err
	}
	enabled := make(map[string]bool, len(client.SupportedIdentityProviders))
	for _, name := range client.SupportedIdentityProviders {
		if name != CognitoProvider {
			enabled[name] = true
		}
	}
	providers := []sso.Provider{}
	if len(enabled) == 0 {
		return providers, nil
	}
	pages := cip.NewListIdentityProvidersPaginator(d.api, &cip.ListIdentityProvidersInput{
		UserPoolId: aws.String(d.userPoolID),
		MaxResults: aws.Int32(listPageSize),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("cognito: list identity providers: %w", err)
		}
		for _, p := range page.Providers {
			name := aws.ToString(p.ProviderName)
			typ, ok := gatepassType(p.ProviderType)
			if !ok || !enabled[name] {
				continue
			}
			providers = append(providers, sso.Provider{ID: name, Type: typ})
		}
	}
	slices.SortFunc(providers, func(a, b sso.Provider) int { return strings.Compare(a.ID, b.ID) })
	return providers, nil
}

// Get returns the OIDC or SAML provider id with its settings: the client
// secret blanked (ClientSecretSet tells whether one is stored) and the
// attributes mapped to "email", "name" and "groups". It returns the provider
// whether or not the app client may use it, so that an administrator can
// repair a provider whose Put did not finish; the sign-in flow should use
// List. An id Cognito could not hold, and a provider of another type, are
// reported as ErrProviderNotFound.
func (d *Directory) Get(ctx context.Context, id string) (sso.Provider, error) {
	if err := validateID(id); err != nil {
		return sso.Provider{}, fmt.Errorf("cognito: identity provider %q: %w", id, sso.ErrProviderNotFound)
	}
	idp, err := d.describeProvider(ctx, id)
	if err != nil {
		return sso.Provider{}, err
	}
	typ, ok := gatepassType(idp.ProviderType)
	if !ok {
		return sso.Provider{}, fmt.Errorf("cognito: identity provider %q is a %s provider, which Gatepass does not manage: %w",
			id, idp.ProviderType, sso.ErrProviderNotFound)
	}
	p := sso.Provider{ID: id, Type: typ, Attributes: gatepassAttributes(idp.AttributeMapping)}
	details := idp.ProviderDetails
	switch typ {
	case sso.TypeOIDC:
		p.OIDC = &sso.OIDCSettings{
			Issuer:          details[keyIssuer],
			ClientID:        details[keyClientID],
			ClientSecretSet: details[keyClientSecret] != "",
			Scopes:          strings.Fields(details[keyScopes]),
		}
	case sso.TypeSAML:
		p.SAML = &sso.SAMLSettings{
			MetadataURL: details[keyMetadataURL],
			MetadataXML: details[keyMetadataFile],
		}
	}
	return p, nil
}

// Put creates or replaces the provider p.ID and adds it to the app client's
// SupportedIdentityProviders. The id and settings are checked before Cognito
// is called (errors wrap sso.ErrInvalidProvider); a new OIDC provider needs a
// client secret, and an existing one keeps its stored secret when
// p.OIDC.ClientSecret is empty. A provider of another type (or Cognito's
// social providers) under the same id is refused: delete it first.
//
// Settings Gatepass does not manage are kept on replace: SAML options such
// as IDPSignout or EncryptedResponses, IdP identifiers, attributes_request_method
// and explicit OIDC endpoints (the latter only while the issuer is
// unchanged), and attribute mappings of other pool attributes such as
// username. For an OIDC provider whose email comes from the standard email
// claim, email_verified is mapped to email_verified: Cognito marks mapped
// email addresses unverified unless the provider's verification status is
// mapped too.
//
// created is true when the provider was created, even if enabling it for
// the app client then failed; a repeated Put finishes the job.
func (d *Directory) Put(ctx context.Context, p sso.Provider) (created bool, err error) {
	if err := validateProvider(p); err != nil {
		return false, err
	}
	stored, err := d.describeProvider(ctx, p.ID)
	switch {
	case errors.Is(err, sso.ErrProviderNotFound):
		if err := d.createProvider(ctx, p); err != nil {
			return false, err
		}
		created = true
	case err != nil:
		return false, err
	default:
		if err := d.updateProvider(ctx, p, stored); err != nil {
			return false, err
		}
	}
	if err := d.setClientProvider(ctx, p.ID, true); err != nil {
		return created, err
	}
	return created, nil
}

// Delete removes the provider id from the app client's
// SupportedIdentityProviders first, so that the client never names a
// provider the pool no longer holds, and then deletes it from the pool. An id the app client lists but the
// pool doesn't hold is still removed from the client, and ErrProviderNotFound
// is returned.
func (d *Directory) Delete(ctx context.Context, id string) error {
	if err := validateID(id); err != nil {
		return fmt.Errorf("cognito: identity provider %q: %w", id, sso.ErrProviderNotFound)
	}
	if err := d.setClientProvider(ctx, id, false); err != nil {
		return err
	}
	_, err := d.api.DeleteIdentityProvider(ctx, &cip.DeleteIdentityProviderInput{
		UserPoolId:   aws.String(d.userPoolID),
		ProviderName: aws.String(id),
	})
	if err != nil {
		if isNotFound(err) {
			return fmt.Errorf("cognito: delete identity provider %q: %w: %w", id, sso.ErrProviderNotFound, err)
		}
		return fmt.Errorf("cognito: delete identity provider %q: %w", id, err)
	}
	return nil
}

// describeProvider returns the provider id; its ProviderDetails may hold the
// client secret and must not leave the package.
func (d *Directory) describeProvider(ctx context.Context, id string) (*types.IdentityProviderType, error) {
	out, err := d.api.DescribeIdentityProvider(ctx, &cip.DescribeIdentityProviderInput{
		UserPoolId:   aws.String(d.userPoolID),
		ProviderName: aws.String(id),
	})
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("cognito: describe identity provider %q: %w: %w", id, sso.ErrProviderNotFound, err)
		}
		return nil, fmt.Errorf("cognito: describe identity provider %q: %w", id, err)
	}
	if out.IdentityProvider == nil {
		return nil, fmt.Errorf("cognito: describe identity provider %q: empty response", id)
	}
	return out.IdentityProvider, nil
}

func (d *Directory) createProvider(ctx context.Context, p sso.Provider) error {
	var secret string
	if p.Type == sso.TypeOIDC {
		secret = p.OIDC.ClientSecret
		if secret == "" {
			return invalidf("a new OIDC provider needs a client secret")
		}
	}
	in := &cip.CreateIdentityProviderInput{
		UserPoolId:       aws.String(d.userPoolID),
		ProviderName:     aws.String(p.ID),
		ProviderType:     cognitoType(p.Type),
		ProviderDetails:  providerDetails(p, nil),
		AttributeMapping: attributeMapping(p, nil),
	}
	if _, err := d.api.CreateIdentityProvider(ctx, in); err != nil {
		return providerError("create", p.ID, err, secret)
	}
	return nil
}

func (d *Directory) updateProvider(ctx context.Context, p sso.Provider, stored *types.IdentityProviderType) error {
	if typ, ok := gatepassType(stored.ProviderType); !ok || typ != p.Type {
		return invalidf("a provider named %q already exists with type %s; delete it first to create it as %s",
			p.ID, stored.ProviderType, cognitoType(p.Type))
	}
	in := &cip.UpdateIdentityProviderInput{
		UserPoolId:       aws.String(d.userPoolID),
		ProviderName:     aws.String(p.ID),
		ProviderDetails:  providerDetails(p, stored.ProviderDetails),
		AttributeMapping: attributeMapping(p, stored.AttributeMapping),
		IdpIdentifiers:   stored.IdpIdentifiers,
	}
	var secrets []string
	if p.OIDC != nil {
		secrets = append(secrets, p.OIDC.ClientSecret)
	}
	secrets = append(secrets, stored.ProviderDetails[keyClientSecret])
	if _, err := d.api.UpdateIdentityProvider(ctx, in); err != nil {
		return providerError("update", p.ID, err, secrets...)
	}
	return nil
}

// providerDetails returns the ProviderDetails to send for p, starting from
// the stored ones (nil for a new provider) without the keys Cognito derives.
func providerDetails(p sso.Provider, stored map[string]string) map[string]string {
	details := maps.Clone(stored)
	if details == nil {
		details = map[string]string{}
	}
	switch p.Type {
	case sso.TypeOIDC:
		s := p.OIDC
		for _, k := range oidcReadOnly() {
			delete(details, k)
		}
		if stored[keyIssuer] != s.Issuer {
			for _, k := range oidcDiscovered() {
				delete(details, k)
			}
		}
		details[keyIssuer] = s.Issuer
		details[keyClientID] = s.ClientID
		details[keyScopes] = strings.Join(s.Scopes, " ")
		if s.ClientSecret != "" {
			details[keyClientSecret] = s.ClientSecret
		}
		if details[keyRequestMethod] == "" {
			details[keyRequestMethod] = defaultRequestVerb
		}
	case sso.TypeSAML:
		for _, k := range samlDerived() {
			delete(details, k)
		}
		if p.SAML.MetadataURL != "" {
			details[keyMetadataURL] = p.SAML.MetadataURL
		} else {
			details[keyMetadataFile] = p.SAML.MetadataXML
		}
	}
	return details
}

// attributeMapping returns the AttributeMapping ({pool attribute: provider
// attribute}) to send for p, keeping stored mappings of pool attributes
// Gatepass does not manage.
func attributeMapping(p sso.Provider, stored map[string]string) map[string]string {
	mapping := maps.Clone(stored)
	if mapping == nil {
		mapping = map[string]string{}
	}
	for _, pool := range attributePool() {
		delete(mapping, pool)
	}
	for key, pool := range attributePool() {
		if v := p.Attributes[key]; v != "" {
			mapping[pool] = v
		}
	}
	if p.Type == sso.TypeOIDC {
		// OpenID Connect Core §5.1: email_verified describes the email
		// claim, so it is mapped only when email comes from that claim.
		delete(mapping, emailVerified)
		if p.Attributes["email"] == "email" {
			mapping[emailVerified] = emailVerified
		}
	}
	return mapping
}

// gatepassAttributes inverts a stored AttributeMapping into Gatepass's keys.
func gatepassAttributes(mapping map[string]string) map[string]string {
	attrs := map[string]string{}
	for key, pool := range attributePool() {
		if v := mapping[pool]; v != "" {
			attrs[key] = v
		}
	}
	return attrs
}

func gatepassType(t types.IdentityProviderTypeType) (string, bool) {
	switch t {
	case types.IdentityProviderTypeTypeOidc:
		return sso.TypeOIDC, true
	case types.IdentityProviderTypeTypeSaml:
		return sso.TypeSAML, true
	}
	return "", false
}

func cognitoType(t string) types.IdentityProviderTypeType {
	if t == sso.TypeSAML {
		return types.IdentityProviderTypeTypeSaml
	}
	return types.IdentityProviderTypeTypeOidc
}
