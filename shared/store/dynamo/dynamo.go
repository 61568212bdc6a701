package dynamo

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/retry"
	"github.com/gatepass/gatepass/shared/store"
)

// Errors of this adapter beyond the port's, the same as store/embedded's.
// Compare with errors.Is. Neither is store.ErrConflict: they report
// programming errors, which a caller must not retry.
var (
	// ErrInvalidOp is store.ErrInvalidOp, kept for callers of this package.
	ErrInvalidOp = store.ErrInvalidOp
	// ErrInvalidCursor is store.ErrInvalidCursor, kept for callers of this package.
	ErrInvalidCursor = store.ErrInvalidCursor
)

// API is the part of the DynamoDB client the store uses. *dynamodb.Client
// implements it.
type API interface {
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Limits of the adapter.
const (
	// conflictAttempts bounds how often a write cancelled by a concurrent
	// transaction is tried in all.
	conflictAttempts = 6
	// batchGetAttempts bounds the BatchGetItem calls spent on one chunk of
	// keys while DynamoDB leaves some unprocessed.
	batchGetAttempts = 8
	// batchGetKeys is DynamoDB's limit of keys per BatchGetItem.
	batchGetKeys = 100
	// auditMaxPages bounds the Query pages one ListAudit reads.
	auditMaxPages = 20
	// accountsMaxClaims bounds the username claims one ListAccounts
	// examines (and so the accounts it reads).
	accountsMaxClaims = 1000
)

// Store is the DynamoDB implementation of store.Store. It is safe for
// concurrent use.
type Store struct {
	api   API
	table string
	clk   clock.Clock
}

var _ store.Store = (*Store)(nil)

// New returns a store on table, reached through api (normally a
// *dynamodb.Client built once per cold start). clk decides what has expired.
func New(api API, table string, clk clock.Clock) *Store {
	return &Store{api: api, table: table, clk: clk}
}

// Close releases nothing: the client belongs to the caller.
func (s *Store) Close() error { return nil }

// Load reads every item q names with one BatchGetItem (one per 100
// distinct keys), strongly consistent unless q.Eventual, retrying
// unprocessed keys with backoff.
func (s *Store) Load(ctx context.Context, q store.Query) (store.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return store.Snapshot{}, fmt.Errorf("dynamo: load: %w", err)
	}
	var snap store.Snapshot
	if q.Parameters {
		snap.Parameters = params.Defaults()
	}
	if len(q.Claims) > 0 {
		snap.Claims = make(map[store.ClaimKey]string, len(q.Claims))
	}
	if len(q.Counters) > 0 {
		snap.Counters = make(map[string]store.Counter, len(q.Counters))
		for _, k := range q.Counters {
			snap.Counters[k] = store.Counter{Key: k}
		}
	}
	if len(q.Tokens) > 0 {
		snap.Tokens = make(map[store.TokenKey]store.Token, len(q.Tokens))
	}
	if len(q.Credentials) > 0 {
		snap.Credentials = make(map[store.CredentialKey]store.Credential, len(q.Credentials))
	}
	if len(q.Accounts) > 0 {
		snap.Accounts = make(map[string]store.Account, len(q.Accounts))
	}
	if len(q.HelpRequests) > 0 {
		snap.HelpRequests = make(map[string]store.HelpRequest, len(q.HelpRequests))
	}

	// Collect the distinct keys. Keys with an empty component cannot exist
	// and are reported absent without asking.
	var keys []item
	seen := make(map[string]struct{}, 4+len(q.Claims)+len(q.Counters)+len(q.Tokens)+len(q.Credentials)+
		len(q.Accounts)+len(q.HelpRequests))
	add := func(pk, sk string) {
		k := keyString(pk, sk)
		if _, dup := seen[k]; dup {
			return
		}
		seen[k] = struct{}{}
		keys = append(keys, keyItem(pk, sk))
	}
	if q.Parameters {
		add(pkTenant, skParameters)
	}
	if q.AccountID != "" {
		add(userPK(q.AccountID), skAccount)
	}
	for _, c := range q.Claims {
		if c.Kind != "" && c.Value != "" {
			add(claimPK(c.Kind), c.Value)
		}
	}
	for _, k := range q.Counters {
		if k != "" {
			add(counterPK(k), skCounter)
		}
	}
	if q.Session != nil && q.Session.UserID != "" && q.Session.Hash != "" {
		add(userPK(q.Session.UserID), sessionSK(q.Session.Hash))
	}
	if q.Facility != "" {
		add(pkFacility, q.Facility)
	}
	for _, k := range q.Tokens {
		if validTokenKey(k) {
			add(tokenPK(k), skToken)
		}
	}
	for _, k := range q.Credentials {
		if validCredentialKey(k) {
			add(userPK(k.UserID), credentialSK(k))
		}
	}
	for _, id := range q.Accounts {
		if id != "" {
			add(userPK(id), skAccount)
		}
	}
	for _, id := range q.HelpRequests {
		if id != "" {
			add(pkHelp, id)
		}
	}
	if len(keys) == 0 {
		return snap, nil
	}

	found, err := s.batchGet(ctx, keys, !q.Eventual)
	if err != nil {
		return store.Snapshot{}, fmt.Errorf("dynamo: load: %w", err)
	}
	now := expNanos(s.clk.Now())
	get := func(pk, sk string) item {
		it, ok := found[keyString(pk, sk)]
		if !ok || expired(it, now) {
			return nil
		}
		return it
	}

	if q.Parameters {
		if it := get(pkTenant, skParameters); it != nil {
			d := decoder{m: it}
			doc, v := d.str(attrDocument), d.int(attrVersion)
			if d.err != nil {
				return store.Snapshot{}, fmt.Errorf("dynamo: decode parameters: %w", d.err)
			}
			p, err := params.Decode([]byte(doc))
			if err != nil {
				return store.Snapshot{}, fmt.Errorf("dynamo: load: %w", err)
			}
			snap.Parameters, snap.ParametersVersion = p, v
		}
	}
	if q.AccountID != "" {
		if it := get(userPK(q.AccountID), skAccount); it != nil {
			if snap.Account, err = decodeAccount(it); err != nil {
				return store.Snapshot{}, err
			}
		}
	}
	for _, c := range q.Claims {
		if it := get(claimPK(c.Kind), c.Value); it != nil {
			id, err := decodeClaim(it)
			if err != nil {
				return store.Snapshot{}, err
			}
			snap.Claims[c] = id
		}
	}
	for _, k := range q.Counters {
		if it := get(counterPK(k), skCounter); it != nil {
			c, err := decodeCounter(it)
			if err != nil {
				return store.Snapshot{}, err
			}
			snap.Counters[k] = c
		}
	}
	if q.Session != nil {
		if it := get(userPK(q.Session.UserID), sessionSK(q.Session.Hash)); it != nil {
			sess, err := decodeSession(it)
			if err != nil {
				return store.Snapshot{}, err
			}
			snap.Session = &sess
		}
	}
	if q.Facility != "" {
		if it := get(pkFacility, q.Facility); it != nil {
			f, err := decodeFacility(it)
			if err != nil {
				return store.Snapshot{}, err
			}
			snap.Facility = &f
		}
	}
	for _, k := range q.Tokens {
		if !validTokenKey(k) {
			continue
		}
		if it := get(tokenPK(k), skToken); it != nil {
			tok, err := decodeToken(it)
			if err != nil {
				return store.Snapshot{}, err
			}
			snap.Tokens[k] = tok
		}
	}
	for _, k := range q.Credentials {
		if !validCredentialKey(k) {
			continue
		}
		if it := get(userPK(k.UserID), credentialSK(k)); it != nil {
			c, err := decodeCredential(it)
			if err != nil {
				return store.Snapshot{}, err
			}
			snap.Credentials[k] = c
		}
	}
	for _, id := range q.Accounts {
		if it := get(userPK(id), skAccount); it != nil {
			a, err := decodeAccount(it)
			if err != nil {
				return store.Snapshot{}, err
			}
			snap.Accounts[id] = *a
		}
	}
	for _, id := range q.HelpRequests {
		if it := get(pkHelp, id); it != nil {
			h, err := decodeHelpRequest(it)
			if err != nil {
				return store.Snapshot{}, err
			}
			snap.HelpRequests[id] = h
		}
	}
	return snap, nil
}

