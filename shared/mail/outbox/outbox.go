// Package outbox is the mail sender of the local stack: instead of sending,
// it keeps every mail in the data directory, where the developer reads it at
// /_dev/mail (JSON) and /_dev/mail/ (HTML). It never exists in a Lambda
// deployment.
//
// Mails are appended as JSON lines to outbox.jsonl, one fsync per mail, so
// they survive a restart. Only the newest MaxItems are kept: older ones are
// dropped when the file is loaded and when it has grown to twice that size.
package outbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/mail"
)

// FileName is the outbox file inside the data directory.
const FileName = "outbox.jsonl"

// MaxItems is how many mails the outbox keeps.
const MaxItems = 500

// maxLine bounds one stored mail when loading (a rendered mail is a few KiB).
const maxLine = 16 << 20

// Item is one stored mail. Its JSON form is the one of GET /_dev/mail.
type Item struct {
	ID      string    `json:"id"`
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	HTML    string    `json:"html"`
	Kind    mail.Kind `json:"kind,omitempty"`
	SentAt  time.Time `json:"sentAt"`
}

// Outbox stores mails in a directory. It implements mail.Sender and is safe
// for concurrent use.
type Outbox struct {
	path  string
	clock clock.Clock
	limit int

	mu    sync.Mutex
	items []Item // oldest first, at most limit
	lines int    // records in the file, for compaction
}

var _ mail.Sender = (*Outbox)(nil)

// Open loads the outbox of dir (creating dir when needed) and keeps the newest
// MaxItems mails. A damaged record — such as a last line cut short by a crash —
// is dropped, and the file is rewritten so that later appends stay readable.
// A nil clk means the system clock.
func Open(dir string, clk clock.Clock) (*Outbox, error) {
	return open(dir, clk, MaxItems)
}

func open(dir string, clk clock.Clock, limit int) (*Outbox, error) {
	if clk == nil {
		clk = clock.System{}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("outbox: data dir: %w", err)
	}
	o := &Outbox{path: filepath.Join(dir, FileName), clock: clk, limit: limit}
	items, clean, err := load(o.path)
	if err != nil {
		return nil, err
	}
	if len(items) > limit {
		items, clean = items[len(items)-limit:], false
	}
	o.items, o.lines = items, len(items)
	if !clean {
		if err := o.rewrite(); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// load reads every record of the file at path, oldest first. clean is false
// when a record could not be decoded or the file does not end in a newline.
func load(path string) (items []Item, clean bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("outbox: open: %w", err)
	}
	defer f.Close()
	clean = true
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			line, err = readLong(r, line)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			var it Item
			if json.Unmarshal(line, &it) == nil && it.ID != "" {
				items = append(items, it)
			} else {
				clean = false
			}
			if line[len(line)-1] != '\n' {
				clean = false // the next append must start on a line of its own
			}
		}
		if errors.Is(err, io.EOF) {
			return items, clean, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("outbox: read: %w", err)
		}
	}
}

// readLong finishes a line longer than the reader's buffer, up to maxLine;
// a longer line is returned cut short, so that it counts as damaged.
func readLong(r *bufio.Reader, first []byte) ([]byte, error) {
	line := append([]byte(nil), first...)
	for {
		more, err := r.ReadSlice('\n')
		if len(line) < maxLine {
			line = append(line, more...)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if len(line) > maxLine {
				line = line[:maxLine]
			}
			return line, err
		}
	}
}

// Send stores m. It fails only when m has no recipient or the file cannot
// be written; the error never holds the mail's content.
func (o *Outbox) Send(ctx context.Context, m mail.Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if strings.TrimSpace(m.To) == "" {
		return errors.New("outbox: mail without a recipient")
	}
	it := Item{
		ID: ids.New("m"), To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Kind: m.Kind,
		SentAt: o.clock.Now().UTC(),
	}
	line, err := json.Marshal(it)
	if err != nil {
		return fmt.Errorf("outbox: encode mail: %w", err)
	}
	line = append(line, '\n')

	o.mu.Lock()
	defer o.mu.Unlock()
	if err := appendSync(o.path, line); err != nil {
		return err
	}
	o.items = append(o.items, it)
	if len(o.items) > o.limit {
		o.items = slices.Delete(o.items, 0, len(o.items)-o.limit)
	}
	o.lines++
	if o.lines >= 2*o.limit {
		// The mail is stored whatever happens here; a failed compaction is
		// tried again at the next send.
		_ = o.rewrite()
	}
	return nil
}

// appendSync appends line to the file at path and waits until it is on disk.
func appendSync(path string, line []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("outbox: open for append: %w", err)
	}
	if _, err := f.Write(line); err != nil {
		_ = f.Close()
		return fmt.Errorf("outbox: append: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("outbox: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("outbox: close: %w", err)
	}
	return nil
}

// rewrite replaces the file with o.items, atomically: a temporary file in the
// same directory, synced, renamed over the old one, then the directory synced.
// The caller holds o.mu or owns o alone.
func (o *Outbox) rewrite() error {
	dir := filepath.Dir(o.path)
	tmp, err := os.CreateTemp(dir, ".outbox-*.tmp")
	if err != nil {
		return fmt.Errorf("outbox: rewrite: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	w := bufio.NewWriter(tmp)
	for _, it := range o.items {
		line, err := json.Marshal(it)
		if err != nil {
			_ = tmp.Close()
			return fmt.Errorf("outbox: rewrite: encode: %w", err)
		}
		_, _ = w.Write(line)
		_ = w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("outbox: rewrite: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("outbox: rewrite: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("outbox: rewrite: close: %w", err)
	}
	if err := os.Rename(tmp.Name(), o.path); err != nil {
		return fmt.Errorf("outbox: rewrite: rename: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	o.lines = len(o.items)
	return nil
}

// List returns the stored mails, newest first.
func (o *Outbox) List() []Item {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Item, len(o.items))
	for i, it := range o.items {
		out[len(out)-1-i] = it
	}
	return out
}

// Get returns the stored mail with the given id.
func (o *Outbox) Get(id string) (Item, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, it := range o.items {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}
