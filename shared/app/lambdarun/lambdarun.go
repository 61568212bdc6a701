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
	"github.com/aws/aws-sdk-go-v2/config"
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

// Start runs the named function until the Lambda runtime stops it. It never
// returns; a configuration error is logged and exits, failing the cold start.
func Start(name string, build app.Builder) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With(slog.String("function", name))
	h, err := handler(context.Background(), name, build, logger)
	if err != nil {
		logger.Error("cold start failed", slog.Any("error", err))
		os.Exit(1)
	}
	lambda.Start(h)
}

func handler(ctx context.Context, name string, build app.Builder, logger *slog.Logger) (any, error) {
	deps, err := depsFromEnv(ctx, logger)
	if err != nil {
		return nil, err
	}
	h, err := app.Handler(name, build, deps)
	if err != nil {
		return nil, err
	}
	return apigw.Handler(h), nil
}

func depsFromEnv(ctx context.Context, logger *slog.Logger) (app.Deps, error) {
	table, tenant, public := os.Getenv(EnvTable), os.Getenv(EnvTenant), os.Getenv(EnvPublicURL)
	if table == "" || tenant == "" || public == "" {
		return app.Deps{}, fmt.Errorf("%s, %s and %s must be set", EnvTable, EnvTenant, EnvPublicURL)
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return app.Deps{}, fmt.Errorf("aws config: %w", err)
	}
	clk := clock.System{}
	return app.Deps{
		Tenant:    tenant,
		PublicURL: public,
		Store:     dynamo.New(dynamodb.NewFromConfig(awsCfg), table, clk),
		Clock:     clk,
		Hasher:    password.NewArgon2id(password.OWASP()),
		Logger:    logger,
	}, nil
}
