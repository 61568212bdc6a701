package dynamotest_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatepass/gatepass/shared/store/dynamo/dynamotest"
)

// nothing is a dynamo.API that answers every call with an empty output.
type nothing struct{ calls int }

func (n *nothing) BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	n.calls++
	return &dynamodb.BatchGetItemOutput{}, nil
}

func (n *nothing) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	n.calls++
	return &dynamodb.PutItemOutput{}, nil
}

func (n *nothing) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	n.calls++
	return &dynamodb.UpdateItemOutput{}, nil
}

func (n *nothing) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	n.calls++
	return &dynamodb.DeleteItemOutput{}, nil
}

func (n *nothing) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	n.calls++
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

func (n *nothing) BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	n.calls++
	return &dynamodb.BatchWriteItemOutput{}, nil
}

func (n *nothing) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	n.calls++
	return &dynamodb.QueryOutput{}, nil
}

// Each call records the IAM action it needs; a transaction the actions of
// its elements and never one of its own.
func TestRecorderMapsCallsToIAMActions(t *testing.T) {
	table := aws.String("t")
	for _, tt := range []struct {
		name      string
		call      func(context.Context, *dynamotest.Recorder) error
		want      []string
		resources []string
	}{
		{"BatchGetItem", func(ctx context.Context, r *dynamotest.Recorder) error {
			_, err := r.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"t": {}}})
			return err
		}, []string{dynamotest.ActionBatchGetItem}, []string{"t"}},
		{"Query", func(ctx context.Context, r *dynamotest.Recorder) error {
			_, err := r.Query(ctx, &dynamodb.QueryInput{TableName: table})
			return err
		}, []string{dynamotest.ActionQuery}, []string{"t"}},
		{"Query on an index", func(ctx context.Context, r *dynamotest.Recorder) error {
			_, err := r.Query(ctx, &dynamodb.QueryInput{TableName: table, IndexName: aws.String("byEmail")})
			return err
		}, []string{dynamotest.ActionQuery}, []string{"t/index/byEmail"}},
		{"PutItem", func(ctx context.Context, r *dynamotest.Recorder) error {
			_, err := r.PutItem(ctx, &dynamodb.PutItemInput{TableName: table})
			return err
		}, []string{dynamotest.ActionPutItem}, []string{"t"}},
		{"UpdateItem", func(ctx context.Context, r *dynamotest.Recorder) error {
			_, err := r.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table})
			return err
		}, []string{dynamotest.ActionUpdateItem}, []string{"t"}},
		{"DeleteItem", func(ctx context.Context, r *dynamotest.Recorder) error {
			_, err := r.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table})
			return err
		}, []string{dynamotest.ActionDeleteItem}, []string{"t"}},
		{"TransactWriteItems", func(ctx context.Context, r *dynamotest.Recorder) error {
			_, err := r.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: table}},
				{Delete: &types.Delete{TableName: table}},
				{Update: &types.Update{TableName: table}},
				{ConditionCheck: &types.ConditionCheck{TableName: table}},
				{Put: &types.Put{TableName: table}},
			}})
			return err
		}, []string{dynamotest.ActionConditionCheckItem, dynamotest.ActionDeleteItem, dynamotest.ActionPutItem,
			dynamotest.ActionUpdateItem}, []string{"t"}},
		{"BatchWriteItem", func(ctx context.Context, r *dynamotest.Recorder) error {
			_, err := r.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				"t": {{PutRequest: &types.PutRequest{}}, {PutRequest: &types.PutRequest{}}},
			}})
			return err
		}, []string{dynamotest.ActionBatchWriteItem}, []string{"t"}},
		{"TransactWriteItems of puts only", func(ctx context.Context, r *dynamotest.Recorder) error {
			_, err := r.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: table}}, {Put: &types.Put{TableName: table}},
			}})
			return err
		}, []string{dynamotest.ActionPutItem}, []string{"t"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := &nothing{}
			r := dynamotest.NewRecorder(api)
			if err := tt.call(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if api.calls != 1 {
				t.Fatalf("%d calls passed on, want 1", api.calls)
			}
			if got := r.Actions(); !slices.Equal(got, tt.want) {
				t.Errorf("actions %v, want %v", got, tt.want)
			}
			if got := r.Resources(); !slices.Equal(got, tt.resources) {
				t.Errorf("resources %v, want %v", got, tt.resources)
			}
			r.Reset()
			if len(r.Actions()) != 0 || len(r.Resources()) != 0 {
				t.Error("Reset kept records")
			}
		})
	}
}

func TestRecorderCountsTransactionElements(t *testing.T) {
	r := dynamotest.NewRecorder(&nothing{})
	ctx := context.Background()
	table := aws.String("t")
	_, _ = r.PutItem(ctx, &dynamodb.PutItemInput{TableName: table})
	_, _ = r.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: table}}, {Delete: &types.Delete{TableName: table}},
	}})
	got := r.Counts()
	if len(got) != 2 || got[dynamotest.ActionPutItem] != 2 || got[dynamotest.ActionDeleteItem] != 1 {
		t.Fatalf("counts %v", got)
	}
}
