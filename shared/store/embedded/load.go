package embedded

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

// Load reads every item q names in one read transaction, so the snapshot is
// consistent. Expired sessions, counters and tokens are reported as absent.
func (s *Store) Load(ctx context.Context, q store.Query) (store.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return store.Snapshot{}, fmt.Errorf("embedded: load: %w", err)
	}
	var snap store.Snapshot
	err := s.db.View(func(tx *bolt.Tx) error {
		now := s.clk.Now()
		if q.Parameters {
			p, v, err := readParameters(tx)
			if err != nil {
				return err
			}
			snap.Parameters, snap.ParametersVersion = p, v
		}
		if q.AccountID != "" {
			a, err := readAccount(tx, q.AccountID)
			if err != nil {
				return err
			}
			snap.Account = a
		}
		if len(q.Claims) > 0 {
			b := tx.Bucket(bucketClaims())
			snap.Claims = make(map[store.ClaimKey]string, len(q.Claims))
			for _, ck := range q.Claims {
				if id := b.Get(claimKey(ck.Kind, ck.Value)); id != nil {
					snap.Claims[ck] = string(id)
				}
			}
		}
		if len(q.Counters) > 0 {
			snap.Counters = make(map[string]store.Counter, len(q.Counters))
			for _, key := range q.Counters {
				c, err := readCounter(tx, key, now)
				if err != nil {
					return err
				}
				snap.Counters[key] = c
			}
		}
		if q.Session != nil {
			sess, err := readSession(tx, *q.Session, now)
			if err != nil {
				return err
			}
			snap.Session = sess
		}
		if q.Facility != "" {
			f, err := readFacility(tx, q.Facility)
			if err != nil {
				return err
			}
			snap.Facility = f
		}
		var err error
		snap.Tokens, err = readEach(q.Tokens, validTokenKey, func(k store.TokenKey) (*store.Token, error) {
			return readToken(tx, k, now)
		})
		if err != nil {
			return err
		}
		snap.Credentials, err = readEach(q.Credentials, validCredentialKey, func(k store.CredentialKey) (*store.Credential, error) {
			return readCredential(tx, k, now)
		})
		if err != nil {
			return err
		}
		snap.Accounts, err = readEach(q.Accounts, validID, func(id string) (*store.Account, error) {
			return readAccount(tx, id)
		})
		if err != nil {
			return err
		}
		snap.HelpRequests, err = readEach(q.HelpRequests, validID, func(id string) (*store.HelpRequest, error) {
			return readHelpRequest(tx, id)
		})
		return err
	})
	if err != nil {
		return store.Snapshot{}, fmt.Errorf("embedded: load: %w", err)
	}
	return snap, nil
}

// ListSessions returns the live sessions of userID ordered by CreatedAt, then
// by public id, ascending.
func (s *Store) ListSessions(ctx context.Context, userID string) ([]store.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("embedded: list sessions: %w", err)
	}
	if !validID(userID) {
		return nil, nil
	}
	var out []store.Session
	err := s.db.View(func(tx *bolt.Tx) error {
		now := s.clk.Now()
		prefix := sessionPrefix(userID)
		c := tx.Bucket(bucketSessions()).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var r sessionRecord
			if err := decode(v, &r); err != nil {
				return err
			}
			if !expired(r.ExpiresAt, now) {
				out = append(out, r.session())
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: list sessions: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Session) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Hash, b.Hash))
	})
	return out, nil
}

// ListAudit returns audit events newest first (descending event id, which is
// time order for ids from ids.TimeOrdered), keeping those that match every
// non-empty filter. Limit 0 (or below) means 50 and limits above 200 are
// capped at 200. NextCursor is set exactly when more matching events follow;
// a cursor that ListAudit did not produce yields ErrInvalidCursor.
func (s *Store) ListAudit(ctx context.Context, q store.AuditQuery) (store.AuditPage, error) {
	if err := ctx.Err(); err != nil {
		return store.AuditPage{}, fmt.Errorf("embedded: list audit: %w", err)
	}
	limit := q.PageSize()
	var after []byte
	if q.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || len(b) == 0 {
			return store.AuditPage{}, fmt.Errorf("embedded: list audit: %w", ErrInvalidCursor)
		}
		after = b
	}
	var page store.AuditPage
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit()).Cursor()
		var k, v []byte
		if after == nil {
			k, v = c.Last()
		} else if k, _ = c.Seek(after); k == nil {
			k, v = c.Last()
		} else {
			// Seek stopped at the first id >= after; the one before it is
			// the newest id older than the cursor.
			k, v = c.Prev()
		}
		for ; k != nil; k, v = c.Prev() {
			var r auditRecord
			if err := decode(v, &r); err != nil {
				return err
			}
			if (q.UserID != "" && r.UserID != q.UserID) || (q.Type != "" && r.Type != q.Type) {
				continue
			}
			if len(page.Items) == limit {
				page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(page.Items[limit-1].ID))
				break
			}
			page.Items = append(page.Items, r.event())
		}
		return nil
	})
	if err != nil {
		return store.AuditPage{}, fmt.Errorf("embedded: list audit: %w", err)
	}
	return page, nil
}

