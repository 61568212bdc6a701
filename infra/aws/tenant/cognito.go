package tenant

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"
)

// Environment variables naming the tenant's Cognito user pool, its app
// client and its hosted domain (https://<prefix>.auth.<region>.amazoncognito.com).
// The app client's secret is deliberately not among them: the sso function
// (7/8) reads it through the Cognito API.
const (
	EnvCognitoUserPoolID = "GATEPASS_COGNITO_USER_POOL_ID"
	EnvCognitoClientID   = "GATEPASS_COGNITO_CLIENT_ID"
	EnvCognitoDomain     = "GATEPASS_COGNITO_DOMAIN"
)

// CognitoActions maps the functions that use the user pool to the Cognito
// actions their role may take, on the tenant's pool only; they also get the
// Cognito environment variables. login lists the providers for GET
// /api/auth/config, sso lists them and reads the app client's secret at
// cold start, admin manages the providers and the app client's list of
// them.
var CognitoActions = map[string][]string{
	"login": {"cognito-idp:DescribeUserPoolClient", "cognito-idp:ListIdentityProviders"},
	"sso":   {"cognito-idp:DescribeUserPoolClient", "cognito-idp:ListIdentityProviders"},
	"admin": {
		"cognito-idp:CreateIdentityProvider", "cognito-idp:DeleteIdentityProvider",
		"cognito-idp:DescribeIdentityProvider", "cognito-idp:DescribeUserPoolClient",
		"cognito-idp:ListIdentityProviders", "cognito-idp:UpdateIdentityProvider",
		"cognito-idp:UpdateUserPoolClient",
	},
	// The SSO sync custom resource: the saved providers back on the app
	// client after a deploy (app.SSOSyncer).
	"bootstrap": {
		"cognito-idp:DescribeUserPoolClient", "cognito-idp:ListIdentityProviders", "cognito-idp:UpdateUserPoolClient",
	},
}

// GroupsAttribute is the user pool's custom attribute that carries a
// federated user's identity-provider groups into the ID token
// ("custom:groups"), mapped per provider by the admin API.
const GroupsAttribute = "groups"

// SSOCallbackPath is the one redirect URI of the app client, under the
// tenant's public URL (API.md "GET /api/auth/sso/callback").
const SSOCallbackPath = "/api/auth/sso/callback"

// Token validity of the app client. Gatepass sessions are the truth: the
// Cognito tokens only carry the identity into the callback. Cognito's
// minimum refresh-token validity is 60 minutes; it cannot be switched off.
const (
	CognitoTokenMinutes        = 5
	CognitoRefreshTokenMinutes = 60
)

// cognitoReserved are words Cognito refuses in a domain prefix.
var cognitoReserved = []string{"aws", "amazon", "cognito"}

// CognitoDomainPrefix is the hosted domain's prefix: <tenant>-gatepass-
// followed by account, the account id (a CloudFormation token when the
// stack is environment-agnostic). Prefixes are unique per region across all
// accounts, and one account holds one stack per tenant, so the prefix is
// unique and deterministic; at most 32+10+12 = 54 characters.
func CognitoDomainPrefix(tenant, account string) string {
	return strings.ToLower(tenant) + "-gatepass-" + account
}

// checkCognitoTenant fails for a tenant Cognito would refuse in a domain
// prefix, before anything is defined (deploying would fail much later).
func checkCognitoTenant(tenant string) error {
	for _, w := range cognitoReserved {
		if strings.Contains(tenant, w) {
			return fmt.Errorf("context %s=%q: the Cognito domain prefix %q may not contain %q", CtxTenant, tenant, CognitoDomainPrefix(tenant, "<account>"), w)
		}
	}
	return nil
}

// cognitoConfig is what the functions in CognitoActions get.
type cognitoConfig struct {
	userPoolID, clientID, domain, poolArn *string
}

// env adds the Cognito variables to env.
func (c cognitoConfig) env(env map[string]*string) {
	env[EnvCognitoUserPoolID] = c.userPoolID
	env[EnvCognitoClientID] = c.clientID
	env[EnvCognitoDomain] = c.domain
}

