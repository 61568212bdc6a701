package embedded

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/storetest"
)

func newStore(t *testing.T, clk clock.Clock) store.Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "gatepass.db"), clk)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, newStore)
}

func TestReopenFindsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatepass.db")
	clk := clock.NewFake(storetest.Start())
	s, err := Open(path, clk)
	if err != nil {
		t.Fatal(err)
	}
	a := store.Account{ID: "u_a", Username: "alice", UsernameKey: "alice", Email: "a@example.com", EmailKey: "a@example.com",
		Roles: []string{"operator"}, Status: store.StatusActive, CreatedAt: clk.Now()}
	sess := store.Session{UserID: "u_a", Hash: ids.Hash("token"), ID: "s_1", CreatedAt: clk.Now(), ExpiresAt: clk.Now().Add(time.Hour)}
	if err := s.Commit(t.Context(), store.CreateAccount{Account: a}, store.PutSession{Session: sess}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path, clk)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	key := store.SessionKey{UserID: "u_a", Hash: sess.Hash}
	claim := store.ClaimKey{Kind: store.ClaimEmail, Value: "a@example.com"}
	snap, err := s.Load(t.Context(), store.Query{AccountID: "u_a", Session: &key, Claims: []store.ClaimKey{claim}})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Account == nil || snap.Account.Version != 1 || snap.Session == nil || snap.Claims[claim] != "u_a" {
		t.Fatalf("after reopen: %+v", snap)
	}
}

func TestOpenHeldFileFailsQuickly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatepass.db")
	clk := clock.NewFake(storetest.Start())
	s, err := Open(path, clk)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// Same code path as Open with a shorter lock timeout, to keep the
	// suite fast; Open itself waits openTimeout.
	began := time.Now()
	_, err = open(path, clk, 100*time.Millisecond)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second open = %v, want ErrInUse", err)
	}
	if !strings.Contains(err.Error(), "database is in use by another process") || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q does not say which file is in use", err)
	}
	if elapsed := time.Since(began); elapsed > 2*time.Second {
		t.Fatalf("second open took %v", elapsed)
	}
	if openTimeout > 5*time.Second {
		t.Fatalf("openTimeout = %v: a second process would wait too long", openTimeout)
	}
}

func TestOpenRejectsForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatepass.db")
	s, err := Open(path, clock.NewFake(storetest.Start()))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta()).Put(keyFormat(), []byte("99"))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(path, clock.NewFake(storetest.Start())); err == nil || !strings.Contains(err.Error(), "format") {
		t.Fatalf("Open of a file in another format = %v, want a format error", err)
	}
}

