package dynamotest

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatepass/gatepass/shared/store/dynamo"
)

// IAM actions of the DynamoDB calls the store sends (Service Authorization
// Reference, "Actions defined by Amazon DynamoDB").
const (
	ActionBatchGetItem       = "dynamodb:BatchGetItem"
	ActionQuery              = "dynamodb:Query"
	ActionPutItem            = "dynamodb:PutItem"
	ActionUpdateItem         = "dynamodb:UpdateItem"
	ActionDeleteItem         = "dynamodb:DeleteItem"
	ActionConditionCheckItem = "dynamodb:ConditionCheckItem"
	ActionBatchWriteItem     = "dynamodb:BatchWriteItem"
)

// Recorder is a dynamo.API that passes every call on to another and records
// the IAM actions the call needs, and the resources it names.
//
// A call is recorded before it is sent, whatever its outcome: IAM authorizes
// a request before DynamoDB evaluates it, so a write whose condition fails
// needed its permission all the same.
//
// TransactWriteItems has no IAM action of its own: each element is
// authorized as its single-item counterpart ("Using IAM with DynamoDB
// transactions"), so a transaction records the actions of its elements —
// Put as dynamodb:PutItem, Update as dynamodb:UpdateItem, Delete as
// dynamodb:DeleteItem, ConditionCheck as dynamodb:ConditionCheckItem.
//
// Every method of dynamo.API is implemented here explicitly (nothing is
// embedded), so a method added to the interface does not compile until it is
// mapped to its action. Safe for concurrent use.
type Recorder struct {
	api dynamo.API

	mu        sync.Mutex
	actions   map[string]int
	resources map[string]int
}

var _ dynamo.API = (*Recorder)(nil)

// NewRecorder returns a recorder in front of api.
func NewRecorder(api dynamo.API) *Recorder {
	return &Recorder{api: api, actions: map[string]int{}, resources: map[string]int{}}
}

// Actions returns the distinct IAM actions recorded so far, sorted.
func (r *Recorder) Actions() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(maps.Keys(r.actions))
}

// Counts returns how many times each action was recorded (a transaction
// counts once per element).
func (r *Recorder) Counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.actions)
}

// Resources returns the distinct resources the recorded calls named, sorted:
// a table name, or "<table>/index/<index>" for a Query on an index. A grant
// on the table's ARN alone covers only the former.
func (r *Recorder) Resources() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(maps.Keys(r.resources))
}

// Reset forgets everything recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.actions)
	clear(r.resources)
}

func (r *Recorder) record(action string, table *string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.actions[action]++
	r.resources[aws.ToString(table)]++
}

// BatchGetItem implements dynamo.API: dynamodb:BatchGetItem on every table
// of the request.
func (r *Recorder) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	for _, table := range slices.Sorted(maps.Keys(in.RequestItems)) {
		r.record(ActionBatchGetItem, aws.String(table))
	}
	return r.api.BatchGetItem(ctx, in, optFns...)
}

// PutItem implements dynamo.API: dynamodb:PutItem.
func (r *Recorder) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	r.record(ActionPutItem, in.TableName)
	return r.api.PutItem(ctx, in, optFns...)
}

// UpdateItem implements dynamo.API: dynamodb:UpdateItem.
func (r *Recorder) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	r.record(ActionUpdateItem, in.TableName)
	return r.api.UpdateItem(ctx, in, optFns...)
}

// DeleteItem implements dynamo.API: dynamodb:DeleteItem.
func (r *Recorder) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	r.record(ActionDeleteItem, in.TableName)
	return r.api.DeleteItem(ctx, in, optFns...)
}

// TransactWriteItems implements dynamo.API: the actions of its elements.
func (r *Recorder) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for _, it := range in.TransactItems {
		r.recordElement(it)
	}
	return r.api.TransactWriteItems(ctx, in, optFns...)
}

// BatchWriteItem implements dynamo.API: dynamodb:BatchWriteItem on every
// table (IAM authorizes the batch by its own action, not its items').
func (r *Recorder) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	for _, table := range slices.Sorted(maps.Keys(in.RequestItems)) {
		r.record(ActionBatchWriteItem, aws.String(table))
	}
	return r.api.BatchWriteItem(ctx, in, optFns...)
}

// recordElement records the action of one transaction element. An element
// sets exactly one of its members (DynamoDB refuses others); each one set is
// recorded, so a malformed element hides nothing.
func (r *Recorder) recordElement(it types.TransactWriteItem) {
	if it.Put != nil {
		r.record(ActionPutItem, it.Put.TableName)
	}
	if it.Update != nil {
		r.record(ActionUpdateItem, it.Update.TableName)
	}
	if it.Delete != nil {
		r.record(ActionDeleteItem, it.Delete.TableName)
	}
	if it.ConditionCheck != nil {
		r.record(ActionConditionCheckItem, it.ConditionCheck.TableName)
	}
}

// Query implements dynamo.API: dynamodb:Query, on the table or its index.
func (r *Recorder) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	resource := aws.ToString(in.TableName)
	if in.IndexName != nil {
		resource += "/index/" + aws.ToString(in.IndexName)
	}
	r.record(ActionQuery, &resource)
	return r.api.Query(ctx, in, optFns...)
}
