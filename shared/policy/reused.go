package policy

import "github.com/gatepass/gatepass/shared/password"

// Reused reports whether pw verifies against any of the first count PHC hashes
// of history, which is ordered newest first (callers pass the policy's
// HistoryCount as count). A count of zero or less compares nothing.
//
// Cost: every compared hash costs one full argon2id derivation with that
// hash's own parameters — at the OWASP minimum about 19 MiB and tens of
// milliseconds each, so a history of 24 costs 24 derivations. Run it after
// [Checker.Check] has passed, on a path that is already rate-limited, and
// only for a caller that has proved who it is (session, reset token or
// invitation). It stops at the first match.
//
// Entries the hasher cannot read (empty, not argon2id, malformed) cannot
// match and are skipped.
func Reused(h password.Hasher, pw string, history []string, count int) bool {
	count = min(count, len(history))
	for i := 0; i < count; i++ {
		if ok, _, err := h.Verify(pw, history[i]); err == nil && ok {
			return true
		}
	}
	return false
}
