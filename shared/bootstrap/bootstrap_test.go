package bootstrap_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/bootstrap"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/embedded"
)

func setup(t *testing.T) (store.Store, password.Hasher, clock.Clock) {
	clk := clock.NewFake(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
	st, err := embedded.Open(filepath.Join(t.TempDir(), "db"), clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, password.NewArgon2id(password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}), clk
}

func TestFirstAdminExactlyOnce(t *testing.T) {
	st, h, clk := setup(t)
	var wg sync.WaitGroup
	results := make([]bootstrap.Result, 10)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := bootstrap.FirstAdmin(context.Background(), st, h, clk, nil, bootstrap.Admin{Username: "Admin"})
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		}()
	}
	wg.Wait()
	created := 0
	var winner bootstrap.Result
	for _, r := range results {
		if r.Created {
			created++
			winner = r
		}
	}
	if created != 1 {
		t.Fatalf("%d admins created, want 1", created)
	}
	snap, err := st.Load(context.Background(), store.Query{AccountID: winner.UserID})
	if err != nil || snap.Account == nil {
		t.Fatal(err)
	}
	a := snap.Account
	if a.UsernameKey != "admin" || a.Roles[0] != "super_admin" || !a.NetworkAccess || a.Status != store.StatusActive {
		t.Fatalf("admin = %+v", a)
	}
	if strings.Contains(a.PasswordHash, winner.GeneratedPassword) || !strings.HasPrefix(a.PasswordHash, "$argon2id$") {
		t.Fatal("password not stored as an argon2id hash")
	}
	if ok, _, _ := h.Verify(winner.GeneratedPassword, a.PasswordHash); !ok {
		t.Fatal("generated password does not verify")
	}
}

func TestGivenPasswordIsUsedAndNotReturned(t *testing.T) {
	st, h, clk := setup(t)
	r, err := bootstrap.FirstAdmin(context.Background(), st, h, clk, nil,
		bootstrap.Admin{Username: "root", Password: "a given passphrase", Email: "Root@Example.com"})
	if err != nil || !r.Created || r.GeneratedPassword != "" {
		t.Fatalf("%+v %v", r, err)
	}
	snap, _ := st.Load(context.Background(), store.Query{Claims: []store.ClaimKey{{Kind: store.ClaimEmail, Value: "root@example.com"}}})
	if len(snap.Claims) != 1 {
		t.Fatal("email claim missing")
	}
}

func TestGeneratedPasswords(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		p := bootstrap.GeneratePassword()
		if len(p) != 27 || seen[p] || strings.ContainsAny(p, "0O1lI") {
			t.Fatalf("bad or repeated password %q", p)
		}
		seen[p] = true
	}
}

func TestEmptyUsernameRefused(t *testing.T) {
	st, h, clk := setup(t)
	if _, err := bootstrap.FirstAdmin(context.Background(), st, h, clk, nil, bootstrap.Admin{Username: "  "}); err == nil {
		t.Fatal("empty username accepted")
	}
}

// The first admin's username follows the rules of every new username: the
// attack strings are refused and nothing is created.
func TestUsernamesThePRECISRulesRefuse(t *testing.T) {
	for _, name := range []string{"ad\u200bmin", "\u0430dmin", "\u202enimda", "super admin"} {
		t.Run(name, func(t *testing.T) {
			st, h, clk := setup(t)
			r, err := bootstrap.FirstAdmin(context.Background(), st, h, clk, nil, bootstrap.Admin{Username: name})
			if !errors.Is(err, accounts.ErrInvalidCharacters) || r.Created {
				t.Fatalf("FirstAdmin = %+v, %v; want ErrInvalidCharacters", r, err)
			}
			// Nothing was written: a valid name bootstraps the tenant still.
			if r, err := bootstrap.FirstAdmin(context.Background(), st, h, clk, nil, bootstrap.Admin{Username: "admin"}); err != nil || !r.Created {
				t.Fatalf("then FirstAdmin = %+v, %v", r, err)
			}
		})
	}
}

// A tenant bootstrapped before PRECIS with a username the profile now
// refuses is bootstrapped: starting again with that name does nothing
// instead of failing.
func TestAnAdminFromBeforePRECISIsNoError(t *testing.T) {
	st, h, clk := setup(t)
	now := clk.Now()
	err := st.Commit(context.Background(), store.ClaimMarker{Name: bootstrap.Marker}, store.CreateAccount{Account: store.Account{
		ID: "u_old", Username: "super admin", UsernameKey: "super admin", DisplayName: "super admin",
		Roles: []string{"super_admin"}, Locale: "en", Status: store.StatusActive, CreatedAt: now, UpdatedAt: now}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := bootstrap.FirstAdmin(context.Background(), st, h, clk, nil, bootstrap.Admin{Username: " Super Admin "})
	if err != nil || r.Created {
		t.Fatalf("FirstAdmin = %+v, %v", r, err)
	}
}

// The stored username is trimmed, its key and the display name are what the
// profiles make of it.
func TestTheAdminIsStoredAsTheProfilesEnforceIt(t *testing.T) {
	st, h, clk := setup(t)
	r, err := bootstrap.FirstAdmin(context.Background(), st, h, clk, nil, bootstrap.Admin{Username: "  ＲＯＯＴ "})
	if err != nil || !r.Created {
		t.Fatalf("FirstAdmin = %+v, %v", r, err)
	}
	snap, err := st.Load(context.Background(), store.Query{AccountID: r.UserID})
	if err != nil || snap.Account == nil {
		t.Fatal(err)
	}
	if a := snap.Account; a.Username != "ＲＯＯＴ" || a.UsernameKey != "root" || a.DisplayName != "ROOT" {
		t.Fatalf("username %q, key %q, display name %q", a.Username, a.UsernameKey, a.DisplayName)
	}
}
