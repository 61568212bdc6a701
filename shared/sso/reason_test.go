package sso_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gatepass/gatepass/shared/sso"
)

func TestInvalidReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("%w: the SAML metadata must be an md:EntityDescriptor", sso.ErrInvalidProvider), "The SAML metadata must be an md:EntityDescriptor."},
		{fmt.Errorf("cognito: put: %w", fmt.Errorf("%w: the issuer could not be reached.", sso.ErrInvalidProvider)), "The issuer could not be reached."},
		{sso.ErrInvalidProvider, "The identity provider's settings were refused."},
		{fmt.Errorf("%w: ", sso.ErrInvalidProvider), "The identity provider's settings were refused."},
		{errors.New("something else"), "The identity provider's settings were refused."},
	} {
		if got := sso.InvalidReason(tc.err); got != tc.want {
			t.Errorf("InvalidReason(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
