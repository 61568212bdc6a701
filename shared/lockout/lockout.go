// Package lockout throttles failed sign-in attempts per canonical account and
// per client IP (SECURITY.md "Login, lockout, enumeration").
//
// The policy: failures are counted in a window; the attempt that brings the
// count to MaxFailures also starts a lock, so with MaxFailures 5 attempts 1–5
// are judged and attempt 6 is refused. Attempts during a lock change nothing
// (they do not extend it). Each further lock served in a row doubles, up to
// the maximum lock. A success clears the account's counter: explicitly
// (store.DeleteCounter) or, on the sign-in paths, implicitly — a counter
// whose window began at or before the account's last sign-in counts nothing
// (Since), so that a sign-in does not spend a write on clearing it.
//
// For accounts the attempt is counted before the password is checked, with a
// compare-and-swap on the counter, so N parallel guesses against one account
// get at most MaxFailures verdicts. A lock set by the attempt that turns out
// to be correct is cleared by its success.
package lockout

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

// Policy is one throttling rule.
type Policy struct {
	MaxFailures     int
	Window          time.Duration
	LockDuration    time.Duration
	MaxLockDuration time.Duration
}

// ForAccount returns the per-account policy of the tenant's parameters.
func ForAccount(l params.Lockout) Policy {
	return Policy{MaxFailures: l.MaxFailures, Window: l.Window(),
		LockDuration: seconds(l.LockSeconds), MaxLockDuration: seconds(l.MaxLockSeconds)}
}

// ForIP returns the per-client-IP policy of the tenant's parameters.
func ForIP(l params.Lockout) Policy {
	p := ForAccount(l)
	p.MaxFailures = l.MaxFailuresPerIP
	return p
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

// AccountKey keys the counter of an existing account: by id, so that every
// spelling of the username and the email alias share one count.
func AccountKey(userID string) string { return "login:account:" + userID }

// UnknownKey keys the counter of a name no account holds: by its canonical
// form, so that unknown names lock exactly like existing ones.
func UnknownKey(canonical string) string { return "login:name:" + canonical }

// IPKey keys the sign-in counter of a client address.
func IPKey(ip string) string { return ScopedIPKey("login", ip) }

// ScopedIPKey keys a counter of a client address for one purpose (scope).
// IPv6 clients are counted per /64, the block one subscriber or host
// typically owns: counting single IPv6 addresses would let a client rotate
// through 2^64 of them for free.
func ScopedIPKey(scope, ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return scope + ":ip:" + ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		return scope + ":ip:" + netip.PrefixFrom(addr, 64).Masked().String()
	}
	return scope + ":ip:" + addr.String()
}

// PerHour is a plain rate limit: n counted events per hour, then refusal
// until an hour after the n-th.
func PerHour(n int) Policy {
	return Policy{MaxFailures: n, Window: time.Hour, LockDuration: time.Hour, MaxLockDuration: time.Hour}
}

// Since returns the counter c as a successful sign-in at lastSuccess left
// it: when its window began at or before lastSuccess — the attempts it holds
// were all made before that sign-in, including the sign-in's own count — it
// counts nothing and locks nothing, and only its key and version remain (the
// next count swaps on that version). A zero lastSuccess (never signed in, or
// a key no success clears) leaves c as it is.
//
// The sign-in paths record the sign-in on the account (LastLoginAt) and let
// Since clear the counter instead of deleting it in the same commit: on
// DynamoDB that is one write unit less per sign-in. Every reader of an
// account's counter applies it: the lockout check, the count's re-read, the
// administrator's lock display.
func Since(c store.Counter, lastSuccess time.Time) store.Counter {
	if c.Version == 0 || lastSuccess.IsZero() || c.WindowStart.After(lastSuccess) {
		return c
	}
	return store.Counter{Key: c.Key, Version: c.Version}
}

// Locked reports whether c refuses attempts at now, and for how long.
func (p Policy) Locked(c store.Counter, now time.Time) (time.Duration, bool) {
	if c.LockedUntil.After(now) {
		return c.LockedUntil.Sub(now), true
	}
	return 0, false
}

// Next returns the counter after one more counted attempt at now. It must
// only be called when Locked is false.
func (p Policy) Next(c store.Counter, now time.Time) store.Counter {
	next := c
	switch {
	case !c.LockedUntil.IsZero():
		// A served lock starts a new window; the run of locks continues.
		next.Failures, next.WindowStart, next.LockedUntil = 0, now, time.Time{}
	case c.Version == 0 || !now.Before(c.WindowStart.Add(p.Window)):
		// First attempt, or a quiet window: start afresh.
		next.Failures, next.WindowStart, next.Locks = 0, now, 0
	}
	next.Failures++
	if next.Failures >= p.MaxFailures {
		next.LockedUntil = now.Add(p.lockFor(next.Locks))
		next.Locks++
	}
	end := next.WindowStart.Add(p.Window)
	if next.LockedUntil.After(end) {
		end = next.LockedUntil
	}
	// Keep the counter one window past its last relevance so that a run of
	// locks is remembered; after that it may be cleaned up.
	next.ExpiresAt = end.Add(p.Window)
	return next
}

