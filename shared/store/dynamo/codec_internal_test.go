package dynamo

import (
	"errors"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatepass/gatepass/shared/store"
)

func TestExpNanos(t *testing.T) {
	base := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		t    time.Time
		want int64
	}{
		{base, base.UnixNano()},
		{base.Add(1), base.UnixNano() + 1},
		{time.Unix(0, math.MaxInt64-1e9), math.MaxInt64 - 1e9},
		{time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxInt64},
		{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), math.MaxInt64},
		{time.Date(1677, 1, 1, 0, 0, 0, 0, time.UTC), math.MinInt64},
		{time.Time{}, math.MinInt64},
		{time.Unix(0, math.MinInt64+1e9), math.MinInt64 + 1e9},
	} {
		if got := expNanos(tc.t); got != tc.want {
			t.Errorf("expNanos(%v) = %d, want %d", tc.t, got, tc.want)
		}
	}
	// Order is kept across the clamp.
	if !(expNanos(time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)) < expNanos(time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC))) {
		t.Error("clamping broke the order")
	}
}

func TestTTLSecondsNeverBeforeExpiry(t *testing.T) {
	base := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	for _, exp := range []time.Time{base, base.Add(1), base.Add(999 * time.Millisecond)} {
		got := time.Unix(ttlSeconds(exp), 0)
		if got.Before(exp.Add(ttlGrace)) || got.After(exp.Add(ttlGrace+time.Second)) {
			t.Errorf("ttl for %v is %v", exp, got)
		}
	}
}

func TestTimesRoundTripExactly(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	s := store.Session{
		UserID: "u", Hash: "h", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 123456789, loc),
		LastSeenAt: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), ExpiresAt: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	}
	it, err := encodeSession(s, 1)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeSession(it)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(s.CreatedAt) || got.CreatedAt.Location() != time.UTC ||
		!got.LastSeenAt.Equal(s.LastSeenAt) || !got.ExpiresAt.Equal(s.ExpiresAt) {
		t.Fatalf("got %+v", got)
	}
	s.ExpiresAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := encodeSession(s, 1); !errors.Is(err, ErrInvalidOp) {
		t.Fatalf("year 10000: %v", err)
	}
}

func TestNilAndEmptyCollectionsRoundTrip(t *testing.T) {
	for _, list := range [][]string{nil, {}, {"b", "a"}} {
		it, err := encodeAccount(store.Account{ID: "u", Roles: list, PasswordHistory: list, RecoveryCodeHashes: list}, 1)
		if err != nil {
			t.Fatal(err)
		}
		a, err := decodeAccount(it)
		if err != nil {
			t.Fatal(err)
		}
		if (a.Roles == nil) != (list == nil) || !slices.Equal(a.Roles, list) {
			t.Fatalf("roles %#v came back as %#v", list, a.Roles)
		}
		if (a.PasswordHistory == nil) != (list == nil) || !slices.Equal(a.PasswordHistory, list) {
			t.Fatalf("password history %#v came back as %#v", list, a.PasswordHistory)
		}
		if (a.RecoveryCodeHashes == nil) != (list == nil) || !slices.Equal(a.RecoveryCodeHashes, list) {
			t.Fatalf("recovery code hashes %#v came back as %#v", list, a.RecoveryCodeHashes)
		}
	}
	for _, data := range []map[string]string{nil, {}, {"k": "v", "empty": ""}} {
		it, err := encodeToken(store.Token{Kind: store.TokenReset, Hash: "h", ExpiresAt: time.Unix(1, 0), Data: data}, 1)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := decodeToken(it)
		if err != nil {
			t.Fatal(err)
		}
		if (tok.Data == nil) != (data == nil) || !maps.Equal(tok.Data, data) {
			t.Fatalf("data %#v came back as %#v", data, tok.Data)
		}
	}
}

