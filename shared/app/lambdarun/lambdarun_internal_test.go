package lambdarun

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gatepass/gatepass/shared/app"
)

func lambdaEnv(t *testing.T) {
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
	if got.Hasher != nil || got.Store == nil || got.Clock == nil || !got.Secure() || got.Tenant != "acme" {
		t.Fatalf("deps = %+v", got)
	}
	if _, err := handler(context.Background(), "nope", app.AuthorizerHandler, logger, nil); err == nil {
		t.Fatal("a function outside the route table started")
	}
}

// HTTP functions still get their argon2id hasher before their own
// configuration runs, and the v2 adapter.
func TestColdStartOfAnHTTPFunction(t *testing.T) {
	lambdaEnv(t)
	var hashed bool
	build, configure := httpFunction("views", app.ViewsHandlers, []Configure{func(_ context.Context, _ aws.Config, d *app.Deps) error {
		hashed = d.Hasher != nil
		return nil
	}})
	h, err := handler(context.Background(), "views", build, slog.New(slog.NewJSONHandler(io.Discard, nil)), configure)
	if err != nil || !hashed {
		t.Fatalf("err %v, hasher set %v", err, hashed)
	}
	if _, ok := h.(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)); !ok {
		t.Fatalf("handler is a %T", h)
	}
}
