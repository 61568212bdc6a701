// Package aliaskvs gives the admin and bootstrap functions the publisher of
// the admin alias: the CloudFront KeyValueStore the edge function reads it
// from (package alias/kvs), its client built once per cold start. Only those
// two import it — admin when a super_admin changes the alias, bootstrap to
// give the edge the parameters' alias after every deploy (the initial one
// first); the others check the alias the edge marks requests with and need
// no publisher.
package aliaskvs

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"

	"github.com/gatepass/gatepass/shared/alias/kvs"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
)

// Configure is a lambdarun.Configure. With lambdarun.EnvAliasKVS set it
// sets d.AliasPublisher to that KeyValueStore and d.AliasEdge: the edge then
// enforces whatever alias the admin function sets. Without it both stay
// unset, and the admin function refuses to set an alias (409) rather than
// hide the Backoffice from everyone.
func Configure(_ context.Context, cfg aws.Config, d *app.Deps) error {
	arn := os.Getenv(lambdarun.EnvAliasKVS)
	if arn == "" {
		return nil
	}
	if !validARN(arn) {
		return fmt.Errorf("%s=%q: want the ARN of a CloudFront KeyValueStore (arn:aws:cloudfront::<account>:key-value-store/<id>)",
			lambdarun.EnvAliasKVS, arn)
	}
	d.AliasPublisher = kvs.New(cloudfrontkeyvaluestore.NewFromConfig(cfg), arn)
	d.AliasEdge = true
	return nil
}

// validARN reports whether arn names a KeyValueStore: a global CloudFront
// resource (no region) of type key-value-store.
func validARN(arn string) bool {
	parts := strings.SplitN(arn, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[1] != "" && parts[2] == "cloudfront" && parts[3] == "" &&
		parts[4] != "" && strings.HasPrefix(parts[5], "key-value-store/") && len(parts[5]) > len("key-value-store/")
}
