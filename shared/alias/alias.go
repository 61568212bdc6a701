// Package alias enforces the admin alias (API.md "Admin alias", SCND's
// second_admin_alias): when the tenant's adminAlias parameter is a non-empty
// string S, Gatepass answers only under /S/, and every other path answers
// 404 exactly as an unknown path does. A change applies to the next request
// of everyone.
//
// # Where it is enforced
//
// The edge strips the alias. In AWS a CloudFront Function (EdgeFunction,
// viewer request) reads the current alias from a CloudFront KeyValueStore,
// rewrites any path outside /S/ to one that exists nowhere (so the origin
// answers as for any unknown path), strips /S from the rest and sets Header
// to S — after deleting any Header the client sent. CloudFront picks the
// cache behaviour before the function runs, so /api/* and */api/* both go to
// the HTTP API. Locally the gateway of infra/local plays that part, reading
// the parameter from the store on every request.
//
// The functions check again (Gate), so that calling API Gateway directly,
// around CloudFront, does not get around the alias: a request whose Header is
// not the current alias gets the function's own answer to an unknown path.
// The check costs no round trip of its own on the flows that read the store
// first, which is nearly all: the gate holds the handler's response back,
// and the request's first store read (see Watch) also fetches the parameters
// — one more key in the same BatchGetItem — and decides. A request that
// would write, or list, before reading is decided by a read first; one that
// never touches the store (a malformed body, say) is decided by a read after
// the handler, before its response leaves. Nothing is cached, so nothing
// lags.
package alias

import (
	"bytes"
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"sync"

	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

// Header carries, from the edge to the functions, the alias a request came
// in under ("" or absent: none).
const Header = "X-Gatepass-Alias"

// ErrHidden is returned by a watched store for a request outside the alias;
// the gate then answers as for an unknown path, whatever the handler wrote.
// It unwraps to the not_found problem, so a handler that writes it as an
// error does not log a failure.
var ErrHidden error = hiddenError{}

type hiddenError struct{}

func (hiddenError) Error() string { return "alias: request outside the admin alias" }
func (hiddenError) Unwrap() error { return httpapi.NotFound() }

// verdict is one request's alias decision, made once.
type verdict struct {
	got string // the request's Header

	mu      sync.Mutex
	decided bool
	ok      bool
}

type verdictKey struct{}

// decide records the decision for parameters p, if none was made yet, and
// reports it.
func (v *verdict) decide(p params.Parameters) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.decided {
		v.decided, v.ok = true, equal(v.got, p.AdminAlias)
	}
	return v.ok
}

func (v *verdict) state() (decided, ok bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.decided, v.ok
}

// equal compares in constant time: the alias is a secret path.
func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// Loader reads the parameters.
type Loader interface {
	Load(ctx context.Context, q store.Query) (store.Snapshot, error)
}

// Gate serves next with its response held back until the request's alias
// is decided: by next's first store call through a Watch-ed store, or else
// by a read of the parameters afterwards. A request outside the alias gets
// notFound's answer instead; a store failure fails closed.
func Gate(next http.Handler, s Loader, notFound http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := &verdict{got: r.Header.Get(Header)}
		held := &heldResponse{header: w.Header().Clone()}
		next.ServeHTTP(held, r.WithContext(context.WithValue(r.Context(), verdictKey{}, v)))
		decided, ok := v.state()
		if !decided {
			snap, err := s.Load(r.Context(), store.Query{Parameters: true})
			if err != nil {
				httpapi.WriteError(w, r, fmt.Errorf("alias: read parameters: %w", err))
				return
			}
			ok = v.decide(snap.Parameters)
		}
		if !ok {
			notFound.ServeHTTP(w, r)
			return
		}
		held.sendTo(w)
	})
}

// heldResponse records a response to send later.
type heldResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	h.WriteHeader(http.StatusOK)
	return h.body.Write(b)
}

func (h *heldResponse) sendTo(w http.ResponseWriter) {
	dst := w.Header()
	clear(dst)
	for k, v := range h.header {
		dst[k] = v
	}
	if h.status == 0 {
		h.status = http.StatusOK
	}
	w.WriteHeader(h.status)
	_, _ = w.Write(h.body.Bytes())
}

