package admin_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gatepass/gatepass/shared/alias"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

const (
	door      = "k3-x_9QzLmPa"      // the alias the tests set
	otherDoor = "concurrent-door-7" // an alias another administrator sets meanwhile
)

// fakePublisher records every alias published, and what the parameters in
// the store held at that moment (to prove the order of publish and commit).
type fakePublisher struct {
	st store.Store
	// fail, when set, answers publish n (from 1) of alias.
	fail func(n int, alias string) error
	// meanwhile, when set, runs after publish n was recorded: another
	// writer.
	meanwhile func(n int)

	mu        sync.Mutex
	published []string
	storedAt  []string // the stored alias when each was published
}

func (p *fakePublisher) PublishAlias(ctx context.Context, a string) error {
	snap, err := p.st.Load(ctx, store.Query{Parameters: true})
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.published = append(p.published, a)
	p.storedAt = append(p.storedAt, snap.Parameters.AdminAlias)
	n := len(p.published)
	p.mu.Unlock()
	if p.meanwhile != nil {
		p.meanwhile(n)
	}
	if p.fail != nil {
		return p.fail(n, a)
	}
	return nil
}

var errEdge = errors.New("kvs: put adminAlias (try 1): AccessDeniedException")

// putParameters stores parameters as another administrator would, under
// the version it read.
func putParameters(t *testing.T, st store.Store, mutate func(*params.Parameters)) {
	t.Helper()
	ctx := context.Background()
	snap, err := st.Load(ctx, store.Query{Parameters: true})
	if err != nil {
		t.Fatal(err)
	}
	p := snap.Parameters
	mutate(&p)
	if err := st.Commit(ctx, store.PutParameters{Parameters: p, Version: snap.ParametersVersion}); err != nil {
		t.Fatal(err)
	}
}

