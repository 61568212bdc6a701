package cognito

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// describeClient returns the app client. Its ClientSecret (the app client's
// own secret) must not leave the package.
func (d *Directory) describeClient(ctx context.Context) (*types.UserPoolClientType, error) {
	out, err := d.api.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
		UserPoolId: aws.String(d.userPoolID),
		ClientId:   aws.String(d.appClientID),
	})
	if err != nil {
		return nil, fmt.Errorf("cognito: describe app client: %w", err)
	}
	if out.UserPoolClient == nil {
		return nil, fmt.Errorf("cognito: describe app client: empty response")
	}
	return out.UserPoolClient, nil
}

// setClientProvider adds id to the app client's SupportedIdentityProviders
// (enable) or removes it, and leaves the client alone when there is nothing
// to change.
//
// UpdateUserPoolClient resets every setting the request leaves out to its
// default (callback URLs, OAuth flows and scopes, token validities…), so the
// request carries every setting DescribeUserPoolClient returned; see
// clientUpdate.
func (d *Directory) setClientProvider(ctx context.Context, id string, enable bool) error {
	client, err := d.describeClient(ctx)
	if err != nil {
		return err
	}
	if slices.Contains(client.SupportedIdentityProviders, id) == enable {
		return nil
	}
	providers := slices.DeleteFunc(slices.Clone(client.SupportedIdentityProviders), func(p string) bool { return p == id })
	if enable {
		providers = append(providers, id)
	}
	if providers == nil {
		providers = []string{} // sent as [], not left out
	}
	in := clientUpdate(client)
	in.UserPoolId = aws.String(d.userPoolID)
	in.ClientId = aws.String(d.appClientID)
	in.SupportedIdentityProviders = providers
	if _, err := d.api.UpdateUserPoolClient(ctx, in); err != nil {
		action := "disable"
		if enable {
			action = "enable"
		}
		return fmt.Errorf("cognito: %s identity provider %q for the app client: %w", action, id, err)
	}
	return nil
}

// clientUpdate returns an UpdateUserPoolClient request that sets every
// setting of c as it is. Left out are the fields that are not settings:
// ClientSecret, CreationDate, LastModifiedDate, and the ids, which the caller
// sets. A test compares the fields of a described client with those the
// update sends, and fails when a new SDK version adds a setting this
// function does not copy.
func clientUpdate(c *types.UserPoolClientType) *cip.UpdateUserPoolClientInput {
	return &cip.UpdateUserPoolClientInput{
		AccessTokenValidity:                      c.AccessTokenValidity,
		AllowedOAuthFlows:                        c.AllowedOAuthFlows,
		AllowedOAuthFlowsUserPoolClient:          aws.ToBool(c.AllowedOAuthFlowsUserPoolClient),
		AllowedOAuthScopes:                       c.AllowedOAuthScopes,
		AnalyticsConfiguration:                   c.AnalyticsConfiguration,
		AuthSessionValidity:                      c.AuthSessionValidity,
		CallbackURLs:                             c.CallbackURLs,
		ClientName:                               c.ClientName,
		DefaultRedirectURI:                       c.DefaultRedirectURI,
		EnablePropagateAdditionalUserContextData: c.EnablePropagateAdditionalUserContextData,
		EnableTokenRevocation:                    c.EnableTokenRevocation,
		ExplicitAuthFlows:                        c.ExplicitAuthFlows,
		IdTokenValidity:                          c.IdTokenValidity,
		LogoutURLs:                               c.LogoutURLs,
		PreventUserExistenceErrors:               c.PreventUserExistenceErrors,
		ReadAttributes:                           c.ReadAttributes,
		RefreshTokenRotation:                     c.RefreshTokenRotation,
		RefreshTokenValidity:                     c.RefreshTokenValidity,
		SupportedIdentityProviders:               c.SupportedIdentityProviders,
		TokenValidityUnits:                       c.TokenValidityUnits,
		WriteAttributes:                          c.WriteAttributes,
	}
}
