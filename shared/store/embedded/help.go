package embedded

import (
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatepass/gatepass/shared/store"
)

// Help requests live in the help bucket under their account's id, which is
// what keeps them one per account.

type helpRecord struct {
	UserID    string    `json:"userId"`
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	IP        string    `json:"ip,omitempty"`
	UserAgent string    `json:"userAgent,omitempty"`
}

func toHelpRecord(h store.HelpRequest) helpRecord {
	return helpRecord{UserID: h.UserID, ID: h.ID, CreatedAt: utc(h.CreatedAt), IP: h.IP, UserAgent: h.UserAgent}
}

func (r helpRecord) request() store.HelpRequest {
	return store.HelpRequest{UserID: r.UserID, ID: r.ID, CreatedAt: r.CreatedAt, IP: r.IP, UserAgent: r.UserAgent}
}

func readHelpRecord(tx *bolt.Tx, userID string) (*helpRecord, error) {
	raw := tx.Bucket(bucketHelp()).Get([]byte(userID))
	if raw == nil {
		return nil, nil
	}
	var r helpRecord
	if err := decode(raw, &r); err != nil {
		return nil, fmt.Errorf("help request of %q: %w", userID, err)
	}
	return &r, nil
}

func readHelpRequest(tx *bolt.Tx, userID string) (*store.HelpRequest, error) {
	r, err := readHelpRecord(tx, userID)
	if r == nil || err != nil {
		return nil, err
	}
	h := r.request()
	return &h, nil
}

// ListHelpRequests returns every open help request, newest first (CreatedAt
// descending, then user id ascending).
func (s *Store) ListHelpRequests(ctx context.Context) ([]store.HelpRequest, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("embedded: list help requests: %w", err)
	}
	out := []store.HelpRequest{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketHelp()).ForEach(func(_, v []byte) error {
			var r helpRecord
			if err := decode(v, &r); err != nil {
				return err
			}
			out = append(out, r.request())
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: list help requests: %w", err)
	}
	slices.SortFunc(out, store.CompareHelpRequests)
	return out, nil
}

func preparePutHelpRequest(op store.PutHelpRequest) (step, error) {
	h := op.Request
	if !validID(h.UserID) || h.ID == "" {
		return step{}, invalid("help request user id and id are required")
	}
	val, err := encode(toHelpRecord(h))
	if err != nil {
		return step{}, err
	}
	key := []byte(h.UserID)
	return step{items: []string{item(bucketHelp(), key)}, check: func(tx *bolt.Tx, _ time.Time) ([]write, error) {
		if tx.Bucket(bucketHelp()).Get(key) != nil {
			return nil, conflict("account %q has an open help request", h.UserID)
		}
		return []write{{bucketHelp(), key, val}}, nil
	}}, nil
}

func prepareDeleteHelpRequest(op store.DeleteHelpRequest) (step, error) {
	if !validID(op.UserID) {
		return step{}, invalid("help request user id is required")
	}
	key := []byte(op.UserID)
	return step{items: []string{item(bucketHelp(), key)}, check: func(tx *bolt.Tx, _ time.Time) ([]write, error) {
		if op.ID != "" {
			cur, err := readHelpRecord(tx, op.UserID)
			switch {
			case err != nil:
				return nil, err
			case cur == nil || cur.ID != op.ID:
				return nil, conflict("help request %q of %q is not open", op.ID, op.UserID)
			}
		}
		return []write{{bucketHelp(), key, nil}}, nil
	}}, nil
}
