package sso

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
)

// CatalogTTL is how long a Catalog trusts its copy of the provider list. The
// list changes only when an administrator adds or removes a provider, and
// the sign-in page reads it on every visit: a minute keeps the broker's API
// out of that path without leaving a removed provider on the page for long.
const CatalogTTL = time.Minute

// Catalog caches a Directory's provider list for the life of the process
// (a Lambda cold start), refreshed after CatalogTTL. A nil Directory lists
// nothing: SSO is not configured.
type Catalog struct {
	dir   Directory
	clock clock.Clock

	mu      sync.Mutex
	list    []Provider
	fetched time.Time
}

// NewCatalog returns a catalog over dir (nil: no SSO).
func NewCatalog(dir Directory, c clock.Clock) *Catalog {
	return &Catalog{dir: dir, clock: c}
}

// Providers returns the providers (ID and Type), ordered by ID. When the
// directory fails, a list fetched before is returned with the error.
func (c *Catalog) Providers(ctx context.Context) ([]Provider, error) {
	if c == nil || c.dir == nil {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	if c.list != nil && now.Sub(c.fetched) < CatalogTTL {
		return c.list, nil
	}
	list, err := c.dir.List(ctx)
	if err != nil {
		return c.list, fmt.Errorf("sso: list providers: %w", err)
	}
	if list == nil {
		list = []Provider{}
	}
	c.list, c.fetched = list, now
	return list, nil
}

// Lookup reports whether id is a provider the app client may use.
func (c *Catalog) Lookup(ctx context.Context, id string) (Provider, bool, error) {
	list, err := c.Providers(ctx)
	for _, p := range list {
		if p.ID == id {
			return p, true, nil
		}
	}
	return Provider{}, false, err
}

// Forget drops the cached list, so the next call reads the directory: after
// this process changed it.
func (c *Catalog) Forget() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = nil
}
