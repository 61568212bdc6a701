package dynamolocal_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
)

// TestStartStop starts a private server (this package has no TestMain), lists
// its tables through Client and checks that Stop really ends the process.
func TestStartStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	start := time.Now()
	srv, err := dynamolocal.Start(ctx)
	if errors.Is(err, dynamolocal.ErrNotInstalled) && !dynamolocal.InCI() {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("DynamoDB Local answered on %s after %v", srv.Endpoint(), time.Since(start).Round(time.Millisecond))
	stopped := false
	defer func() {
		if !stopped {
			_ = srv.Stop()
		}
	}()

	client, err := srv.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("ListTables: %v\n%s", err, srv.Output())
	}

	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	stopped = true
	if err := srv.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.Endpoint(), nil)
	if resp, err := (&http.Client{Timeout: time.Second}).Do(req); err == nil {
		_ = resp.Body.Close()
		t.Fatalf("server still answers after Stop")
	}
}

func TestClientRejectsEmptyEndpoint(t *testing.T) {
	if _, err := dynamolocal.Client(context.Background(), ""); err == nil {
		t.Fatal("Client(\"\") succeeded")
	}
}

func TestStartWithoutJarIsNotInstalled(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	if root, err := dynamolocal.RepoRoot(); err != nil || root != dir {
		t.Fatalf("RepoRoot = %q, %v; want %q", root, err, dir)
	}
	_, err := dynamolocal.Start(t.Context())
	if !errors.Is(err, dynamolocal.ErrNotInstalled) || !strings.Contains(err.Error(), "npm ci --prefix infra/emulators") {
		t.Fatalf("Start = %v, want ErrNotInstalled with the install hint", err)
	}
}
