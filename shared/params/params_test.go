package params

import (
	"errors"
	"testing"

	"github.com/gatepass/gatepass/shared/validate"
)

func TestDefaultsAreValidAndMatchAPI(t *testing.T) {
	p := Defaults()
	if err := p.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if p.PasswordPolicy.MinLength != 15 || p.Lockout.MaxFailures != 5 || p.Lockout.MaxFailuresPerIP != 100 ||
		p.Session.IdleTimeoutSeconds != 3600 || p.Session.AbsoluteTimeoutSeconds != 43200 || !p.PasswordPolicy.BlockCommon ||
		p.SSO.AllowLocalPassword {
		t.Fatalf("defaults differ from API.md: %+v", p)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Parameters)
		field  string
	}{
		{"min length below the floor of 8", func(p *Parameters) { p.PasswordPolicy.MinLength = 7 }, "passwordPolicy.minLength"},
		{"max below min", func(p *Parameters) { p.PasswordPolicy.MinLength = 100; p.PasswordPolicy.MaxLength = 64 }, "passwordPolicy.maxLength"},
		{"negative failures", func(p *Parameters) { p.Lockout.MaxFailures = -1 }, "lockout.maxFailures"},
		{"lock longer than max lock", func(p *Parameters) { p.Lockout.LockSeconds = 7200 }, "lockout.maxLockSeconds"},
		{"idle beyond absolute", func(p *Parameters) { p.Session.IdleTimeoutSeconds = 50000 }, "session.absoluteTimeoutSeconds"},
		{"unknown sso strategy", func(p *Parameters) { p.SSO.Strategy = "anything" }, "sso.strategy"},
		{"alias with a slash", func(p *Parameters) { p.AdminAlias = "secret/alias" }, "adminAlias"},
		{"alias too short", func(p *Parameters) { p.AdminAlias = "abc" }, "adminAlias"},
		{"negative reset limit", func(p *Parameters) { p.ResetRequests.PerIPPerHour = -5 }, "resetRequests.perIpPerHour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Defaults()
			tt.mutate(&p)
			var verr *validate.Error
			if err := p.Validate(); !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want violations", err)
			}
			for _, v := range verr.Violations {
				if v.Field == tt.field {
					return
				}
			}
			t.Fatalf("no violation on %s: %+v", tt.field, verr.Violations)
		})
	}
	p := Defaults()
	p.AdminAlias = "k3-x_9QzLmPa"
	if err := p.Validate(); err != nil {
		t.Fatalf("good alias refused: %v", err)
	}
}

func TestDecodeKeepsDefaultsForMissingMembers(t *testing.T) {
	p, err := Decode([]byte(`{"lockout":{"maxFailures":7}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Lockout.MaxFailures != 7 || p.Lockout.WindowSeconds != 900 || p.PasswordPolicy.MinLength != 15 {
		t.Fatalf("decoded %+v", p)
	}
	// A document from before sso.allowLocalPassword existed keeps it off.
	if p, err := Decode([]byte(`{"sso":{"strategy":"provision"}}`)); err != nil || p.SSO.AllowLocalPassword ||
		p.SSO.Strategy != "provision" {
		t.Fatalf("decoded %+v, %v", p.SSO, err)
	}
	if _, err := Decode([]byte(`{`)); err == nil {
		t.Fatal("broken document decoded")
	}
	enc, _ := Defaults().Encode()
	back, err := Decode(enc)
	if err != nil || back.Lockout != Defaults().Lockout {
		t.Fatalf("round trip: %+v %v", back, err)
	}
}
