package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/dynamo"
	"github.com/gatepass/gatepass/shared/store/storetest"
)

// local is the one DynamoDB Local process of this package, set by TestMain
// before any test runs and never changed afterwards.
var local *dynamolocal.Shared

func TestMain(m *testing.M) { os.Exit(dynamolocal.Main(m, &local)) }

// t0 is where the tests' fake clocks start.
var t0 = time.Date(2026, time.November, 23, 8, 0, 0, 0, time.UTC)

// newTable creates a uniquely named table on the shared DynamoDB Local and
// deletes it when tb ends. It returns the client and the table name.
func newTable(tb testing.TB) (*dynamodb.Client, string) {
	tb.Helper()
	srv := local.Require(tb)
	ctx := context.Background()
	client, err := srv.Client(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	table := "gatepass-test-" + ids.New("t")
	// The fake clocks stand at fixed instants, usually behind the wall clock:
	// TTL would let DynamoDB Local delete records they consider live.
	if err := dynamo.CreateTable(ctx, client, table, dynamo.WithoutTTL()); err != nil {
		tb.Fatalf("CreateTable: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
			tb.Errorf("DeleteTable %s: %v", table, err)
		}
	})
	return client, table
}

// newStore is the constructor handed to the conformance suite: a fresh table
// per call on the shared server.
func newStore(t *testing.T, clk clock.Clock) store.Store {
	client, table := newTable(t)
	return dynamo.New(client, table, clk)
}

func newTestStore(tb testing.TB) (*dynamo.Store, *clock.Fake) {
	tb.Helper()
	clk := clock.NewFake(t0)
	client, table := newTable(tb)
	return dynamo.New(client, table, clk), clk
}

func account(id, username, email string) store.Account {
	a := store.Account{
		ID: id, Username: username, UsernameKey: strings.ToLower(username),
		DisplayName: "Display " + username, Roles: []string{"operator"}, Locale: "en",
		Status: store.StatusActive, CreatedAt: t0, UpdatedAt: t0,
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$c2VjcmV0aGFzaA",
	}
	if email != "" {
		a.Email, a.EmailKey = email, strings.ToLower(email)
	}
	return a
}

func session(userID, label string, created time.Time) store.Session {
	return store.Session{
		UserID: userID, Hash: ids.Hash(userID + "/" + label), ID: "s_" + label,
		CreatedAt: created, LastSeenAt: created, ExpiresAt: created.Add(12 * time.Hour),
		IP: "203.0.113.7", UserAgent: "test", ViewType: "network",
	}
}

func mustCommit(tb testing.TB, s store.Store, ops ...store.Op) {
	tb.Helper()
	if err := s.Commit(tb.Context(), ops...); err != nil {
		tb.Fatalf("Commit: %v", err)
	}
}

func mustLoad(tb testing.TB, s store.Store, q store.Query) store.Snapshot {
	tb.Helper()
	snap, err := s.Load(tb.Context(), q)
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return snap
}

func wantConflict(tb testing.TB, err error) {
	tb.Helper()
	if !errors.Is(err, store.ErrConflict) {
		tb.Fatalf("err = %v, want ErrConflict", err)
	}
}

