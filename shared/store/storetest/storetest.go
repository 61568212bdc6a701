// Package storetest is the conformance suite of the store port (dex style):
// every adapter runs Run against fresh instances of itself, and the suite is
// the executable specification of store.Store.
//
// Besides what store.go states, the suite pins down these points, which every
// adapter must honour:
//
//   - Times round-trip as the same instant (time.Time.Equal) with at least
//     millisecond precision; the suite only uses whole milliseconds. The zero
//     time round-trips as the zero time.
//   - An empty slice or map (byte slices included) may come back as nil or
//     empty; the suite does not distinguish them and callers must not either.
//     Slice order is preserved (Roles, FacilityIDs, PasswordHistory,
//     Account.Credentials, Credential.Hashes, parameters' role lists), so
//     sets are not enough. Byte slices (Credential.Secret) hold arbitrary
//     bytes.
//   - Expiry: a session, counter or token whose ExpiresAt is at or before the
//     store clock's now is absent for reads and for conditions; a zero
//     ExpiresAt never expires a session or counter. Account.ValidUntil is not
//     record expiry.
//   - CreateAccount stores version 1. UpdateAccount fails with ErrConflict
//     when the account is absent, its version differs, UsernameKey differs
//     from the stored one, or PreviousEmailKey differs from the stored
//     EmailKey. DeleteAccount fails with ErrConflict when the account is
//     absent, its version differs, or the claim keys it names differ from the
//     stored ones: an adapter never releases a claim held by another account.
//   - PutFacility with Version 0 requires the facility to be absent;
//     DeleteFacility of an absent facility is ErrConflict.
//   - Tokens always expire: PutToken or UpdateToken with a zero ExpiresAt, and
//     any token operation without a Kind or Hash, is ErrInvalidOp. PutToken
//     stores version 1 and fails only over a live token. UpdateToken and
//     ConsumeToken need a live token at the version they name (ConsumeToken:
//     when non-zero). Each kind is its own namespace of hashes. Load leaves
//     absent, expired and consumed tokens out of Snapshot.Tokens.
//   - Conditions are evaluated against the state before the Commit. One Commit
//     addresses each item (account, claim, session, counter, audit event,
//     parameters, facility, marker, token, credential, help request) at most
//     once, as DynamoDB transactions require: otherwise it fails with an
//     error that is NOT ErrConflict (callers retry on ErrConflict, a
//     malformed commit must not loop) and writes nothing.
//   - ListSessions orders by CreatedAt ascending. ListAudit orders by event ID
//     descending; a page holds exactly Limit events unless it is the last, and
//     NextCursor is non-empty exactly when more matching events follow. A
//     cursor ListAudit did not produce is an error.
//   - ListAccounts orders by UsernameKey in byte order (which is UTF-8 code
//     point order) and returns whole accounts, as Load does. Walking its pages
//     from the first to NextCursor "" yields every matching account exactly
//     once, in order. A page never holds more than PageSize accounts; it may
//     hold fewer while NextCursor is set (an adapter bounding the work of a
//     sparse filter), but an unfiltered listing of a few hundred accounts is
//     no such case and pages fully. A cursor is a position in that order:
//     accounts created meanwhile are listed on later pages when they sort
//     after it and not when they sort before it, and deleting the account
//     it names does not invalidate it. A cursor ListAccounts did not produce
//     — garbage, or another listing's cursor — is an error wrapping
//     store.ErrInvalidCursor.
//   - A help request is keyed by its account: PutHelpRequest over an open
//     one is ErrConflict (N concurrent openings: one winner), and
//     DeleteHelpRequest with an ID closes only the open request of that ID.
//     ListHelpRequests orders newest first (store.CompareHelpRequests).
//     Query.Accounts reads several accounts in the Load that reads the rest.
//   - A cancelled context makes every method fail with an error wrapping
//     context.Canceled, and a Commit given one writes nothing.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

// Start is the instant at which every subtest's fake clock starts.
func Start() time.Time { return time.Date(2026, time.November, 23, 8, 0, 0, 0, time.UTC) }

