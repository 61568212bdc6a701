package lambdaapi_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/gatepass/gatepass/infra/bench/lambdaapi"
)

// childEnv makes the test binary a Lambda function instead: the real Go
// runtime client (aws-lambda-go) against the server under test.
const childEnv = "LAMBDAAPI_TEST_CHILD"

type echo struct {
	Say string `json:"say"`
}

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "echo":
		lambda.Start(func(ctx context.Context, in echo) (echo, error) {
			lc, _ := lambdacontext.FromContext(ctx)
			if in.Say == "fail" {
				return echo{}, errors.New("asked to fail")
			}
			if _, ok := ctx.Deadline(); !ok || lc == nil || lc.InvokedFunctionArn != lambdaapi.FunctionARN {
				return echo{}, errors.New("no deadline or context")
			}
			return echo{Say: strings.ToUpper(in.Say) + " " + lc.AwsRequestID}, nil
		})
	case "init-fails":
		os.Exit(3) // a cold start that fails before asking for work
	}
	os.Exit(m.Run())
}

// startFunction runs this test binary as a function against s.
func startFunction(t *testing.T, s *lambdaapi.Server, mode string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "AWS_LAMBDA_RUNTIME_API="+s.Addr())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// The real Go runtime client asks for work, gets the event with its request
// id, deadline and function ARN, and posts the response or the error; the
// server times the cold start and each invocation.
func TestRealRuntimeClient(t *testing.T) {
	s, err := lambdaapi.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	began := time.Now()
	startFunction(t, s, "echo")
	first, err := s.WaitNext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !first.After(began) {
		t.Fatalf("first next at %v, before the start at %v", first, began)
	}
	res, err := s.Invoke(ctx, []byte(`{"say":"hello"}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed || string(res.Body) != `{"say":"HELLO bench-1"}` {
		t.Fatalf("result %+v (%s)", res, res.Body)
	}
	if res.Latency() <= 0 || res.Sent.Before(first) {
		t.Fatalf("latency %v, sent %v, first next %v", res.Latency(), res.Sent, first)
	}
	res, err = s.Invoke(ctx, []byte(`{"say":"fail"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Failed || !strings.Contains(string(res.Body), "asked to fail") {
		t.Fatalf("error result %+v (%s)", res, res.Body)
	}
	// The function asks again after every invocation.
	if _, err := s.WaitNext(ctx); err != nil {
		t.Fatal(err)
	}
}

// A process that dies during its cold start never asks for work: the wait
// ends with the caller's context rather than hanging.
func TestWaitEndsWithTheContext(t *testing.T) {
	s, err := lambdaapi.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cmd := startFunction(t, s, "init-fails")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_ = cmd.Wait()
		cancel()
	}()
	if _, err := s.WaitNext(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitNext = %v, want the context's end", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Invoke(context.Background(), nil); !errors.Is(err, lambdaapi.ErrClosed) {
		t.Fatalf("Invoke on a closed server = %v", err)
	}
}
