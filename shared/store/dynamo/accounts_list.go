package dynamo

import (
	"context"
	"errors"

	"github.com/gatepass/gatepass/shared/store"
)

// ListAccounts implements store.Store. TEMPORARY: replaced by the real listing in this session.
func (s *Store) ListAccounts(ctx context.Context, q store.AccountQuery) (store.AccountPage, error) {
	return store.AccountPage{}, errors.New("dynamo: ListAccounts not yet implemented")
}
