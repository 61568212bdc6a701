// Package lambdarun starts one Gatepass function in AWS Lambda: it reads the
// function's configuration from the environment, builds the SDK clients and
// dependencies once per cold start, and hands the function's handler to the
// Lambda runtime — the API Gateway v2 adapter for HTTP functions (Start),
// any other handler for the rest (StartWith).
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
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/gatepass/gatepass/shared/apigw"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/breached"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/origin"
	"github.com/gatepass/gatepass/shared/origin/awssecret"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/routes"
	"github.com/gatepass/gatepass/shared/store/dynamo"
)

// Environment variables every function reads.
const (
	EnvTable     = "GATEPASS_TABLE"
	EnvTenant    = "GATEPASS_TENANT"
	EnvPublicURL = "GATEPASS_PUBLIC_URL"
)

// EnvBreachedURL overrides the base URL of the breached-password range
// query (passwordPolicy.blockBreached); DefaultBreachedURL without it.
const EnvBreachedURL = "GATEPASS_BREACHED_PASSWORDS_URL"

// DefaultBreachedURL is the public k-anonymity range API of Have I Been
// Pwned's Pwned Passwords: only the first five hex characters of a
// password's SHA-1 are ever sent.
const DefaultBreachedURL = "https://api.pwnedpasswords.com/range/"

// EnvAliasKVS is the ARN of the CloudFront KeyValueStore the edge reads the
// admin alias from: read by the admin function's aliaskvs.Configure, which
// writes it. It is declared here, away from the KeyValueStore client, so
// that the CDK stack can name it without linking that client.
const EnvAliasKVS = "GATEPASS_ALIAS_KVS_ARN"

// EnvOriginSecret is the ARN (or name) of the Secrets Manager secret that
// holds the origin-verification secret CloudFront sends as origin.Header.
// Every HTTP function (Start) reads its AWSCURRENT and AWSPREVIOUS versions
// at cold start and fails the cold start when it cannot; a warm function
// reads it again after a refusal, at most once per origin.RefreshInterval.
// The authorizer and the custom resources (StartWith) never read it.
const EnvOriginSecret = "GATEPASS_ORIGIN_SECRET_ARN"

// Configure adds a function's extra adapters (a mailer, for instance) to its
// dependencies at cold start. Only the mains that need an adapter import its
// package, which keeps the other binaries small.
type Configure func(ctx context.Context, cfg aws.Config, d *app.Deps) error

// Build makes, from a function's dependencies, the handler lambda.Start
// receives: a function of one of the shapes package lambda accepts.
type Build func(app.Deps) (any, error)

// Start runs the named HTTP function until the Lambda runtime stops it: its
// routes' handlers from build, with an argon2id hasher and the origin check
// (EnvOriginSecret), behind the API Gateway v2 adapter. It never returns; a
// configuration error is logged and exits, failing the cold start.
func Start(name string, build app.Builder, configure ...Configure) {
	b, c := httpFunction(name, build, secretsManager, configure)
	StartWith(name, b, c...)
}

// secretsManager is the Secrets Manager client of the origin check.
func secretsManager(cfg aws.Config) awssecret.GetSecretValueAPI {
	return secretsmanager.NewFromConfig(cfg)
}

// httpFunction is what Start hands StartWith: the function's handler behind
// the v2 adapter, and its configuration after the hasher's and the origin
// check's, whose secret it reads through the client secrets makes.
func httpFunction(name string, build app.Builder, secrets func(aws.Config) awssecret.GetSecretValueAPI,
	configure []Configure) (Build, []Configure) {
	return func(d app.Deps) (any, error) {
		h, err := app.Handler(name, build, d)
		if err != nil {
			return nil, err
		}
		return apigw.Handler(h), nil
	}, append([]Configure{argon2id, breachedPasswords, originCheck(secrets)}, configure...)
}

// originCheck gives an HTTP function its origin.Verifier, over the secret
// EnvOriginSecret names. No secret, no function: the cold start fails
// rather than serve requests it cannot verify.
func originCheck(secrets func(aws.Config) awssecret.GetSecretValueAPI) Configure {
	return func(ctx context.Context, cfg aws.Config, d *app.Deps) error {
		id := os.Getenv(EnvOriginSecret)
		if id == "" {
			return fmt.Errorf("%s must be set", EnvOriginSecret)
		}
		v, err := origin.NewVerifier(ctx, origin.Config{Source: awssecret.Source{API: secrets(cfg), SecretID: id},
			Clock: d.Clock, Logger: d.Logger, Tenant: d.Tenant})
		if err != nil {
			return fmt.Errorf("origin secret: %w", err)
		}
		d.Origin = v
		return nil
	}
}

// StartWith runs the named function with the handler build makes, for
// functions that are not behind HTTP API routes (the authorizer). Its
// dependencies have no Hasher unless a Configure sets one, so that a
// function that never hashes does not link argon2id. Like Start it never
// returns.
func StartWith(name string, build Build, configure ...Configure) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With(slog.String("function", name))
	h, err := handler(context.Background(), name, build, logger, configure)
	if err != nil {
		logger.Error("cold start failed", slog.Any("error", err))
		os.Exit(1)
	}
	lambda.Start(h)
}

func handler(ctx context.Context, name string, build Build, logger *slog.Logger, configure []Configure) (any, error) {
	if _, ok := routes.Lookup(name); !ok {
		return nil, fmt.Errorf("no function %q in the route table", name)
	}
	deps, awsCfg, err := depsFromEnv(ctx, logger)
	if err != nil {
		return nil, err
	}
	for _, c := range configure {
		if err := c(ctx, awsCfg, &deps); err != nil {
			return nil, err
		}
	}
	return build(deps)
}

// argon2id gives an HTTP function the password hasher, with the OWASP
// parameters.
func argon2id(_ context.Context, _ aws.Config, d *app.Deps) error {
	d.Hasher = password.NewArgon2id(password.OWASP())
	return nil
}

// breachedPasswords gives an HTTP function the breached-password client the
// password rules ask when a tenant turns blockBreached on. It only ever
// makes a request then, so building it costs nothing measurable.
func breachedPasswords(_ context.Context, _ aws.Config, d *app.Deps) error {
	base := os.Getenv(EnvBreachedURL)
	if base == "" {
		base = DefaultBreachedURL
	}
	c, err := breached.New(breached.Config{BaseURL: base, Clock: d.Clock, Logger: d.Logger, Tenant: d.Tenant})
	if err != nil {
		return fmt.Errorf("%s: %w", EnvBreachedURL, err)
	}
	d.Breached = c
	return nil
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
		Logger:    logger,
	}, awsCfg, nil
}
