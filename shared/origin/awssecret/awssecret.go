// Package awssecret reads the origin-verification secret from AWS Secrets
// Manager: the origin.Source of the Lambda functions.
package awssecret

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/gatepass/gatepass/shared/origin"
)

// GetSecretValueAPI is the part of the Secrets Manager API that Source uses.
// *secretsmanager.Client satisfies it.
type GetSecretValueAPI interface {
	GetSecretValue(ctx context.Context, params *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ GetSecretValueAPI = (*secretsmanager.Client)(nil)

// The staging labels Secrets Manager moves on every new value: the new value
// becomes AWSCURRENT and the one before it AWSPREVIOUS.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
)

// ErrNoString is returned (wrapped) when a version of the secret holds no
// SecretString: the origin secret is text, as CloudFront sends it.
var ErrNoString = errors.New("awssecret: the secret version holds no string value")

// Source reads the secret SecretID (a name or an ARN).
type Source struct {
	API      GetSecretValueAPI
	SecretID string
}

var _ origin.Source = Source{}

// Values reads the AWSCURRENT and AWSPREVIOUS versions of the secret, both
// at once. A secret without an AWSPREVIOUS version (never rotated) gives
// Values.Previous "". Any other failure is an error that names the secret
// and the stage, never a value.
func (s Source) Values(ctx context.Context) (origin.Values, error) {
	if s.API == nil || s.SecretID == "" {
		return origin.Values{}, errors.New("awssecret: Source needs an API and a SecretID")
	}
	var (
		wg                 sync.WaitGroup
		previous           string
		previousErr        error
		previousNotRotated bool
	)
	wg.Go(func() {
		previous, previousErr = s.read(ctx, StagePrevious)
		var notFound *types.ResourceNotFoundException
		previousNotRotated = errors.As(previousErr, &notFound)
	})
	current, err := s.read(ctx, StageCurrent)
	wg.Wait()
	if err != nil {
		return origin.Values{}, err
	}
	if previousNotRotated {
		return origin.Values{Current: current}, nil
	}
	if previousErr != nil {
		return origin.Values{}, previousErr
	}
	return origin.Values{Current: current, Previous: previous}, nil
}

// read returns the string value of the version of the secret at stage.
func (s Source) read(ctx context.Context, stage string) (string, error) {
	out, err := s.API.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(s.SecretID), VersionStage: aws.String(stage)})
	if err != nil {
		return "", fmt.Errorf("awssecret: get secret %q (%s): %w", s.SecretID, stage, err)
	}
	if out == nil || out.SecretString == nil {
		return "", fmt.Errorf("awssecret: secret %q (%s): %w", s.SecretID, stage, ErrNoString)
	}
	return *out.SecretString, nil
}
