package dynamo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatepass/gatepass/shared/retry"
	"github.com/gatepass/gatepass/shared/store"
)

// Limits of Append.
const (
	// batchWriteItems is DynamoDB's limit of items per BatchWriteItem.
	batchWriteItems = 25
	// batchWriteAttempts bounds the calls spent on one batch while
	// DynamoDB leaves some items unprocessed (throttling).
	batchWriteAttempts = 8
)

// Append writes PutSession and AppendAudit ops as plain puts in one
// BatchWriteItem (one per 25 items), retrying unprocessed items with
// backoff: one write unit per item of up to 1 KB, where a transaction costs
// two. No condition is checked — session hashes are random and audit ids
// unique — and nothing is atomic: after an error some items may be stored.
func (s *Store) Append(ctx context.Context, ops ...store.Op) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("dynamo: append: %w", err)
	}
	puts := make([]types.WriteRequest, 0, len(ops))
	for i, op := range ops {
		var it item
		var err error
		switch op := op.(type) {
		case store.PutSession:
			if op.Session.UserID == "" || op.Session.Hash == "" {
				return fmt.Errorf("dynamo: append: op %d: session user id and hash are required: %w", i, ErrInvalidOp)
			}
			it, err = encodeSession(op.Session, 1)
		case store.AppendAudit:
			if op.Event.ID == "" {
				return fmt.Errorf("dynamo: append: op %d: event id is required: %w", i, ErrInvalidOp)
			}
			it, err = encodeAudit(op.Event)
		default:
			return fmt.Errorf("dynamo: append: op %d (%T): only sessions and audit events: %w", i, op, ErrInvalidOp)
		}
		if err != nil {
			return fmt.Errorf("dynamo: append: op %d: %w", i, err)
		}
		puts = append(puts, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
	}
	for chunk := range slices.Chunk(puts, batchWriteItems) {
		pending := chunk
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt > 0 {
				if attempt >= batchWriteAttempts {
					return fmt.Errorf("dynamo: append: %d items still unprocessed after %d attempts", len(pending), attempt)
				}
				if err := retry.Sleep(ctx, retry.Backoff(attempt-1, 20*time.Millisecond, time.Second)); err != nil {
					return fmt.Errorf("dynamo: append: waiting to retry unprocessed items: %w", err)
				}
			}
			out, err := s.api.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
				RequestItems: map[string][]types.WriteRequest{s.table: pending},
			})
			if err != nil {
				return fmt.Errorf("dynamo: append: %w", err)
			}
			pending = out.UnprocessedItems[s.table]
		}
	}
	return nil
}
