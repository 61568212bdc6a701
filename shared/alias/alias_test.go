package alias_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatepass/gatepass/shared/alias"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/store"
)

const secret = "k3-x_9QzLmPa"

func TestStrip(t *testing.T) {
	tests := []struct {
		path, alias, want string
		hidden            bool
	}{
		{"/api/auth/login", "", "/api/auth/login", false},
		{"/", "", "/", false},
		{"/" + secret + "/api/auth/login", secret, "/api/auth/login", false},
		{"/" + secret + "/", secret, "/", false},
		{"/" + secret, secret, "/", false},
		{"/" + secret + "/index.html", secret, "/index.html", false},
		{"/api/auth/login", secret, "", true},
		{"/", secret, "", true},
		{"/index.html", secret, "", true},
		{"/" + secret + "x/api", secret, "", true},
		{"/" + strings.ToUpper(secret) + "/api", secret, "", true},
		{"/x/" + secret + "/api", secret, "", true},
		{"/" + secret[:5], secret, "", true},
		{"", secret, "", true},
	}
	for _, tt := range tests {
		got, err := alias.Strip(tt.path, tt.alias)
		if hidden := errors.Is(err, alias.ErrHidden); hidden != tt.hidden || got != tt.want {
			t.Errorf("Strip(%q, %q) = %q, %v; want %q hidden=%v", tt.path, tt.alias, got, err, tt.want, tt.hidden)
		}
	}
}

// gated runs fn as the handler of one gated request carrying header and
// returns the response status.
func gated(t *testing.T, e *apptest.Env, header string, fn func(ctx context.Context, s store.Store) error) int {
	t.Helper()
	watched := alias.Watch(e.Store)
	h := alias.Gate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(r.Context(), watched); err != nil {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		w.WriteHeader(http.StatusOK)
	}), e.Store, http.NotFoundHandler())
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if header != "" {
		r.Header.Set(alias.Header, header)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

// The alias is decided by the request's first store call, in the same round
// trip when it is a read, before anything is written otherwise.
func TestWatchDecidesOnTheFirstStoreCall(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	setAlias(t, e, secret)
	ctx := context.Background()
	f := store.Facility{ID: "f_x", Name: "X", Status: "active"}
	tests := []struct {
		name     string
		header   string
		fn       func(ctx context.Context, s store.Store) error
		status   int
		reads    int64
		facility bool // whether the write happened
	}{
		{"a read decides in its own round trip", secret, func(ctx context.Context, s store.Store) error {
			snap, err := s.Load(ctx, store.Query{AccountID: "u_none"})
			if err == nil && snap.Parameters.AdminAlias != secret {
				t.Error("the deciding read must carry the parameters")
			}
			return err
		}, 200, 1, false},
		{"a read outside the alias", "wrong-alias", func(ctx context.Context, s store.Store) error {
			_, err := s.Load(ctx, store.Query{AccountID: "u_none"})
			if !errors.Is(err, alias.ErrHidden) {
				t.Errorf("Load = %v, want ErrHidden", err)
			}
			return err
		}, 404, 1, false},
		{"a write outside the alias writes nothing", "", func(ctx context.Context, s store.Store) error {
			return s.Commit(ctx, store.PutFacility{Facility: f})
		}, 404, 1, false},
		{"a write under the alias", secret, func(ctx context.Context, s store.Store) error {
			return s.Commit(ctx, store.PutFacility{Facility: f})
		}, 200, 1, true},
		{"no store call: decided after the handler", "nope-nope", func(context.Context, store.Store) error { return nil }, 404, 1, false},
		{"later calls after a refusal", "nope-nope", func(ctx context.Context, s store.Store) error {
			_, _ = s.Load(ctx, store.Query{})
			if _, err := s.ListFacilities(ctx); !errors.Is(err, alias.ErrHidden) {
				t.Errorf("ListFacilities = %v, want ErrHidden", err)
			}
			return nil
		}, 404, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_ = e.Store.Commit(ctx, store.DeleteFacility{ID: f.ID, Version: 1})
			e.Store.Reset()
			status := gated(t, e, tt.header, tt.fn)
			if status != tt.status || e.Store.Counts().Reads != tt.reads {
				t.Fatalf("status %d, %d reads; want %d, %d", status, e.Store.Counts().Reads, tt.status, tt.reads)
			}
			snap, _ := e.Store.Load(ctx, store.Query{Facility: f.ID})
			if (snap.Facility != nil) != tt.facility {
				t.Fatalf("facility written = %v, want %v", snap.Facility != nil, tt.facility)
			}
		})
	}
}

