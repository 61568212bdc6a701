// Package cognitosso connects a Lambda function to the tenant's Cognito user
// pool, the SSO federation broker: the identity-provider directory for the
// functions that list or manage providers (login, admin), and the OIDC
// client of the sso function. Only those functions import it.
package cognitosso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/sso"
	"github.com/gatepass/gatepass/shared/sso/cognito"
)

// Environment of the functions that use the pool (set by the CDK stack).
const (
	EnvUserPoolID = "GATEPASS_COGNITO_USER_POOL_ID"
	EnvClientID   = "GATEPASS_COGNITO_CLIENT_ID"
)

// Directory is a lambdarun.Configure that sets d.SSO.Directory to the pool's
// identity providers. Without a pool in the environment the deployment has
// no SSO and d.SSO stays zero.
func Directory(_ context.Context, cfg aws.Config, d *app.Deps) error {
	pool, client, ok, err := env()
	if !ok || err != nil {
		return err
	}
	d.SSO.Directory = cognito.New(cip.NewFromConfig(cfg), pool, client)
	return nil
}

// Broker is a lambdarun.Configure for the sso function: the directory, and
// the OIDC client of the pool's hosted endpoints. The app client's secret is
// read once per cold start with DescribeUserPoolClient, so it exists in no
// environment variable or template.
func Broker(ctx context.Context, cfg aws.Config, d *app.Deps) error {
	pool, client, ok, err := env()
	if !ok || err != nil {
		return err
	}
	api := cip.NewFromConfig(cfg)
	out, err := api.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: &pool, ClientId: &client})
	if err != nil {
		return fmt.Errorf("cognito app client: %w", err)
	}
	if out.UserPoolClient == nil || aws.ToString(out.UserPoolClient.ClientSecret) == "" {
		return errors.New("cognito app client: it has no secret")
	}
	d.SSO.Directory = cognito.New(api, pool, client)
	d.SSO.Broker = sso.NewOIDCBroker(sso.OIDCBrokerConfig{
		Issuer:       Issuer(cfg.Region, pool),
		ClientID:     client,
		ClientSecret: aws.ToString(out.UserPoolClient.ClientSecret),
		HTTPClient:   &http.Client{Timeout: 5 * time.Second},
		Clock:        d.Clock,
	})
	return nil
}

// Issuer is the OIDC issuer of a Cognito user pool; its discovery document
// names the pool domain's hosted authorize and token endpoints.
func Issuer(region, pool string) string {
	return "https://cognito-idp." + region + ".amazonaws.com/" + pool
}

func env() (pool, client string, ok bool, err error) {
	pool, client = os.Getenv(EnvUserPoolID), os.Getenv(EnvClientID)
	switch {
	case pool == "" && client == "":
		return "", "", false, nil
	case pool == "" || client == "":
		return "", "", false, fmt.Errorf("%s and %s must be set together", EnvUserPoolID, EnvClientID)
	}
	return pool, client, true, nil
}