// TestTOTPFieldsRoundTrip: secrets are binary (B) attributes holding any
// bytes, copied from the caller; empty ones are not stored and read back as
// nil; the step keeps its full int64 range.
func TestTOTPFieldsRoundTrip(t *testing.T) {
	secret := []byte{0, 1, 0xff, 0xfe, 0x80, 'x', 0}
	for _, want := range []store.Account{
		{ID: "u", TOTPSecret: secret, TOTPEnabledAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
			TOTPLastStep: 1 << 40, TOTPPendingSecret: []byte{0xc3, 0x28},
			TOTPPendingUntil: time.Date(2026, 1, 2, 3, 14, 5, 0, time.UTC), Version: 1},
		{ID: "u", TOTPLastStep: math.MaxInt64, Version: 1},
		{ID: "u", Version: 1},
	} {
		it, err := encodeAccount(want, 1)
		if err != nil {
			t.Fatal(err)
		}
		if want.TOTPSecret != nil {
			b, ok := it[attrTOTPSecret].(*types.AttributeValueMemberB)
			if !ok || &b.Value[0] == &want.TOTPSecret[0] {
				t.Fatalf("totpSecret is %T, or aliases the caller's slice", it[attrTOTPSecret])
			}
		}
		got, err := decodeAccount(it)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("got %+v, want %+v", *got, want)
		}
	}
	it, err := encodeAccount(store.Account{ID: "u", TOTPSecret: []byte{}, TOTPPendingSecret: []byte{}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := it[attrTOTPSecret]; ok {
		t.Fatal("an empty secret is stored")
	}
	if a, err := decodeAccount(it); err != nil || a.TOTPSecret != nil || a.TOTPPendingSecret != nil {
		t.Fatalf("empty secrets came back as %#v, %#v (%v)", a.TOTPSecret, a.TOTPPendingSecret, err)
	}
	it[attrTOTPSecret] = str("not binary")
	if _, err := decodeAccount(it); err == nil {
		t.Fatal("a string totpSecret decoded")
	}
}

// TestTokenKeyRoundTrip: kind and hash come back from the partition key, the
// kind ending at the first "#".
func TestTokenKeyRoundTrip(t *testing.T) {
	want := store.Token{Kind: store.TokenMFAChallenge, Hash: "ab#cd", UserID: "u", ExpiresAt: time.Unix(1, 0).UTC(), Attempts: 3, Version: 2}
	it, err := encodeToken(want, 2)
	if err != nil {
		t.Fatal(err)
	}
	if pk, _ := sOf(it[AttrPartitionKey]); pk != "TOKEN#mfa_challenge#ab#cd" {
		t.Fatalf("pk %q", pk)
	}
	for _, name := range []string{attrExp, AttrTTL, attrExpiresAt} {
		if _, ok := it[name]; !ok {
			t.Errorf("token item lacks %q", name)
		}
	}
	got, err := decodeToken(it)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

// TestClaimKeyLayout: the claims of a kind share the partition CLAIM#<kind>
// and are sorted by their canonical value, the sort key, which ListAccounts
// relies on.
func TestClaimKeyLayout(t *testing.T) {
	for _, tc := range []struct {
		claim  store.ClaimKey
		pk, sk string
	}{
		{store.ClaimKey{Kind: store.ClaimUsername, Value: "zoë.ünal"}, "CLAIM#username", "zoë.ünal"},
		{store.ClaimKey{Kind: store.ClaimEmail, Value: "a#b@example.com"}, "CLAIM#email", "a#b@example.com"},
	} {
		it := encodeClaim(tc.claim, "u_1")
		pk, _ := sOf(it[AttrPartitionKey])
		sk, _ := sOf(it[AttrSortKey])
		if pk != tc.pk || sk != tc.sk || pk != claimPK(tc.claim.Kind) {
			t.Errorf("%+v: key (%q, %q), want (%q, %q)", tc.claim, pk, sk, tc.pk, tc.sk)
		}
		if id, err := decodeClaim(it); err != nil || id != "u_1" {
			t.Errorf("%+v: decodeClaim = %q, %v", tc.claim, id, err)
		}
	}
}

// TestAccountCursor: only cursors encodeAccountCursor produced decode.
func TestAccountCursor(t *testing.T) {
	for _, key := range []string{"a", "zoë.ünal", strings.Repeat("x", maxSortKeyBytes)} {
		if got, err := decodeAccountCursor(encodeAccountCursor(key)); err != nil || got != key {
			t.Errorf("cursor of %q decodes to %q, %v", key, got, err)
		}
	}
	if got, err := decodeAccountCursor(""); err != nil || got != "" {
		t.Errorf("empty cursor decodes to %q, %v", got, err)
	}
	for _, cursor := range []string{
		"!", encodeAccountCursor(""), encodeAccountCursor(strings.Repeat("x", maxSortKeyBytes+1)),
		encodeAccountCursor("\xff"), encodeCursor("alice"), encodeCursor("acct" + "alice"),
	} {
		if _, err := decodeAccountCursor(cursor); !errors.Is(err, ErrInvalidCursor) {
			t.Errorf("cursor %q: %v, want ErrInvalidCursor", cursor, err)
		}
	}
}
