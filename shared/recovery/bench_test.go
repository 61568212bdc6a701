package recovery_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatepass/gatepass/infra/bench/flowbench"
	"github.com/gatepass/gatepass/shared/app/apptest"
)

// benchEnv is an environment for the reset benchmarks: the embedded store
// without fsync and a hasher that costs nothing, so that the figures are
// Gatepass's own work (argon2id is measured on its own).
func benchEnv(b *testing.B) *apptest.Env {
	return apptest.New(b, apptest.Options{Open: flowbench.OpenStore, Hasher: flowbench.PlainHasher{}})
}

// A reset request for an existing account with an email (POST
// /api/auth/password/reset): two reads, the token's write and the mail
// handed to the mailer. The clock moves an hour per request to stay clear
// of the per-account and per-IP limits; the local pacer that pads every
// request to the same duration in AWS is left out (apptest's pacer does not
// wait).
func BenchmarkResetRequest(b *testing.B) {
	e := benchEnv(b)
	e.Account("jdoe", oldPW)
	run := flowbench.Start(b, e.Store)
	for b.Loop() {
		e.Clock.Advance(time.Hour)
		if res := requestReset(e, "jdoe"); res.Status != http.StatusAccepted {
			b.Fatalf("status %d: %s", res.Status, res.Body)
		}
	}
	run.Done()
}

// A reset confirm (POST /api/auth/password/reset/confirm) of an account
// without other sessions: the token, account and parameters in one read,
// the password rules (common list and context words), one transaction, the
// password-changed mail and the session clean-up's list. Each operation
// gets a fresh link, requested with the timer stopped, and a new password.
func BenchmarkResetConfirm(b *testing.B) {
	e := benchEnv(b)
	e.Account("jdoe", oldPW)
	run := flowbench.Start(b, e.Store)
	i := 0
	for b.Loop() {
		run.Pause()
		i++
		e.Clock.Advance(time.Hour)
		sent := len(e.Mail.Sent())
		if res := requestReset(e, "jdoe"); res.Status != http.StatusAccepted || len(e.Mail.Sent()) != sent+1 {
			b.Fatalf("reset request: %d %s", res.Status, res.Body)
		}
		token := apptest.Token(b, e.Mail.Sent()[sent])
		next := fmt.Sprintf("a brand new passphrase number %d", i)
		run.Resume()
		if res := confirm(e, token, next, next); res.Status != http.StatusNoContent {
			b.Fatalf("confirm: %d %s", res.Status, res.Body)
		}
	}
	run.Done()
}

// A reset confirm costs exactly 1 read (token, account, parameters) and 1
// write (token, password, lock and audit in one transaction), then the
// clean-up of revoked sessions: 1 list, and 1 batch write only when there
// are records to delete.
func TestResetConfirmRoundTripsExactly(t *testing.T) {
	forEachStore(t, func(t *testing.T, newEnv func(*testing.T) *apptest.Env) {
		for _, c := range []struct {
			name          string
			sessions      int
			reads, writes int64
		}{
			{"no other session", 0, 2, 1},
			{"three sessions to clean up", 3, 2, 2},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t)
				e.Account("jdoe", oldPW)
				for range c.sessions {
					e.SignIn("jdoe", oldPW)
				}
				requestReset(e, "jdoe")
				token := apptest.Token(t, e.Mail.To("jdoe@example.com")[0])
				e.Store.Reset()
				if res := confirm(e, token, newPW, newPW); res.Status != http.StatusNoContent {
					t.Fatalf("confirm: %d %s", res.Status, res.Body)
				}
				if got := e.Store.Counts(); got.Reads != c.reads || got.Writes != c.writes {
					t.Fatalf("round trips %+v, want %d reads + %d writes", got, c.reads, c.writes)
				}
			})
		}
	})
}
