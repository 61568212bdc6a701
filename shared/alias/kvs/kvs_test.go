package kvs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"

	"github.com/gatepass/gatepass/shared/alias"
	"github.com/gatepass/gatepass/shared/alias/kvs"
)

const (
	account = "111111111111"
	arn     = "arn:aws:cloudfront::" + account + ":key-value-store/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	secret  = "k3-x_9QzLmPa"
)

// fakeKVS speaks the cloudfront-keyvaluestore REST-JSON protocol for one
// store, as the SDK's serializers shape it: DescribeKeyValueStore is
// GET /key-value-stores/{KvsARN}, PutKey is PUT
// /key-value-stores/{KvsARN}/keys/{Key} with If-Match and {"Value": …};
// both answer the store's ETag in the ETag header. A PutKey whose If-Match
// is not the current ETag fails with a ConflictException, as the service's
// precondition does.
type fakeKVS struct {
	mu    sync.Mutex
	etag  int
	items map[string]string
	// beforePut, when set, runs before each PutKey is judged (n counts
	// the PutKeys, from 1): a concurrent writer.
	beforePut func(n int)
	puts      int
	calls     []string // "describe", "put <If-Match>"
	// failPut, when set, answers every PutKey with this status and error
	// type.
	failPut *apiError
	// auth is every request's Authorization header; regions its
	// X-Amz-Region-Set.
	auth, regions []string
}

type apiError struct {
	status int
	typ    string
}

func newFake() *fakeKVS {
	return &fakeKVS{etag: 1, items: map[string]string{alias.EdgeKey: `{"alias": ""}`}}
}

func (f *fakeKVS) currentETag() string { return fmt.Sprintf("ETAG%d", f.etag) }

// write changes the store as another writer would.
func (f *fakeKVS) write(key, value string) {
	f.items[key] = value
	f.etag++
}

func (f *fakeKVS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.regions = append(f.regions, r.Header.Get("X-Amz-Region-Set"))
	// The ARN is one escaped path segment: split before unescaping.
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	for i := range segs {
		s, err := url.PathUnescape(segs[i])
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		segs[i] = s
	}
	fail := func(status int, typ, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", typ)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
	}
	if len(segs) < 2 || segs[0] != "key-value-stores" {
		fail(http.StatusNotFound, "UnknownOperationException", "no such operation")
		return
	}
	if segs[1] != arn {
		fail(http.StatusNotFound, "ResourceNotFoundException", "no such store")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && len(segs) == 2:
		f.calls = append(f.calls, "describe")
		w.Header().Set("ETag", f.currentETag())
		_ = json.NewEncoder(w).Encode(map[string]any{
			"KvsARN": arn, "Created": 1.7e9, "ItemCount": len(f.items), "TotalSizeInBytes": 42, "Status": "READY",
		})
	case r.Method == http.MethodPut && len(segs) == 4 && segs[2] == "keys":
		f.puts++
		f.calls = append(f.calls, "put "+r.Header.Get("If-Match"))
		if f.beforePut != nil {
			f.beforePut(f.puts)
		}
		if f.failPut != nil {
			fail(f.failPut.status, f.failPut.typ, "refused")
			return
		}
		if r.Header.Get("If-Match") != f.currentETag() {
			fail(http.StatusConflict, "ConflictException", "Pre-Condition failed")
			return
		}
		var body struct{ Value *string }
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil || body.Value == nil {
			fail(http.StatusBadRequest, "ValidationException", "Value is required")
			return
		}
		f.write(segs[3], *body.Value)
		w.Header().Set("ETag", f.currentETag())
		_ = json.NewEncoder(w).Encode(map[string]any{"ItemCount": len(f.items), "TotalSizeInBytes": 42})
	default:
		fail(http.StatusMethodNotAllowed, "UnknownOperationException", "no such operation")
	}
}

// client is the real SDK client, with static credentials (SigV4A keys are
// derived from them), talking to srv. The endpoint rules prefix the host
// with the ARN's account, so every connection is dialled to srv whatever
// the host.
func client(srv *httptest.Server) *cloudfrontkeyvaluestore.Client {
	addr := srv.Listener.Addr().String()
	dialer := &net.Dialer{}
	cfg := aws.Config{
		Region:      "eu-central-1",
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")),
		HTTPClient: &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return dialer.DialContext(ctx, network, addr)
			},
		}},
		RetryMaxAttempts: 1, // a refused write is judged by the publisher, not retried by the SDK
	}
	return cloudfrontkeyvaluestore.NewFromConfig(cfg, func(o *cloudfrontkeyvaluestore.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
	})
}

func start(t *testing.T, f *fakeKVS) *kvs.Publisher {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return kvs.New(client(srv), arn)
}

