// Package ids makes identifiers and secret tokens from crypto/rand.
package ids

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// New returns prefix + "_" + 20 random base32 characters (100 bits), for
// record ids such as "u_…" (users) or "f_…" (facilities).
func New(prefix string) string {
	var b [13]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return prefix + "_" + lowerBase32.EncodeToString(b[:])[:20]
}

// TimeOrdered returns an id that sorts after every id made for an earlier
// time: prefix + "_" + 16 hex digits of Unix nanoseconds + 16 random base32
// characters. Used for audit events, so that byte order is time order.
func TimeOrdered(prefix string, t time.Time) string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s_%016x%s", prefix, t.UnixNano(), lowerBase32.EncodeToString(b[:]))
}

// Token returns a secret token of 256 random bits, URL-safe base64 without
// padding (43 characters).
func Token() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Hash returns the hex SHA-256 of a token: the only form in which tokens are
// stored.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// UserToken returns a secret token scoped to a user: "<userID>.<Token()>".
// The id in front is a routing hint that lets one read fetch the token's
// record and its account together; it is not part of the secret, and a token
// whose hint does not match its record finds nothing.
func UserToken(userID string) string { return userID + "." + Token() }

// ParseUserToken splits a user-scoped token into the user id and the hash
// under which it is stored, or reports false when it is not shaped like one.
func ParseUserToken(token string) (userID, hash string, ok bool) {
	userID, secret, ok := strings.Cut(token, ".")
	if !ok || len(secret) != 43 || len(userID) < 3 || len(userID) > 64 || !URLSafe(userID) || !URLSafe(secret) {
		return "", "", false
	}
	return userID, Hash(token), true
}

// URLSafe reports whether s holds only the characters of URL-safe base64
// and of ids: A–Z, a–z, 0–9, "_" and "-".
func URLSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
