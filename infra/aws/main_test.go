package main

import (
	"testing"

	"github.com/gatepass/gatepass/infra/aws/tenant"
)

// The stack's region: -c region=… first, else what the CLI hands the app
// in CDK_DEFAULT_REGION (its own default region, which replaces any
// CDK_DEFAULT_REGION the caller set; make synth sets AWS_REGION for it).
func TestEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		ctxRegion               string
		account, region         string
		wantAccount, wantRegion string
		wantNil                 bool
	}{
		{name: "the CLI's account and region", account: "111111111111", region: "eu-central-1",
			wantAccount: "111111111111", wantRegion: "eu-central-1"},
		{name: "the context's region wins", ctxRegion: "eu-west-3", account: "111111111111", region: "us-east-1",
			wantAccount: "111111111111", wantRegion: "eu-west-3"},
		{name: "no account: agnostic", region: "us-east-1", wantNil: true},
		{name: "no account, the context's region", ctxRegion: "eu-west-3", region: "us-east-1", wantRegion: "eu-west-3"},
		{name: "nothing", wantNil: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := environment(tenant.Config{Region: tc.ctxRegion}, func(k string) string {
				return map[string]string{"CDK_DEFAULT_ACCOUNT": tc.account, "CDK_DEFAULT_REGION": tc.region}[k]
			})
			if tc.wantNil {
				if env != nil {
					t.Fatalf("env = %+v", env)
				}
				return
			}
			if env == nil || str(env.Account) != tc.wantAccount || str(env.Region) != tc.wantRegion {
				t.Fatalf("env = %+v, want %s/%s", env, tc.wantAccount, tc.wantRegion)
			}
		})
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
