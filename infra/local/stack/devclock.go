package stack

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
)

// DevClockPath moves the local stack's clock forward, for the browser tests
// of what only time brings about (an authentication older than the step-up
// window, an expiry) without waiting for it. It exists only when the stack
// runs with GATEPASS_DEV_CLOCK=1 (Config.DevClock), and like everything
// under /_dev/ never in a Lambda deployment.
//
//	GET  /_dev/clock                          → {"now": "...", "offsetSeconds": 0}
//	POST /_dev/clock {"advanceSeconds": 660}  → {"now": "...", "offsetSeconds": 660}
const DevClockPath = "/_dev/clock"

// maxDevAdvance bounds one step, so that a typo does not throw the stack a
// decade ahead.
const maxDevAdvance = 400 * 24 * time.Hour

// devClock is the stack's clock plus an offset that only ever grows: every
// handler, the store's expiries and the outbox read it, so they all see the
// same moved time; the real clock keeps ticking underneath.
type devClock struct {
	base   clock.Clock
	mu     sync.Mutex
	offset time.Duration
}

func newDevClock(base clock.Clock) *devClock { return &devClock{base: base} }

// Now returns the base clock's time plus the offset.
func (c *devClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Now().Add(c.offset)
}

func (c *devClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

func (c *devClock) state() map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return map[string]any{
		"now":           c.base.Now().Add(c.offset).Format(time.RFC3339Nano),
		"offsetSeconds": c.offset.Seconds(),
	}
}

// ServeHTTP answers GET (where the clock stands) and POST (move it forward
// by advanceSeconds, a positive number).
func (c *devClock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		var req struct {
			AdvanceSeconds float64 `json:"advanceSeconds"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1024))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			http.Error(w, `body: {"advanceSeconds": <positive number>}`, http.StatusBadRequest)
			return
		}
		d := time.Duration(req.AdvanceSeconds * float64(time.Second))
		if d <= 0 || d > maxDevAdvance {
			http.Error(w, "advanceSeconds must be positive and at most 400 days: the clock only moves forward", http.StatusBadRequest)
			return
		}
		c.advance(d)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "GET or POST", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(c.state())
}
