// Package lambdaapi is a minimal AWS Lambda Runtime API (version
// 2018-06-01) on loopback, enough to run one function process — a
// provided.al2023 `bootstrap` — outside Lambda and time it: when the
// process first asks for an invocation (GET …/invocation/next, the end of
// its cold start), and how long each invocation takes from the moment the
// event is handed over to the moment its response (or error) arrives.
//
// It serves the four calls a Go runtime client makes: next, response,
// error and init/error. Extensions, streaming responses and X-Ray are not
// served. One Server serves one process at a time.
package lambdaapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Version is the Runtime API version the server speaks.
const Version = "2018-06-01"

// Deadline is the invocation deadline the server announces.
const Deadline = 30 * time.Second

// FunctionARN is the invoked function ARN the server announces.
const FunctionARN = "arn:aws:lambda:eu-central-1:111111111111:function:gatepass-bench"

// ErrClosed is returned by waits on a closed server.
var ErrClosed = errors.New("lambdaapi: server closed")

// Result is the outcome of one invocation.
type Result struct {
	// Body is the response payload, or the error document of a failed
	// invocation.
	Body []byte
	// Failed tells that the function reported an error (…/error).
	Failed bool
	// Sent is when the event was written to the function; Done when its
	// response arrived.
	Sent, Done time.Time
}

// Latency is the time from handing the event over to the response.
func (r Result) Latency() time.Duration { return r.Done.Sub(r.Sent) }

type invocation struct {
	id      string
	payload []byte
	result  chan Result
	sent    time.Time // when the event was written to the function
}

// Server is a running Runtime API.
type Server struct {
	ln     net.Listener
	srv    *http.Server
	closed chan struct{}
	once   sync.Once

	// nexts receives the arrival time of every GET …/next.
	nexts chan time.Time
	// queue holds the invocations not yet handed to the function.
	queue chan invocation
	// initErrors receives the bodies of …/init/error.
	initErrors chan []byte

	mu      sync.Mutex
	pending map[string]invocation // handed over, awaiting the response
	seq     int
}

// Start listens on a free loopback port and serves the Runtime API.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lambdaapi: listen: %w", err)
	}
	s := &Server{
		ln: ln, closed: make(chan struct{}),
		nexts: make(chan time.Time, 16), queue: make(chan invocation, 16), initErrors: make(chan []byte, 4),
		pending: map[string]invocation{},
	}
	mux := http.NewServeMux()
	base := "/" + Version + "/runtime"
	mux.HandleFunc("GET "+base+"/invocation/next", s.next)
	mux.HandleFunc("POST "+base+"/invocation/{id}/response", s.respond(false))
	mux.HandleFunc("POST "+base+"/invocation/{id}/error", s.respond(true))
	mux.HandleFunc("POST "+base+"/init/error", s.initError)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Addr is host:port, the value of AWS_LAMBDA_RUNTIME_API.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server; requests waiting for an invocation end.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		close(s.closed)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if e := s.srv.Shutdown(ctx); e != nil {
			err = fmt.Errorf("lambdaapi: shutdown: %w", e)
			_ = s.srv.Close()
		}
	})
	return err
}

// WaitNext waits for the function's next GET …/invocation/next and returns
// when it arrived. After a process start, the first one marks the end of
// the cold start. It fails when ctx ends (the process died, say) or an
// initialisation error is reported.
func (s *Server) WaitNext(ctx context.Context) (time.Time, error) {
	select {
	case t := <-s.nexts:
		return t, nil
	case body := <-s.initErrors:
		return time.Time{}, fmt.Errorf("lambdaapi: init error: %s", body)
	case <-ctx.Done():
		return time.Time{}, fmt.Errorf("lambdaapi: wait for next: %w", ctx.Err())
	case <-s.closed:
		return time.Time{}, ErrClosed
	}
}

// Invoke hands payload to the function (now or at its next …/next) and
// waits for the response.
func (s *Server) Invoke(ctx context.Context, payload []byte) (Result, error) {
	s.mu.Lock()
	s.seq++
	inv := invocation{id: "bench-" + strconv.Itoa(s.seq), payload: payload, result: make(chan Result, 1)}
	s.mu.Unlock()
	select {
	case s.queue <- inv:
	case <-ctx.Done():
		return Result{}, fmt.Errorf("lambdaapi: queue invocation: %w", ctx.Err())
	case <-s.closed:
		return Result{}, ErrClosed
	}
	select {
	case r := <-inv.result:
		return r, nil
	case body := <-s.initErrors:
		return Result{}, fmt.Errorf("lambdaapi: init error: %s", body)
	case <-ctx.Done():
		return Result{}, fmt.Errorf("lambdaapi: invoke %s: %w", inv.id, ctx.Err())
	case <-s.closed:
		return Result{}, ErrClosed
	}
}

// next serves GET …/invocation/next: it records the arrival, then holds the
// request until an invocation is queued.
func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	select {
	case s.nexts <- time.Now():
	default: // nobody is timing this one
	}
	var inv invocation
	select {
	case inv = <-s.queue:
	case <-r.Context().Done():
		return
	case <-s.closed:
		http.Error(w, "runtime API closed", http.StatusGone)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(Deadline).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", FunctionARN)
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
	inv.sent = time.Now()
	s.mu.Lock()
	s.pending[inv.id] = inv
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

// respond serves POST …/invocation/{id}/response and …/error.
func (s *Server) respond(failed bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		done := time.Now()
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		id := r.PathValue("id")
		s.mu.Lock()
		inv, ok := s.pending[id]
		delete(s.pending, id)
		s.mu.Unlock()
		if !ok {
			http.Error(w, "unknown invocation "+strings.ReplaceAll(id, "\n", ""), http.StatusBadRequest)
			return
		}
		inv.result <- Result{Body: body, Failed: failed, Sent: inv.sent, Done: done}
		w.WriteHeader(http.StatusAccepted)
	}
}

// initError serves POST …/init/error.
func (s *Server) initError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	select {
	case s.initErrors <- body:
	default:
	}
	w.WriteHeader(http.StatusAccepted)
}
