// Command baseline is the smallest Go Lambda function: aws-lambda-go's
// runtime client and a handler that echoes its event. The bench measures
// its cold start beside Gatepass's functions as the floor any Go function
// pays on the same machine.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(_ context.Context, ev json.RawMessage) (json.RawMessage, error) { return ev, nil })
}
