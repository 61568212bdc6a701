package awskey_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/gatepass/gatepass/shared/secretbox/awskey"
)

var testKey = []byte("0123456789abcdef0123456789ABCDEF") // 32 bytes

// fakeSecretsManager speaks the Secrets Manager JSON 1.1 protocol for
// GetSecretValue, serving the values in secrets (name → JSON response body).
func fakeSecretsManager(t *testing.T, secrets map[string]map[string]any) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			t.Errorf("method = %s, want POST", r.Method)
		}
		if got := r.Header.Get("X-Amz-Target"); got != "secretsmanager.GetSecretValue" {
			t.Errorf("X-Amz-Target = %q", got)
		}
		if got := r.Header.Get("Content-Type"); got != "application/x-amz-json-1.1" {
			t.Errorf("Content-Type = %q", got)
		}
		if got := r.Header.Get("Authorization"); !strings.HasPrefix(got, "AWS4-HMAC-SHA256 ") {
			t.Errorf("request is not SigV4-signed: %q", got)
		}
		body, _ := io.ReadAll(r.Body)
		var in struct{ SecretId string }
		if err := json.Unmarshal(body, &in); err != nil {
			t.Errorf("request body %q: %v", body, err)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		out, ok := secrets[in.SecretId]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`)
			return
		}
		out["ARN"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + in.SecretId
		out["Name"] = in.SecretId
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func client(srv *httptest.Server) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:           "eu-west-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "dummy-secret", ""),
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
	})
}

func TestFetchAgainstSecretsManagerProtocol(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString(testKey)
	srv := fakeSecretsManager(t, map[string]map[string]any{
		"binary":         {"SecretBinary": b64}, // JSON blobs travel base64-encoded
		"string":         {"SecretString": b64},
		"string-newline": {"SecretString": b64 + "\n"},
		"short-binary":   {"SecretBinary": base64.StdEncoding.EncodeToString(testKey[:16])},
		"raw-string":     {"SecretString": string(testKey)},
		"b64-short":      {"SecretString": base64.StdEncoding.EncodeToString(testKey[:31])},
		"empty":          {},
	})
	c := client(srv)

	tests := []struct {
		id          string
		wantInvalid bool
	}{
		{"binary", false},
		{"string", false},
		{"string-newline", false},
		{"short-binary", true},
		{"raw-string", true},
		{"b64-short", true},
		{"empty", true},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, err := awskey.Fetch(t.Context(), c, tt.id)
			if tt.wantInvalid {
				if !errors.Is(err, awskey.ErrInvalidKey) {
					t.Fatalf("err = %v, want ErrInvalidKey", err)
				}
				assertNoKey(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, testKey) {
				t.Errorf("key = %q, want %q", got, testKey)
			}
		})
	}

	t.Run("not found", func(t *testing.T) {
		_, err := awskey.Fetch(t.Context(), c, "missing")
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("err = %v, want a wrapped ResourceNotFoundException", err)
		}
	})
}

type fakeAPI struct {
	out *secretsmanager.GetSecretValueOutput
	err error
	got *secretsmanager.GetSecretValueInput
}

func (f *fakeAPI) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.got = in
	return f.out, f.err
}

func TestFetchFake(t *testing.T) {
	apiErr := errors.New("AccessDeniedException: not allowed")
	b64 := base64.StdEncoding.EncodeToString(testKey)
	tests := []struct {
		name    string
		api     *fakeAPI
		want    []byte
		wantErr error // nil: success
	}{
		{"binary", &fakeAPI{out: &secretsmanager.GetSecretValueOutput{SecretBinary: testKey}}, testKey, nil},
		{"string", &fakeAPI{out: &secretsmanager.GetSecretValueOutput{SecretString: aws.String(" " + b64 + " ")}}, testKey, nil},
		{"binary wins over string", &fakeAPI{out: &secretsmanager.GetSecretValueOutput{SecretBinary: testKey, SecretString: aws.String("x")}}, testKey, nil},
		{"api error", &fakeAPI{err: apiErr}, nil, apiErr},
		{"nil output", &fakeAPI{}, nil, awskey.ErrInvalidKey},
		{"no value", &fakeAPI{out: &secretsmanager.GetSecretValueOutput{}}, nil, awskey.ErrInvalidKey},
		{"long binary", &fakeAPI{out: &secretsmanager.GetSecretValueOutput{SecretBinary: append(bytes.Clone(testKey), 0)}}, nil, awskey.ErrInvalidKey},
		{"string not base64", &fakeAPI{out: &secretsmanager.GetSecretValueOutput{SecretString: aws.String(string(testKey) + "!")}}, nil, awskey.ErrInvalidKey},
		{"json string", &fakeAPI{out: &secretsmanager.GetSecretValueOutput{SecretString: aws.String(`{"key":"` + b64 + `"}`)}}, nil, awskey.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := awskey.Fetch(t.Context(), tt.api, "gatepass/secretbox-key")
			if tt.api.got == nil || aws.ToString(tt.api.got.SecretId) != "gatepass/secretbox-key" {
				t.Errorf("SecretId sent = %v", tt.api.got)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if got != nil {
					t.Errorf("returned key on error")
				}
				assertNoKey(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, testKey) {
				t.Errorf("key = %q", got)
			}
		})
	}
}

func TestFetchEmptySecretID(t *testing.T) {
	api := &fakeAPI{}
	if _, err := awskey.Fetch(t.Context(), api, ""); err == nil || api.got != nil {
		t.Fatalf("err = %v, api called = %v; want error without a call", err, api.got != nil)
	}
}

func TestFetchReturnsCopy(t *testing.T) {
	buf := bytes.Clone(testKey)
	got, err := awskey.Fetch(t.Context(), &fakeAPI{out: &secretsmanager.GetSecretValueOutput{SecretBinary: buf}}, "k")
	if err != nil {
		t.Fatal(err)
	}
	buf[0] ^= 0xFF
	if !bytes.Equal(got, testKey) {
		t.Error("returned key aliases the SDK output buffer")
	}
}

func assertNoKey(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	for _, leak := range []string{string(testKey[:16]), base64.StdEncoding.EncodeToString(testKey)[:16]} {
		if strings.Contains(msg, leak) {
			t.Errorf("error %q contains key material", msg)
		}
	}
}
