package cognito

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/gatepass/gatepass/shared/sso"
)

// maxMessage caps the length, in characters, of a Cognito message passed on
// to an administrator.
const maxMessage = 300

// secretWindow is the length of the pieces of a secret looked for in a
// message: a message holding any 8 consecutive bytes of the secret is
// withheld, so a truncated echo is caught too.
const secretWindow = 8

// invalidf returns an error wrapping sso.ErrInvalidProvider whose message an
// administrator can read. Callers never pass a secret.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", sso.ErrInvalidProvider, fmt.Sprintf(format, args...))
}

func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

// providerError maps an error of CreateIdentityProvider or
// UpdateIdentityProvider (op "create" or "update"), whose request carried
// the client secrets, to the directory's errors:
//
//   - InvalidParameterException, UnsupportedIdentityProviderException and
//     DuplicateProviderException wrap sso.ErrInvalidProvider with Cognito's
//     message, or a fixed one when the message shows a piece of a secret;
//     the SDK error is not wrapped, so no caller can dig the message out;
//   - ResourceNotFoundException on update (the provider was deleted
//     meanwhile) wraps sso.ErrProviderNotFound;
//   - any other error is wrapped as is, unless its text shows a piece of a
//     secret: then only its error code is kept.
func providerError(op, id string, err error, secrets ...string) error {
	var (
		invalidParameter *types.InvalidParameterException
		unsupported      *types.UnsupportedIdentityProviderException
		duplicate        *types.DuplicateProviderException
		apiErr           smithy.APIError
	)
	switch {
	case errors.As(err, &invalidParameter):
		return refused(invalidParameter.ErrorMessage(), "Cognito refused the provider's settings", secrets)
	case errors.As(err, &unsupported):
		return refused(unsupported.ErrorMessage(), "Cognito does not support this identity provider", secrets)
	case errors.As(err, &duplicate):
		return refused(duplicate.ErrorMessage(), "a provider with this name or identifier already exists", secrets)
	case op == "update" && isNotFound(err):
		return fmt.Errorf("cognito: %s identity provider %q: %w", op, id, sso.ErrProviderNotFound)
	case leaks(err.Error(), secrets):
		code := "unknown error"
		if errors.As(err, &apiErr) {
			code = apiErr.ErrorCode()
		}
		return fmt.Errorf("cognito: %s identity provider %q: %s (details withheld: they may show the client secret)", op, id, code)
	default:
		return fmt.Errorf("cognito: %s identity provider %q: %w", op, id, err)
	}
}

// refused returns an sso.ErrInvalidProvider error with Cognito's message
// when it is safe to show, else with fallback.
func refused(message, fallback string, secrets []string) error {
	if msg, ok := sanitize(message, secrets); ok {
		return invalidf("Cognito refused the provider: %s", msg)
	}
	return invalidf("%s", fallback)
}

// sanitize returns message fit for an administrator: without control
// characters and at most maxMessage characters. ok is false when the message
// is empty or shows a piece of one of the secrets.
func sanitize(message string, secrets []string) (msg string, ok bool) {
	if leaks(message, secrets) {
		return "", false
	}
	msg = strings.Join(strings.FieldsFunc(message, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	if r := []rune(msg); len(r) > maxMessage {
		msg = string(r[:maxMessage]) + "…"
	}
	return msg, msg != ""
}

// leaks reports whether s holds secretWindow consecutive bytes of one of the
// secrets (or a whole secret shorter than that).
func leaks(s string, secrets []string) bool {
	for _, secret := range secrets {
		w := min(len(secret), secretWindow)
		for i := 0; w > 0 && i+w <= len(secret); i++ {
			if strings.Contains(s, secret[i:i+w]) {
				return true
			}
		}
	}
	return false
}
