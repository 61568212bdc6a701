package outbox

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/mail"
)

// TestFileIsCompacted checks that the file never grows past twice the limit
// while the outbox runs.
func TestFileIsCompacted(t *testing.T) {
	dir := t.TempDir()
	o, err := open(dir, clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{1, 2, 3, 4, 5, 3, 4, 5, 3} {
		if err := o.Send(context.Background(), mail.Message{To: "a@example.com", Subject: string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(dir, FileName))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(string(raw), "\n"); got != want {
			t.Fatalf("after send %d the file has %d lines, want %d", i+1, got, want)
		}
		if len(o.List()) != min(i+1, 3) {
			t.Fatalf("after send %d: %d items", i+1, len(o.List()))
		}
	}
	if got := o.List(); got[0].Subject != "i" || got[2].Subject != "g" {
		t.Fatalf("kept %+v", got)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".outbox-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

func TestLinks(t *testing.T) {
	got := links("Open http://127.0.0.1:8080/#/reset?token=u_1.abc-_ now.\nOr https://x.example/a). Again http://127.0.0.1:8080/#/reset?token=u_1.abc-_\nftp://no javascript:alert(1)")
	want := []string{"http://127.0.0.1:8080/#/reset?token=u_1.abc-_", "https://x.example/a"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("links = %q, want %q", got, want)
	}
}
