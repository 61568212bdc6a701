package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatepass/gatepass/shared/retry"
)

// The table schema. The CDK stack creates the same table: on-demand billing,
// these two keys, TTL on AttrTTL, no secondary index (plus point-in-time
// recovery, encryption and deletion protection, which CreateTable leaves to
// the stack).
const (
	// AttrPartitionKey is the partition key, a string.
	AttrPartitionKey = "pk"
	// AttrSortKey is the sort key, a string.
	AttrSortKey = "sk"
	// AttrTTL is the DynamoDB TTL attribute, a number of Unix seconds. It
	// only drives clean-up; reads and conditions check expiry themselves.
	AttrTTL = "ttl"
)

// TableAPI is the part of the DynamoDB client CreateTable uses.
// *dynamodb.Client implements it.
type TableAPI interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

var _ TableAPI = (*dynamodb.Client)(nil)

// TableOption adjusts CreateTable.
type TableOption func(*tableOptions)

type tableOptions struct {
	noTTL bool
}

// WithoutTTL leaves DynamoDB TTL disabled. Tests whose store clock stands
// behind the wall clock need it: DynamoDB deletes items whose ttl lies in the
// wall-clock past — DynamoDB Local (3.x) within about a second — so records
// that the test's clock still considers live would disappear. The store never
// relies on TTL, so nothing else changes.
func WithoutTTL() TableOption { return func(o *tableOptions) { o.noTTL = true } }

// CreateTable creates table with the store's schema, on demand, waits until
// it is ACTIVE and enables TTL on AttrTTL (unless WithoutTTL). A table that
// already exists is waited for and kept (its schema is not checked). It is
// meant for tests and development set-ups; deployed tables come from the CDK
// stack.
func CreateTable(ctx context.Context, api TableAPI, table string, opts ...TableOption) error {
	var o tableOptions
	for _, opt := range opts {
		opt(&o)
	}
	_, err := api.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrPartitionKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrSortKey), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrPartitionKey), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrSortKey), KeyType: types.KeyTypeRange},
		},
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("dynamo: create table %s: %w", table, err)
	}
	if err := waitActive(ctx, api, table); err != nil {
		return err
	}
	if o.noTTL {
		return nil
	}
	_, err = api.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(AttrTTL),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil && !ttlAlreadyEnabled(err) {
		return fmt.Errorf("dynamo: enable TTL on %s: %w", table, err)
	}
	return nil
}

// ttlAlreadyEnabled recognises the ValidationException DynamoDB answers when
// TTL is enabled a second time.
func ttlAlreadyEnabled(err error) bool {
	var apiErr interface{ ErrorMessage() string }
	return errors.As(err, &apiErr) && strings.Contains(strings.ToLower(apiErr.ErrorMessage()), "already enabled")
}

// waitActive polls DescribeTable until the table is ACTIVE (at most two
// minutes, or until ctx ends).
func waitActive(ctx context.Context, api TableAPI, table string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for attempt := 0; ; attempt++ {
		out, err := api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		var notFound *types.ResourceNotFoundException
		switch {
		case errors.As(err, &notFound):
			// Eventually consistent right after CreateTable: keep polling.
		case err != nil:
			return fmt.Errorf("dynamo: describe table %s: %w", table, err)
		case out.Table != nil && out.Table.TableStatus == types.TableStatusActive:
			return nil
		}
		if err := retry.Sleep(ctx, retry.Backoff(attempt, 50*time.Millisecond, 2*time.Second)); err != nil {
			return fmt.Errorf("dynamo: table %s not active: %w", table, err)
		}
	}
}
