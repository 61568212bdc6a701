package dynamo_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/dynamo"
)

// accountTable serves the CLAIM#username partition and the account items of
// a fake table, as DynamoDB would: Query in sort key order honouring the
// cursor's key condition, Limit and ExclusiveStartKey (returning a
// LastEvaluatedKey whenever Limit is reached, as DynamoDB may), BatchGetItem
// by key. It counts how often each account is read.
type accountTable struct {
	t        *testing.T
	claims   []string // sorted username keys
	holder   map[string]string
	accounts map[string]store.Account // by id; a missing id is a deleted account
	reads    map[string]int
	// unprocessed, when set, leaves the second half of the keys of every
	// first BatchGetItem of a chunk unprocessed.
	unprocessed bool
}

func newAccountTable(t *testing.T, accounts ...store.Account) *accountTable {
	tab := &accountTable{t: t, holder: map[string]string{}, accounts: map[string]store.Account{}, reads: map[string]int{}}
	for _, a := range accounts {
		tab.claims = append(tab.claims, a.UsernameKey)
		tab.holder[a.UsernameKey] = a.ID
		tab.accounts[a.ID] = a
	}
	slices.Sort(tab.claims)
	return tab
}

func (tab *accountTable) api() *fakeAPI {
	retry := false
	return &fakeAPI{
		query: func(in *dynamodb.QueryInput) (*dynamodb.QueryOutput, error) {
			if pk := in.ExpressionAttributeValues[":pk"].(*types.AttributeValueMemberS).Value; pk != "CLAIM#username" {
				tab.t.Fatalf("Query of partition %q", pk)
			}
			if !aws.ToBool(in.ConsistentRead) {
				tab.t.Error("inconsistent Query")
			}
			after := ""
			if av, ok := in.ExpressionAttributeValues[":after"]; ok {
				after = av.(*types.AttributeValueMemberS).Value
				if !strings.Contains(aws.ToString(in.KeyConditionExpression), "#sk > :after") {
					tab.t.Fatalf("key condition %q", aws.ToString(in.KeyConditionExpression))
				}
			}
			if lek, ok := in.ExclusiveStartKey["sk"]; ok {
				after = max(after, lek.(*types.AttributeValueMemberS).Value)
			}
			i, _ := slices.BinarySearch(tab.claims, after)
			if i < len(tab.claims) && tab.claims[i] == after {
				i++
			}
			limit := int(aws.ToInt32(in.Limit))
			if limit <= 0 {
				tab.t.Fatalf("Query without a limit")
			}
			out := &dynamodb.QueryOutput{}
			for _, key := range tab.claims[i:min(i+limit, len(tab.claims))] {
				out.Items = append(out.Items, map[string]types.AttributeValue{
					"pk": &types.AttributeValueMemberS{Value: "CLAIM#username"}, "sk": &types.AttributeValueMemberS{Value: key},
					"v": &types.AttributeValueMemberN{Value: "1"}, "accountId": &types.AttributeValueMemberS{Value: tab.holder[key]},
				})
			}
			if len(out.Items) == limit {
				out.LastEvaluatedKey = map[string]types.AttributeValue{
					"pk": &types.AttributeValueMemberS{Value: "CLAIM#username"}, "sk": out.Items[limit-1]["sk"],
				}
			}
			return out, nil
		},
		batchGet: func(in *dynamodb.BatchGetItemInput) (*dynamodb.BatchGetItemOutput, error) {
			keys := in.RequestItems["t"].Keys
			if len(keys) > 100 {
				tab.t.Fatalf("BatchGetItem of %d keys", len(keys))
			}
			out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}
			serve := keys
			if tab.unprocessed && !retry && len(keys) > 1 {
				serve = keys[:len(keys)/2]
				out.UnprocessedKeys = map[string]types.KeysAndAttributes{"t": {Keys: keys[len(keys)/2:], ConsistentRead: aws.Bool(true)}}
			}
			retry = out.UnprocessedKeys != nil
			for _, k := range serve {
				id := strings.TrimPrefix(k["pk"].(*types.AttributeValueMemberS).Value, "USER#")
				tab.reads[id]++
				a, ok := tab.accounts[id]
				if !ok {
					continue
				}
				out.Responses["t"] = append(out.Responses["t"], map[string]types.AttributeValue{
					"pk": k["pk"], "sk": k["sk"], "v": &types.AttributeValueMemberN{Value: "1"},
					"username": &types.AttributeValueMemberS{Value: a.Username}, "usernameKey": &types.AttributeValueMemberS{Value: a.UsernameKey},
					"status": &types.AttributeValueMemberS{Value: a.Status},
				})
			}
			return out, nil
		},
	}
}

