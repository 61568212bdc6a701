package aliaskvs_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/aliaskvs"
)

func TestConfigure(t *testing.T) {
	cfg := aws.Config{Region: "eu-central-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	for _, tc := range []struct {
		name, arn         string
		wantErr, wantEdge bool
	}{
		{name: "unset: no publisher, no edge", arn: ""},
		{name: "set", arn: "arn:aws:cloudfront::111111111111:key-value-store/0f1e2d3c-4b5a", wantEdge: true},
		{name: "a regional ARN", arn: "arn:aws:cloudfront:eu-central-1:111111111111:key-value-store/x", wantErr: true},
		{name: "another resource", arn: "arn:aws:cloudfront::111111111111:function/x", wantErr: true},
		{name: "another service", arn: "arn:aws:s3::111111111111:key-value-store/x", wantErr: true},
		{name: "no id", arn: "arn:aws:cloudfront::111111111111:key-value-store/", wantErr: true},
		{name: "not an ARN", arn: "key-value-store/x", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(lambdarun.EnvAliasKVS, tc.arn)
			var d app.Deps
			err := aliaskvs.Configure(context.Background(), cfg, &d)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if d.AliasEdge != tc.wantEdge || (d.AliasPublisher != nil) != tc.wantEdge {
				t.Fatalf("AliasEdge %v, publisher %v", d.AliasEdge, d.AliasPublisher)
			}
		})
	}
}