// Run runs the conformance suite. newStore must return a fresh, empty store,
// isolated from every other store it returned, whose notion of now is clk; it
// registers its own clean-up with t.Cleanup and fails t when the store cannot
// be made. Every subtest (and every case of the table-driven ones) calls it
// once with its own *clock.Fake standing at Start, and moves that clock to
// decide expiry. Subtests run sequentially.
func Run(t *testing.T, newStore func(t *testing.T, clk clock.Clock) store.Store) {
	s := &suite{newStore: newStore}
	groups := []struct {
		name  string
		tests []test
	}{
		{"Accounts", accountTests()},
		{"SSOIdentities", ssoIdentityTests()},
		{"ListAccounts", accountListTests()},
		{"Markers", markerTests()},
		{"Sessions", sessionTests()},
		{"Counters", counterTests()},
		{"Tokens", tokenTests()},
		{"Credentials", credentialTests()},
		{"HelpRequests", helpRequestTests()},
		{"Commit", commitTests()},
		{"Append", appendTests()},
		{"Audit", auditTests()},
		{"Parameters", parameterTests()},
		{"Facilities", facilityTests()},
		{"Load", loadTests()},
		{"Context", contextTests()},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) { tc.fn(s.env(t)) })
			}
		})
	}
}

type test struct {
	name string
	fn   func(e *env)
}

type suite struct {
	newStore func(t *testing.T, clk clock.Clock) store.Store
}

// env is one subtest's store, its clock and helpers that fail the test.
type env struct {
	t     *testing.T
	s     store.Store
	clk   *clock.Fake
	ctx   context.Context
	suite *suite
}

func (s *suite) env(t *testing.T) *env {
	t.Helper()
	clk := clock.NewFake(Start())
	st := s.newStore(t, clk)
	if st == nil {
		t.Fatal("newStore returned nil")
	}
	return &env{t: t, s: st, clk: clk, ctx: t.Context(), suite: s}
}

// sub runs fn as a subtest with a fresh store.
func (e *env) sub(name string, fn func(e *env)) {
	e.t.Helper()
	e.t.Run(name, func(t *testing.T) { fn(e.suite.env(t)) })
}

func (e *env) now() time.Time { return e.clk.Now() }

func (e *env) commit(ops ...store.Op) {
	e.t.Helper()
	if err := e.s.Commit(e.ctx, ops...); err != nil {
		e.t.Fatalf("Commit(%s): %v", opNames(ops), err)
	}
}

// conflict commits ops and requires ErrConflict.
func (e *env) conflict(ops ...store.Op) {
	e.t.Helper()
	err := e.s.Commit(e.ctx, ops...)
	if !errors.Is(err, store.ErrConflict) {
		e.t.Fatalf("Commit(%s) = %v, want ErrConflict", opNames(ops), err)
	}
}

// invalid commits ops and requires ErrInvalidOp.
func (e *env) invalid(ops ...store.Op) {
	e.t.Helper()
	err := e.s.Commit(e.ctx, ops...)
	if !errors.Is(err, store.ErrInvalidOp) {
		e.t.Fatalf("Commit(%s) = %v, want ErrInvalidOp", opNames(ops), err)
	}
}

func (e *env) load(q store.Query) store.Snapshot {
	e.t.Helper()
	snap, err := e.s.Load(e.ctx, q)
	if err != nil {
		e.t.Fatalf("Load(%+v): %v", q, err)
	}
	return snap
}

func (e *env) account(id string) *store.Account {
	e.t.Helper()
	return e.load(store.Query{AccountID: id}).Account
}

func (e *env) mustAccount(id string) store.Account {
	e.t.Helper()
	a := e.account(id)
	if a == nil {
		e.t.Fatalf("account %q is absent, want present", id)
	}
	return *a
}

func (e *env) noAccount(id string) {
	e.t.Helper()
	if a := e.account(id); a != nil {
		e.t.Fatalf("account %q is present (%+v), want absent", id, *a)
	}
}

// claim returns the account id holding a claim, "" when nobody does.
func (e *env) claim(kind store.ClaimKind, value string) string {
	e.t.Helper()
	k := store.ClaimKey{Kind: kind, Value: value}
	snap := e.load(store.Query{Claims: []store.ClaimKey{k}})
	if len(snap.Claims) > 1 {
		e.t.Fatalf("Load of one claim returned %d claims: %v", len(snap.Claims), snap.Claims)
	}
	return snap.Claims[k]
}

