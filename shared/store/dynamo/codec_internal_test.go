package dynamo

import (
	"errors"
	"math"
	"testing"
	"time"

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
	for _, roles := range [][]string{nil, {}, {"b", "a"}} {
		it, err := encodeAccount(store.Account{ID: "u", Roles: roles}, 1)
		if err != nil {
			t.Fatal(err)
		}
		a, err := decodeAccount(it)
		if err != nil {
			t.Fatal(err)
		}
		if (a.Roles == nil) != (roles == nil) || len(a.Roles) != len(roles) {
			t.Fatalf("roles %#v came back as %#v", roles, a.Roles)
		}
	}
}