// batchGet fetches keys (strongly consistent when consistent) and returns
// the items found by key
// string. Its errors name no method: callers prefix them.
func (s *Store) batchGet(ctx context.Context, keys []item, consistent bool) (map[string]item, error) {
	found := make(map[string]item, len(keys))
	for chunk := range slices.Chunk(keys, batchGetKeys) {
		pending := chunk
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt > 0 {
				if attempt >= batchGetAttempts {
					return nil, fmt.Errorf("%d keys still unprocessed after %d attempts", len(pending), attempt)
				}
				if err := retry.Sleep(ctx, retry.Backoff(attempt-1, 20*time.Millisecond, time.Second)); err != nil {
					return nil, fmt.Errorf("waiting to retry unprocessed keys: %w", err)
				}
			}
			out, err := s.api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
				RequestItems: map[string]types.KeysAndAttributes{
					s.table: {Keys: pending, ConsistentRead: aws.Bool(consistent)},
				},
			})
			if err != nil {
				return nil, err
			}
			for _, it := range out.Responses[s.table] {
				if k, ok := itemKeyString(it); ok {
					found[k] = it
				}
			}
			pending = out.UnprocessedKeys[s.table].Keys
		}
	}
	return found, nil
}

// ListSessions returns the user's live sessions, oldest first, from one
// consistent Query on the user's partition (paged when large).
func (s *Store) ListSessions(ctx context.Context, userID string) ([]store.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("dynamo: list sessions: %w", err)
	}
	sessions, err := listUserItems(ctx, s, userID, prefixSession, decodeSession)
	if err != nil {
		return nil, fmt.Errorf("dynamo: list sessions: %w", err)
	}
	slices.SortFunc(sessions, func(a, b store.Session) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Hash, b.Hash))
	})
	return sessions, nil
}