func TestPublishAlias(t *testing.T) {
	for _, tc := range []struct {
		name      string
		alias     string
		beforePut func(f *fakeKVS, n int)
		failPut   *apiError
		wantErr   bool
		wantCalls []string
		wantValue string
		wantConfl bool
	}{
		{name: "set", alias: secret,
			wantCalls: []string{"describe", "put ETAG1"}, wantValue: `{"alias":"` + secret + `"}`},
		{name: "clear", alias: "",
			wantCalls: []string{"describe", "put ETAG1"}, wantValue: `{"alias":""}`},
		{name: "the ETag raced once: described again, put again", alias: secret,
			beforePut: func(f *fakeKVS, n int) {
				if n == 1 {
					f.write("other", "x")
				}
			},
			wantCalls: []string{"describe", "put ETAG1", "describe", "put ETAG2"}, wantValue: `{"alias":"` + secret + `"}`},
		{name: "the ETag raced twice: given up", alias: secret,
			beforePut: func(f *fakeKVS, n int) { f.write("other", fmt.Sprint(n)) },
			wantErr:   true, wantConfl: true,
			wantCalls: []string{"describe", "put ETAG1", "describe", "put ETAG2"}, wantValue: `{"alias": ""}`},
		{name: "refused: not retried", alias: secret, failPut: &apiError{http.StatusForbidden, "AccessDeniedException"},
			wantErr: true, wantCalls: []string{"describe", "put ETAG1"}, wantValue: `{"alias": ""}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			if tc.beforePut != nil {
				f.beforePut = func(n int) { tc.beforePut(f, n) }
			}
			f.failPut = tc.failPut
			err := start(t, f).PublishAlias(context.Background(), tc.alias)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			var conflict *types.ConflictException
			if errors.As(err, &conflict) != tc.wantConfl {
				t.Errorf("err %v: ConflictException %v, want %v", err, !tc.wantConfl, tc.wantConfl)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("the error names the alias: %v", err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if fmt.Sprint(f.calls) != fmt.Sprint(tc.wantCalls) {
				t.Errorf("calls %v, want %v", f.calls, tc.wantCalls)
			}
			if got := f.items[alias.EdgeKey]; got != tc.wantValue {
				t.Errorf("stored %q, want %q", got, tc.wantValue)
			}
			// Signed with SigV4A: ECDSA, the service's signing name, any
			// region.
			for i, a := range f.auth {
				if !strings.HasPrefix(a, "AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/") ||
					!strings.Contains(a, "/cloudfront-keyvaluestore/aws4_request") || f.regions[i] != "*" {
					t.Errorf("request %d: Authorization %q, X-Amz-Region-Set %q", i, a, f.regions[i])
				}
			}
		})
	}
}

// What the publisher writes is what the edge function reads: edge.js, run
// under Node with the cloudfront module replaced by a stand-in that parses
// the stored value as CloudFront's kvs.get(key, {format: 'json'}) does,
// strips the alias from a path under it and hides one outside it.
func TestTheEdgeReadsWhatIsPublished(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is required in CI")
		}
		t.Skip("node not installed")
	}
	f := newFake()
	if err := start(t, f).PublishAlias(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	stored, _ := json.Marshal(f.items)
	src := strings.Replace(alias.EdgeFunction, "import cf from 'cloudfront';", "", 1)
	script := `
const items = ` + string(stored) + `;
const cf = { kvs: () => ({ get: async (key, opts) => {
  if (!(key in items)) throw new Error('not found');
  return opts && opts.format === 'json' ? JSON.parse(items[key]) : items[key];
} }) };
` + src + `
(async () => {
  const under = await handler({ request: { uri: '/` + secret + `/api/auth/login', headers: {}, querystring: {} } });
  const outside = await handler({ request: { uri: '/api/auth/login', headers: {}, querystring: {} } });
  console.log(JSON.stringify({ under: under.uri, header: under.headers['x-gatepass-alias'].value, outside: outside.statusCode }));
})();
`
	file := filepath.Join(t.TempDir(), "edge.js")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := exec.Command(node, file).Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got struct {
		Under, Header string
		Outside       int
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	if got.Under != "/api/auth/login" || got.Header != secret || got.Outside != 404 {
		t.Fatalf("the edge read %+v", got)
	}
}

func TestEdgeValue(t *testing.T) {
	for _, a := range []string{"", secret} {
		var doc map[string]any
		if err := json.Unmarshal([]byte(alias.EdgeValue(a)), &doc); err != nil || len(doc) != 1 || doc["alias"] != a {
			t.Errorf("EdgeValue(%q) = %s", a, alias.EdgeValue(a))
		}
	}
}
