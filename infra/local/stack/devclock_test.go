package stack_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gatepass/gatepass/infra/local/stack"
	"github.com/gatepass/gatepass/shared/bootstrap"
	"github.com/gatepass/gatepass/shared/recovery"
)

// With GATEPASS_DEV_CLOCK=1 the browser tests age an authentication past the
// step-up window through /_dev/clock instead of waiting ten minutes: the
// sensitive action then answers step_up_required until the admin
// re-authenticates. Without it, the path does not exist.
func TestDevClockAgesTheAuthentication(t *testing.T) {
	s, err := stack.Start(context.Background(), stack.Config{Hasher: cheapHasher,
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), WebDir: "../../../web",
		Admin:  bootstrap.Admin{Username: "admin", Password: adminPassword},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Pacer: recovery.Floor{D: 50 * time.Millisecond},
		DevClock: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, s)
	admin, _ := signIn(t, s.URL, "admin", adminPassword)
	const params = `{"temporaryPasswordTtlSeconds": 7200}`
	admin.must(200, "PUT", "/api/admin/parameters", params)

	dev := newClient(t, s.URL)
	before := dev.must(200, "GET", stack.DevClockPath, "")
	if before["offsetSeconds"].(float64) != 0 {
		t.Fatalf("a fresh stack's clock is moved: %v", before)
	}
	for _, bad := range []string{`{"advanceSeconds": -60}`, `{"advanceSeconds": 0}`, `{"seconds": 60}`, `nonsense`} {
		dev.must(400, "POST", stack.DevClockPath, bad)
	}
	after := dev.must(200, "POST", stack.DevClockPath, `{"advanceSeconds": 660}`)
	if after["offsetSeconds"].(float64) != 660 {
		t.Fatalf("after advancing 660 s: %v", after)
	}

	if got := admin.must(403, "PUT", "/api/admin/parameters", params); got["code"] != "step_up_required" {
		t.Fatalf("eleven minutes later: %v, want step_up_required", got)
	}
	admin.must(400, "POST", "/api/auth/reauth", `{"password": "not the password at all"}`)
	admin.must(204, "POST", "/api/auth/reauth", jsonBody(t, map[string]string{"password": adminPassword}))
	admin.must(200, "PUT", "/api/admin/parameters", params)
}

func TestDevClockIsOffByDefault(t *testing.T) {
	s := start(t, t.TempDir(), bootstrap.Admin{Username: "admin", Password: adminPassword})
	defer stop(t, s)
	c := newClient(t, s.URL)
	c.must(404, "GET", stack.DevClockPath, "")
	c.must(404, "POST", stack.DevClockPath, `{"advanceSeconds": 660}`)
}
