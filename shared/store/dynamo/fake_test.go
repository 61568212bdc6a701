package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/dynamo"
)

// fakeAPI records the calls the store makes and answers from scripted
// functions. These tests need no DynamoDB Local.
type fakeAPI struct {
	dynamo.API // nil: an unscripted call panics

	mu       sync.Mutex
	calls    []string
	put      func(*dynamodb.PutItemInput) error
	transact func(*dynamodb.TransactWriteItemsInput) error
	batchGet func(*dynamodb.BatchGetItemInput) (*dynamodb.BatchGetItemOutput, error)
	query    func(*dynamodb.QueryInput) (*dynamodb.QueryOutput, error)
}

func (f *fakeAPI) record(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
}

func (f *fakeAPI) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeAPI) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.record("PutItem")
	if f.put != nil {
		return &dynamodb.PutItemOutput{}, f.put(in)
	}
	return &dynamodb.PutItemOutput{}, nil
}

func (f *fakeAPI) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	f.record("UpdateItem")
	return &dynamodb.UpdateItemOutput{}, nil
}

func (f *fakeAPI) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	f.record("DeleteItem")
	return &dynamodb.DeleteItemOutput{}, nil
}

func (f *fakeAPI) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.record(fmt.Sprintf("TransactWriteItems(%d)", len(in.TransactItems)))
	if f.transact != nil {
		return &dynamodb.TransactWriteItemsOutput{}, f.transact(in)
	}
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

func (f *fakeAPI) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	f.record(fmt.Sprintf("BatchGetItem(%d)", len(in.RequestItems["t"].Keys)))
	return f.batchGet(in)
}

func (f *fakeAPI) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.record(fmt.Sprintf("Query(%d)", aws.ToInt32(in.Limit)))
	return f.query(in)
}

func cancelled(codes ...string) error {
	reasons := make([]types.CancellationReason, len(codes))
	for i, c := range codes {
		reasons[i].Code = aws.String(c)
	}
	return &types.TransactionCanceledException{
		Message:             aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"),
		CancellationReasons: reasons,
	}
}