func TestRoundTrip(t *testing.T) {
	s, clk := newTestStore(t)
	a := account("u_zoe", "Zoë", "Zoe@Example.com")
	a.EmailVerified, a.PasswordChangeRequired, a.NetworkAccess, a.SSO = true, true, true, true
	a.FacilityIDs = []string{"f_b", "f_a"}
	a.ValidUntil = t0.Add(90*24*time.Hour + 123456789)
	a.LastLoginAt, a.LastLoginIP = t0.Add(-time.Nanosecond), "2001:db8::7"
	a.PreviousLoginAt, a.PreviousLoginIP = t0.Add(-50*time.Hour+time.Nanosecond), "203.0.113.200"
	a.SessionEpoch, a.ResetTokenHash, a.InvitationTokenHash = 4, ids.Hash("reset"), ids.Hash("invitation")
	a.PasswordHistory = []string{"$argon2id$v=19$m=19456,t=2,p=1$Yg$Yg", "$argon2id$v=19$m=19456,t=2,p=1$YQ$YQ"}
	sess := session("u_zoe", "one", t0.Add(5*time.Millisecond))
	sess.Restriction, sess.FacilityID, sess.Epoch = store.RestrictionMFAEnrolment, "f_a", 4
	ctr := store.Counter{Key: "login:ip:203.0.113.7", Failures: 3, WindowStart: t0, LockedUntil: t0.Add(time.Minute), Locks: 2, ExpiresAt: t0.Add(time.Hour)}
	fac := store.Facility{ID: "f_a", Name: "Aachen", Status: "active", CreatedAt: t0, UpdatedAt: t0}
	p := params.Defaults()
	p.MFA.RequiredForRoles = []string{"super_admin"}
	p.AdminAlias = "backoffice-admins"
	mustCommit(t, s,
		store.CreateAccount{Account: a}, store.PutSession{Session: sess}, store.PutCounter{Counter: ctr},
		store.PutFacility{Facility: fac}, store.PutParameters{Parameters: p},
	)

	sk := store.SessionKey{UserID: sess.UserID, Hash: sess.Hash}
	claims := []store.ClaimKey{{Kind: store.ClaimUsername, Value: "zoë"}, {Kind: store.ClaimEmail, Value: "zoe@example.com"}, {Kind: store.ClaimEmail, Value: "nobody@example.com"}}
	snap := mustLoad(t, s, store.Query{
		Parameters: true, AccountID: a.ID, Claims: claims,
		Counters: []string{ctr.Key, "absent", ctr.Key}, Session: &sk, Facility: fac.ID,
	})
	a.Version, ctr.Version, fac.Version = 1, 1, 1
	if snap.Account == nil || !equalAccount(*snap.Account, a) {
		t.Errorf("account:\n got %+v\nwant %+v", snap.Account, a)
	}
	if snap.Session == nil || *snap.Session != sess {
		t.Errorf("session:\n got %+v\nwant %+v", snap.Session, sess)
	}
	if got := snap.Counters[ctr.Key]; got != ctr {
		t.Errorf("counter:\n got %+v\nwant %+v", got, ctr)
	}
	if got := snap.Counters["absent"]; got != (store.Counter{Key: "absent"}) {
		t.Errorf("absent counter: %+v", got)
	}
	if snap.Facility == nil || *snap.Facility != fac {
		t.Errorf("facility:\n got %+v\nwant %+v", snap.Facility, fac)
	}
	if snap.ParametersVersion != 1 || snap.Parameters.AdminAlias != p.AdminAlias || !slices.Equal(snap.Parameters.MFA.RequiredForRoles, p.MFA.RequiredForRoles) {
		t.Errorf("parameters: version %d, %+v", snap.ParametersVersion, snap.Parameters)
	}
	if len(snap.Claims) != 2 || snap.Claims[claims[0]] != a.ID || snap.Claims[claims[1]] != a.ID {
		t.Errorf("claims: %v", snap.Claims)
	}

	// Absent parameters are the defaults at version 0.
	s2, _ := newTestStore(t)
	snap = mustLoad(t, s2, store.Query{Parameters: true})
	if snap.ParametersVersion != 0 || snap.Parameters.Lockout != params.Defaults().Lockout {
		t.Errorf("default parameters: version %d, %+v", snap.ParametersVersion, snap.Parameters)
	}
	_ = clk
}