func TestSweep(t *testing.T) {
	clk := clock.NewFake(storetest.Start())
	s := newStore(t, clk).(*Store)
	ctx := t.Context()
	now := clk.Now()
	live := store.Session{UserID: "u_a", Hash: "live", ID: "s_live", CreatedAt: now, ExpiresAt: now.Add(2 * time.Hour)}
	dying := store.Session{UserID: "u_a", Hash: "dying", ID: "s_dying", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	other := store.Session{UserID: "u_b", Hash: "dying", ID: "s_other", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	err := s.Commit(ctx,
		store.PutSession{Session: live}, store.PutSession{Session: dying}, store.PutSession{Session: other},
		store.PutCounter{Counter: store.Counter{Key: "live", Failures: 1, ExpiresAt: now.Add(2 * time.Hour)}},
		store.PutCounter{Counter: store.Counter{Key: "dying", Failures: 1, ExpiresAt: now.Add(time.Hour)}},
		store.PutCounter{Counter: store.Counter{Key: "forever", Failures: 1}},
		store.PutToken{Token: store.Token{Kind: store.TokenReset, Hash: "live", ExpiresAt: now.Add(2 * time.Hour)}},
		store.PutToken{Token: store.Token{Kind: store.TokenReset, Hash: "dying", ExpiresAt: now.Add(time.Hour)}},
	)
	if err != nil {
		t.Fatal(err)
	}

	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("Sweep before expiry = %d, %v; want 0", n, err)
	}
	clk.Advance(time.Hour)
	if n, err := s.Sweep(ctx); err != nil || n != 4 {
		t.Fatalf("Sweep = %d, %v; want 4 (two sessions, one counter, one token)", n, err)
	}
	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("second Sweep = %d, %v; want 0", n, err)
	}

	// Gone from the file, not merely hidden: turn the clock back.
	clk.Set(now)
	list, err := s.ListSessions(ctx, "u_a")
	if err != nil || len(list) != 1 || list[0].ID != "s_live" {
		t.Fatalf("sessions of u_a after sweep = %+v, %v; want only s_live", list, err)
	}
	if list, _ := s.ListSessions(ctx, "u_b"); len(list) != 0 {
		t.Fatalf("sessions of u_b after sweep = %+v", list)
	}
	snap, err := s.Load(ctx, store.Query{Counters: []string{"live", "dying", "forever"}})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int64{"live": 1, "dying": 0, "forever": 1} {
		if got := snap.Counters[key].Version; got != want {
			t.Errorf("counter %q version %d after sweep, want %d", key, got, want)
		}
	}
	liveToken := store.TokenKey{Kind: store.TokenReset, Hash: "live"}
	snap, err = s.Load(ctx, store.Query{Tokens: []store.TokenKey{liveToken, {Kind: store.TokenReset, Hash: "dying"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := snap.Tokens[liveToken]; !ok || len(snap.Tokens) != 1 {
		t.Errorf("tokens after sweep = %+v, want only the live one", snap.Tokens)
	}
}

// TestOpenAddsMissingBuckets: a file written before the tokens bucket existed
// gains it on Open, without a change of format.
func TestOpenAddsMissingBuckets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatepass.db")
	clk := clock.NewFake(storetest.Start())
	s, err := Open(path, clk)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketTokens()) }); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path, clk)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	tok := store.Token{Kind: store.TokenInvitation, Hash: "h", ExpiresAt: clk.Now().Add(time.Hour)}
	if err := s.Commit(t.Context(), store.PutToken{Token: tok}); err != nil {
		t.Fatalf("PutToken after reopen: %v", err)
	}
}

func TestListAuditCapsLimit(t *testing.T) {
	clk := clock.NewFake(storetest.Start())
	s := newStore(t, clk)
	var ops []store.Op
	for i := range 225 {
		ops = append(ops, store.AppendAudit{Event: store.AuditEvent{ID: ids.TimeOrdered("a", clk.Now().Add(time.Duration(i)*time.Millisecond)), Type: "t"}})
		if len(ops) == store.MaxOps {
			if err := s.Commit(t.Context(), ops...); err != nil {
				t.Fatal(err)
			}
			ops = nil
		}
	}
	page, err := s.ListAudit(t.Context(), store.AuditQuery{Limit: 1000})
	if err != nil || len(page.Items) != store.MaxAuditLimit || page.NextCursor == "" {
		t.Fatalf("Limit 1000: %d items, cursor %q, %v; want %d and a cursor", len(page.Items), page.NextCursor, err, store.MaxAuditLimit)
	}
	if _, err := s.ListAudit(t.Context(), store.AuditQuery{Cursor: "***"}); !errors.Is(err, ErrInvalidCursor) {
		t.Fatalf("bad cursor = %v, want ErrInvalidCursor", err)
	}
}

