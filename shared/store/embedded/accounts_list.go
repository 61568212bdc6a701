package embedded

import (
	"bytes"
	"context"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"

	"github.com/gatepass/gatepass/shared/store"
)

// ListAccounts returns accounts in UsernameKey (byte) order, keeping those
// that q.Matches, in pages of q.PageSize(). The username claims are keyed
// "username\x00" + canonical username, so one cursor walk over that range of
// the claims bucket visits the accounts in order, all within one read
// transaction. The listing is exact: every page but the last is full, and
// NextCursor is set exactly when another matching account follows (which may
// take a scan to the end of the range for a sparse filter). The cursor is the
// base64url form of a tag and the UsernameKey of the page's last account; a
// cursor ListAccounts did not produce yields ErrInvalidCursor.
func (s *Store) ListAccounts(ctx context.Context, q store.AccountQuery) (store.AccountPage, error) {
	if err := ctx.Err(); err != nil {
		return store.AccountPage{}, fmt.Errorf("embedded: list accounts: %w", err)
	}
	limit := q.PageSize()
	after, err := decodeAccountCursor(q.Cursor)
	if err != nil {
		return store.AccountPage{}, fmt.Errorf("embedded: list accounts: %w", err)
	}
	prefix := claimKey(store.ClaimUsername, "")
	page := store.AccountPage{Items: []store.Account{}}
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketClaims()).Cursor()
		var k, v []byte
		if after == "" {
			k, v = c.Seek(prefix)
		} else {
			// Resume after the cursor's key, whether or not its account
			// still exists.
			start := claimKey(store.ClaimUsername, after)
			if k, v = c.Seek(start); bytes.Equal(k, start) {
				k, v = c.Next()
			}
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			r, err := readAccountRecord(tx, string(v))
			if err != nil {
				return err
			}
			// Claims and accounts change in one transaction, so a claim
			// always names an account holding it; skip one that does not
			// rather than list an account under another's name.
			if r == nil || r.UsernameKey != string(k[len(prefix):]) {
				continue
			}
			a := r.account()
			if !q.Matches(a) {
				continue
			}
			if len(page.Items) == limit {
				page.NextCursor = encodeAccountCursor(page.Items[limit-1].UsernameKey)
				return nil
			}
			page.Items = append(page.Items, a)
		}
		return nil
	})
	if err != nil {
		return store.AccountPage{}, fmt.Errorf("embedded: list accounts: %w", err)
	}
	return page, nil
}

func encodeAccountCursor(usernameKey string) string { return store.AccountCursor(usernameKey) }

func decodeAccountCursor(cursor string) (string, error) {
	return store.ParseAccountCursor(cursor, math.MaxInt)
}
