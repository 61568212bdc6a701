package dynamo_test

import (
	"testing"

	"github.com/gatepass/gatepass/shared/store/storetest"
)

// TestConformance runs the store conformance suite against DynamoDB Local,
// with a fresh table per subtest on the package's shared server.
func TestConformance(t *testing.T) {
	storetest.Run(t, newStore)
}
