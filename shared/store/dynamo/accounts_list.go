package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatepass/gatepass/shared/store"
)

// maxSortKeyBytes is DynamoDB's limit on a sort key value. No claim has a
// longer one, so neither does a cursor ListAccounts produced.
const maxSortKeyBytes = 1024

// ListAccounts returns accounts in UsernameKey order, keeping those that
// q.Matches, in pages of q.PageSize(). Without a secondary index the order
// comes from the username claims: they share the partition CLAIM#username,
// sorted by canonical username. ListAccounts queries that partition after
// the cursor, fetches the claims' accounts with BatchGetItem (both strongly
// consistent, so that an administrator sees their own changes) and filters
// them in code. It reads until it has one matching account more than the page
// (to know that another page exists), reaches the last claim, or has examined
// accountsMaxClaims claims; in that last case the page may be short (even
// empty) and NextCursor resumes after the last claim examined. A claim whose
// account is gone (deleted between the two reads) is skipped. The cursor is
// the base64url form of a tag and a username key; a cursor ListAccounts did
// not produce yields ErrInvalidCursor.
func (s *Store) ListAccounts(ctx context.Context, q store.AccountQuery) (store.AccountPage, error) {
	if err := ctx.Err(); err != nil {
		return store.AccountPage{}, fmt.Errorf("dynamo: list accounts: %w", err)
	}
	limit := q.PageSize()
	after, err := decodeAccountCursor(q.Cursor)
	if err != nil {
		return store.AccountPage{}, fmt.Errorf("dynamo: list accounts: %w", err)
	}
	page := store.AccountPage{Items: make([]store.Account, 0, limit)}
	if q.AnyFacility != nil && len(q.AnyFacility) == 0 {
		return page, nil // an empty scope keeps nothing: no need to read
	}
	names := map[string]string{"#pk": AttrPartitionKey}
	values := map[string]types.AttributeValue{":pk": str(claimPK(store.ClaimUsername))}
	keyCond := "#pk = :pk"
	if after != "" {
		// A key condition rather than an ExclusiveStartKey: the claim the
		// cursor names may have been deleted since.
		keyCond += " AND #sk > :after"
		names["#sk"] = AttrSortKey
		values[":after"] = str(after)
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		ConsistentRead:            aws.Bool(true),
		KeyConditionExpression:    aws.String(keyCond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
	filtered := q.Search != "" || q.Status != "" || q.FacilityID != "" || q.AnyFacility != nil

	type claim struct{ usernameKey, accountID string }
	examined := 0
	last := "" // username key of the last claim examined
	for {
		// Without a filter every account read is returned: ask for exactly
		// one claim more than still needed. With one, read a BatchGetItem's
		// worth at a time.
		want := limit + 1 - len(page.Items)
		if filtered {
			want = max(want, batchGetKeys)
		}
		in.Limit = aws.Int32(int32(min(want, accountsMaxClaims-examined)))
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return store.AccountPage{}, fmt.Errorf("dynamo: list accounts: %w", err)
		}
		claims := make([]claim, 0, len(out.Items))
		keys := make([]item, 0, len(out.Items))
		seen := make(map[string]struct{}, len(out.Items))
		for _, it := range out.Items {
			key, ok := sOf(it[AttrSortKey])
			if !ok || key == "" {
				return store.AccountPage{}, errors.New("dynamo: list accounts: username claim without a sort key")
			}
			id, err := decodeClaim(it)
			if err != nil {
				return store.AccountPage{}, fmt.Errorf("dynamo: list accounts: %w", err)
			}
			claims = append(claims, claim{key, id})
			// BatchGetItem refuses duplicate keys.
			if _, dup := seen[id]; !dup {
				seen[id] = struct{}{}
				keys = append(keys, keyItem(userPK(id), skAccount))
			}
		}
		found, err := s.batchGet(ctx, keys, true)
		if err != nil {
			return store.AccountPage{}, fmt.Errorf("dynamo: list accounts: %w", err)
		}
		for _, c := range claims {
			examined++
			last = c.usernameKey
			it, ok := found[keyString(userPK(c.accountID), skAccount)]
			if !ok {
				continue // deleted after the Query read its claim
			}
			a, err := decodeAccount(it)
			if err != nil {
				return store.AccountPage{}, fmt.Errorf("dynamo: list accounts: %w", err)
			}
			// A claim names the account holding it, whose UsernameKey
			// never changes; skip one that does not rather than list an
			// account under another's name.
			if a.UsernameKey != c.usernameKey || !q.Matches(*a) {
				continue
			}
			if len(page.Items) == limit {
				// One more matches: there is a next page, starting after
				// the last account returned.
				page.NextCursor = encodeAccountCursor(page.Items[limit-1].UsernameKey)
				return page, nil
			}
			page.Items = append(page.Items, *a)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return page, nil
		}
		if examined >= accountsMaxClaims {
			page.NextCursor = encodeAccountCursor(last)
			return page, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func encodeAccountCursor(usernameKey string) string { return store.AccountCursor(usernameKey) }

func decodeAccountCursor(cursor string) (string, error) {
	return store.ParseAccountCursor(cursor, maxSortKeyBytes)
}
