package lambdarun

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/origin/awssecret"
)

// originValue is the origin secret the fake Secrets Manager holds.
const originValue = "origin-secret-0123456789-abcdefghijklmnop"

// fakeSecrets is a Secrets Manager holding one secret with the values of
// stages (staging label → value); a stage not in it is not found, a stage
// in errs fails with its error.
type fakeSecrets struct {
	stages map[string]string
	errs   map[string]error
	mu     sync.Mutex
	calls  []string
}

func (f *fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	stage := aws.ToString(in.VersionStage)
	f.mu.Lock()
	f.calls = append(f.calls, aws.ToString(in.SecretId)+"@"+stage)
	f.mu.Unlock()
	if err := f.errs[stage]; err != nil {
		return nil, err
	}
	v, ok := f.stages[stage]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret value for staging label")}
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(v)}, nil
}

func (f *fakeSecrets) client(aws.Config) awssecret.GetSecretValueAPI { return f }

func lambdaEnv(t *testing.T) {
	t.Setenv(EnvOriginSecret, "arn:aws:secretsmanager:eu-central-1:123456789012:secret:gatepass-acme-origin")
	t.Setenv(EnvTable, "gatepass-acme")
	t.Setenv(EnvTenant, "acme")
	t.Setenv(EnvPublicURL, "https://backoffice.example.com")
	t.Setenv("AWS_REGION", "eu-central-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
}

// The cold start of a non-HTTP function: the same env and dependencies as
// the HTTP ones, without a hasher, and the handler its builder makes.
func TestColdStartOfTheAuthorizer(t *testing.T) {
	lambdaEnv(t)
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	var got app.Deps
	h, err := handler(context.Background(), "authorizer", func(d app.Deps) (any, error) {
		got = d
		return app.AuthorizerHandler(d)
	}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := h.(func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error)); !ok {
		t.Fatalf("handler is a %T", h)
	}
	if got.Hasher != nil || got.Origin != nil || got.Store == nil || got.Clock == nil || !got.Secure() || got.Tenant != "acme" {
		t.Fatalf("deps = %+v", got)
	}
	if _, err := handler(context.Background(), "nope", app.AuthorizerHandler, logger, nil); err == nil {
		t.Fatal("a function outside the route table started")
	}
}

// HTTP functions still get their argon2id hasher and their origin check
// before their own configuration runs, and the v2 adapter. The origin
// secret is read once per stage at cold start; the function then refuses a
// request without it, before any store access (this one's store is
// DynamoDB in AWS, which a test cannot reach).
func TestColdStartOfAnHTTPFunction(t *testing.T) {
	lambdaEnv(t)
	sm := &fakeSecrets{stages: map[string]string{"AWSCURRENT": originValue}}
	var hashed, checked bool
	build, configure := httpFunction("views", app.ViewsHandlers, sm.client, []Configure{func(_ context.Context, _ aws.Config, d *app.Deps) error {
		hashed, checked = d.Hasher != nil, d.Origin != nil
		return nil
	}})
	h, err := handler(context.Background(), "views", build, slog.New(slog.NewJSONHandler(io.Discard, nil)), configure)
	if err != nil || !hashed || !checked {
		t.Fatalf("err %v, hasher set %v, origin check set %v", err, hashed, checked)
	}
	arn := os.Getenv(EnvOriginSecret)
	slices.Sort(sm.calls)
	if want := []string{arn + "@AWSCURRENT", arn + "@AWSPREVIOUS"}; !slices.Equal(sm.calls, want) {
		t.Fatalf("Secrets Manager calls %q, want %q", sm.calls, want)
	}
	invoke, ok := h.(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
	if !ok {
		t.Fatalf("handler is a %T", h)
	}
	res, err := invoke(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/api/views",
		Headers: map[string]string{"x-gatepass-origin": "not the secret", "cloudfront-viewer-address": "198.51.100.1:1234"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
			Method: "GET", Path: "/api/views", SourceIP: "192.0.2.1"}}})
	if err != nil || res.StatusCode != 403 || !strings.Contains(res.Body, `"code":"forbidden"`) {
		t.Fatalf("unverified request: %v %d %s", err, res.StatusCode, res.Body)
	}
}

// Fail closed: an HTTP function whose origin secret cannot be read, or is
// not a usable value, does not start.
func TestColdStartFailsWithoutTheOriginSecret(t *testing.T) {
	tests := []struct {
		name    string
		unset   bool
		secrets *fakeSecrets
		want    string
	}{
		{"no env var", true, &fakeSecrets{stages: map[string]string{"AWSCURRENT": originValue}}, EnvOriginSecret + " must be set"},
		{"access denied", false, &fakeSecrets{errs: map[string]error{"AWSCURRENT": errors.New("AccessDeniedException"),
			"AWSPREVIOUS": errors.New("AccessDeniedException")}}, "AccessDeniedException"},
		{"no current version", false, &fakeSecrets{stages: map[string]string{}}, "ResourceNotFoundException"},
		{"too short", false, &fakeSecrets{stages: map[string]string{"AWSCURRENT": "short"}}, "shorter than"},
		{"previous throttled", false, &fakeSecrets{stages: map[string]string{"AWSCURRENT": originValue},
			errs: map[string]error{"AWSPREVIOUS": errors.New("ThrottlingException")}}, "ThrottlingException"},
		{"never rotated", false, &fakeSecrets{stages: map[string]string{"AWSCURRENT": originValue}}, ""},
		{"rotated", false, &fakeSecrets{stages: map[string]string{"AWSCURRENT": originValue, "AWSPREVIOUS": originValue + "-old"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lambdaEnv(t)
			if tt.unset {
				t.Setenv(EnvOriginSecret, "")
			}
			build, configure := httpFunction("views", app.ViewsHandlers, tt.secrets.client, nil)
			_, err := handler(context.Background(), "views", build, slog.New(slog.NewJSONHandler(io.Discard, nil)), configure)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("cold start failed: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), `"short"`) || strings.Contains(err.Error(), originValue) {
				t.Fatalf("the error holds the secret: %v", err)
			}
		})
	}
}
