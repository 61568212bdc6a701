// Package kvs publishes the admin alias to the CloudFront KeyValueStore that
// the edge function (alias.EdgeFunction) reads, so that a change of the
// alias applies at the edge (package alias, "Where it is enforced").
//
// A write is DescribeKeyValueStore for the store's current ETag, then PutKey
// of alias.EdgeKey with If-Match on that ETag. The ETag covers the whole
// store, so a concurrent write in between fails the precondition; the write
// is then tried once more on a fresh ETag. The KeyValueStore API is signed
// with SigV4A, which the SDK client does by itself from the usual
// credentials.
//
// Errors never contain the alias: it is a secret path.
package kvs

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"

	"github.com/gatepass/gatepass/shared/alias"
)

// API is what the publisher calls, satisfied by
// *cloudfrontkeyvaluestore.Client.
type API interface {
	DescribeKeyValueStore(ctx context.Context, in *cloudfrontkeyvaluestore.DescribeKeyValueStoreInput,
		opts ...func(*cloudfrontkeyvaluestore.Options)) (*cloudfrontkeyvaluestore.DescribeKeyValueStoreOutput, error)
	PutKey(ctx context.Context, in *cloudfrontkeyvaluestore.PutKeyInput,
		opts ...func(*cloudfrontkeyvaluestore.Options)) (*cloudfrontkeyvaluestore.PutKeyOutput, error)
}

// Publisher writes the admin alias to one KeyValueStore. It implements
// admin.AliasPublisher.
type Publisher struct {
	api API
	arn string
}

// New returns the publisher of the KeyValueStore with the given ARN.
func New(api API, arn string) *Publisher { return &Publisher{api: api, arn: arn} }

// attempts is how many times a write is tried when its ETag went stale in
// between: the first try and one more.
const attempts = 2

// PublishAlias makes alias ("" for none) the alias the edge enforces: the
// value of alias.EdgeKey becomes alias.EdgeValue(alias).
func (p *Publisher) PublishAlias(ctx context.Context, a string) error {
	value := alias.EdgeValue(a)
	for i := 1; ; i++ {
		d, err := p.api.DescribeKeyValueStore(ctx, &cloudfrontkeyvaluestore.DescribeKeyValueStoreInput{KvsARN: aws.String(p.arn)})
		if err != nil {
			return fmt.Errorf("kvs: describe the store: %w", err)
		}
		if d.ETag == nil || *d.ETag == "" {
			return errors.New("kvs: describe the store: no ETag in the answer")
		}
		_, err = p.api.PutKey(ctx, &cloudfrontkeyvaluestore.PutKeyInput{
			KvsARN: aws.String(p.arn), Key: aws.String(alias.EdgeKey), Value: aws.String(value), IfMatch: d.ETag,
		})
		if err == nil {
			return nil
		}
		if !stale(err) || i == attempts {
			return fmt.Errorf("kvs: put %s (try %d): %w", alias.EdgeKey, i, err)
		}
	}
}

// stale reports whether a PutKey failed on its If-Match precondition: the
// store changed since it was described. The service answers that with a
// ConflictException (409); a plain 412 is taken the same way.
func stale(err error) bool {
	var conflict *types.ConflictException
	if errors.As(err, &conflict) {
		return true
	}
	var res *awshttp.ResponseError
	return errors.As(err, &res) && res.HTTPStatusCode() == http.StatusPreconditionFailed
}
