// Package awskey fetches the secretbox key from AWS Secrets Manager.
package awskey

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/gatepass/gatepass/shared/secretbox"
)

// GetSecretValueAPI is the part of the Secrets Manager API that Fetch uses.
// *secretsmanager.Client satisfies it.
type GetSecretValueAPI interface {
	GetSecretValue(ctx context.Context, params *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ GetSecretValueAPI = (*secretsmanager.Client)(nil)

// ErrInvalidKey is returned (wrapped) when the secret exists but does not
// hold a valid key. The message never includes the secret's value.
var ErrInvalidKey = errors.New("awskey: secret does not hold a valid secretbox key")

// Fetch reads the current version of secret secretID and returns the
// secretbox.KeySize-byte key it holds. The secret is either
//   - binary (SecretBinary) holding exactly the 32 raw key bytes, or
//   - a string (SecretString) holding the standard, padded base64 encoding of
//     the 32 key bytes; surrounding whitespace is ignored. This is the same
//     text as a local key file (secretbox.LoadOrCreateKeyFile).
//
// When both are set, SecretBinary wins. API errors are wrapped and returned
// as-is (they name the secret, never its value); a malformed value yields an
// error wrapping ErrInvalidKey.
func Fetch(ctx context.Context, api GetSecretValueAPI, secretID string) ([]byte, error) {
	if secretID == "" {
		return nil, errors.New("awskey: empty secret id")
	}
	out, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
	if err != nil {
		return nil, fmt.Errorf("awskey: get secret %q: %w", secretID, err)
	}
	if out == nil {
		return nil, fmt.Errorf("awskey: secret %q: empty response: %w", secretID, ErrInvalidKey)
	}
	switch {
	case out.SecretBinary != nil:
		if len(out.SecretBinary) != secretbox.KeySize {
			return nil, fmt.Errorf("awskey: secret %q: binary value is %d bytes, want %d: %w",
				secretID, len(out.SecretBinary), secretbox.KeySize, ErrInvalidKey)
		}
		return bytes.Clone(out.SecretBinary), nil
	case out.SecretString != nil:
		text := bytes.TrimSpace([]byte(*out.SecretString))
		key := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
		n, err := base64.StdEncoding.Decode(key, text)
		if err != nil || n != secretbox.KeySize {
			// The decoder error is not wrapped: keep the value out of errors.
			return nil, fmt.Errorf("awskey: secret %q: string value must be base64 of %d bytes: %w",
				secretID, secretbox.KeySize, ErrInvalidKey)
		}
		return key[:n], nil
	default:
		return nil, fmt.Errorf("awskey: secret %q has no value: %w", secretID, ErrInvalidKey)
	}
}
