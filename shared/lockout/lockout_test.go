package lockout

import (
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func defaults() Policy { return ForAccount(params.Defaults().Lockout) }

// step simulates what Count does against a perfect store.
func step(p Policy, c store.Counter, now time.Time) (store.Counter, bool) {
	if _, locked := p.Locked(c, now); locked {
		return c, false
	}
	n := p.Next(c, now)
	n.Version = c.Version + 1
	return n, true
}

func TestSixthAttemptIsRefused(t *testing.T) {
	p := defaults()
	c := store.Counter{Key: "k"}
	for i := 1; i <= 5; i++ {
		var ok bool
		c, ok = step(p, c, t0.Add(time.Duration(i)*time.Second))
		if !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if _, ok := step(p, c, t0.Add(6*time.Second)); ok {
		t.Fatal("attempt 6 allowed")
	}
	if got, want := c.LockedUntil, t0.Add(5*time.Second+5*time.Minute); !got.Equal(want) {
		t.Fatalf("LockedUntil = %v, want %v", got, want)
	}
}

func TestAttemptsDuringLockDoNotExtendIt(t *testing.T) {
	p := defaults()
	c := store.Counter{Key: "k"}
	for i := 0; i < 5; i++ {
		c, _ = step(p, c, t0)
	}
	until := c.LockedUntil
	for i := 1; i < 100; i++ {
		wait, locked := p.Locked(c, t0.Add(time.Duration(i)*time.Second))
		if !locked || wait != until.Sub(t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("at +%ds: locked=%v wait=%v", i, locked, wait)
		}
	}
	if _, locked := p.Locked(c, until); locked {
		t.Fatal("still locked when the lock ends")
	}
}

func TestLocksGrowAndCap(t *testing.T) {
	p := defaults()
	c := store.Counter{Key: "k"}
	now := t0
	var got []time.Duration
	for lock := 0; lock < 6; lock++ {
		for i := 0; i < 5; i++ {
			var ok bool
			c, ok = step(p, c, now)
			if !ok {
				t.Fatalf("lock %d attempt %d refused", lock, i)
			}
		}
		got = append(got, c.LockedUntil.Sub(now))
		now = c.LockedUntil
	}
	want := []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour, time.Hour}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("lock durations = %v, want %v", got, want)
		}
	}
}

func TestQuietWindowForgets(t *testing.T) {
	p := defaults()
	tests := []struct {
		name     string
		gap      time.Duration
		failures int
	}{
		{"within window the count goes on", 14 * time.Minute, 5},
		{"after the window it starts again", 15 * time.Minute, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := store.Counter{Key: "k"}
			for i := 0; i < 4; i++ {
				c, _ = step(p, c, t0)
			}
			c, _ = step(p, c, t0.Add(tt.gap))
			c, _ = step(p, c, t0.Add(tt.gap))
			if c.Failures != tt.failures {
				t.Fatalf("Failures = %d, want %d", c.Failures, tt.failures)
			}
		})
	}
}

func TestExpiryOutlivesLock(t *testing.T) {
	p := defaults()
	c := store.Counter{Key: "k"}
	for i := 0; i < 5; i++ {
		c, _ = step(p, c, t0)
	}
	if !c.ExpiresAt.After(c.LockedUntil) {
		t.Fatalf("ExpiresAt %v not after LockedUntil %v", c.ExpiresAt, c.LockedUntil)
	}
}

func TestIPPolicyUsesItsOwnLimit(t *testing.T) {
	p := ForIP(params.Defaults().Lockout)
	if p.MaxFailures != 100 {
		t.Fatalf("MaxFailures = %d", p.MaxFailures)
	}
}

func TestIPKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"203.0.113.7", "login:ip:203.0.113.7"},
		{"::ffff:203.0.113.7", "login:ip:203.0.113.7"},
		{"2001:db8:1:2:aaaa::1", "login:ip:2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "login:ip:2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "login:ip:2001:db8:1:3::/64"},
		{"not an ip", "login:ip:not an ip"},
	}
	for _, tt := range tests {
		if got := IPKey(tt.in); got != tt.want {
			t.Errorf("IPKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Since: a sign-in clears what its account's counter held up to the sign-in
// (its own count included), and nothing counted after it.
func TestSinceClearsOnlyWhatCameBeforeTheSignIn(t *testing.T) {
	p := defaults()
	failures := func(n int, from time.Time) store.Counter {
		c := store.Counter{Key: "k"}
		for i := range n {
			c, _ = step(p, c, from.Add(time.Duration(i)*time.Second))
		}
		return c
	}
	locked := failures(5, t0) // window from t0, locked from t0+4s
	tests := []struct {
		name        string
		c           store.Counter
		lastSuccess time.Time
		cleared     bool
	}{
		{"never signed in", locked, time.Time{}, false},
		{"absent counter", store.Counter{Key: "k"}, t0.Add(time.Hour), false},
		{"sign-in before the window", locked, t0.Add(-time.Second), false},
		{"sign-in at the window's start (its own count)", failures(1, t0), t0, true},
		{"sign-in inside the window", failures(3, t0), t0.Add(2 * time.Second), true},
		{"the attempt that locked was the right one", locked, t0.Add(4 * time.Second), true},
		{"sign-in long after", locked, t0.Add(24 * time.Hour), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Since(tt.c, tt.lastSuccess)
			if !tt.cleared {
				if got != tt.c {
					t.Fatalf("Since changed the counter: %+v, want %+v", got, tt.c)
				}
				return
			}
			if want := (store.Counter{Key: tt.c.Key, Version: tt.c.Version}); got != want {
				t.Fatalf("Since = %+v, want %+v (key and version kept for the next swap)", got, want)
			}
			if _, l := p.Locked(got, tt.lastSuccess); l {
				t.Fatal("a cleared counter still locks")
			}
			// The next failure starts a window of its own, after the sign-in,
			// and the one after that is not cleared by the same sign-in.
			next, ok := step(p, got, tt.lastSuccess.Add(time.Second))
			if !ok || next.Failures != 1 || next.Locks != 0 || !next.WindowStart.Equal(tt.lastSuccess.Add(time.Second)) {
				t.Fatalf("first count after the sign-in = %+v (ok %v)", next, ok)
			}
			if again := Since(next, tt.lastSuccess); again != next {
				t.Fatalf("Since cleared a failure made after the sign-in: %+v", again)
			}
		})
	}
}
