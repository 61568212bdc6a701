package breached

import (
	"crypto/sha1"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
)

func TestNewDefaults(t *testing.T) {
	own := &http.Client{Timeout: 5 * time.Second}
	for _, tt := range []struct {
		name    string
		timeout time.Duration
		hc      *http.Client
		want    time.Duration
	}{
		{"default timeout, default client", 0, nil, DefaultTimeout},
		{"own timeout, own client", 200 * time.Millisecond, own, 200 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Config{BaseURL: "https://range.example/range/", Timeout: tt.timeout, HTTPClient: tt.hc,
				Clock: clock.System{}, Logger: slog.New(slog.DiscardHandler), Tenant: "acme"})
			if err != nil {
				t.Fatal(err)
			}
			if c.timeout != tt.want {
				t.Errorf("timeout = %v, want %v", c.timeout, tt.want)
			}
			if c.http == tt.hc || c.http.CheckRedirect == nil {
				t.Error("the client does not use its own copy that refuses redirects")
			}
			if tt.hc != nil && (c.http.Timeout != tt.hc.Timeout || tt.hc.CheckRedirect != nil) {
				t.Error("the copy differs from the injected client, or the injected client was changed")
			}
		})
	}
	if DefaultTimeout != time.Second {
		t.Errorf("DefaultTimeout = %v, want 1s", DefaultTimeout)
	}
}

// TestPaddingCoversTheLargestRun builds an index with more entries under
// one prefix than MinPaddedLines: every padded response has that many lines.
func TestPaddingCoversTheLargestRun(t *testing.T) {
	const run = MinPaddedLines + 50
	var hashes [][sha1.Size]byte
	for i := range run {
		var h [sha1.Size]byte
		h[0], h[1], h[2] = 0xAB, 0xCD, 0xE0 // prefix ABCDE
		h[18], h[19] = byte(i>>8), byte(i)
		hashes = append(hashes, h)
	}
	hashes = append(hashes, [sha1.Size]byte{0x12, 0x34, 0x50}, [sha1.Size]byte{0xAB, 0xCD, 0xF0})
	idx := newRangeIndex(hashes)
	if idx.padded != run {
		t.Fatalf("padded = %d, want %d", idx.padded, run)
	}
	for _, tt := range []struct {
		prefix string
		real   int
	}{{"ABCDE", run}, {"12345", 1}, {"ABCDF", 1}, {"00000", 0}} {
		for _, pad := range []bool{false, true} {
			r := httptest.NewRequest(http.MethodGet, "/range/"+tt.prefix, nil)
			if pad {
				r.Header.Set("Add-Padding", "true")
			}
			w := httptest.NewRecorder()
			idx.ServeHTTP(w, r)
			body := w.Body.String()
			lines := strings.Count(body, "\r\n")
			want := tt.real
			if pad {
				want = run
			}
			if w.Code != http.StatusOK || lines != want || strings.Count(body, ":1\r\n") != tt.real {
				t.Errorf("%s, padding %v: %d, %d lines, %d real; want 200, %d lines, %d real",
					tt.prefix, pad, w.Code, lines, strings.Count(body, ":1\r\n"), want, tt.real)
			}
		}
	}
}
