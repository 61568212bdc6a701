// Package dynamotest gives tests of any capability a DynamoDB store on the
// package's shared DynamoDB Local, one fresh table per test, and a Recorder
// of the IAM actions a store's calls need.
package dynamotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/store/dynamo"
)

// NewStore creates a uniquely named table on the shared server (skipping or,
// in CI, failing tb when DynamoDB Local is missing) and returns a store on it.
// The table is deleted when tb ends. TTL is off: DynamoDB Local enforces it
// against the wall clock, which would race a test's fake clock; the store
// never relies on TTL.
func NewStore(tb testing.TB, local *dynamolocal.Shared, clk clock.Clock) *dynamo.Store {
	tb.Helper()
	client, table := NewTable(tb, local)
	return dynamo.New(client, table, clk)
}

// NewTable is NewStore's table without the store: a client of the shared
// server and the name of a fresh table (TTL off, deleted when tb ends), for
// tests that open several stores on one table — one per function, each over
// its own Recorder, for instance.
func NewTable(tb testing.TB, local *dynamolocal.Shared) (*dynamodb.Client, string) {
	tb.Helper()
	server := local.Require(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := server.Client(ctx)
	if err != nil {
		tb.Fatalf("dynamotest: client: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	table := "t_" + hex.EncodeToString(b[:])
	if err := dynamo.CreateTable(ctx, client, table, dynamo.WithoutTTL()); err != nil {
		tb.Fatalf("dynamotest: create table: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
			tb.Errorf("dynamotest: delete table %s: %v", table, err)
		}
	})
	return client, table
}