func (e *env) wantClaim(kind store.ClaimKind, value, wantID string) {
	e.t.Helper()
	if got := e.claim(kind, value); got != wantID {
		if wantID == "" {
			e.t.Fatalf("%s claim %q is held by %q, want free", kind, value, got)
		}
		e.t.Fatalf("%s claim %q is held by %q, want %q", kind, value, got, wantID)
	}
}

func (e *env) session(k store.SessionKey) *store.Session {
	e.t.Helper()
	return e.load(store.Query{Session: &k}).Session
}

func (e *env) counter(key string) store.Counter {
	e.t.Helper()
	snap := e.load(store.Query{Counters: []string{key}})
	c, ok := snap.Counters[key]
	if !ok {
		e.t.Fatalf("Load of counter %q: missing from Snapshot.Counters (absent counters are reported as Version 0)", key)
	}
	return c
}

// token returns the live token k, nil when it is absent.
func (e *env) token(k store.TokenKey) *store.Token {
	e.t.Helper()
	snap := e.load(store.Query{Tokens: []store.TokenKey{k}})
	if len(snap.Tokens) > 1 {
		e.t.Fatalf("Load of one token returned %d tokens", len(snap.Tokens))
	}
	t, ok := snap.Tokens[k]
	if !ok {
		return nil
	}
	return &t
}

func (e *env) noToken(k store.TokenKey) {
	e.t.Helper()
	if t := e.token(k); t != nil {
		e.t.Fatalf("%s token is live (%+v), want absent", k.Kind, *t)
	}
}

func (e *env) facility(id string) *store.Facility {
	e.t.Helper()
	return e.load(store.Query{Facility: id}).Facility
}

func (e *env) sessions(userID string) []store.Session {
	e.t.Helper()
	list, err := e.s.ListSessions(e.ctx, userID)
	if err != nil {
		e.t.Fatalf("ListSessions(%q): %v", userID, err)
	}
	return list
}

func (e *env) auditPage(q store.AuditQuery) store.AuditPage {
	e.t.Helper()
	page, err := e.s.ListAudit(e.ctx, q)
	if err != nil {
		e.t.Fatalf("ListAudit(%+v): %v", q, err)
	}
	return page
}

func (e *env) accountPage(q store.AccountQuery) store.AccountPage {
	e.t.Helper()
	page, err := e.s.ListAccounts(e.ctx, q)
	if err != nil {
		e.t.Fatalf("ListAccounts(%+v): %v", q, err)
	}
	return page
}

func (e *env) facilities() []store.Facility {
	e.t.Helper()
	list, err := e.s.ListFacilities(e.ctx)
	if err != nil {
		e.t.Fatalf("ListFacilities: %v", err)
	}
	return list
}

// Race runs fn(0..n-1) in n goroutines released at the same moment and
// returns their errors by index. Adapter tests use it for their own races.
func Race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-gate
			errs[i] = fn(i)
		})
	}
	close(gate)
	wg.Wait()
	return errs
}

// OneWinner checks that exactly one error is nil and all others are
// ErrConflict, and returns the winner's index.
func OneWinner(t *testing.T, errs []error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("goroutines %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, store.ErrConflict):
			t.Fatalf("goroutine %d: %v, want nil or ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no goroutine won: %v", errs)
	}
	return winner
}

func opNames(ops []store.Op) string {
	names := make([]string, len(ops))
	for i, op := range ops {
		names[i] = strings.TrimPrefix(fmt.Sprintf("%T", op), "store.")
	}
	return strings.Join(names, ", ")
}

// ms returns d milliseconds, to keep test instants at millisecond precision.
func ms(d int) time.Duration { return time.Duration(d) * time.Millisecond }

// Fixtures.

// newAccount returns an active account with a username claim and, when email
// is not empty, an email claim. Canonical keys are lower case.
func newAccount(id, username, email string) store.Account {
	a := store.Account{
		ID: id, Username: username, UsernameKey: strings.ToLower(username),
		DisplayName: "Display " + username,
		Roles:       []string{"operator"}, Locale: "en", Status: store.StatusActive,
		CreatedAt: Start(), UpdatedAt: Start(),
	}
	if email != "" {
		a.Email, a.EmailKey = email, strings.ToLower(email)
	}
	return a
}

