// Package secretkey gives a Lambda function the key that seals TOTP
// secrets, read once per cold start from Secrets Manager. Only the functions
// that check or set a second factor import it.
package secretkey

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/secretbox"
	"github.com/gatepass/gatepass/shared/secretbox/awskey"
)

// EnvSecretID names the Secrets Manager secret holding the key.
const EnvSecretID = "GATEPASS_KEY_SECRET"

// Configure is a lambdarun.Configure that sets d.Secrets.
func Configure(ctx context.Context, cfg aws.Config, d *app.Deps) error {
	id := os.Getenv(EnvSecretID)
	if id == "" {
		return fmt.Errorf("%s must be set", EnvSecretID)
	}
	key, err := awskey.Fetch(ctx, secretsmanager.NewFromConfig(cfg), id)
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	box, err := secretbox.New(key)
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	d.Secrets = box
	return nil
}
