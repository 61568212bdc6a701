package stack_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/infra/local/stack"
	"github.com/gatepass/gatepass/shared/bootstrap"
	"github.com/gatepass/gatepass/shared/recovery"
)

// GATEPASS_ADMIN_ALIAS (bootstrap.Admin.Alias) sets the initial admin alias
// at the first start: the app answers only under it from the first request
// — the banner's URL included — and a later start with another value
// changes nothing.
func TestInitialAliasAtFirstStart(t *testing.T) {
	dir := t.TempDir()
	const secret = "first-door-2026"
	start := func(alias string) *stack.Stack {
		t.Helper()
		s, err := stack.Start(context.Background(), stack.Config{Hasher: cheapHasher,
			Addr: "127.0.0.1:0", DataDir: dir, WebDir: "../../../web",
			Admin:  bootstrap.Admin{Username: "admin", Password: adminPassword, Alias: alias},
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Pacer: recovery.Floor{D: 50 * time.Millisecond},
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := start(secret)
	if got, err := s.AppURL(context.Background()); err != nil || got != s.URL+"/"+secret {
		t.Fatalf("AppURL = %q, %v", got, err)
	}
	hidden := rawGet(t, s.URL+"/api/auth/config")
	if !strings.HasPrefix(hidden, "404 ") || hidden != rawGet(t, s.URL+"/") {
		t.Fatalf("outside the alias: %q", hidden)
	}
	under := newClient(t, s.URL+"/"+secret)
	under.must(200, "GET", "/api/auth/config", "")
	stop(t, s)

	s = start("another-door-2027")
	defer stop(t, s)
	if got, _ := s.AppURL(context.Background()); got != s.URL+"/"+secret {
		t.Fatalf("a later start changed the alias: AppURL = %q", got)
	}
}
