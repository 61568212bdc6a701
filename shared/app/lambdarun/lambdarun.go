// Package lambdarun starts one Gatepass function in AWS Lambda: it reads the
// function's configuration from the environment, builds the SDK clients and
// dependencies once per cold start, and hands the API Gateway v2 adapter to
// the Lambda runtime.
package lambdarun

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatepass/gatepass/shared/apigw"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/store/dynamo"
)

// Environment variables every function reads.
const (
	EnvTable     = "GATEPASS_TABLE"
	EnvTenant    = "GATEPASS_TENANT"
	EnvPublicURL = "GATEPASS_PUBLIC_URL"
)

// Configure adds a function's extra adapters (a mailer, for instance) to its
// dependencies at cold start. Only the mains that need an adapter import its
// package, which keeps the other binaries small.
type Configure func(ctx context.Context, cfg aws.Config, d *app.Deps) error

// Start runs the named function until the Lambda runtime stops it. It never
// returns; a configuration error is logged and exits, failing the cold start.
func Start(name string, build app.Builder, configure ...Configure) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With(slog.String("function", name))
	h, err := handler(context.Background(), name, build, logger, configure)
	if err != nil {
		logger.Error("cold start failed", slog.Any("error", err))
		os.Exit(1)
	}
	lambda.Start(h)
}

func handler(ctx context.Context, name string, build app.Builder, logger *slog.Logger, configure []Configure) (any, error) {
	deps, awsCfg, err := depsFromEnv(ctx, logger)
	if err != nil {
		return nil, err
	}
	for _, c := range configure {
		if err := c(ctx, awsCfg, &deps); err != nil {
			return nil, err
		}
	}
	h, err := app.Handler(name, build, deps)
	if err != nil {
		return nil, err
	}
	return apigw.Handler(h), nil
}

// awsConfigFromEnv builds the SDK configuration the way Lambda provides it:
// region and the execution role's credentials in environment variables.
// That is all the SDK's default chain would find in Lambda, and leaving the
// chain (SSO, STS, IMDS, shared files) out keeps every binary several MB
// smaller and its cold start shorter.
func awsConfigFromEnv() (aws.Config, error) {
	region := os.Getenv("AWS_REGION")
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if region == "" || id == "" || secret == "" {
		return aws.Config{}, fmt.Errorf("aws config: AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them)")
	}
	return aws.Config{
		Region: region,
		Credentials: aws.NewCredentialsCache(
			credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN"))),
	}, nil
}

func depsFromEnv(ctx context.Context, logger *slog.Logger) (app.Deps, aws.Config, error) {
	table, tenant, public := os.Getenv(EnvTable), os.Getenv(EnvTenant), os.Getenv(EnvPublicURL)
	if table == "" || tenant == "" || public == "" {
		return app.Deps{}, aws.Config{}, fmt.Errorf("%s, %s and %s must be set", EnvTable, EnvTenant, EnvPublicURL)
	}
	awsCfg, err := awsConfigFromEnv()
	if err != nil {
		return app.Deps{}, aws.Config{}, err
	}
	clk := clock.System{}
	return app.Deps{
		Tenant:    tenant,
		PublicURL: public,
		Store:     dynamo.New(dynamodb.NewFromConfig(awsCfg), table, clk),
		Clock:     clk,
		Hasher:    password.NewArgon2id(password.OWASP()),
		Logger:    logger,
	}, awsCfg, nil
}
