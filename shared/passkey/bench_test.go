package passkey_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/gatepass/gatepass/infra/bench/flowbench"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/passkey/passkeytest"
	"github.com/gatepass/gatepass/shared/store"
)

// benchEnv is an environment on the embedded store without fsync, with one
// account that holds a passkey of auth.
func benchEnv(b *testing.B) (*apptest.Env, *passkeytest.Authenticator) {
	e := apptest.New(b, apptest.Options{Open: flowbench.OpenStore, Hasher: flowbench.PlainHasher{}})
	e.Account("jdoe", pw, func(a *store.Account) { a.NetworkAccess = true })
	c, _ := e.SignIn("jdoe", pw)
	auth := passkeytest.New(e.Public)
	if res := register(b, e, c, auth, "Key"); res.Status != http.StatusCreated {
		b.Fatalf("register: %d %s", res.Status, res.Body)
	}
	return e, auth
}

// A passwordless sign-in, begin and finish (budget: ≤ 2 reads + 2 writes,
// ≤ 1 ms CPU besides the signature check). The authenticator's signing —
// the browser's work — is left out.
func BenchmarkPasskeySignIn(b *testing.B) {
	e, auth := benchEnv(b)
	run := flowbench.Start(b, e.Store)
	for b.Loop() {
		res := e.Post("/api/auth/login/passkey/begin", map[string]any{}, nil)
		if res.Status != http.StatusOK {
			b.Fatalf("begin: %d %s", res.Status, res.Body)
		}
		run.Pause()
		var begin struct {
			Challenge string          `json:"challenge"`
			Options   json.RawMessage `json:"options"`
		}
		if err := json.Unmarshal(res.Body, &begin); err != nil {
			b.Fatal(err)
		}
		assertion, err := auth.Get(begin.Options)
		if err != nil {
			b.Fatal(err)
		}
		e.Clock.Advance(time.Second)
		run.Resume()
		if res := finishPasswordless(e, begin.Challenge, assertion); res.Status != http.StatusOK {
			b.Fatalf("finish: %d %s", res.Status, res.Body)
		}
	}
	run.Done()
}
