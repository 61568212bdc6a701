package awsfake_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/gatepass/gatepass/infra/bench/awsfake"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/origin"
	"github.com/gatepass/gatepass/shared/origin/awssecret"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/dynamo"
)

// awsConfig is an SDK configuration like the functions' (static
// credentials, a region, no endpoint override) whose HTTP client goes
// through the fake as HTTPS_PROXY and SSL_CERT_FILE make a process's do.
func awsConfig(t *testing.T, s *awsfake.Server) aws.Config {
	t.Helper()
	proxy, err := url.Parse(s.ProxyURL())
	if err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{Proxy: http.ProxyURL(proxy), TLSClientConfig: &tls.Config{RootCAs: s.Roots()}}
	return aws.Config{Region: "eu-central-1", HTTPClient: &http.Client{Transport: transport},
		Credentials: credentials.NewStaticCredentialsProvider("AKIDBENCH", "bench", "")}
}

func TestTheSDKReachesTheFakesThroughTheProxy(t *testing.T) {
	s, err := awsfake.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg := awsConfig(t, s)
	ctx := context.Background()

	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.SecretBinary, s.SecretKey) || len(s.SecretKey) != 32 {
		t.Fatalf("secret = %x, want %x", out.SecretBinary, s.SecretKey)
	}
	// The origin secret, as the functions' origin check reads it.
	vals, err := awssecret.Source{API: secretsmanager.NewFromConfig(cfg), SecretID: awsfake.OriginSecretID}.Values(ctx)
	if err != nil || vals != (origin.Values{Current: s.OriginSecret}) {
		t.Fatalf("origin secret: %+v, %v", vals, err)
	}

	// The real adapter reads a tenant with nothing stored, and writes.
	st := dynamo.New(dynamodb.NewFromConfig(cfg), "gatepass", clock.System{})
	snap, err := st.Load(ctx, store.Query{Parameters: true, AccountID: "u_1"})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Account != nil || snap.Parameters.Lockout != params.Defaults().Lockout {
		t.Fatalf("snapshot = %+v", snap)
	}
	if err := st.Commit(ctx, store.DeleteCounter{Key: "login:ip:203.0.113.7"}); err != nil {
		t.Fatal(err)
	}
	calls := s.Calls()
	if got := awsfake.FormatCalls(calls); !strings.HasPrefix(got, "dynamodb.BatchGetItem×1, dynamodb.") ||
		calls["secretsmanager.GetSecretValue"] != 3 {
		t.Fatalf("calls = %s", got)
	}
	if len(s.Calls()) != 0 {
		t.Fatal("Calls did not reset the count")
	}
}

func TestEnvPointsAProcessAtTheFake(t *testing.T) {
	dir := t.TempDir()
	s, err := awsfake.Start(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	env := strings.Join(s.Env(), "\n")
	for _, want := range []string{"HTTPS_PROXY=" + s.ProxyURL(), "NO_PROXY=\n", "SSL_CERT_FILE=" + dir, "SSL_CERT_DIR=" + dir} {
		if !strings.Contains(env+"\n", want) {
			t.Errorf("env lacks %q:\n%s", want, env)
		}
	}
	bundle, err := os.ReadFile(strings.TrimPrefix(s.Env()[2], "SSL_CERT_FILE="))
	if err != nil || !bytes.Contains(bundle, []byte("-----BEGIN CERTIFICATE-----")) {
		t.Fatalf("bundle: %v", err)
	}
	if got := awsfake.FormatCalls(nil); got != "none" {
		t.Fatalf("FormatCalls(nil) = %q", got)
	}
}

// With Options.DynamoDB the DynamoDB requests go on, unchanged, to the
// endpoint, and its answers come back.
func TestDynamoDBIsForwarded(t *testing.T) {
	type seen struct{ host, target, auth, body string }
	got := make(chan seen, 1)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Host, r.Header.Get("X-Amz-Target"), r.Header.Get("Authorization"), string(b)}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = io.WriteString(w, `{"TableNames":["from-upstream"]}`)
	}))
	defer upstream.Close()
	s, err := awsfake.StartWith(t.TempDir(), awsfake.Options{DynamoDB: upstream.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := dynamodb.NewFromConfig(awsConfig(t, s)).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.TableNames) != 1 || out.TableNames[0] != "from-upstream" {
		t.Fatalf("answer %v", out.TableNames)
	}
	r := <-got
	if r.host != "dynamodb.eu-central-1.amazonaws.com" || r.target != "DynamoDB_20120810.ListTables" ||
		!strings.HasPrefix(r.auth, "AWS4-HMAC-SHA256 Credential=AKIDBENCH/") || r.body != "{}" {
		t.Fatalf("upstream saw %+v", r)
	}
	if calls := awsfake.FormatCalls(s.Calls()); calls != "dynamodb.ListTables×1" {
		t.Fatalf("calls %s", calls)
	}
	if _, err := awsfake.StartWith(t.TempDir(), awsfake.Options{DynamoDB: "not a url"}); err == nil {
		t.Fatal("a bad endpoint was accepted")
	}
}