func TestCommitShapes(t *testing.T) {
	a := account("u_a", "alice", "alice@example.com")
	sess := session("u_a", "x", t0)
	key := store.SessionKey{UserID: "u_a", Hash: sess.Hash}
	tok := store.TokenKey{Kind: store.TokenReset, Hash: "ab12"}
	for _, tc := range []struct {
		name string
		ops  []store.Op
		want []string
	}{
		{"none", nil, nil},
		{"one put", []store.Op{store.PutSession{Session: sess}}, []string{"PutItem"}},
		{"one update", []store.Op{store.TouchSession{Key: key, LastSeenAt: t0}}, []string{"UpdateItem"}},
		{"one delete", []store.Op{store.DeleteSession{Key: key}}, []string{"DeleteItem"}},
		{"account without email change", []store.Op{store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey}}, []string{"PutItem"}},
		{"account with claims", []store.Op{store.CreateAccount{Account: a}}, []string{"TransactWriteItems(3)"}},
		{"login", loginSuccess(a, t0, 1), []string{"TransactWriteItems(4)"}},
		{"consume token", []store.Op{store.ConsumeToken{Key: tok}}, []string{"DeleteItem"}},
		{"password reset", []store.Op{store.ConsumeToken{Key: tok, Version: 1}, store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey}}, []string{"TransactWriteItems(2)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeAPI{}
			s := dynamo.New(f, "t", clock.NewFake(t0))
			if err := s.Commit(t.Context(), tc.ops...); err != nil {
				t.Fatal(err)
			}
			if got := f.Calls(); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("calls %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCommitRefusesBeforeSending(t *testing.T) {
	many := make([]store.Op, store.MaxOps+1)
	for i := range many {
		many[i] = store.DeleteCounter{Key: fmt.Sprint(i)}
	}
	a := account("u_a", "alice", "alice@example.com")
	b := account("u_b", "bob", "alice@example.com") // same email claim
	for _, tc := range []struct {
		name string
		ops  []store.Op
		want error
	}{
		{"too many", many, store.ErrTooManyOps},
		{"same counter twice", []store.Op{store.DeleteCounter{Key: "k"}, store.PutCounter{Counter: store.Counter{Key: "k"}}}, dynamo.ErrInvalidOp},
		{"same claim twice", []store.Op{store.CreateAccount{Account: a}, store.CreateAccount{Account: b}}, dynamo.ErrInvalidOp},
		{"nil op", []store.Op{nil}, dynamo.ErrInvalidOp},
		{"empty key", []store.Op{store.PutCounter{Counter: store.Counter{}}}, dynamo.ErrInvalidOp},
		{"email without key", []store.Op{store.CreateAccount{Account: store.Account{ID: "u", UsernameKey: "u", Email: "x@example.com"}}}, dynamo.ErrInvalidOp},
		{"token without expiry", []store.Op{store.PutToken{Token: store.Token{Kind: store.TokenReset, Hash: "h"}}}, dynamo.ErrInvalidOp},
		{"token kind with #", []store.Op{store.ConsumeToken{Key: store.TokenKey{Kind: "reset#x", Hash: "h"}}}, dynamo.ErrInvalidOp},
		{"same token twice", []store.Op{store.ConsumeToken{Key: store.TokenKey{Kind: store.TokenReset, Hash: "h"}}, store.DeleteToken{Key: store.TokenKey{Kind: store.TokenReset, Hash: "h"}}}, dynamo.ErrInvalidOp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeAPI{}
			err := dynamo.New(f, "t", clock.NewFake(t0)).Commit(t.Context(), tc.ops...)
			if !errors.Is(err, tc.want) || errors.Is(err, store.ErrConflict) {
				t.Fatalf("err = %v, want %v and not ErrConflict", err, tc.want)
			}
			if calls := f.Calls(); len(calls) != 0 {
				t.Fatalf("sent %v", calls)
			}
		})
	}
}

func TestCommitRetriesTransactionConflicts(t *testing.T) {
	ops := []store.Op{store.CreateAccount{Account: account("u_a", "alice", "")}}
	t.Run("then succeeds", func(t *testing.T) {
		n := 0
		f := &fakeAPI{transact: func(*dynamodb.TransactWriteItemsInput) error {
			if n++; n < 3 {
				return cancelled("None", "TransactionConflict")
			}
			return nil
		}}
		if err := dynamo.New(f, "t", clock.NewFake(t0)).Commit(t.Context(), ops...); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("%d attempts, want 3", n)
		}
	})
	t.Run("gives up with ErrConflict", func(t *testing.T) {
		n := 0
		f := &fakeAPI{transact: func(*dynamodb.TransactWriteItemsInput) error {
			n++
			return cancelled("TransactionConflict", "None")
		}}
		err := dynamo.New(f, "t", clock.NewFake(t0)).Commit(t.Context(), ops...)
		if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "attempts") {
			t.Fatalf("err = %v", err)
		}
		if n < 2 || n > 10 {
			t.Fatalf("%d attempts", n)
		}
	})
	t.Run("condition failure is final", func(t *testing.T) {
		n := 0
		f := &fakeAPI{transact: func(*dynamodb.TransactWriteItemsInput) error {
			n++
			return cancelled("TransactionConflict", "ConditionalCheckFailed")
		}}
		err := dynamo.New(f, "t", clock.NewFake(t0)).Commit(t.Context(), ops...)
		if !errors.Is(err, store.ErrConflict) || n != 1 || !strings.Contains(err.Error(), "op 0 (username claim)") {
			t.Fatalf("err = %v after %d attempts", err, n)
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			t.Fatalf("the SDK error is not wrapped: %v", err)
		}
	})
	t.Run("other cancellation is an error", func(t *testing.T) {
		f := &fakeAPI{transact: func(*dynamodb.TransactWriteItemsInput) error {
			return cancelled("ValidationError", "None")
		}}
		err := dynamo.New(f, "t", clock.NewFake(t0)).Commit(t.Context(), ops...)
		if err == nil || errors.Is(err, store.ErrConflict) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("single write conflicting with a transaction", func(t *testing.T) {
		n := 0
		f := &fakeAPI{put: func(*dynamodb.PutItemInput) error {
			if n++; n < 2 {
				return &types.TransactionConflictException{Message: aws.String("ongoing transaction")}
			}
			return &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
		}}
		err := dynamo.New(f, "t", clock.NewFake(t0)).Commit(t.Context(), store.ClaimMarker{Name: "m"})
		if !errors.Is(err, store.ErrConflict) || n != 2 {
			t.Fatalf("err = %v after %d attempts", err, n)
		}
	})
}

func TestLoadRetriesUnprocessedKeys(t *testing.T) {
	n := 0
	f := &fakeAPI{batchGet: func(in *dynamodb.BatchGetItemInput) (*dynamodb.BatchGetItemOutput, error) {
		n++
		if !aws.ToBool(in.RequestItems["t"].ConsistentRead) {
			t.Error("inconsistent read")
		}
		keys := in.RequestItems["t"].Keys
		if n == 1 {
			// Keys are [account u, counter a, counter b]: answer counter a,
			// leave the others.
			return &dynamodb.BatchGetItemOutput{
				Responses: map[string][]map[string]types.AttributeValue{"t": {{
					"pk": &types.AttributeValueMemberS{Value: "COUNTER#a"}, "sk": &types.AttributeValueMemberS{Value: "COUNTER"},
					"v": &types.AttributeValueMemberN{Value: "4"}, "failures": &types.AttributeValueMemberN{Value: "2"},
				}}},
				UnprocessedKeys: map[string]types.KeysAndAttributes{"t": {Keys: []map[string]types.AttributeValue{keys[0], keys[2]}, ConsistentRead: aws.Bool(true)}},
			}, nil
		}
		return &dynamodb.BatchGetItemOutput{}, nil
	}}
	snap, err := dynamo.New(f, "t", clock.NewFake(t0)).Load(t.Context(), store.Query{Counters: []string{"a", "b", "a", ""}, AccountID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Calls(); strings.Join(got, " ") != "BatchGetItem(3) BatchGetItem(2)" {
		t.Fatalf("calls %v", got)
	}
	if c := snap.Counters["a"]; c.Failures != 2 || c.Version != 4 || snap.Counters["b"] != (store.Counter{Key: "b"}) {
		t.Fatalf("counters %+v", snap.Counters)
	}
}

func TestLoadOfNothingSendsNothing(t *testing.T) {
	f := &fakeAPI{}
	snap, err := dynamo.New(f, "t", clock.NewFake(t0)).Load(t.Context(), store.Query{})
	if err != nil || len(f.Calls()) != 0 || snap.Account != nil {
		t.Fatalf("%+v, %v, calls %v", snap, err, f.Calls())
	}
}