// lockFor returns the duration of the lock after n locks served in a row.
func (p Policy) lockFor(n int) time.Duration {
	d := float64(p.LockDuration) * math.Pow(2, float64(n))
	if d > float64(p.MaxLockDuration) || math.IsInf(d, 0) {
		return p.MaxLockDuration
	}
	return time.Duration(d)
}

// Store is what the limiter needs from the store.
type Store interface {
	Load(ctx context.Context, q store.Query) (store.Snapshot, error)
	Commit(ctx context.Context, ops ...store.Op) error
}

// ErrLocked is returned when the counter refuses the attempt.
var ErrLocked = errors.New("lockout: locked")

// LockedError carries how long the lock still lasts.
type LockedError struct{ RetryAfter time.Duration }

func (e *LockedError) Error() string { return fmt.Sprintf("locked for %s", e.RetryAfter) }

// Unwrap makes errors.Is(err, ErrLocked) hold.
func (e *LockedError) Unwrap() error { return ErrLocked }

// maxSwaps bounds the compare-and-swap retries under contention. Losing all
// of them means a burst of parallel attempts on one key: it is refused like a
// lock (fail closed) rather than let through uncounted.
const maxSwaps = 8

// Count counts one attempt against c (as just read) with a compare-and-swap,
// re-reading on conflict. lastSuccess is the account's last sign-in (Since;
// zero for a client address or an unknown name). It returns the stored
// counter, or a *LockedError when the attempt may not proceed. extra ops are
// committed atomically with the first successful swap (the audit event of a
// failure, for instance).
func Count(ctx context.Context, s Store, p Policy, c store.Counter, lastSuccess, now time.Time, extra ...store.Op) (store.Counter, error) {
	var counted store.Counter
	c = Since(c, lastSuccess)
	err := store.Optimistic(ctx, maxSwaps+1, func(try int) error {
		if try > 0 {
			snap, err := s.Load(ctx, store.Query{Counters: []string{c.Key}})
			if err != nil {
				return fmt.Errorf("count attempt: reload: %w", err)
			}
			c = Since(snap.Counters[c.Key], lastSuccess)
		}
		if wait, locked := p.Locked(c, now); locked {
			return &LockedError{RetryAfter: wait}
		}
		next := p.Next(c, now)
		if err := s.Commit(ctx, append([]store.Op{store.PutCounter{Counter: next}}, extra...)...); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return err
			}
			return fmt.Errorf("count attempt: %w", err)
		}
		next.Version++
		counted = next
		return nil
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		// Losing every swap means heavy contention on this key: refuse
		// this attempt as if locked rather than let it through uncounted.
		return c, &LockedError{RetryAfter: time.Second}
	case err != nil:
		return c, err
	}
	return counted, nil
}

// Failure is what a failed check tells Guard to record.
type Failure struct {
	Err    error             // returned to the caller
	Event  string            // audit event type of the failure
	Detail map[string]string // its detail; never a secret
}

// Guard counts an attempt on an account before check runs (count before
// checking, SECURITY.md), then runs check. When check fails, Guard appends
// the failure's audit event — and login.locked when this attempt started a
// lock — and returns the failure's error. A *LockedError means check did not
// run. The caller clears the counter in its own success commit. lastSuccess
// is the account's LastLoginAt (Since).
func Guard(ctx context.Context, s Store, p Policy, userID string, lastSuccess time.Time, src audit.Source, now time.Time, check func() *Failure) error {
	key := AccountKey(userID)
	snap, err := s.Load(ctx, store.Query{Counters: []string{key}})
	if err != nil {
		return fmt.Errorf("lockout: read: %w", err)
	}
	counted, err := Count(ctx, s, p, snap.Counters[key], lastSuccess, now)
	if err != nil {
		return err
	}
	f := check()
	if f == nil {
		return nil
	}
	ops := []store.Op{audit.Op(audit.New(now, f.Event, userID, src, f.Detail))}
	if !counted.LockedUntil.IsZero() {
		// A nanosecond later, so that it sorts after the failure that caused it.
		ops = append(ops, audit.Op(audit.New(now.Add(time.Nanosecond), audit.LoginLocked, userID, src,
			map[string]string{"scope": "account"})))
	}
	if err := s.Commit(ctx, ops...); err != nil {
		return fmt.Errorf("lockout: record failure: %w", err)
	}
	return f.Err
}