// listUserItems decodes the live items of userID's partition whose sort key
// begins with prefix: one consistent Query, paged when large. It returns an
// empty list for an empty userID.
func listUserItems[T any](ctx context.Context, s *Store, userID, prefix string, decode func(item) (T, error)) ([]T, error) {
	out := []T{}
	if userID == "" {
		return out, nil
	}
	in := &dynamodb.QueryInput{
		TableName:                aws.String(s.table),
		ConsistentRead:           aws.Bool(true),
		KeyConditionExpression:   aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPartitionKey, "#sk": AttrSortKey},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     str(userPK(userID)),
			":prefix": str(prefix),
		},
	}
	now := expNanos(s.clk.Now())
	err := s.queryAll(ctx, in, func(it item) error {
		if expired(it, now) {
			return nil
		}
		v, err := decode(it)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// ListFacilities returns every facility ordered by name, then id, from one
// consistent Query on the FACILITY partition (paged when large).
func (s *Store) ListFacilities(ctx context.Context) ([]store.Facility, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("dynamo: list facilities: %w", err)
	}
	facilities, err := listPartition(ctx, s, pkFacility, decodeFacility)
	if err != nil {
		return nil, fmt.Errorf("dynamo: list facilities: %w", err)
	}
	slices.SortFunc(facilities, func(a, b store.Facility) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return facilities, nil
}

// listPartition decodes every item of the partition pk (facilities, help
// requests): one consistent Query, paged when large. Its errors name no
// method: callers prefix them.
func listPartition[T any](ctx context.Context, s *Store, pk string, decode func(item) (T, error)) ([]T, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		ConsistentRead:            aws.Bool(true),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPartitionKey},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	}
	out := []T{}
	err := s.queryAll(ctx, in, func(it item) error {
		v, err := decode(it)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// queryAll runs in page after page and hands every item to fn.
func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput, fn func(item) error) error {
	for {
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return err
		}
		for _, it := range out.Items {
			if err := fn(it); err != nil {
				return err
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// ListAudit returns audit events newest first. It queries the AUDIT partition
// backwards from the cursor, filters on the user and type in DynamoDB, and
// reads until it has one event more than the page (to know whether another
// page exists), reaches the end, or has read auditMaxPages Query pages; in
// that last case the page may be short (even empty) and NextCursor resumes
// after the last event examined. Limit 0 means 50; larger than 200 means
// 200. The cursor is the base64url form of the last event id returned.
func (s *Store) ListAudit(ctx context.Context, q store.AuditQuery) (store.AuditPage, error) {
	if err := ctx.Err(); err != nil {
		return store.AuditPage{}, fmt.Errorf("dynamo: list audit: %w", err)
	}
	limit := q.PageSize()
	names := map[string]string{"#pk": AttrPartitionKey}
	values := map[string]types.AttributeValue{":pk": str(pkAudit)}
	keyCond := "#pk = :pk"
	if q.Cursor != "" {
		after, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || len(after) == 0 {
			return store.AuditPage{}, fmt.Errorf("dynamo: list audit: %w", ErrInvalidCursor)
		}
		keyCond += " AND #sk < :after"
		names["#sk"] = AttrSortKey
		values[":after"] = str(string(after))
	}
	var filter string
	if q.UserID != "" {
		filter = "#uid = :uid"
		names["#uid"] = attrUserID
		values[":uid"] = str(q.UserID)
	}
	if q.Type != "" {
		if filter != "" {
			filter += " AND "
		}
		filter += "#type = :type"
		names["#type"] = attrType
		values[":type"] = str(q.Type)
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		ConsistentRead:            aws.Bool(true),
		ScanIndexForward:          aws.Bool(false),
		KeyConditionExpression:    aws.String(keyCond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
	if filter != "" {
		in.FilterExpression = aws.String(filter)
	}

	page := store.AuditPage{Items: make([]store.AuditEvent, 0, limit)}
	for pages := 1; ; pages++ {
		// Without a filter every item read is returned: ask for exactly one
		// more than still needed. With one, read larger pages.
		want := int32(limit + 1 - len(page.Items))
		if filter != "" {
			want = max(want*4, 100)
		}
		in.Limit = aws.Int32(want)
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return store.AuditPage{}, fmt.Errorf("dynamo: list audit: %w", err)
		}
		for _, it := range out.Items {
			if len(page.Items) == limit {
				// One more matches: there is a next page, starting after
				// the last event returned.
				page.NextCursor = encodeCursor(page.Items[limit-1].ID)
				return page, nil
			}
			ev, err := decodeAudit(it)
			if err != nil {
				return store.AuditPage{}, fmt.Errorf("dynamo: list audit: %w", err)
			}
			page.Items = append(page.Items, ev)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return page, nil
		}
		if pages == auditMaxPages {
			last, _ := sOf(out.LastEvaluatedKey[AttrSortKey])
			if last == "" {
				return store.AuditPage{}, errors.New("dynamo: list audit: last evaluated key without a sort key")
			}
			page.NextCursor = encodeCursor(last)
			return page, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }
