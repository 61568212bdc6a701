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
		it, err := encodeAccount(store.Account{ID: "u", Roles: list, PasswordHistory: list}, 1)
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
		cit, err := encodeCredential(store.Credential{UserID: "u", Kind: store.CredentialRecoveryCodes, ID: "set", Hashes: list}, 1)
		if err != nil {
			t.Fatal(err)
		}
		c, err := decodeCredential(cit)
		if err != nil {
			t.Fatal(err)
		}
		if (c.Hashes == nil) != (list == nil) || !slices.Equal(c.Hashes, list) {
			t.Fatalf("credential hashes %#v came back as %#v", list, c.Hashes)
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

// TestCredentialFieldsRoundTrip: secrets are binary (B) attributes holding
// any bytes, copied from the caller; empty ones are not stored and read back
// as nil; the counter keeps its full int64 range; kind and id come back from
// the sort key, the kind ending at the first "#".
func TestCredentialFieldsRoundTrip(t *testing.T) {
	secret := []byte{0, 1, 0xff, 0xfe, 0x80, 'x', 0}
	for _, want := range []store.Credential{
		{UserID: "u", Kind: store.CredentialPasskey, ID: "id#with#hashes", Name: "key", Secret: secret,
			Counter: 1 << 40, Hashes: []string{"b", "a"}, Data: map[string]string{"k": "v"},
			CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), LastUsedAt: time.Date(2026, 1, 3, 3, 4, 5, 0, time.UTC),
			ExpiresAt: time.Date(2026, 1, 2, 3, 14, 5, 0, time.UTC), Version: 1},
		{UserID: "u", Kind: store.CredentialTOTP, ID: "totp", Counter: math.MaxInt64, Version: 1},
	} {
		it, err := encodeCredential(want, 1)
		if err != nil {
			t.Fatal(err)
		}
		if sk, _ := sOf(it[AttrSortKey]); sk != "CRED#"+string(want.Kind)+"#"+want.ID {
			t.Fatalf("sk %q", sk)
		}
		if want.Secret != nil {
			b, ok := it[attrSecret].(*types.AttributeValueMemberB)
			if !ok || &b.Value[0] == &want.Secret[0] {
				t.Fatalf("secret is %T, or aliases the caller's slice", it[attrSecret])
			}
		}
		got, err := decodeCredential(it)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	}
	it, err := encodeCredential(store.Credential{UserID: "u", Kind: store.CredentialTOTP, ID: "totp", Secret: []byte{}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := it[attrSecret]; ok {
		t.Fatal("an empty secret is stored")
	}
	if c, err := decodeCredential(it); err != nil || c.Secret != nil {
		t.Fatalf("an empty secret came back as %#v (%v)", c.Secret, err)
	}
	it[attrSecret] = str("not binary")
	if _, err := decodeCredential(it); err == nil {
		t.Fatal("a string secret decoded")
	}
}

// TestCredentialIndexRoundTrip: the account's credential index is stored as
// "<kind>#<id>" strings in order; a malformed entry does not decode.
func TestCredentialIndexRoundTrip(t *testing.T) {
	refs := []store.CredentialRef{{Kind: store.CredentialTOTP, ID: "totp"}, {Kind: store.CredentialPasskey, ID: "a#b"}}
	it, err := encodeAccount(store.Account{ID: "u", Credentials: refs}, 1)
	if err != nil {
		t.Fatal(err)
	}
	a, err := decodeAccount(it)
	if err != nil || !slices.Equal(a.Credentials, refs) {
		t.Fatalf("index %v came back as %v (%v)", refs, a.Credentials, err)
	}
	it[attrCredentials] = &types.AttributeValueMemberL{Value: []types.AttributeValue{str("no-separator")}}
	if _, err := decodeAccount(it); err == nil {
		t.Fatal("a malformed index entry decoded")
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

// TestTypicalAccountItemFitsOneKilobyte: a write unit is 1 KB, so an account
// item past it costs two on every sign-in. A typical account — TOTP, two
// passkeys (a platform one, a security key with a 64-byte id), recovery
// codes, facilities, the last two sign-ins — stays under it, because its
// factors live in items of their own and the account only indexes them.
func TestTypicalAccountItemFitsOneKilobyte(t *testing.T) {
	at := time.Date(2026, 11, 23, 8, 0, 0, 123456789, time.UTC)
	a := store.Account{
		ID: "u_7ffxu65emwcz6myerckk", Username: "jane.doe", UsernameKey: "jane.doe",
		DisplayName: "Jane Doe-Łukasiewicz", Email: "jane.doe@example.com", EmailKey: "jane.doe@example.com",
		EmailVerified: true,
		PasswordHash:  "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		PasswordSetAt: at, Roles: []string{"supervisor", "operator"}, FacilityIDs: []string{"f_berlin00000000000000", "f_hamburg0000000000000", "f_munich00000000000000"},
		Locale: "de", Status: store.StatusActive, LastLoginAt: at, LastLoginIP: "2001:db8:85a3::8a2e:370:7334",
		PreviousLoginAt: at, PreviousLoginIP: "203.0.113.200", CreatedAt: at, UpdatedAt: at, SessionEpoch: 12,
		Credentials: []store.CredentialRef{
			{Kind: store.CredentialTOTP, ID: "totp"},
			{Kind: store.CredentialPasskey, ID: "2AYI-UifnF8bUiFXCMm-hA"},
			{Kind: store.CredentialPasskey, ID: strings.Repeat("Ab_-", 21) + "xy"}, // 64 bytes, base64url
			{Kind: store.CredentialRecoveryCodes, ID: "set"},
		},
		Version: 40,
	}
	it, err := encodeAccount(a, 41)
	if err != nil {
		t.Fatal(err)
	}
	n := ItemSize(it)
	if n > 1024 {
		t.Fatalf("a typical account item is %d bytes, over one write unit", n)
	}
	// For the record: the same account in round 1's layout, its TOTP secret
	// (sealed: 12-byte nonce, 20-byte secret, 16-byte tag), enrolment time,
	// last step and ten recovery-code hashes on the account item.
	old := maps.Clone(it)
	delete(old, attrCredentials)
	hashes := make([]types.AttributeValue, 10)
	for i := range hashes {
		hashes[i] = str(strings.Repeat("0123456789abcdef", 4))
	}
	old["totpSecret"] = &types.AttributeValueMemberB{Value: make([]byte, 48)}
	old["totpEnabledAt"] = str(at.Format(timeLayout))
	old["totpLastStep"] = num(59_000_000)
	old["recoveryCodeHashes"] = &types.AttributeValueMemberL{Value: hashes}
	t.Logf("typical account item: %d bytes (round 1's layout: %d)", n, ItemSize(old))
}
