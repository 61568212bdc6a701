// Package ssotest provides an in-memory sso.Directory for tests.
package ssotest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/gatepass/gatepass/shared/sso"
)

// Directory is an in-memory identity-provider directory that keeps secrets
// as a broker does: stored, never returned. Safe for concurrent use.
type Directory struct {
	mu        sync.Mutex
	providers []sso.Provider
	// Refuse names a provider id whose Put fails as a broker would refuse
	// its settings (ErrInvalidProvider).
	Refuse string
}

// NewDirectory returns a directory holding providers.
func NewDirectory(providers ...sso.Provider) *Directory {
	return &Directory{providers: slices.Clone(providers)}
}

// List returns every provider's id and type, ordered by id.
func (d *Directory) List(context.Context) ([]sso.Provider, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := []sso.Provider{}
	for _, p := range d.providers {
		out = append(out, sso.Provider{ID: p.ID, Type: p.Type})
	}
	slices.SortFunc(out, func(a, b sso.Provider) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Get returns a provider with its secret blanked.
func (d *Directory) Get(_ context.Context, id string) (sso.Provider, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.providers {
		if p.ID == id {
			if p.OIDC != nil {
				o := *p.OIDC
				o.ClientSecretSet, o.ClientSecret = o.ClientSecret != "", ""
				p.OIDC = &o
			}
			return p, nil
		}
	}
	return sso.Provider{}, sso.ErrProviderNotFound
}

// Put creates or replaces a provider; an empty OIDC secret keeps the stored one.
func (d *Directory) Put(_ context.Context, p sso.Provider) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if p.ID == d.Refuse {
		return false, fmt.Errorf("%w: the issuer could not be reached", sso.ErrInvalidProvider)
	}
	for i, old := range d.providers {
		if old.ID == p.ID {
			if p.OIDC != nil && p.OIDC.ClientSecret == "" && old.OIDC != nil {
				p.OIDC.ClientSecret = old.OIDC.ClientSecret
			}
			d.providers[i] = p
			return false, nil
		}
	}
	d.providers = append(d.providers, p)
	return true, nil
}

// Delete removes a provider.
func (d *Directory) Delete(_ context.Context, id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := len(d.providers)
	d.providers = slices.DeleteFunc(d.providers, func(p sso.Provider) bool { return p.ID == id })
	if len(d.providers) == n {
		return sso.ErrProviderNotFound
	}
	return nil
}

var _ sso.Directory = (*Directory)(nil)