func TestCommitRejectsMalformedOps(t *testing.T) {
	s := newStore(t, clock.NewFake(storetest.Start()))
	cases := map[string][]store.Op{
		"nil op":             {nil},
		"pointer op":         {&store.ClaimMarker{Name: "m"}},
		"empty account id":   {store.CreateAccount{Account: store.Account{UsernameKey: "a"}}},
		"NUL in user id":     {store.PutSession{Session: store.Session{UserID: "u\x00x", Hash: "h"}}},
		"empty session hash": {store.DeleteSession{Key: store.SessionKey{UserID: "u"}}},
		"empty counter key":  {store.DeleteCounter{}},
		"empty audit id":     {store.AppendAudit{}},
		"empty facility id":  {store.PutFacility{}},
		"empty marker":       {store.ClaimMarker{}},
		"NUL in token kind":  {store.ConsumeToken{Key: store.TokenKey{Kind: "reset\x00x", Hash: "h"}}},
		"empty token hash":   {store.DeleteToken{Key: store.TokenKey{Kind: store.TokenReset}}},
		"token no expiry":    {store.PutToken{Token: store.Token{Kind: store.TokenReset, Hash: "h"}}},
	}
	for name, ops := range cases {
		if err := s.Commit(t.Context(), ops...); !errors.Is(err, ErrInvalidOp) {
			t.Errorf("%s: Commit = %v, want ErrInvalidOp", name, err)
		}
	}
}

func BenchmarkLoadSessionAndAccount(b *testing.B) {
	clk := clock.NewFake(storetest.Start())
	s, err := Open(filepath.Join(b.TempDir(), "gatepass.db"), clk)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	now := clk.Now()
	a := store.Account{ID: "u_a", Username: "alice", UsernameKey: "alice", Email: "alice@example.com", EmailKey: "alice@example.com",
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", Roles: []string{"operator", "auditor"},
		FacilityIDs: []string{"f_1", "f_2"}, Locale: "en", Status: store.StatusActive, CreatedAt: now, UpdatedAt: now}
	sess := store.Session{UserID: "u_a", Hash: ids.Hash(ids.Token()), ID: "s_1", CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(12 * time.Hour), IP: "203.0.113.7", UserAgent: "Mozilla/5.0", ViewType: "network"}
	if err := s.Commit(b.Context(), store.CreateAccount{Account: a}, store.PutSession{Session: sess}); err != nil {
		b.Fatal(err)
	}
	key := store.SessionKey{UserID: "u_a", Hash: sess.Hash}
	q := store.Query{AccountID: "u_a", Session: &key}
	b.ReportAllocs()
	for b.Loop() {
		snap, err := s.Load(b.Context(), q)
		if err != nil || snap.Account == nil || snap.Session == nil {
			b.Fatalf("Load = %+v, %v", snap, err)
		}
	}
}

func BenchmarkCommitLoginSuccess(b *testing.B) {
	clk := clock.NewFake(storetest.Start())
	s, err := Open(filepath.Join(b.TempDir(), "gatepass.db"), clk)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	now := clk.Now()
	a := store.Account{ID: "u_a", Username: "alice", UsernameKey: "alice", Email: "alice@example.com", EmailKey: "alice@example.com",
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", Roles: []string{"operator"},
		Locale: "en", Status: store.StatusActive, CreatedAt: now, UpdatedAt: now}
	if err := s.Commit(b.Context(), store.CreateAccount{Account: a}); err != nil {
		b.Fatal(err)
	}
	a.Version = 1
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		clk.Advance(time.Millisecond)
		now := clk.Now()
		a.LastLoginAt = now
		err := s.Commit(b.Context(),
			store.PutSession{Session: store.Session{UserID: "u_a", Hash: "h" + strconv.Itoa(i), ID: "s_" + strconv.Itoa(i),
				CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(12 * time.Hour), IP: "203.0.113.7", UserAgent: "Mozilla/5.0"}},
			store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey},
			store.DeleteCounter{Key: "login:account:u_a"},
			store.AppendAudit{Event: store.AuditEvent{ID: ids.TimeOrdered("a", now), At: now, Type: "login.success",
				UserID: "u_a", ActorID: "u_a", IP: "203.0.113.7"}},
		)
		if err != nil {
			b.Fatal(err)
		}
		a.Version++
	}
}
