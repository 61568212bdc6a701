// Package storecount wraps a store and counts its round trips, so that tests
// can assert a flow's budget and benchmarks can report it.
package storecount

import (
	"context"
	"sync/atomic"

	"github.com/gatepass/gatepass/shared/store"
)

// Store counts the round trips made through it.
type Store struct {
	store.Store
	reads  atomic.Int64
	writes atomic.Int64
}

// New wraps s.
func New(s store.Store) *Store { return &Store{Store: s} }

// Counts are round trips since the last Reset.
type Counts struct {
	Reads  int64 // Load and List calls
	Writes int64 // Commit calls
}

// Counts returns the round trips made so far.
func (s *Store) Counts() Counts { return Counts{Reads: s.reads.Load(), Writes: s.writes.Load()} }

// Reset sets the counts back to zero.
func (s *Store) Reset() { s.reads.Store(0); s.writes.Store(0) }

// Load implements store.Store.
func (s *Store) Load(ctx context.Context, q store.Query) (store.Snapshot, error) {
	s.reads.Add(1)
	return s.Store.Load(ctx, q)
}

// Commit implements store.Store.
func (s *Store) Commit(ctx context.Context, ops ...store.Op) error {
	s.writes.Add(1)
	return s.Store.Commit(ctx, ops...)
}

// ListSessions implements store.Store.
func (s *Store) ListSessions(ctx context.Context, userID string) ([]store.Session, error) {
	s.reads.Add(1)
	return s.Store.ListSessions(ctx, userID)
}

// ListAudit implements store.Store.
func (s *Store) ListAudit(ctx context.Context, q store.AuditQuery) (store.AuditPage, error) {
	s.reads.Add(1)
	return s.Store.ListAudit(ctx, q)
}

// ListFacilities implements store.Store.
func (s *Store) ListFacilities(ctx context.Context) ([]store.Facility, error) {
	s.reads.Add(1)
	return s.Store.ListFacilities(ctx)
}

// ListAccounts implements store.Store.
func (s *Store) ListAccounts(ctx context.Context, q store.AccountQuery) (store.AccountPage, error) {
	s.reads.Add(1)
	return s.Store.ListAccounts(ctx, q)
}

// ListCredentials implements store.Store.
func (s *Store) ListCredentials(ctx context.Context, userID string, kind store.CredentialKind) ([]store.Credential, error) {
	s.reads.Add(1)
	return s.Store.ListCredentials(ctx, userID, kind)
}

// ListHelpRequests implements store.Store.
func (s *Store) ListHelpRequests(ctx context.Context) ([]store.HelpRequest, error) {
	s.reads.Add(1)
	return s.Store.ListHelpRequests(ctx)
}

// Append implements store.Store; it is a write.
func (s *Store) Append(ctx context.Context, ops ...store.Op) error {
	s.writes.Add(1)
	return s.Store.Append(ctx, ops...)
}