// Watch returns s deciding the alias of gated requests: the first Load of a
// request also reads the parameters and decides; a Commit or a listing that
// comes first is preceded by that read. Once a request is known to be
// outside the alias, every call returns ErrHidden and writes nothing.
func Watch(s store.Store) store.Store { return &watched{Store: s} }

type watched struct{ store.Store }

// requestVerdict returns the verdict of a gated request, nil outside one.
func requestVerdict(ctx context.Context) *verdict {
	v, _ := ctx.Value(verdictKey{}).(*verdict)
	return v
}

// check decides the request's alias before a call that is not a Load.
func (w *watched) check(ctx context.Context) error {
	v := requestVerdict(ctx)
	if v == nil {
		return nil
	}
	if decided, ok := v.state(); decided {
		if !ok {
			return ErrHidden
		}
		return nil
	}
	snap, err := w.Store.Load(ctx, store.Query{Parameters: true})
	if err != nil {
		return fmt.Errorf("alias: read parameters: %w", err)
	}
	if !v.decide(snap.Parameters) {
		return ErrHidden
	}
	return nil
}

func (w *watched) Load(ctx context.Context, q store.Query) (store.Snapshot, error) {
	v := requestVerdict(ctx)
	if v == nil {
		return w.Store.Load(ctx, q)
	}
	if decided, ok := v.state(); decided {
		if !ok {
			return store.Snapshot{}, ErrHidden
		}
		return w.Store.Load(ctx, q)
	}
	q.Parameters = true // the same round trip decides
	snap, err := w.Store.Load(ctx, q)
	if err != nil {
		return snap, err
	}
	if !v.decide(snap.Parameters) {
		return store.Snapshot{}, ErrHidden
	}
	return snap, nil
}

func (w *watched) Commit(ctx context.Context, ops ...store.Op) error {
	if err := w.check(ctx); err != nil {
		return err
	}
	return w.Store.Commit(ctx, ops...)
}

func (w *watched) ListSessions(ctx context.Context, userID string) ([]store.Session, error) {
	if err := w.check(ctx); err != nil {
		return nil, err
	}
	return w.Store.ListSessions(ctx, userID)
}

func (w *watched) ListAudit(ctx context.Context, q store.AuditQuery) (store.AuditPage, error) {
	if err := w.check(ctx); err != nil {
		return store.AuditPage{}, err
	}
	return w.Store.ListAudit(ctx, q)
}

func (w *watched) ListFacilities(ctx context.Context) ([]store.Facility, error) {
	if err := w.check(ctx); err != nil {
		return nil, err
	}
	return w.Store.ListFacilities(ctx)
}

func (w *watched) ListAccounts(ctx context.Context, q store.AccountQuery) (store.AccountPage, error) {
	if err := w.check(ctx); err != nil {
		return store.AccountPage{}, err
	}
	return w.Store.ListAccounts(ctx, q)
}

// Strip maps a public path to the path the API and the web app know, for
// the edge: with alias "" every path is its own; with an alias S, "/S" and
// paths under "/S/" lose the prefix and every other path is ErrHidden.
func Strip(path, alias string) (string, error) {
	if alias == "" {
		return path, nil
	}
	prefix := "/" + alias
	switch {
	case equal(path, prefix):
		return "/", nil
	case len(path) > len(prefix) && path[len(prefix)] == '/' && equal(path[:len(prefix)], prefix):
		return path[len(prefix):], nil
	default:
		return "", ErrHidden
	}
}

// ListCredentials implements store.Store, behind the alias check.
func (w *watched) ListCredentials(ctx context.Context, userID string, kind store.CredentialKind) ([]store.Credential, error) {
	if err := w.check(ctx); err != nil {
		return nil, err
	}
	return w.Store.ListCredentials(ctx, userID, kind)
}

// ListHelpRequests implements store.Store, behind the alias check.
func (w *watched) ListHelpRequests(ctx context.Context) ([]store.HelpRequest, error) {
	if err := w.check(ctx); err != nil {
		return nil, err
	}
	return w.Store.ListHelpRequests(ctx)
}

// Append implements store.Store, behind the alias check.
func (w *watched) Append(ctx context.Context, ops ...store.Op) error {
	if err := w.check(ctx); err != nil {
		return err
	}
	return w.Store.Append(ctx, ops...)
}
