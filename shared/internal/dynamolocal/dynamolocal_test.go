package dynamolocal_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

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
	if err := local.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.Endpoint(), nil)
	if resp, err := (&http.Client{Timeout: time.Second}).Do(req); err == nil {
		_ = resp.Body.Close()
		t.Fatal("DynamoDB Local still answers after Stop")
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
