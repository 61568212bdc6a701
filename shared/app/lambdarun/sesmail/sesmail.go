// Package sesmail gives a Lambda function its SES v2 mailer, configured from
// the environment. Only the functions that send mail import it.
package sesmail

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/mail/ses"
)

// Environment variables of the mailer.
const (
	EnvFrom             = "GATEPASS_MAIL_FROM"
	EnvConfigurationSet = "GATEPASS_SES_CONFIGURATION_SET"
	// EnvEndpoint replaces SES's regional endpoint (an emulator's URL, as
	// the end-to-end tests against aws-ses-v2-local set it); unset in AWS.
	EnvEndpoint = "GATEPASS_SES_ENDPOINT"
)

// Configure is a lambdarun.Configure that sets d.Mailer to SES v2.
func Configure(_ context.Context, cfg aws.Config, d *app.Deps) error {
	from := os.Getenv(EnvFrom)
	if from == "" {
		return fmt.Errorf("%s must be set", EnvFrom)
	}
	d.Mailer = ses.New(ses.NewClient(cfg, os.Getenv(EnvEndpoint)), from, os.Getenv(EnvConfigurationSet), d.Tenant)
	return nil
}