// walk lists every page of q and returns the username keys listed and the
// pages it took.
func walk(t *testing.T, s *dynamo.Store, q store.AccountQuery) ([]string, []int) {
	t.Helper()
	var keys []string
	var pages []int
	for {
		page, err := s.ListAccounts(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, len(page.Items))
		for _, a := range page.Items {
			keys = append(keys, a.UsernameKey)
		}
		if page.NextCursor == "" {
			return keys, pages
		}
		if len(pages) > 100 {
			t.Fatal("more than 100 pages")
		}
		q.Cursor = page.NextCursor
	}
}

func listed(n int, status func(i int) string) []store.Account {
	out := make([]store.Account, n)
	for i := range out {
		out[i] = store.Account{ID: fmt.Sprintf("u_%04d", i), Username: fmt.Sprintf("user%04d", i),
			UsernameKey: fmt.Sprintf("user%04d", i), Status: status(i)}
	}
	return out
}

// TestListAccountsBoundsSparseFilters: a filter that matches little ends its
// page after accountsMaxClaims claims with a cursor, so no call reads more
// than 1,000 accounts, and the pages still list every match once.
func TestListAccountsBoundsSparseFilters(t *testing.T) {
	tab := newAccountTable(t, listed(2500, func(i int) string {
		if i == 1800 || i == 2400 {
			return store.StatusInactive
		}
		return store.StatusActive
	})...)
	f := tab.api()
	s := dynamo.New(f, "t", clock.NewFake(t0))
	keys, pages := walk(t, s, store.AccountQuery{Status: store.StatusInactive})
	if !slices.Equal(keys, []string{"user1800", "user2400"}) || !slices.Equal(pages, []int{0, 1, 1}) {
		t.Fatalf("listed %v in pages %v; want user1800 and user2400 in pages [0 1 1]", keys, pages)
	}
	for id, n := range tab.reads {
		if n != 1 {
			t.Fatalf("account %s read %d times", id, n)
		}
	}
	if len(tab.reads) != 2500 {
		t.Fatalf("%d accounts read, want each of 2500 once", len(tab.reads))
	}
	var claims int
	for _, c := range f.Calls() {
		var n int
		if _, err := fmt.Sscanf(c, "Query(%d)", &n); err == nil {
			claims += n
		}
	}
	if claims > 2500+3*100 {
		t.Fatalf("asked for %d claims in all (calls %v)", claims, f.Calls())
	}
}

// TestListAccountsSkipsDeletedAccounts: a claim read by the Query whose
// account is gone by the BatchGetItem is skipped, and unprocessed keys are
// retried.
func TestListAccountsSkipsDeletedAccounts(t *testing.T) {
	tab := newAccountTable(t, listed(7, func(int) string { return store.StatusActive })...)
	delete(tab.accounts, "u_0002")
	delete(tab.accounts, "u_0006")
	tab.unprocessed = true
	s := dynamo.New(tab.api(), "t", clock.NewFake(t0))
	for _, tc := range []struct {
		limit int
		pages []int
	}{{2, []int{2, 2, 1}}, {3, []int{3, 2}}, {5, []int{5}}, {0, []int{5}}} {
		keys, pages := walk(t, s, store.AccountQuery{Limit: tc.limit})
		if !slices.Equal(keys, []string{"user0000", "user0001", "user0003", "user0004", "user0005"}) || !slices.Equal(pages, tc.pages) {
			t.Fatalf("limit %d: listed %v in pages %v, want pages %v", tc.limit, keys, pages, tc.pages)
		}
	}
}

// TestListAccountsEmptyScopeReadsNothing: an empty AnyFacility keeps no
// account, so nothing is read.
func TestListAccountsEmptyScopeReadsNothing(t *testing.T) {
	f := &fakeAPI{}
	page, err := dynamo.New(f, "t", clock.NewFake(t0)).ListAccounts(t.Context(), store.AccountQuery{AnyFacility: []string{}})
	if err != nil || len(page.Items) != 0 || page.NextCursor != "" || len(f.Calls()) != 0 {
		t.Fatalf("%+v, %v, calls %v", page, err, f.Calls())
	}
}
