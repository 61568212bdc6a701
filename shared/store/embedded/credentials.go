package embedded

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatepass/gatepass/shared/store"
)

// ListCredentials returns the live credentials of userID of kind (every kind
// when kind is empty), ordered by CreatedAt, then kind and id.
func (s *Store) ListCredentials(ctx context.Context, userID string, kind store.CredentialKind) ([]store.Credential, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("embedded: list credentials: %w", err)
	}
	if !validID(userID) {
		return nil, nil
	}
	var out []store.Credential
	err := s.db.View(func(tx *bolt.Tx) error {
		now := s.clk.Now()
		prefix := credentialPrefix(userID, kind)
		c := tx.Bucket(bucketCredentials()).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var r credentialRecord
			if err := decode(v, &r); err != nil {
				return err
			}
			if !expired(r.ExpiresAt, now) {
				out = append(out, r.credential())
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: list credentials: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Credential) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func readCredentialRecord(tx *bolt.Tx, key store.CredentialKey, now time.Time) (*credentialRecord, error) {
	raw := tx.Bucket(bucketCredentials()).Get(credentialKey(key))
	if raw == nil {
		return nil, nil
	}
	var r credentialRecord
	if err := decode(raw, &r); err != nil {
		return nil, fmt.Errorf("%s credential of %q: %w", key.Kind, key.UserID, err)
	}
	if expired(r.ExpiresAt, now) {
		return nil, nil
	}
	return &r, nil
}

func readCredential(tx *bolt.Tx, key store.CredentialKey, now time.Time) (*store.Credential, error) {
	r, err := readCredentialRecord(tx, key, now)
	if r == nil || err != nil {
		return nil, err
	}
	c := r.credential()
	return &c, nil
}

func credentialClaimKey(k store.CredentialKey) []byte {
	return claimKey(store.CredentialClaim(k.Kind), k.ID)
}

func preparePutCredential(op store.PutCredential) (step, error) {
	c := op.Credential
	k := c.Key()
	if !validCredentialKey(k) {
		return step{}, invalid("credential user id, kind and id are required")
	}
	val, err := encode(toCredentialRecord(c, 1))
	if err != nil {
		return step{}, err
	}
	key := credentialKey(k)
	items := []string{item(bucketCredentials(), key)}
	var claim []byte
	if op.Unique {
		claim = credentialClaimKey(k)
		items = append(items, item(bucketClaims(), claim))
	}
	return step{items: items, check: func(tx *bolt.Tx, now time.Time) ([]write, error) {
		cur, err := readCredentialRecord(tx, k, now)
		if err != nil {
			return nil, err
		}
		if cur != nil {
			return nil, conflict("%s credential of %q exists", k.Kind, k.UserID)
		}
		out := []write{{bucketCredentials(), key, val}}
		if claim != nil {
			if claimHolder(tx, claim) != "" {
				return nil, conflict("%s credential id is taken", k.Kind)
			}
			out = append(out, write{bucketClaims(), claim, []byte(k.UserID)})
		}
		return out, nil
	}}, nil
}

func prepareUpdateCredential(op store.UpdateCredential) (step, error) {
	c := op.Credential
	k := c.Key()
	if !validCredentialKey(k) {
		return step{}, invalid("credential user id, kind and id are required")
	}
	val, err := encode(toCredentialRecord(c, c.Version+1))
	if err != nil {
		return step{}, err
	}
	key := credentialKey(k)
	return step{items: []string{item(bucketCredentials(), key)}, check: func(tx *bolt.Tx, now time.Time) ([]write, error) {
		cur, err := readCredentialRecord(tx, k, now)
		switch {
		case err != nil:
			return nil, err
		case cur == nil:
			return nil, conflict("%s credential of %q does not exist", k.Kind, k.UserID)
		case cur.Version != c.Version:
			return nil, conflict("%s credential of %q is at version %d, not %d", k.Kind, k.UserID, cur.Version, c.Version)
		}
		return []write{{bucketCredentials(), key, val}}, nil
	}}, nil
}

func prepareDeleteCredential(op store.DeleteCredential) (step, error) {
	k := op.Key
	if !validCredentialKey(k) {
		return step{}, invalid("credential user id, kind and id are required")
	}
	key := credentialKey(k)
	items := []string{item(bucketCredentials(), key)}
	var claim []byte
	if op.Unique {
		claim = credentialClaimKey(k)
		items = append(items, item(bucketClaims(), claim))
	}
	return step{items: items, check: func(tx *bolt.Tx, now time.Time) ([]write, error) {
		if op.Version != 0 {
			cur, err := readCredentialRecord(tx, k, now)
			switch {
			case err != nil:
				return nil, err
			case cur == nil:
				return nil, conflict("%s credential of %q does not exist", k.Kind, k.UserID)
			case cur.Version != op.Version:
				return nil, conflict("%s credential of %q is at version %d, not %d", k.Kind, k.UserID, cur.Version, op.Version)
			}
		}
		out := []write{{bucketCredentials(), key, nil}}
		if claim != nil {
			switch claimHolder(tx, claim) {
			case k.UserID:
				out = append(out, write{bucketClaims(), claim, nil})
			case "":
			default:
				return nil, conflict("%s credential id is held by another account", k.Kind)
			}
		}
		return out, nil
	}}, nil
}