// fullAccount sets every field of Account to a non-zero value.
func fullAccount(id string) store.Account {
	base := Start()
	return store.Account{
		ID:                     id,
		Username:               "Zoë.Ünal",
		UsernameKey:            "zoë.ünal",
		DisplayName:            "Zoë Ünal-Łukasiewicz 👩‍💼",
		Email:                  "Zoe.Unal@Example.COM",
		EmailKey:               "zoe.unal@example.com",
		EmailVerified:          true,
		PasswordHash:           "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		PasswordChangeRequired: true,
		PasswordSetAt:          base.Add(-3*time.Hour + ms(17)),
		Roles:                  []string{"super_admin", "network_manager", "auditor"},
		NetworkAccess:          true,
		FacilityIDs:            []string{"f_munich", "f_berlin", "f_aachen"},
		Locale:                 "de",
		Status:                 store.StatusInvited,
		SSO:                    true,
		SSOIdentity:            store.SSOIdentityKey("Contoso", "00u1 Zoë/"+id),
		ValidUntil:             base.Add(90*24*time.Hour + ms(123)),
		LastLoginAt:            base.Add(-2*time.Hour + ms(7)),
		LastLoginIP:            "2001:db8::7",
		PreviousLoginAt:        base.Add(-50*time.Hour + ms(3)),
		PreviousLoginIP:        "203.0.113.200",
		CreatedAt:              base.Add(-30*24*time.Hour + ms(1)),
		UpdatedAt:              base.Add(-time.Hour + ms(999)),
		SessionEpoch:           7,
		ResetTokenHash:         ids.Hash("reset of " + id),
		InvitationTokenHash:    ids.Hash("invitation of " + id),
		// Newest first, and in neither sorted order.
		PasswordHistory: []string{
			"$argon2id$v=19$m=19456,t=2,p=1$c2FsdDM$aGFzaDM",
			"$argon2id$v=19$m=19456,t=2,p=1$c2FsdDE$aGFzaDE",
			"$argon2id$v=19$m=19456,t=2,p=1$c2FsdDI$aGFzaDI",
		},
		// In neither sorted order; ids hold what passkey ids hold.
		Credentials: []store.CredentialRef{
			{Kind: store.CredentialTOTP, ID: "totp"},
			{Kind: store.CredentialPasskey, ID: "q-Zz_09AbCd"},
			{Kind: store.CredentialRecoveryCodes, ID: "set"},
			{Kind: store.CredentialPasskey, ID: "AAAA-_"},
		},
	}
}

func sessionKeyOf(s store.Session) store.SessionKey {
	return store.SessionKey{UserID: s.UserID, Hash: s.Hash}
}

// newSession returns a session of userID whose token is label, created at
// created and expiring 12 hours later.
func newSession(userID, label string, created time.Time) store.Session {
	return store.Session{
		UserID: userID, Hash: ids.Hash(userID + "/" + label), ID: "s_" + label,
		CreatedAt: created, LastSeenAt: created, ExpiresAt: created.Add(12 * time.Hour),
		IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
		Restriction: store.RestrictionNone, ViewType: "facility", FacilityID: "f_munich", Epoch: 3,
		AuthenticatedAt: created.Add(-ms(250)),
	}
}

func tokenKeyOf(t store.Token) store.TokenKey {
	return store.TokenKey{Kind: t.Kind, Hash: t.Hash}
}

// newToken returns a token of kind for userID whose secret is label, created
// at created and expiring an hour later, with kind-specific data.
func newToken(kind store.TokenKind, label, userID string, created time.Time) store.Token {
	return store.Token{
		Kind: kind, Hash: ids.Hash(string(kind) + "/" + label), UserID: userID,
		CreatedAt: created, ExpiresAt: created.Add(time.Hour + ms(7)),
		Data: map[string]string{"ip": "203.0.113.7", "purpose": string(kind)},
	}
}

func newEvent(at time.Time, typ, userID string) store.AuditEvent {
	return store.AuditEvent{
		ID: ids.TimeOrdered("a", at), At: at, Type: typ, UserID: userID, ActorID: userID,
		IP: "198.51.100.23", UserAgent: "curl/8.9", Detail: map[string]string{"reason": typ},
	}
}

