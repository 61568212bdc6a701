// Package embedded is the store adapter used on a laptop: every record lives
// in one bbolt file under the data directory (callers pass e.g.
// <dataDir>/gatepass.db). It implements store.Store and passes the
// conformance suite in store/storetest.
//
// Layout: one bucket per record kind, records encoded as JSON through private
// record types so that the store package stays free of storage tags.
//
//	accounts    account id                      -> account record
//	claims      kind + "\x00" + canonical value -> id of the holding account (ListAccounts walks
//	                                               the username range: UsernameKey order)
//	sessions    user id + "\x00" + token hash   -> session record (prefix scan per user)
//	counters    counter key                     -> counter record
//	audit       event id (time-ordered)         -> event record (reverse scan = newest first)
//	parameters  "current"                       -> parameters record
//	facilities  facility id                     -> facility record
//	markers     marker name                     -> marker record
//	tokens      kind + "\x00" + token hash      -> token record
//	credentials user id + "\x00" + kind + "\x00" + id -> credential record (prefix scan per user)
//	help        user id                         -> open help request record (at most one per account)
//	meta        "format"                        -> file format version
//
// Load is one read transaction; Commit is one write transaction that checks
// every condition before it writes anything, so a failed condition leaves the
// file untouched. Expiry is decided against the injected clock on every read
// and every existence condition; Sweep only reclaims space.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/store"
)

// Errors specific to this adapter. Callers compare them with errors.Is.
var (
	// ErrInUse means another process (or another Store in this process) holds
	// the database file open.
	ErrInUse = errors.New("database is in use by another process")
	// ErrInvalidCursor is store.ErrInvalidCursor, kept for callers of this package.
	ErrInvalidCursor = store.ErrInvalidCursor
	// ErrInvalidOp is store.ErrInvalidOp, kept for callers of this package.
	ErrInvalidOp = store.ErrInvalidOp
)

// openTimeout is how long Open waits for the file lock before giving up.
const openTimeout = 2 * time.Second

// formatVersion is written to the meta bucket of every file this package
// creates; Open refuses files of another format.
const formatVersion = "1"

// Bucket and key names. They are functions rather than package variables so
// that the package holds no mutable state.
func bucketAccounts() []byte    { return []byte("accounts") }
func bucketClaims() []byte      { return []byte("claims") }
func bucketSessions() []byte    { return []byte("sessions") }
func bucketCounters() []byte    { return []byte("counters") }
func bucketAudit() []byte       { return []byte("audit") }
func bucketParameters() []byte  { return []byte("parameters") }
func bucketFacilities() []byte  { return []byte("facilities") }
func bucketMarkers() []byte     { return []byte("markers") }
func bucketTokens() []byte      { return []byte("tokens") }
func bucketCredentials() []byte { return []byte("credentials") }
func bucketHelp() []byte        { return []byte("help") }
func bucketMeta() []byte        { return []byte("meta") }

// allBuckets are created by Open when missing, so a file written before a
// bucket was added gains it without a change of format.
func allBuckets() [][]byte {
	return [][]byte{bucketAccounts(), bucketClaims(), bucketSessions(), bucketCounters(),
		bucketAudit(), bucketParameters(), bucketFacilities(), bucketMarkers(), bucketTokens(), bucketCredentials(),
		bucketHelp(), bucketMeta()}
}

func keyParameters() []byte { return []byte("current") }
func keyFormat() []byte     { return []byte("format") }

// Store is the bbolt-backed store.Store. It is safe for concurrent use.
type Store struct {
	db  *bolt.DB
	clk clock.Clock
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path. Time, and thus
// expiry, comes from clk. When another process holds the file, Open fails
// after two seconds with an error wrapping ErrInUse instead of hanging.
func Open(path string, clk clock.Clock, opts ...Option) (*Store, error) {
	return open(path, clk, openTimeout, opts...)
}

// Option adjusts how Open opens the database.
type Option func(*bolt.Options)

// WithoutSync skips the fsync after each commit. Only for benchmarks that
// measure Gatepass's own CPU rather than the disk: a crash may lose commits.
func WithoutSync() Option { return func(o *bolt.Options) { o.NoSync = true } }

func open(path string, clk clock.Clock, timeout time.Duration, opts ...Option) (*Store, error) {
	if clk == nil {
		return nil, fmt.Errorf("embedded: open %s: nil clock", path)
	}
	bo := &bolt.Options{Timeout: timeout}
	for _, opt := range opts {
		opt(bo)
	}
	db, err := bolt.Open(path, 0o600, bo)
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("embedded: open %s: %w: %w", path, ErrInUse, err)
		}
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets() {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta())
		switch got := meta.Get(keyFormat()); {
		case got == nil:
			return meta.Put(keyFormat(), []byte(formatVersion))
		case string(got) != formatVersion:
			return fmt.Errorf("unsupported file format %q (want %q)", got, formatVersion)
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	return &Store{db: db, clk: clk}, nil
}

// Close releases the file and its lock.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("embedded: close: %w", err)
	}
	return nil
}

// Sweep deletes expired sessions, counters and tokens and reports how many records it
// removed. It is clean-up only: reads already treat expired records as
// absent. The local stack calls it periodically.
func (s *Store) Sweep(ctx context.Context) (removed int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("embedded: sweep: %w", err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		now := s.clk.Now()
		removed = 0
		n, err := sweepBucket(tx.Bucket(bucketSessions()), now, func(v []byte) (time.Time, error) {
			var r sessionRecord
			err := decode(v, &r)
			return r.ExpiresAt, err
		})
		if err != nil {
			return fmt.Errorf("sessions: %w", err)
		}
		removed += n
		n, err = sweepBucket(tx.Bucket(bucketCounters()), now, func(v []byte) (time.Time, error) {
			var r counterRecord
			err := decode(v, &r)
			return r.ExpiresAt, err
		})
		if err != nil {
			return fmt.Errorf("counters: %w", err)
		}
		removed += n
		n, err = sweepBucket(tx.Bucket(bucketTokens()), now, func(v []byte) (time.Time, error) {
			var r tokenRecord
			err := decode(v, &r)
			return r.ExpiresAt, err
		})
		if err != nil {
			return fmt.Errorf("tokens: %w", err)
		}
		removed += n
		n, err = sweepBucket(tx.Bucket(bucketCredentials()), now, func(v []byte) (time.Time, error) {
			var r credentialRecord
			err := decode(v, &r)
			return r.ExpiresAt, err
		})
		if err != nil {
			return fmt.Errorf("credentials: %w", err)
		}
		removed += n
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("embedded: sweep: %w", err)
	}
	return removed, nil
}

// sweepBucket deletes every record of b whose expiry has passed. Keys are
// collected first because deleting under a moving cursor can skip records.
func sweepBucket(b *bolt.Bucket, now time.Time, expiresAt func([]byte) (time.Time, error)) (int, error) {
	var dead [][]byte
	err := b.ForEach(func(k, v []byte) error {
		exp, err := expiresAt(v)
		if err != nil {
			return err
		}
		if expired(exp, now) {
			dead = append(dead, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range dead {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(dead), nil
}

// expired reports whether a record with the given expiry no longer exists at
// now: the expiry is set and not after now (store package documentation).
func expired(expiresAt, now time.Time) bool {
	return !expiresAt.IsZero() && !expiresAt.After(now)
}
