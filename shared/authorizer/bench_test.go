package authorizer_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/gatepass/gatepass/infra/bench/flowbench"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/store"
)

// A warm allow of the Lambda authorizer for a facility view, as other
// Backoffice APIs call it on every request: the one read of session,
// account, parameters and facility, the decision's JSON log line (to
// nowhere) and the context; no write within the touch interval.
func BenchmarkAuthorize(b *testing.B) {
	e := apptest.New(b, apptest.Options{Open: flowbench.OpenStore, Hasher: flowbench.PlainHasher{}})
	berlin := e.Facility("Berlin Store")
	e.Account("clerk", pw, func(a *store.Account) { a.FacilityIDs = []string{berlin.ID} })
	c, _ := e.SignIn("clerk", pw)
	a, err := app.Authorizer(app.Deps{Tenant: "acme", PublicURL: e.Public, Store: e.Store, Clock: e.Clock,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	ev := event(pair(c))
	ctx := context.Background()
	run := flowbench.Start(b, e.Store)
	for b.Loop() {
		res, err := a.Authorize(ctx, ev)
		if err != nil || !res.IsAuthorized {
			b.Fatalf("authorize: %+v %v", res, err)
		}
	}
	run.Done()
}