// cognito: the user pool SSO federates through (7/8), its hosted domain and
// the confidential app client of the sso function. The pool is a broker
// only: nobody signs up or recovers an account in it, Gatepass does MFA,
// and the federated identity providers are added through the admin API.
func (s *Stack) cognito(cfg Config, publicURL string) cognitoConfig {
	var pool awscognito.IUserPool
	if cfg.UserPoolID != "" {
		// Adopted: a pool a destroyed stack retained, with its federated
		// users; the stack adds its own domain and app client.
		pool = awscognito.UserPool_FromUserPoolId(s.Stack, jsii.String("UserPool"), jsii.String(cfg.UserPoolID))
	} else {
		pool = s.newUserPool()
	}
	s.UserPool = pool
	domain := pool.AddDomain(jsii.String("UserPoolDomain"), &awscognito.UserPoolDomainOptions{
		CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: jsii.String(CognitoDomainPrefix(cfg.Tenant, *s.Stack.Account()))},
	})
	client := pool.AddClient(jsii.String("SsoClient"), &awscognito.UserPoolClientOptions{
		UserPoolClientName: jsii.String("gatepass-" + cfg.Tenant + "-sso"),
		GenerateSecret:     jsii.Bool(true),
		OAuth: &awscognito.OAuthSettings{
			Flows: &awscognito.OAuthFlows{
				AuthorizationCodeGrant: jsii.Bool(true),
				ImplicitCodeGrant:      jsii.Bool(false),
				ClientCredentials:      jsii.Bool(false),
			},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
			CallbackUrls: jsii.Strings(publicURL + SSOCallbackPath),
			LogoutUrls:   jsii.Strings(publicURL + "/"),
		},
		PreventUserExistenceErrors: jsii.Bool(true),
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		IdTokenValidity:            awscdk.Duration_Minutes(jsii.Number(CognitoTokenMinutes)),
		AccessTokenValidity:        awscdk.Duration_Minutes(jsii.Number(CognitoTokenMinutes)),
		RefreshTokenValidity:       awscdk.Duration_Minutes(jsii.Number(CognitoRefreshTokenMinutes)),
		EnableTokenRevocation:      jsii.Bool(true),
		// Federated users' attributes are written through the app client at
		// each sign-in: it must be allowed to write what the providers map.
		ReadAttributes: awscognito.NewClientAttributes().
			WithStandardAttributes(&awscognito.StandardAttributesMask{Email: jsii.Bool(true), EmailVerified: jsii.Bool(true), Fullname: jsii.Bool(true)}).
			WithCustomAttributes(jsii.String(GroupsAttribute)),
		WriteAttributes: awscognito.NewClientAttributes().
			WithStandardAttributes(&awscognito.StandardAttributesMask{Email: jsii.Bool(true), Fullname: jsii.Bool(true)}).
			WithCustomAttributes(jsii.String(GroupsAttribute)),
	})
	// No password, SRP or custom auth flows: only the hosted OAuth code
	// flow. CDK cannot express "none" (it omits the property, and Cognito
	// then enables SRP and custom auth), so name the one Cognito requires.
	client.Node().DefaultChild().(awscognito.CfnUserPoolClient).AddPropertyOverride(
		jsii.String("ExplicitAuthFlows"), []string{"ALLOW_REFRESH_TOKEN_AUTH"})
	s.UserPoolClient = client

	c := cognitoConfig{userPoolID: pool.UserPoolId(), clientID: client.UserPoolClientId(), domain: domain.BaseUrl(nil),
		poolArn: pool.UserPoolArn()}
	awscdk.NewCfnOutput(s.Stack, jsii.String("CognitoUserPoolId"), &awscdk.CfnOutputProps{Value: c.userPoolID, Description: jsii.String("The user pool SSO federates through")})
	awscdk.NewCfnOutput(s.Stack, jsii.String("CognitoClientId"), &awscdk.CfnOutputProps{Value: c.clientID, Description: jsii.String("The sso function's app client (its secret stays in Cognito)")})
	awscdk.NewCfnOutput(s.Stack, jsii.String("CognitoDomain"), &awscdk.CfnOutputProps{Value: c.domain, Description: jsii.String("The user pool's hosted domain")})
	return c
}

// newUserPool is a new user pool: a broker only — nobody signs up or
// recovers an account in it, Gatepass does MFA — retained with its users.
func (s *Stack) newUserPool() awscognito.UserPool {
	return awscognito.NewUserPool(s.Stack, jsii.String("UserPool"), &awscognito.UserPoolProps{
		SelfSignUpEnabled:   jsii.Bool(false),
		AccountRecovery:     awscognito.AccountRecovery_NONE,
		Mfa:                 awscognito.Mfa_OFF,
		FeaturePlan:         awscognito.FeaturePlan_LITE, // no threat protection (advanced security): it costs per MAU
		DeletionProtection:  jsii.Bool(true),
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
		SignInCaseSensitive: jsii.Bool(false),
		CustomAttributes: &map[string]awscognito.ICustomAttribute{
			GroupsAttribute: awscognito.NewStringAttribute(&awscognito.StringAttributeProps{
				MinLen: jsii.Number(0), MaxLen: jsii.Number(2048), Mutable: jsii.Bool(true)}),
		},
	})
}
