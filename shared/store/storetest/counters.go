package storetest

import (
	"errors"
	"fmt"
	"time"

	"github.com/gatepass/gatepass/shared/store"
)

func counterTests() []test {
	return []test{
		{"LoadAbsentIsZeroWithKey", testCounterAbsent},
		{"CreateWithVersionZeroThenSwap", testCounterCreateSwap},
		{"StaleVersionConflicts", testCounterStale},
		{"ExpiredReadsAbsentAndCanBeCreatedAgain", testCounterExpiry},
		{"ZeroExpiresAtNeverExpires", testCounterNoExpiry},
		{"DeleteClears", testCounterDelete},
		{"ConcurrentIncrementsLoseNothing", testCounterConcurrent},
	}
}

func newCounter(key string, now time.Time) store.Counter {
	return store.Counter{
		Key: key, Failures: 1, WindowStart: now.Add(ms(17)), LockedUntil: now.Add(5*time.Minute + ms(3)),
		Locks: 2, ExpiresAt: now.Add(time.Hour + ms(9)),
	}
}

func testCounterAbsent(e *env) {
	keys := []string{"login:account:u_a", "login:ip:203.0.113.7"}
	snap := e.load(store.Query{Counters: keys})
	if len(snap.Counters) != len(keys) {
		e.t.Fatalf("Snapshot.Counters = %+v, want an entry per key", snap.Counters)
	}
	for _, k := range keys {
		same(e.t, "absent counter "+k, snap.Counters[k], store.Counter{Key: k})
	}
	// A counter that never existed cannot be swapped with a made-up version.
	e.conflict(store.PutCounter{Counter: store.Counter{Key: keys[0], Failures: 1, Version: 1}})
	same(e.t, "counter after refused put", e.counter(keys[0]), store.Counter{Key: keys[0]})
}

func testCounterCreateSwap(e *env) {
	const key = "login:account:u_a"
	c := newCounter(key, e.now())
	e.commit(store.PutCounter{Counter: c})
	want := c
	want.Version = 1
	got := e.counter(key)
	same(e.t, "created counter", got, want)

	got.Failures, got.Locks, got.LockedUntil = 4, 3, time.Time{}
	e.commit(store.PutCounter{Counter: got})
	want = got
	want.Version = 2
	same(e.t, "swapped counter", e.counter(key), want)
}

func testCounterStale(e *env) {
	const key = "login:account:u_a"
	c := newCounter(key, e.now())
	e.commit(store.PutCounter{Counter: c})
	v1 := e.counter(key)
	e.commit(store.PutCounter{Counter: v1}) // now version 2
	want := v1
	want.Version = 2

	for _, version := range []int64{0, 1, 3} {
		stale := v1
		stale.Failures, stale.Version = 99, version
		e.conflict(store.PutCounter{Counter: stale})
	}
	same(e.t, "counter after stale puts", e.counter(key), want)
}

func testCounterExpiry(e *env) {
	const key = "login:ip:203.0.113.7"
	c := newCounter(key, e.now())
	e.commit(store.PutCounter{Counter: c})

	e.clk.Set(c.ExpiresAt.Add(-ms(1)))
	if got := e.counter(key); got.Version != 1 || got.Failures != 1 {
		e.t.Fatalf("1ms before ExpiresAt: %+v, want the live counter", got)
	}
	e.clk.Set(c.ExpiresAt)
	same(e.t, "counter at ExpiresAt", e.counter(key), store.Counter{Key: key})

	// It no longer exists for conditions either.
	stale := c
	stale.Version = 1
	e.conflict(store.PutCounter{Counter: stale})

	fresh := store.Counter{Key: key, Failures: 1, WindowStart: e.now(), ExpiresAt: e.now().Add(time.Hour)}
	e.commit(store.PutCounter{Counter: fresh})
	want := fresh
	want.Version = 1
	same(e.t, "counter created over an expired one", e.counter(key), want)
}

func testCounterNoExpiry(e *env) {
	const key = "login:account:u_a"
	c := store.Counter{Key: key, Failures: 3}
	e.commit(store.PutCounter{Counter: c})
	e.clk.Advance(10 * 365 * 24 * time.Hour)
	want := c
	want.Version = 1
	same(e.t, "counter without expiry ten years on", e.counter(key), want)
}

func testCounterDelete(e *env) {
	const key = "login:account:u_a"
	e.commit(store.DeleteCounter{Key: key}) // absent: succeeds
	e.commit(store.PutCounter{Counter: newCounter(key, e.now())})
	e.commit(store.DeleteCounter{Key: key})
	same(e.t, "deleted counter", e.counter(key), store.Counter{Key: key})
	e.commit(store.DeleteCounter{Key: key})

	c := store.Counter{Key: key, Failures: 1}
	e.commit(store.PutCounter{Counter: c})
	if got := e.counter(key); got.Version != 1 || got.Failures != 1 {
		e.t.Fatalf("recreated counter = %+v, want version 1", got)
	}
}

func testCounterConcurrent(e *env) {
	const n, key = 20, "login:ip:198.51.100.1"
	expires := e.now().Add(time.Hour)
	errs := Race(n, func(int) error {
		for range 1000 {
			snap, err := e.s.Load(e.ctx, store.Query{Counters: []string{key}})
			if err != nil {
				return err
			}
			c := snap.Counters[key]
			c.Failures++
			c.ExpiresAt = expires
			err = e.s.Commit(e.ctx, store.PutCounter{Counter: c})
			if !errors.Is(err, store.ErrConflict) {
				return err
			}
		}
		return fmt.Errorf("no successful swap in 1000 attempts")
	})
	for i, err := range errs {
		if err != nil {
			e.t.Fatalf("goroutine %d: %v", i, err)
		}
	}
	if got := e.counter(key); got.Failures != n || got.Version != n {
		e.t.Fatalf("after %d increments: failures %d, version %d; want %d and %d", n, got.Failures, got.Version, n, n)
	}
}
