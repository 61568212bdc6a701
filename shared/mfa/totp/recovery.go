package totp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"unicode"
)

// RecoveryCodeCount is the number of recovery codes issued per user
// (DESIGN.md: 10 single-use recovery codes).
const RecoveryCodeCount = 10

// recoveryAlphabet is Crockford's base32 alphabet in lower case: digits and
// letters without i, l, o and u. The remaining look-alikes (0/o, 1/i/l) are
// folded by NormalizeRecoveryCode, so a user who types either form succeeds.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// recoveryBytes is the random input per code: 10 bytes = 80 bits, encoded as
// exactly 16 base32 characters (16 × 5 bits = 80), above the ≥ 64 bits
// SECURITY.md requires.
const recoveryBytes = 10

// NewRecoveryCodes returns n distinct recovery codes of the form
// "xxxx-xxxx-xxxx-xxxx", each carrying 80 bits from crypto/rand (16
// characters × 5 bits, Crockford base32 in lower case). It returns an empty
// slice when n ≤ 0. Show the codes to the user once and store only
// HashRecoveryCode of each.
func NewRecoveryCodes(n int) []string {
	codes := make([]string, 0, max(n, 0))
	seen := make(map[string]bool, max(n, 0))
	enc := base32.NewEncoding(recoveryAlphabet).WithPadding(base32.NoPadding)
	raw := make([]byte, recoveryBytes)
	for len(codes) < n {
		_, _ = rand.Read(raw) // crypto/rand.Read never fails (Go ≥ 1.24); it crashes the program instead.
		s := enc.EncodeToString(raw)
		code := s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
		if !seen[code] { // a repeat is a 2^-80 event; skip it anyway
			seen[code] = true
			codes = append(codes, code)
		}
	}
	return codes
}

// NormalizeRecoveryCode returns the canonical form of a typed recovery code:
// lower case, with spaces, other white space and dashes removed, and the
// look-alikes o → 0 and i, l → 1 folded (Crockford decoding). It does not
// validate; a malformed code simply matches no stored hash.
func NormalizeRecoveryCode(code string) string {
	var b strings.Builder
	b.Grow(len(code))
	for _, r := range strings.ToLower(code) {
		switch {
		case r == '-' || unicode.IsSpace(r):
			continue
		case r == 'o':
			r = '0'
		case r == 'i' || r == 'l':
			r = '1'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// HashRecoveryCode returns the lower-case hex SHA-256 of the normalized code,
// the only form in which recovery codes are stored.
//
// A fast, unsalted hash is sufficient here, unlike for passwords: each code
// is 80 bits from crypto/rand, so an attacker holding the hashes would need
// about 2^79 SHA-256 evaluations per code — infeasible — and there are no
// human choices for a dictionary or a precomputed table to exploit. Key
// stretching only matters for low-entropy secrets. A deterministic hash also
// lets the store find and consume a code with a single conditional write.
func HashRecoveryCode(code string) string {
	sum := sha256.Sum256([]byte(NormalizeRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}