// setAlias stores the alias as the admin function would.
func setAlias(t *testing.T, e *apptest.Env, a string) {
	t.Helper()
	snap, err := e.Store.Load(context.Background(), store.Query{Parameters: true})
	if err != nil {
		t.Fatal(err)
	}
	p := snap.Parameters
	p.AdminAlias = a
	if err := e.Store.Commit(context.Background(), store.PutParameters{Parameters: p, Version: snap.ParametersVersion}); err != nil {
		t.Fatal(err)
	}
}

// With an alias set, a request that did not come in under it gets exactly
// the answer of an unknown path, from every function, whatever it carries;
// under the alias everything works. The change applies at once.
func TestFunctionsAnswerOnlyUnderTheAlias(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("jdoe", "correct horse battery staple")
	c, _ := e.SignIn("jdoe", "correct horse battery staple")
	setAlias(t, e, secret)

	under := map[string]string{alias.Header: secret}
	probes := []apptest.Request{
		{Method: http.MethodGet, Path: "/api/auth/config"},
		{Method: http.MethodGet, Path: "/api/auth/session", Cookie: c},
		{Method: http.MethodPost, Path: "/api/auth/login", Body: `{"username":"jdoe","password":"x"}`},
		{Method: http.MethodPost, Path: "/api/auth/login", Body: `not json`},
		{Method: http.MethodPost, Path: "/api/auth/password/reset", Body: `{"identifier":"jdoe"}`},
		{Method: http.MethodGet, Path: "/api/auth/views", Cookie: c},
		{Method: http.MethodGet, Path: "/api/auth/mfa", Cookie: c},
	}
	unknown := e.Do(apptest.Request{Method: http.MethodGet, Path: "/api/auth/no-such-route", Header: under})
	for _, p := range probes {
		for _, header := range []map[string]string{nil, {alias.Header: "wrong-alias"}, {alias.Header: strings.ToUpper(secret)}} {
			p.Header = header
			res := e.Do(p)
			if res.Status != 404 || string(res.Body) != string(unknown.Body) ||
				res.Header.Get("Content-Type") != unknown.Header.Get("Content-Type") || res.Cookie("gatepass") != nil {
				t.Errorf("%s %s with %v: %d %s; want exactly the unknown path's %d %s",
					p.Method, p.Path, header, res.Status, res.Body, unknown.Status, unknown.Body)
			}
		}
	}
	p := probes[1]
	p.Header = under
	if res := e.Do(p); res.Status != 200 {
		t.Fatalf("session under the alias: %d %s", res.Status, res.Body)
	}
	setAlias(t, e, "")
	if res := e.Get("/api/auth/session", c); res.Status != 200 {
		t.Fatalf("alias removed: %d %s", res.Status, res.Body)
	}
}

// Mail links point under the alias, so that they work.
func TestMailLinksIncludeTheAlias(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("jdoe", "correct horse battery staple")
	setAlias(t, e, secret)
	res := e.Do(apptest.Request{Method: http.MethodPost, Path: "/api/auth/password/reset", Body: `{"identifier":"jdoe"}`,
		Header: map[string]string{alias.Header: secret}})
	if res.Status != 202 && res.Status != 204 && res.Status != 200 {
		t.Fatalf("reset request: %d %s", res.Status, res.Body)
	}
	msgs := e.Mail.To("jdoe@example.com")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, apptest.Public+"/"+secret+"/#/reset?token=") {
		t.Fatalf("mail %+v: want a link under the alias", msgs)
	}
}