// Comparison. Values are normalised (times to UTC, empty slices and maps to
// nil) and then compared deeply, so that times compare as instants.

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func normAccount(a store.Account) store.Account {
	a.Roles, a.FacilityIDs = nilIfEmpty(a.Roles), nilIfEmpty(a.FacilityIDs)
	a.PasswordHistory = nilIfEmpty(a.PasswordHistory)
	a.ValidUntil, a.LastLoginAt, a.PreviousLoginAt = utc(a.ValidUntil), utc(a.LastLoginAt), utc(a.PreviousLoginAt)
	a.CreatedAt, a.UpdatedAt = utc(a.CreatedAt), utc(a.UpdatedAt)
	a.Credentials = nilIfEmpty(a.Credentials)
	a.PasswordSetAt = utc(a.PasswordSetAt)
	return a
}

func normSession(s store.Session) store.Session {
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = utc(s.CreatedAt), utc(s.LastSeenAt), utc(s.ExpiresAt)
	return s
}

func normCounter(c store.Counter) store.Counter {
	c.WindowStart, c.LockedUntil, c.ExpiresAt = utc(c.WindowStart), utc(c.LockedUntil), utc(c.ExpiresAt)
	return c
}

func normToken(t store.Token) store.Token {
	t.CreatedAt, t.ExpiresAt = utc(t.CreatedAt), utc(t.ExpiresAt)
	if len(t.Data) == 0 {
		t.Data = nil
	}
	return t
}

func normEvent(ev store.AuditEvent) store.AuditEvent {
	ev.At = utc(ev.At)
	if len(ev.Detail) == 0 {
		ev.Detail = nil
	}
	return ev
}

func normCredential(c store.Credential) store.Credential {
	c.Secret, c.Hashes = nilIfEmpty(c.Secret), nilIfEmpty(c.Hashes)
	if len(c.Data) == 0 {
		c.Data = nil
	}
	c.CreatedAt, c.LastUsedAt, c.ExpiresAt = utc(c.CreatedAt), utc(c.LastUsedAt), utc(c.ExpiresAt)
	return c
}

func normHelpRequest(h store.HelpRequest) store.HelpRequest {
	h.CreatedAt = utc(h.CreatedAt)
	return h
}

func normFacility(f store.Facility) store.Facility {
	f.CreatedAt, f.UpdatedAt = utc(f.CreatedAt), utc(f.UpdatedAt)
	return f
}

func normParams(p params.Parameters) params.Parameters {
	p.MFA.RequiredForRoles = nilIfEmpty(p.MFA.RequiredForRoles)
	p.SSO.DefaultRoles = nilIfEmpty(p.SSO.DefaultRoles)
	return p
}

func mapSlice[T any](s []T, f func(T) T) []T {
	if len(s) == 0 {
		return nil
	}
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

// same fails the test when got and want differ after normalisation.
func same[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	g, w := normalise(got), normalise(want)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\n got: %+v\nwant: %+v", what, g, w)
	}
}

func normalise(v any) any {
	switch v := v.(type) {
	case store.Account:
		return normAccount(v)
	case *store.Account:
		if v == nil {
			return v
		}
		return normAccount(*v)
	case store.Session:
		return normSession(v)
	case *store.Session:
		if v == nil {
			return v
		}
		return normSession(*v)
	case []store.Session:
		return mapSlice(v, normSession)
	case []store.Account:
		return mapSlice(v, normAccount)
	case store.Counter:
		return normCounter(v)
	case store.Token:
		return normToken(v)
	case *store.Token:
		if v == nil {
			return v
		}
		return normToken(*v)
	case store.AuditEvent:
		return normEvent(v)
	case []store.AuditEvent:
		return mapSlice(v, normEvent)
	case store.Facility:
		return normFacility(v)
	case *store.Facility:
		if v == nil {
			return v
		}
		return normFacility(*v)
	case []store.Facility:
		return mapSlice(v, normFacility)
	case store.Credential:
		return normCredential(v)
	case []store.Credential:
		return mapSlice(v, normCredential)
	case store.HelpRequest:
		return normHelpRequest(v)
	case *store.HelpRequest:
		if v == nil {
			return v
		}
		return normHelpRequest(*v)
	case params.Parameters:
		return normParams(v)
	}
	return v
}
