package dynamolocal_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/internal/emulator"
)

// TestStartStop starts a private server (this package has no TestMain), lists
// its tables through Client and checks that Stop really ends the process.
// Process management itself is tested in package emulator.
func TestStartStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	local := dynamolocal.StartShared(ctx)
	defer func() { _ = local.Stop() }() // checked below when the server runs
	srv := local.Require(t)

	client, err := srv.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("ListTables: %v\n%s", err, srv.Output())
	}
	checkAttachedAreIsolated(ctx, t, srv)
	if err := local.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.Endpoint(), nil)
	if resp, err := (&http.Client{Timeout: time.Second}).Do(req); err == nil {
		_ = resp.Body.Close()
		t.Fatal("DynamoDB Local still answers after Stop")
	}
}

// checkAttachedAreIsolated attaches twice to srv, as two test packages of
// one make test run do: a table one creates is invisible to the other and to
// srv's own clients, and the attached Stop leaves srv running.
func checkAttachedAreIsolated(ctx context.Context, t *testing.T, srv *dynamolocal.Server) {
	t.Helper()
	a, err := dynamolocal.Attach(ctx, srv.Endpoint())
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	b, err := dynamolocal.Attach(ctx, srv.Endpoint()+"/")
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	if a.AccessKeyID() == b.AccessKeyID() || a.AccessKeyID() == srv.AccessKeyID() {
		t.Fatalf("access keys %q, %q, %q are not distinct", a.AccessKeyID(), b.AccessKeyID(), srv.AccessKeyID())
	}
	ca, _ := a.Client(ctx)
	if _, err := ca.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("only_a"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatalf("CreateTable through an attached server: %v", err)
	}
	for _, tc := range []struct {
		name   string
		server *dynamolocal.Server
		want   int
	}{{"first attached", a, 1}, {"second attached", b, 0}, {"owner", srv, 0}} {
		c, _ := tc.server.Client(ctx)
		out, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
		if err != nil || len(out.TableNames) != tc.want {
			t.Fatalf("%s: ListTables = %v, %v; want %d tables", tc.name, out, err, tc.want)
		}
	}
	if err := a.Stop(); err != nil {
		t.Fatalf("attached Stop: %v", err)
	}
	if _, err := ca.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("the attached Stop stopped DynamoDB Local: %v", err)
	}
}

func TestClientRejectsEmptyEndpoint(t *testing.T) {
	if _, err := dynamolocal.Client(context.Background(), ""); err == nil {
		t.Fatal("Client(\"\") succeeded")
	}
}

func TestStartWithoutJarIsNotInstalled(t *testing.T) {
	emulator.ChdirToEmptyRepo(t)
	_, err := dynamolocal.Start(t.Context())
	if !errors.Is(err, dynamolocal.ErrNotInstalled) || !errors.Is(err, emulator.ErrNotInstalled) ||
		!strings.Contains(err.Error(), "npm ci --prefix infra/emulators") {
		t.Fatalf("Start = %v, want ErrNotInstalled with the install hint", err)
	}
}