func equalAccount(x, y store.Account) bool {
	return x.ID == y.ID && x.Username == y.Username && x.UsernameKey == y.UsernameKey &&
		x.DisplayName == y.DisplayName && x.Email == y.Email && x.EmailKey == y.EmailKey &&
		x.EmailVerified == y.EmailVerified && x.PasswordHash == y.PasswordHash &&
		x.PasswordChangeRequired == y.PasswordChangeRequired && slices.Equal(x.Roles, y.Roles) &&
		x.NetworkAccess == y.NetworkAccess && slices.Equal(x.FacilityIDs, y.FacilityIDs) &&
		x.Locale == y.Locale && x.Status == y.Status && x.SSO == y.SSO &&
		x.ValidUntil == y.ValidUntil && x.LastLoginAt == y.LastLoginAt && x.LastLoginIP == y.LastLoginIP &&
		x.PreviousLoginAt == y.PreviousLoginAt && x.PreviousLoginIP == y.PreviousLoginIP &&
		x.CreatedAt == y.CreatedAt && x.UpdatedAt == y.UpdatedAt &&
		x.SessionEpoch == y.SessionEpoch && x.ResetTokenHash == y.ResetTokenHash &&
		x.InvitationTokenHash == y.InvitationTokenHash && slices.Equal(x.PasswordHistory, y.PasswordHistory) &&
		slices.Equal(x.Credentials, y.Credentials) && x.PasswordSetAt == y.PasswordSetAt && x.SSOIdentity == y.SSOIdentity &&
		x.Version == y.Version
}

// TestConcurrentClaims: 20 goroutines create accounts with one username;
// exactly one wins, the others get ErrConflict and leave nothing behind.
func TestConcurrentClaims(t *testing.T) {
	s, _ := newTestStore(t)
	const n = 20
	errs := storetest.Race(n, func(i int) error {
		return s.Commit(t.Context(), store.CreateAccount{Account: account(fmt.Sprintf("u_%02d", i), "contested", fmt.Sprintf("u%02d@example.com", i))})
	})
	winner := storetest.OneWinner(t, errs)
	for i := range n {
		email := store.ClaimKey{Kind: store.ClaimEmail, Value: fmt.Sprintf("u%02d@example.com", i)}
		snap := mustLoad(t, s, store.Query{AccountID: fmt.Sprintf("u_%02d", i), Claims: []store.ClaimKey{email, {Kind: store.ClaimUsername, Value: "contested"}}})
		if (snap.Account != nil) != (i == winner) || (snap.Claims[email] != "") != (i == winner) {
			t.Fatalf("goroutine %d (winner %d): account %v, claims %v", i, winner, snap.Account != nil, snap.Claims)
		}
		if got := snap.Claims[store.ClaimKey{Kind: store.ClaimUsername, Value: "contested"}]; got != fmt.Sprintf("u_%02d", winner) {
			t.Fatalf("username claim held by %q", got)
		}
	}
}