// ListFacilities returns every facility ordered by name, then id (byte order).
func (s *Store) ListFacilities(ctx context.Context) ([]store.Facility, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("embedded: list facilities: %w", err)
	}
	var out []store.Facility
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFacilities()).ForEach(func(_, v []byte) error {
			var r facilityRecord
			if err := decode(v, &r); err != nil {
				return err
			}
			out = append(out, r.facility())
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: list facilities: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Facility) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Readers shared by Load and Commit. Each returns the live record or nil.

func readParameters(tx *bolt.Tx) (params.Parameters, int64, error) {
	raw := tx.Bucket(bucketParameters()).Get(keyParameters())
	if raw == nil {
		return params.Defaults(), 0, nil
	}
	var r parametersRecord
	if err := decode(raw, &r); err != nil {
		return params.Parameters{}, 0, fmt.Errorf("parameters: %w", err)
	}
	p, err := params.Decode(r.Parameters)
	if err != nil {
		return params.Parameters{}, 0, fmt.Errorf("parameters: %w", err)
	}
	return p, r.Version, nil
}

func readParametersVersion(tx *bolt.Tx) (int64, error) {
	raw := tx.Bucket(bucketParameters()).Get(keyParameters())
	if raw == nil {
		return 0, nil
	}
	var r struct {
		Version int64 `json:"version"`
	}
	if err := decode(raw, &r); err != nil {
		return 0, fmt.Errorf("parameters: %w", err)
	}
	return r.Version, nil
}

func readAccountRecord(tx *bolt.Tx, id string) (*accountRecord, error) {
	raw := tx.Bucket(bucketAccounts()).Get([]byte(id))
	if raw == nil {
		return nil, nil
	}
	var r accountRecord
	if err := decode(raw, &r); err != nil {
		return nil, fmt.Errorf("account %q: %w", id, err)
	}
	return &r, nil
}

// readEach reads the record of every key with read, skipping keys that
// valid says cannot have been written, and returns those found by key: what
// Load reports of the records a Query lists. It returns nil for no keys, so
// that a Load that did not ask leaves the snapshot's map nil.
func readEach[K comparable, V any](keys []K, valid func(K) bool, read func(K) (*V, error)) (map[K]V, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	out := make(map[K]V, len(keys))
	for _, k := range keys {
		if !valid(k) {
			continue // cannot have been written
		}
		v, err := read(k)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out[k] = *v
		}
	}
	return out, nil
}

func readAccount(tx *bolt.Tx, id string) (*store.Account, error) {
	r, err := readAccountRecord(tx, id)
	if r == nil || err != nil {
		return nil, err
	}
	a := r.account()
	return &a, nil
}

func readSessionRecord(tx *bolt.Tx, key store.SessionKey, now time.Time) (*sessionRecord, error) {
	raw := tx.Bucket(bucketSessions()).Get(sessionKey(key))
	if raw == nil {
		return nil, nil
	}
	var r sessionRecord
	if err := decode(raw, &r); err != nil {
		return nil, fmt.Errorf("session of %q: %w", key.UserID, err)
	}
	if expired(r.ExpiresAt, now) {
		return nil, nil
	}
	return &r, nil
}

func readSession(tx *bolt.Tx, key store.SessionKey, now time.Time) (*store.Session, error) {
	r, err := readSessionRecord(tx, key, now)
	if r == nil || err != nil {
		return nil, err
	}
	sess := r.session()
	return &sess, nil
}

// readCounter returns the live counter, or a zero Counter with Key set and
// Version 0 when it is absent or expired.
func readCounter(tx *bolt.Tx, key string, now time.Time) (store.Counter, error) {
	raw := tx.Bucket(bucketCounters()).Get([]byte(key))
	if raw == nil {
		return store.Counter{Key: key}, nil
	}
	var r counterRecord
	if err := decode(raw, &r); err != nil {
		return store.Counter{}, fmt.Errorf("counter %q: %w", key, err)
	}
	if expired(r.ExpiresAt, now) {
		return store.Counter{Key: key}, nil
	}
	return r.counter(), nil
}

func readFacilityRecord(tx *bolt.Tx, id string) (*facilityRecord, error) {
	raw := tx.Bucket(bucketFacilities()).Get([]byte(id))
	if raw == nil {
		return nil, nil
	}
	var r facilityRecord
	if err := decode(raw, &r); err != nil {
		return nil, fmt.Errorf("facility %q: %w", id, err)
	}
	return &r, nil
}

func readFacility(tx *bolt.Tx, id string) (*store.Facility, error) {
	r, err := readFacilityRecord(tx, id)
	if r == nil || err != nil {
		return nil, err
	}
	f := r.facility()
	return &f, nil
}

func readTokenRecord(tx *bolt.Tx, key store.TokenKey, now time.Time) (*tokenRecord, error) {
	raw := tx.Bucket(bucketTokens()).Get(tokenKey(key))
	if raw == nil {
		return nil, nil
	}
	var r tokenRecord
	if err := decode(raw, &r); err != nil {
		return nil, fmt.Errorf("%s token: %w", key.Kind, err)
	}
	if expired(r.ExpiresAt, now) {
		return nil, nil
	}
	return &r, nil
}

func readToken(tx *bolt.Tx, key store.TokenKey, now time.Time) (*store.Token, error) {
	r, err := readTokenRecord(tx, key, now)
	if r == nil || err != nil {
		return nil, err
	}
	tok := r.token()
	return &tok, nil
}
