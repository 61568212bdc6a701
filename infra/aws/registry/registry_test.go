package registry_test

import (
	"strings"
	"testing"

	"github.com/gatepass/gatepass/infra/aws/registry"
)

func TestParse(t *testing.T) {
	const two = `{"operator":{"alarmEmail":"ops@example.com"},"tenants":[
	 {"tenant":"a","region":"eu-central-1","adminEmail":"x@a.example","mailFrom":"n@mail.example","authorizerConsumers":["a1b2c3d4e5"]},
	 {"tenant":"b","region":"eu-west-1","adminEmail":"x@b.example","mailFrom":"n@b.example"}]}`
	r, err := registry.Parse([]byte(two), map[string]any{"version": "abc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Tenants) != 2 || r.Tenants[0].Version != "abc" || r.Tenants[0].AuthorizerConsumers[0] != "a1b2c3d4e5" ||
		r.Operator.AccountConcurrency != registry.DefaultAccountConcurrency || !r.Tenants[0].WAF {
		t.Fatalf("registry %+v", r)
	}
	if got := r.Regions(""); len(got) != 2 || got[0] != "eu-central-1" {
		t.Fatalf("regions %v", got)
	}
	if got := r.MailDomains("eu-central-1", ""); len(got) != 1 || got[0] != "mail.example" {
		t.Fatalf("mail domains %v", got)
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"unknown key", `{"operator":{"alarmEmail":"o@x.example"},"tenants":[{"tenant":"a","adminEmail":"x@a.example","mailFrom":"n@a.example","colour":"red"}]}`, `unknown key "colour"`},
		{"twice", `{"operator":{"alarmEmail":"o@x.example"},"tenants":[{"tenant":"a","adminEmail":"x@a.example","mailFrom":"n@a.example"},{"tenant":"a","adminEmail":"x@a.example","mailFrom":"n@a.example"}]}`, "registered twice"},
		{"no operator mail", `{"operator":{},"tenants":[{"tenant":"a","adminEmail":"x@a.example","mailFrom":"n@a.example"}]}`, "alarmEmail"},
		{"bad tenant", `{"operator":{"alarmEmail":"o@x.example"},"tenants":[{"tenant":"A!","adminEmail":"x@a.example","mailFrom":"n@a.example"}]}`, "tenants[0]"},
		{"unknown operator field", `{"operator":{"alarmEmail":"o@x.example","x":1},"tenants":[]}`, "unknown field"},
		{"waf off for every tenant", `{"operator":{"alarmEmail":"o@x.example","waf":false},"tenants":[{"tenant":"a","adminEmail":"x@a.example","mailFrom":"n@a.example"}]}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := registry.Parse([]byte(tc.doc), nil)
			switch {
			case tc.want == "" && (err != nil || r.Tenants[0].WAF):
				t.Fatalf("%v %+v", err, r)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// A tenant may not be named like the account's shared stacks.
func TestReservedTenantNames(t *testing.T) {
	for _, name := range []string{"edge", "operator", "operator-eu", "edge-1"} {
		doc := `{"operator":{"alarmEmail":"o@x.example"},"tenants":[{"tenant":"` + name + `","adminEmail":"x@a.example","mailFrom":"n@a.example"}]}`
		if _, err := registry.Parse([]byte(doc), nil); err == nil || !strings.Contains(err.Error(), "shared stacks") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
