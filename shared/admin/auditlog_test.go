package admin_test

import (
	"net/url"
	"testing"

	"github.com/gatepass/gatepass/shared/audit"
)

type auditItem struct {
	ID        string            `json:"id"`
	At        string            `json:"at"`
	Type      string            `json:"type"`
	UserID    *string           `json:"userId"`
	ActorID   *string           `json:"actorId"`
	IP        *string           `json:"ip"`
	UserAgent *string           `json:"userAgent"`
	Detail    map[string]string `json:"detail"`
}

type auditPage struct {
	Items      []auditItem `json:"items"`
	NextCursor *string     `json:"nextCursor"`
}

func TestAuditLogPaging(t *testing.T) {
	f := newFixture(t)
	target := f.operatorIn("busy")
	for range 5 {
		if res := f.asSuper("POST", "/api/admin/users/"+target.ID+"/unlock", nil); res.Status != 204 {
			t.Fatal(res.Status)
		}
	}
	list := func(q url.Values) auditPage {
		t.Helper()
		res := f.as(callerAdmin, "GET", "/api/admin/audit?"+q.Encode(), nil)
		if res.Status != 200 {
			t.Fatalf("%v: %d %s", q, res.Status, res.Body)
		}
		return decode[auditPage](t, res)
	}
	q := url.Values{"userId": {target.ID}, "type": {audit.UserUnlocked}, "limit": {"2"}}
	var seen []auditItem
	for pages := 1; ; pages++ {
		p := list(q)
		seen = append(seen, p.Items...)
		if p.NextCursor == nil {
			if pages != 3 {
				t.Fatalf("%d pages", pages)
			}
			break
		}
		q.Set("cursor", *p.NextCursor)
	}
	if len(seen) != 5 {
		t.Fatalf("%d events", len(seen))
	}
	for i, e := range seen {
		if e.Type != audit.UserUnlocked || *e.UserID != target.ID || *e.ActorID != f.super.ID || *e.IP != "203.0.113.7" ||
			*e.UserAgent != "apptest/1.0" || e.Detail["wasLocked"] != "false" {
			t.Fatalf("event %+v", e)
		}
		if i > 0 && seen[i-1].ID <= e.ID {
			t.Fatal("not newest first")
		}
	}
	// Events without a user or a detail render null and {}.
	login := list(url.Values{"type": {audit.LoginSucceeded}, "limit": {"1"}})
	if len(login.Items) != 1 || login.Items[0].ActorID != nil || login.Items[0].Detail == nil {
		t.Fatalf("login event %+v", login.Items)
	}
	for _, raw := range []string{"cursor=%2A%2A%2A", "limit=0", "limit=201", "limit=ten"} {
		res := f.as(callerAdmin, "GET", "/api/admin/audit?"+raw, nil)
		if res.Status != 400 || res.Code(t) != "invalid_request" {
			t.Errorf("%s: %d %s", raw, res.Status, res.Body)
		}
	}
}