// The admin function publishes the alias to the edge before it commits
// the parameters, never leaves the edge on an alias the parameters do not
// hold, and says nothing of the alias in its logs when that goes wrong.
func TestAliasIsPublishedToTheEdge(t *testing.T) {
	for _, tc := range []struct {
		name string
		// noEdge builds the function with AliasEdge false: the publisher
		// alone makes the edge enforce the alias.
		noEdge    bool
		before    string // the alias stored before the request
		body      string
		fail      func(n int, alias string) error
		meanwhile func(t *testing.T, st store.Store, n int)

		wantStatus    int
		wantCode      string
		wantPublished []string
		wantStoredAt  []string // the stored alias at each publish
		wantStored    string   // the stored alias afterwards
		wantAudited   bool
		wantLog       string
	}{
		{name: "set: published, then committed", body: `{"adminAlias":"` + door + `"}`,
			wantStatus: 200, wantPublished: []string{door}, wantStoredAt: []string{""}, wantStored: door, wantAudited: true},
		{name: "a publisher is an edge that enforces the alias", noEdge: true, body: `{"adminAlias":"` + door + `"}`,
			wantStatus: 200, wantPublished: []string{door}, wantStoredAt: []string{""}, wantStored: door, wantAudited: true},
		{name: "cleared: empty published", before: door, body: `{"adminAlias":""}`,
			wantStatus: 200, wantPublished: []string{""}, wantStoredAt: []string{door}, wantStored: "", wantAudited: true},
		{name: "changed: the new one published", before: door, body: `{"adminAlias":"` + otherDoor + `"}`,
			wantStatus: 200, wantPublished: []string{otherDoor}, wantStoredAt: []string{door}, wantStored: otherDoor, wantAudited: true},
		{name: "other parameters: nothing published", before: door, body: `{"lockout":{"maxFailures":7}}`,
			wantStatus: 200, wantPublished: nil, wantStored: door, wantAudited: true},
		{name: "the same alias again: nothing published", before: door, body: `{"adminAlias":"` + door + `"}`,
			wantStatus: 200, wantPublished: nil, wantStored: door},
		{name: "publish fails: 503, nothing committed, the edge put back",
			body: `{"adminAlias":"` + door + `"}`,
			fail: func(n int, _ string) error {
				if n == 1 {
					return errEdge
				}
				return nil
			},
			wantStatus: 503, wantCode: "unavailable", wantPublished: []string{door, ""}, wantStoredAt: []string{"", ""},
			wantStored: "", wantLog: errEdge.Error()},
		{name: "commit conflicts: the edge gets the stored alias back",
			body: `{"adminAlias":"` + door + `"}`,
			meanwhile: func(t *testing.T, st store.Store, n int) {
				if n == 1 {
					putParameters(t, st, func(p *params.Parameters) { p.Lockout.MaxFailures = 9 })
				}
			},
			wantStatus: 409, wantCode: "conflict", wantPublished: []string{door, ""}, wantStoredAt: []string{"", ""}, wantStored: ""},
		{name: "a concurrent alias committed first: the edge gets it, not the old one",
			body: `{"adminAlias":"` + door + `"}`,
			meanwhile: func(t *testing.T, st store.Store, n int) {
				if n == 1 {
					putParameters(t, st, func(p *params.Parameters) { p.AdminAlias = otherDoor })
				}
			},
			wantStatus: 409, wantCode: "conflict", wantPublished: []string{door, otherDoor}, wantStoredAt: []string{"", otherDoor},
			wantStored: otherDoor},
		{name: "the restore fails too: logged",
			body: `{"adminAlias":"` + door + `"}`,
			fail: func(n int, _ string) error {
				if n == 2 {
					return errEdge
				}
				return nil
			},
			meanwhile: func(t *testing.T, st store.Store, n int) {
				if n == 1 {
					putParameters(t, st, func(p *params.Parameters) { p.Lockout.MaxFailures = 9 })
				}
			},
			wantStatus: 409, wantCode: "conflict", wantPublished: []string{door, ""}, wantStoredAt: []string{"", ""},
			wantStored: "", wantLog: "the edge may no longer match the parameters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			e := apptest.New(t, apptest.Options{NoAliasEdge: tc.noEdge, Log: &logs})
			e.Account("boss", "a super admin passphrase", func(a *store.Account) { a.Roles = []string{"super_admin"} })
			c, _ := e.SignIn("boss", "a super admin passphrase")
			if tc.before != "" {
				putParameters(t, e.Store, func(p *params.Parameters) { p.AdminAlias = tc.before })
			}
			pub := &fakePublisher{st: e.Store, fail: tc.fail}
			if tc.meanwhile != nil {
				pub.meanwhile = func(n int) { tc.meanwhile(t, e.Store, n) }
			}
			// The admin function as lambdarun builds it with aliaskvs (but
			// for noEdge).
			d := e.Deps
			d.AliasPublisher = pub
			h, err := app.Handler("admin", app.AdminHandlers, d)
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.Handle("/api/admin/", h)
			mux.Handle("/", e.Handler)
			e.Handler = mux
			logs.Reset()

			res := e.Do(apptest.Request{Method: "PUT", Path: "/api/admin/parameters", Body: tc.body, Cookie: c,
				Header: map[string]string{alias.Header: tc.before}})
			if res.Status != tc.wantStatus || tc.wantCode != "" && res.Code(t) != tc.wantCode {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			if !slices.Equal(pub.published, tc.wantPublished) || tc.wantStoredAt != nil && !slices.Equal(pub.storedAt, tc.wantStoredAt) {
				t.Errorf("published %q while the store held %q; want %q while %q", pub.published, pub.storedAt, tc.wantPublished, tc.wantStoredAt)
			}
			snap, err := e.Store.Load(context.Background(), store.Query{Parameters: true})
			if err != nil {
				t.Fatal(err)
			}
			if snap.Parameters.AdminAlias != tc.wantStored {
				t.Errorf("stored alias %q, want %q", snap.Parameters.AdminAlias, tc.wantStored)
			}
			page, err := e.Store.ListAudit(context.Background(), store.AuditQuery{Type: audit.ParametersChanged, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if audited := len(page.Items) == 1; audited != tc.wantAudited {
				t.Errorf("%d parameters.changed events", len(page.Items))
			}
			// The alias is a secret: the trail says that it changed, the
			// log and the trail never say to or from what (API.md).
			for _, ev := range page.Items {
				if strings.Contains(fmt.Sprint(ev.Detail), door) || strings.Contains(fmt.Sprint(ev.Detail), otherDoor) {
					t.Errorf("the audit trail names the alias: %v", ev.Detail)
				}
				if tc.wantPublished != nil && !slices.Contains([]string{"set", "changed", "removed"}, ev.Detail["adminAlias"]) {
					t.Errorf("the audit trail does not say the alias changed: %v", ev.Detail)
				}
			}
			if strings.Contains(logs.String(), door) || strings.Contains(logs.String(), otherDoor) {
				t.Errorf("the log names the alias:\n%s", logs.String())
			}
			if tc.wantLog != "" && !strings.Contains(logs.String(), tc.wantLog) {
				t.Errorf("log lacks %q:\n%s", tc.wantLog, logs.String())
			}
		})
	}
}
