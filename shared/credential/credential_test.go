package credential_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/credential"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/policy"
	"github.com/gatepass/gatepass/shared/store"
)

// corpus is a BreachChecker over a fixed set, recording what it was asked.
type corpus struct {
	breached map[string]bool
	asked    []string
}

func (c *corpus) Breached(_ context.Context, pw string) bool {
	c.asked = append(c.asked, pw)
	return c.breached[pw]
}

func hasher() password.Hasher {
	return password.NewArgon2id(password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32})
}

func TestValidateAsksTheBreachedCorpusOnlyWhenItMatters(t *testing.T) {
	const leaked, clean = "a leaked passphrase from a breach", "an unknown and long passphrase"
	account := store.Account{ID: "u_1", Username: "jdoe", DisplayName: "Jane Doe"}
	tests := []struct {
		name      string
		block     bool
		pw, rep   string
		wantCode  string // "" for no error; "mismatch" for ErrMismatch
		wantAsked bool
	}{
		{"off: never asked", false, leaked, leaked, "", false},
		{"on: a breached password is refused", true, leaked, leaked, credential.CodeBreached, true},
		{"on: a clean password passes", true, clean, clean, "", true},
		{"on: a policy violation is not sent anywhere", true, "short", "short", policy.CodeTooShort, false},
		{"on: a mismatch is not sent anywhere", true, leaked, clean, "mismatch", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &corpus{breached: map[string]bool{leaked: true}}
			s := credential.NewSetter(hasher(), policy.NewChecker(), c, "acme")
			p := params.Defaults()
			p.PasswordPolicy.BlockBreached = tt.block
			err := s.Validate(context.Background(), account, p, credential.Request{Password: tt.pw, Repeat: tt.rep})
			var pe *credential.PolicyError
			switch {
			case tt.wantCode == "" && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tt.wantCode == "mismatch" && !errors.Is(err, credential.ErrMismatch):
				t.Fatalf("Validate = %v, want ErrMismatch", err)
			case tt.wantCode != "" && tt.wantCode != "mismatch" &&
				(!errors.As(err, &pe) || pe.Violations[0].Code != tt.wantCode || pe.Violations[0].Field != "password"):
				t.Fatalf("Validate = %v, want violation %s", err, tt.wantCode)
			}
			if got := len(c.asked) > 0; got != tt.wantAsked {
				t.Fatalf("corpus asked = %v, want %v", c.asked, tt.wantAsked)
			}
		})
	}
}

func TestSetEndsTheResetLinkAndRecordsWhen(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s := credential.NewSetter(hasher(), policy.NewChecker(), nil, "acme")
	a := store.Account{ID: "u_1", Username: "jdoe", ResetTokenHash: "abc", SessionEpoch: 4}
	got, err := s.Set(context.Background(), a, params.Defaults(),
		credential.Request{Password: "an unknown and long passphrase", Repeat: "an unknown and long passphrase", Temporary: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.ResetTokenHash != "" || !got.PasswordSetAt.Equal(now) || !got.PasswordChangeRequired || got.SessionEpoch != 5 {
		t.Fatalf("after Set: reset %q, set at %v, temporary %v, epoch %d", got.ResetTokenHash, got.PasswordSetAt,
			got.PasswordChangeRequired, got.SessionEpoch)
	}
}

func TestTemporaryPasswordsExpire(t *testing.T) {
	set := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	p := params.Defaults() // 72 h
	h := hasher()
	hash, err := h.Hash("temporary passphrase 4711")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		temporary bool
		setAt     time.Time
		at        time.Time
		want      bool // VerifyCurrent
	}{
		{"permanent, long after", false, set, set.Add(1000 * time.Hour), true},
		{"temporary, within the TTL", true, set, set.Add(72*time.Hour - time.Second), true},
		{"temporary, at the TTL", true, set, set.Add(72 * time.Hour), false},
		{"temporary, setting time unknown", true, time.Time{}, set, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := store.Account{ID: "u_1", PasswordHash: hash, PasswordChangeRequired: tt.temporary, PasswordSetAt: tt.setAt}
			if got := credential.VerifyCurrent(h, a, p, "temporary passphrase 4711", tt.at); got != tt.want {
				t.Fatalf("VerifyCurrent = %v, want %v", got, tt.want)
			}
			if got := credential.TemporaryExpired(a, p, tt.at); got != (tt.temporary && !tt.want) {
				t.Fatalf("TemporaryExpired = %v", got)
			}
			if credential.VerifyCurrent(h, a, p, "a wrong password", tt.at) {
				t.Fatal("a wrong password verified")
			}
		})
	}
}
