package outbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/mail/outbox"
)

var start = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func openBox(t *testing.T, dir string, clk clock.Clock) *outbox.Outbox {
	t.Helper()
	o, err := outbox.Open(dir, clk)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func msg(n int) mail.Message {
	return mail.Message{
		To: fmt.Sprintf("user%d@example.com", n), Subject: fmt.Sprintf("Subject %d", n),
		Text: fmt.Sprintf("text %d\n", n), HTML: fmt.Sprintf("<p>html %d</p>", n), Kind: mail.KindPasswordChanged,
	}
}

func send(t *testing.T, o *outbox.Outbox, m mail.Message) {
	t.Helper()
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

func fileLines(t *testing.T, dir string) int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, outbox.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		n++
	}
	return n
}

func TestSendAndListNewestFirst(t *testing.T) {
	clk := clock.NewFake(start)
	o := openBox(t, t.TempDir(), clk)
	if got := o.List(); len(got) != 0 {
		t.Fatalf("new outbox lists %v", got)
	}
	for i := range 3 {
		send(t, o, msg(i))
		clk.Advance(time.Minute)
	}
	send(t, o, msg(3)) // same instant as the next: order is send order
	send(t, o, msg(4))
	got := o.List()
	if len(got) != 5 {
		t.Fatalf("%d items", len(got))
	}
	ids := map[string]bool{}
	for i, it := range got {
		n := 4 - i
		want := msg(n)
		if it.To != want.To || it.Subject != want.Subject || it.Text != want.Text || it.HTML != want.HTML || it.Kind != want.Kind {
			t.Errorf("item %d = %+v, want mail %d", i, it, n)
		}
		if it.ID == "" || ids[it.ID] {
			t.Errorf("item %d id %q is empty or repeated", i, it.ID)
		}
		ids[it.ID] = true
		if byID, ok := o.Get(it.ID); !ok || byID.Subject != it.Subject {
			t.Errorf("Get(%q) = %+v, %v", it.ID, byID, ok)
		}
	}
	if !got[4].SentAt.Equal(start) || !got[0].SentAt.Equal(start.Add(3*time.Minute)) || got[0].SentAt.Location() != time.UTC {
		t.Errorf("sentAt %v … %v", got[4].SentAt, got[0].SentAt)
	}
	if _, ok := o.Get("m_unknown"); ok {
		t.Error("Get of an unknown id succeeded")
	}
}

func TestPersistsAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewFake(start)
	o := openBox(t, dir, clk)
	for i := range 3 {
		send(t, o, msg(i))
		clk.Advance(time.Second)
	}
	before := o.List()

	again := openBox(t, dir, clk)
	after := again.List()
	if len(after) != len(before) {
		t.Fatalf("reopened: %d items, want %d", len(after), len(before))
	}
	for i := range before {
		b, a := before[i], after[i]
		if a.ID != b.ID || a.To != b.To || a.Subject != b.Subject || a.Text != b.Text || a.HTML != b.HTML ||
			a.Kind != b.Kind || !a.SentAt.Equal(b.SentAt) {
			t.Errorf("item %d: %+v, want %+v", i, a, b)
		}
	}
	send(t, again, msg(9))
	if got := openBox(t, dir, clk).List(); len(got) != 4 || got[0].Subject != "Subject 9" {
		t.Fatalf("after a send on the reopened outbox: %+v", got)
	}
	if fi, err := os.Stat(filepath.Join(dir, outbox.FileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file: %v, %v", fi, err)
	}
}

func TestOpenKeepsTheNewest(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range outbox.MaxItems + 10 {
		line, err := json.Marshal(outbox.Item{ID: fmt.Sprintf("m_%d", i), To: "a@example.com", Subject: fmt.Sprint(i), SentAt: start})
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, outbox.FileName), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	got := openBox(t, dir, clock.NewFake(start)).List()
	if len(got) != outbox.MaxItems || got[0].ID != fmt.Sprintf("m_%d", outbox.MaxItems+9) || got[len(got)-1].ID != "m_10" {
		t.Fatalf("%d items, newest %q, oldest %q", len(got), got[0].ID, got[len(got)-1].ID)
	}
	if n := fileLines(t, dir); n != outbox.MaxItems {
		t.Fatalf("file has %d lines after open, want %d", n, outbox.MaxItems)
	}
}

func TestOpenDropsDamagedRecords(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		want          int
	}{
		{"cut last line", `{"id":"m_1","to":"a@example.com","subject":"1","sentAt":"2026-11-23T08:00:00Z"}` + "\n" + `{"id":"m_2","to":"a@exa`, 1},
		{"valid last line without newline", `{"id":"m_1","to":"a@example.com","subject":"1","sentAt":"2026-11-23T08:00:00Z"}`, 1},
		{"garbage in the middle", `{"id":"m_1","to":"a","sentAt":"2026-11-23T08:00:00Z"}` + "\nnot json\n\n" + `{"id":"m_3","to":"a","sentAt":"2026-11-23T08:00:00Z"}` + "\n", 2},
		{"record without id", `{"to":"a"}` + "\n", 0},
		{"empty file", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, outbox.FileName), []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			o := openBox(t, dir, clock.NewFake(start))
			if got := o.List(); len(got) != tc.want {
				t.Fatalf("%d items, want %d", len(got), tc.want)
			}
			send(t, o, msg(7))
			got := openBox(t, dir, clock.NewFake(start)).List()
			if len(got) != tc.want+1 || got[0].Subject != "Subject 7" {
				t.Fatalf("after a send and reopen: %+v", got)
			}
		})
	}
}

func TestConcurrentSend(t *testing.T) {
	dir := t.TempDir()
	o := openBox(t, dir, clock.NewFake(start))
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() { errs <- o.Send(context.Background(), msg(i)) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, it := range o.List() {
		seen[it.Subject] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct mails listed, want %d", len(seen), n)
	}
	if got := openBox(t, dir, clock.NewFake(start)).List(); len(got) != n {
		t.Fatalf("%d mails after reopen, want %d", len(got), n)
	}
}

func TestSendRefuses(t *testing.T) {
	o := openBox(t, t.TempDir(), clock.NewFake(start))
	noRecipient := msg(1)
	noRecipient.To = " "
	if err := o.Send(context.Background(), noRecipient); err == nil {
		t.Error("Send without a recipient succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Send(ctx, msg(1)); err == nil {
		t.Error("Send with a canceled context succeeded")
	}
	if got := o.List(); len(got) != 0 {
		t.Fatalf("refused mails were stored: %+v", got)
	}
}

func TestOpenFailsOnUnusableDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := outbox.Open(file, nil); err == nil {
		t.Fatal("Open on a file succeeded")
	}
}