// TestConcurrentCounter: 20 goroutines increment one counter with
// compare-and-swap; none is lost.
func TestConcurrentCounter(t *testing.T) {
	s, _ := newTestStore(t)
	const n, key = 20, "login:ip:198.51.100.1"
	errs := storetest.Race(n, func(int) error {
		for range 1000 {
			snap, err := s.Load(t.Context(), store.Query{Counters: []string{key}})
			if err != nil {
				return err
			}
			c := snap.Counters[key]
			c.Failures++
			c.ExpiresAt = t0.Add(time.Hour)
			if err := s.Commit(t.Context(), store.PutCounter{Counter: c}); !errors.Is(err, store.ErrConflict) {
				return err
			}
		}
		return errors.New("no swap in 1000 attempts")
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if c := mustLoad(t, s, store.Query{Counters: []string{key}}).Counters[key]; c.Failures != n || c.Version != n {
		t.Fatalf("counter %+v, want %d failures at version %d", c, n, n)
	}
}

// TestTransactionAtomicity: when one condition of a Commit fails nothing is
// written, whatever the position of the failing operation.
func TestTransactionAtomicity(t *testing.T) {
	s, _ := newTestStore(t)
	ev := store.AuditEvent{ID: ids.TimeOrdered("a", t0), At: t0, Type: "login.succeeded", UserID: "u_a"}
	mustCommit(t, s, store.AppendAudit{Event: ev}, store.ClaimMarker{Name: "bootstrap"})

	a := account("u_a", "alice", "alice@example.com")
	sess := session("u_a", "one", t0)
	for _, failing := range []store.Op{store.AppendAudit{Event: ev}, store.ClaimMarker{Name: "bootstrap"}} {
		err := s.Commit(t.Context(), store.CreateAccount{Account: a}, store.PutSession{Session: sess},
			store.PutCounter{Counter: store.Counter{Key: "c", Failures: 1}}, failing)
		wantConflict(t, err)
		sk := store.SessionKey{UserID: "u_a", Hash: sess.Hash}
		snap := mustLoad(t, s, store.Query{AccountID: "u_a", Session: &sk, Counters: []string{"c"},
			Claims: []store.ClaimKey{{Kind: store.ClaimUsername, Value: "alice"}, {Kind: store.ClaimEmail, Value: "alice@example.com"}}})
		if snap.Account != nil || snap.Session != nil || snap.Counters["c"].Version != 0 || len(snap.Claims) != 0 {
			t.Fatalf("a refused commit left %+v", snap)
		}
	}
	// The error names the failing operation but never a stored secret.
	err := s.Commit(t.Context(), store.CreateAccount{Account: a}, store.PutSession{Session: sess}, store.AppendAudit{Event: ev})
	wantConflict(t, err)
	if msg := err.Error(); !strings.Contains(msg, "op 2 (audit event)") || strings.Contains(msg, sess.Hash) || strings.Contains(msg, a.PasswordHash) {
		t.Fatalf("error message %q", msg)
	}
}

// TestExpiry checks expiry at nanosecond precision for reads and conditions.
func TestExpiry(t *testing.T) {
	s, clk := newTestStore(t)
	sess := session("u_a", "one", t0)
	sess.ExpiresAt = t0.Add(time.Hour + 1) // one nanosecond past the hour
	key := store.SessionKey{UserID: sess.UserID, Hash: sess.Hash}
	ctr := store.Counter{Key: "k", Failures: 1, ExpiresAt: sess.ExpiresAt}
	tok := store.Token{Kind: store.TokenReset, Hash: ids.Hash("reset"), ExpiresAt: sess.ExpiresAt}
	tk := store.TokenKey{Kind: tok.Kind, Hash: tok.Hash}
	mustCommit(t, s, store.PutSession{Session: sess}, store.PutCounter{Counter: ctr}, store.PutToken{Token: tok})

	clk.Set(t0.Add(time.Hour))
	snap := mustLoad(t, s, store.Query{Session: &key, Counters: []string{"k"}, Tokens: []store.TokenKey{tk}})
	if snap.Session == nil || snap.Counters["k"].Version != 1 || snap.Tokens[tk].Version != 1 {
		t.Fatalf("one nanosecond before expiry: %+v", snap)
	}
	mustCommit(t, s, store.TouchSession{Key: key, LastSeenAt: clk.Now()})
	wantConflict(t, s.Commit(t.Context(), store.PutSession{Session: sess}))
	wantConflict(t, s.Commit(t.Context(), store.PutCounter{Counter: ctr}))
	wantConflict(t, s.Commit(t.Context(), store.PutToken{Token: tok}))

	clk.Set(sess.ExpiresAt)
	snap = mustLoad(t, s, store.Query{Session: &key, Counters: []string{"k"}, Tokens: []store.TokenKey{tk}})
	if snap.Session != nil || snap.Counters["k"] != (store.Counter{Key: "k"}) || len(snap.Tokens) != 0 {
		t.Fatalf("at expiry: %+v", snap)
	}
	wantConflict(t, s.Commit(t.Context(), store.ConsumeToken{Key: tk}))
	if list, err := s.ListSessions(t.Context(), "u_a"); err != nil || len(list) != 0 {
		t.Fatalf("ListSessions at expiry = %v, %v", list, err)
	}
	wantConflict(t, s.Commit(t.Context(), store.TouchSession{Key: key, LastSeenAt: clk.Now()}))
	stale := ctr
	stale.Version = 1
	wantConflict(t, s.Commit(t.Context(), store.PutCounter{Counter: stale}))
	// Expired records can be created again.
	mustCommit(t, s, store.PutSession{Session: sess}, store.PutCounter{Counter: ctr}, store.PutToken{Token: tok})
}

func TestListAudit(t *testing.T) {
	s, _ := newTestStore(t)
	var all []store.AuditEvent
	var ops []store.Op
	for i := range 60 {
		at := t0.Add(time.Duration(i) * time.Second)
		ev := store.AuditEvent{ID: ids.TimeOrdered("a", at), At: at, Type: []string{"login.succeeded", "login.failed"}[i%2],
			UserID: []string{"u_a", "u_b", "u_c"}[i%3], Detail: map[string]string{"i": fmt.Sprint(i)}}
		all = append(all, ev)
		ops = append(ops, store.AppendAudit{Event: ev})
		if len(ops) == store.MaxOps {
			mustCommit(t, s, ops...)
			ops = nil
		}
	}
	mustCommit(t, s, ops...)
	slices.Reverse(all) // newest first

	collect := func(q store.AuditQuery) ([]store.AuditEvent, int) {
		var got []store.AuditEvent
		pages := 0
		for {
			page, err := s.ListAudit(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if page.NextCursor != "" && len(page.Items) != max(q.Limit, 1) {
				t.Fatalf("short page with a cursor: %d items", len(page.Items))
			}
			got = append(got, page.Items...)
			if page.NextCursor == "" {
				return got, pages
			}
			q.Cursor = page.NextCursor
		}
	}
	match := func(user, typ string) []store.AuditEvent {
		var out []store.AuditEvent
		for _, ev := range all {
			if (user == "" || ev.UserID == user) && (typ == "" || ev.Type == typ) {
				out = append(out, ev)
			}
		}
		return out
	}
	for _, tc := range []struct {
		user, typ string
		limit     int
		pages     int
	}{
		{"", "", 25, 3}, {"", "", 20, 3}, {"", "", 60, 1}, {"", "", 200, 1},
		{"u_a", "", 7, 3}, {"u_a", "login.failed", 5, 2}, {"", "login.succeeded", 30, 1}, {"u_x", "", 10, 1},
	} {
		got, pages := collect(store.AuditQuery{UserID: tc.user, Type: tc.typ, Limit: tc.limit})
		want := match(tc.user, tc.typ)
		if len(got) != len(want) || pages != tc.pages {
			t.Fatalf("%+v: %d events in %d pages, want %d in %d", tc, len(got), pages, len(want), tc.pages)
		}
		for i := range got {
			if got[i].ID != want[i].ID || !got[i].At.Equal(want[i].At) || got[i].Detail["i"] != want[i].Detail["i"] {
				t.Fatalf("%+v: event %d = %+v, want %+v", tc, i, got[i], want[i])
			}
		}
	}
	if _, err := s.ListAudit(t.Context(), store.AuditQuery{Cursor: "!!not a cursor"}); !errors.Is(err, dynamo.ErrInvalidCursor) {
		t.Fatalf("bad cursor: %v", err)
	}
}

func TestListFacilitiesAndSessions(t *testing.T) {
	s, _ := newTestStore(t)
	mustCommit(t, s,
		store.PutFacility{Facility: store.Facility{ID: "f_3", Name: "Berlin"}},
		store.PutFacility{Facility: store.Facility{ID: "f_2", Name: "Aachen"}},
		store.PutFacility{Facility: store.Facility{ID: "f_1", Name: "Berlin"}},
		store.PutSession{Session: session("u1", "late", t0.Add(time.Minute))},
		store.PutSession{Session: session("u1", "early", t0)},
		store.PutSession{Session: session("u10", "other", t0)},
	)
	fs, err := s.ListFacilities(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.ID)
	}
	if !slices.Equal(got, []string{"f_2", "f_1", "f_3"}) {
		t.Fatalf("facility order %v", got)
	}
	ss, err := s.ListSessions(t.Context(), "u1")
	if err != nil || len(ss) != 2 || ss[0].ID != "s_early" || ss[1].ID != "s_late" {
		t.Fatalf("ListSessions(u1) = %+v, %v", ss, err)
	}
	// Deleting a facility needs its version.
	wantConflict(t, s.Commit(t.Context(), store.DeleteFacility{ID: "f_1", Version: 2}))
	mustCommit(t, s, store.DeleteFacility{ID: "f_1", Version: 1})
}

func TestCreateTableIsIdempotentAndEnablesTTL(t *testing.T) {
	client, table := newTable(t) // without TTL
	if err := dynamo.CreateTable(t.Context(), client, table); err != nil {
		t.Fatalf("second CreateTable: %v", err)
	}
	out, err := client.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if d := out.TimeToLiveDescription; d == nil || aws.ToString(d.AttributeName) != dynamo.AttrTTL {
		t.Fatalf("TTL description %+v", d)
	}
}

func TestCancelledContext(t *testing.T) {
	s, _ := newTestStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Load(ctx, store.Query{AccountID: "u_a"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Load: %v", err)
	}
	if err := s.Commit(ctx, store.ClaimMarker{Name: "m"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit: %v", err)
	}
	if err := s.Commit(t.Context(), store.ClaimMarker{Name: "m"}); err != nil {
		t.Fatalf("the cancelled commit wrote the marker: %v", err)
	}
}

// loginSuccess is the write of a successful password login: the account's
// last login, a new session, the account's counter cleared, an audit event.
func loginSuccess(a store.Account, now time.Time, i int) []store.Op {
	a.LastLoginAt = now
	sess := session(a.ID, fmt.Sprint(i), now)
	return []store.Op{
		store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey},
		store.PutSession{Session: sess},
		store.DeleteCounter{Key: "login:account:" + a.ID},
		store.AppendAudit{Event: store.AuditEvent{ID: ids.TimeOrdered("a", now), At: now, Type: "login.succeeded", UserID: a.ID, ActorID: a.ID, IP: "203.0.113.7"}},
	}
}

func BenchmarkLoadSessionAndAccount(b *testing.B) {
	s, _ := newTestStore(b)
	a := account("u_a", "alice", "alice@example.com")
	sess := session("u_a", "one", t0)
	mustCommit(b, s, store.CreateAccount{Account: a}, store.PutSession{Session: sess})
	key := store.SessionKey{UserID: sess.UserID, Hash: sess.Hash}
	q := store.Query{AccountID: a.ID, Session: &key}
	b.ReportAllocs()
	for b.Loop() {
		snap, err := s.Load(b.Context(), q)
		if err != nil || snap.Account == nil || snap.Session == nil {
			b.Fatalf("Load: %v", err)
		}
	}
}

func BenchmarkCommitLoginSuccess(b *testing.B) {
	s, clk := newTestStore(b)
	mustCommit(b, s, store.CreateAccount{Account: account("u_a", "alice", "alice@example.com")})
	a := mustLoad(b, s, store.Query{AccountID: "u_a"}).Account
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		clk.Advance(time.Millisecond)
		if err := s.Commit(b.Context(), loginSuccess(*a, clk.Now(), i)...); err != nil {
			b.Fatalf("Commit: %v", err)
		}
		a.Version++
		i++
	}
}
