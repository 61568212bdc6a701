package awssecret_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/origin"
	"github.com/gatepass/gatepass/shared/origin/awssecret"
)

// fakeSecretsManager speaks the Secrets Manager JSON 1.1 protocol for
// GetSecretValue: secrets maps "name@stage" to the response body; any other
// name or stage is ResourceNotFoundException, the way Secrets Manager answers
// AWSPREVIOUS for a secret never rotated. It records the stages asked for.
func fakeSecretsManager(t *testing.T, secrets map[string]map[string]any) (*secretsmanager.Client, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("X-Amz-Target"); got != "secretsmanager.GetSecretValue" {
			t.Errorf("X-Amz-Target = %q", got)
		}
		body, _ := io.ReadAll(r.Body)
		var in struct{ SecretId, VersionStage, VersionId string }
		if err := json.Unmarshal(body, &in); err != nil {
			t.Errorf("request body %q: %v", body, err)
		}
		mu.Lock()
		asked = append(asked, in.SecretId+"@"+in.VersionStage)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		out, ok := secrets[in.SecretId+"@"+in.VersionStage]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret value for staging label: `+in.VersionStage+`"}`)
			return
		}
		if out == nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"AccessDeniedException","message":"User is not authorized to perform secretsmanager:GetSecretValue"}`)
			return
		}
		out["ARN"] = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:" + in.SecretId
		out["Name"] = in.SecretId
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	client := secretsmanager.New(secretsmanager.Options{
		Region: "eu-central-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "dummy-secret", ""),
	})
	return client, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), asked...)
	}
}

const (
	currentValue  = "current-origin-secret-0123456789abcdef"
	previousValue = "previous-origin-secret-0123456789abcdef"
)

func TestValues(t *testing.T) {
	client, asked := fakeSecretsManager(t, map[string]map[string]any{
		"rotated@AWSCURRENT":     {"SecretString": currentValue, "VersionStages": []string{"AWSCURRENT"}},
		"rotated@AWSPREVIOUS":    {"SecretString": previousValue, "VersionStages": []string{"AWSPREVIOUS"}},
		"new@AWSCURRENT":         {"SecretString": currentValue},
		"binary@AWSCURRENT":      {"SecretBinary": "AAECAw=="},
		"denied@AWSCURRENT":      nil,
		"denied@AWSPREVIOUS":     nil,
		"halfdenied@AWSCURRENT":  {"SecretString": currentValue},
		"halfdenied@AWSPREVIOUS": nil,
	})
	tests := []struct {
		id      string
		want    origin.Values
		wantErr string
	}{
		{"rotated", origin.Values{Current: currentValue, Previous: previousValue}, ""},
		{"new", origin.Values{Current: currentValue}, ""}, // never rotated: no AWSPREVIOUS
		{"binary", origin.Values{}, "no string value"},
		{"missing", origin.Values{}, "ResourceNotFoundException"},
		{"denied", origin.Values{}, "AccessDeniedException"},
		{"halfdenied", origin.Values{}, "AccessDeniedException"},
	}
	for _, tt := range tests {
		got, err := awssecret.Source{API: client, SecretID: tt.id}.Values(context.Background())
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.id) {
				t.Errorf("%s: err = %v, want one naming the secret and %q", tt.id, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), currentValue) {
				t.Errorf("%s: the error holds the value: %v", tt.id, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %+v, %v; want %+v", tt.id, got, err, tt.want)
		}
	}
	var rotated []string
	for _, a := range asked() {
		if strings.HasPrefix(a, "rotated@") {
			rotated = append(rotated, a)
		}
	}
	if len(rotated) != 2 {
		t.Errorf("calls for one read: %q", rotated)
	}
	if _, err := (awssecret.Source{API: client}).Values(context.Background()); err == nil {
		t.Error("read without a secret id")
	}
	if _, err := (awssecret.Source{API: client, SecretID: "binary"}).Values(context.Background()); !errors.Is(err, awssecret.ErrNoString) {
		t.Errorf("binary: err = %v, want ErrNoString", err)
	}
}

// A Verifier over Secrets Manager accepts both stages' values.
func TestVerifierOverSecretsManager(t *testing.T) {
	client, _ := fakeSecretsManager(t, map[string]map[string]any{
		"gatepass-acme-origin@AWSCURRENT":  {"SecretString": currentValue},
		"gatepass-acme-origin@AWSPREVIOUS": {"SecretString": previousValue},
	})
	v, err := origin.NewVerifier(context.Background(), origin.Config{
		Source: awssecret.Source{API: client, SecretID: "gatepass-acme-origin"}, Clock: clock.NewFake(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Verify(context.Background(), currentValue) || !v.Verify(context.Background(), previousValue) {
		t.Fatal("a stage's value was refused")
	}
}
