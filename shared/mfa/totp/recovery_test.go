package totp_test

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"github.com/gatepass/gatepass/shared/mfa/totp"
)

var recoveryFormat = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$`)

func TestNewRecoveryCodes(t *testing.T) {
	for _, n := range []int{-1, 0, 1, totp.RecoveryCodeCount, 200} {
		codes := totp.NewRecoveryCodes(n)
		if want := max(n, 0); len(codes) != want {
			t.Fatalf("NewRecoveryCodes(%d) returned %d codes", n, len(codes))
		}
		seen := map[string]bool{}
		for _, c := range codes {
			if !recoveryFormat.MatchString(c) {
				t.Errorf("code %q has the wrong format", c)
			}
			if strings.ContainsAny(c, "ilou") {
				t.Errorf("code %q contains a look-alike letter", c)
			}
			if seen[c] {
				t.Errorf("duplicate code %q", c)
			}
			seen[c] = true
			if got := totp.NormalizeRecoveryCode(c); got != strings.ReplaceAll(c, "-", "") {
				t.Errorf("normalizing generated %q changed it to %q", c, got)
			}
		}
	}
}

// TestNewRecoveryCodesUseWholeAlphabet is a coarse check that the encoding
// spreads over all 32 symbols (so each character carries 5 bits).
func TestNewRecoveryCodesUseWholeAlphabet(t *testing.T) {
	used := map[rune]bool{}
	for _, c := range totp.NewRecoveryCodes(200) {
		for _, r := range strings.ReplaceAll(c, "-", "") {
			used[r] = true
		}
	}
	if len(used) != 32 {
		t.Errorf("3200 characters used %d distinct symbols, want 32", len(used))
	}
}

func TestNormalizeRecoveryCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abcd-efgh-jkmn-pqrs", "abcdefghjkmnpqrs"},
		{"ABCD-EFGH-JKMN-PQRS", "abcdefghjkmnpqrs"},
		{" abcd efgh\tjkmn-pqrs\n", "abcdefghjkmnpqrs"},
		{"abcd--efgh", "abcdefgh"},
		{"O0o0-IiLl-1111", "000011111111"},
		{"", ""},
		{"----", ""},
	}
	for _, tt := range tests {
		if got := totp.NormalizeRecoveryCode(tt.in); got != tt.want {
			t.Errorf("NormalizeRecoveryCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHashRecoveryCode(t *testing.T) {
	sum := sha256.Sum256([]byte("abcd0123efgh4567"))
	want := hex.EncodeToString(sum[:])
	for _, typed := range []string{
		"abcd-0123-efgh-4567",
		"ABCD-0123-EFGH-4567",
		"abcd 0123 efgh 4567",
		"abcd0123efgh4567",
		"abcd-o123-efgh-4567", // o for 0
		"abcd-0l23-efgh-4567", // l for 1
		"abcd-0I23-EFGH-4567", // I for 1
	} {
		if got := totp.HashRecoveryCode(typed); got != want {
			t.Errorf("HashRecoveryCode(%q) = %s, want %s", typed, got, want)
		}
	}
	for _, other := range []string{"abcd-0123-efgh-4568", "abcd-0123-efgh-456", ""} {
		if totp.HashRecoveryCode(other) == want {
			t.Errorf("HashRecoveryCode(%q) collides", other)
		}
	}
	if h := totp.HashRecoveryCode("x"); len(h) != 64 || strings.ToLower(h) != h {
		t.Errorf("hash %q is not 64 lower-case hex characters", h)
	}
}
