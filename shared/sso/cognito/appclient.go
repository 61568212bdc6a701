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
	action := "disable"
	if enable {
		action = "enable"
	}
	return d.updateClientProviders(ctx, fmt.Sprintf("%s identity provider %q", action, id), func(current []string) []string {
		providers := slices.DeleteFunc(slices.Clone(current), func(p string) bool { return p == id })
		if enable {
			providers = append(providers, id)
		}
		return providers
	})
}

// updateClientProviders sets the app client's SupportedIdentityProviders to
// what change makes of the current ones, and leaves the client alone when
// that changes nothing (the same names, in any order). what names the
// change in errors.
func (d *Directory) updateClientProviders(ctx context.Context, what string, change func(current []string) []string) error {
	client, err := d.describeClient(ctx)
	if err != nil {
		return err
	}
	providers := change(client.SupportedIdentityProviders)
	if sameNames(providers, client.SupportedIdentityProviders) {
		return nil
	}
	if providers == nil {
		providers = []string{} // sent as [], not left out
	}
	in := clientUpdate(client)
	in.UserPoolId = aws.String(d.userPoolID)
	in.ClientId = aws.String(d.appClientID)
	in.SupportedIdentityProviders = providers
	if _, err := d.api.UpdateUserPoolClient(ctx, in); err != nil {
		return fmt.Errorf("cognito: %s for the app client: %w", what, err)
	}
	return nil
}

func sameNames(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(x string) bool { return !slices.Contains(b, x) })
}

// EnableAll lets the app client use every provider of ids that the pool
// holds, in one update, and returns those; ids the pool does not hold are
// passed over. A deploy that updates the app client resets its
// SupportedIdentityProviders (CloudFormation owns the property), and this
// puts back the providers saved through the admin API
// (sso.ProviderResyncer).
func (d *Directory) EnableAll(ctx context.Context, ids []string) ([]string, error) {
	held := map[string]bool{}
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
			if _, ok := gatepassType(p.ProviderType); ok {
				held[aws.ToString(p.ProviderName)] = true
			}
		}
	}
	var enable []string
	for _, id := range ids {
		if held[id] && !slices.Contains(enable, id) {
			enable = append(enable, id)
		}
	}
	slices.Sort(enable)
	err := d.updateClientProviders(ctx, fmt.Sprintf("enable %d saved identity providers", len(enable)), func(current []string) []string {
		out := slices.Clone(current)
		for _, id := range enable {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		return out
	})
	if err != nil {
		return nil, err
	}
	return enable, nil
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
