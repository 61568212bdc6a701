package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/sso"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// Route keys of the SSO provider administration (API.md, super_admin only).
const (
	RouteListProviders  = "GET /api/admin/sso/providers"
	RoutePutProvider    = "PUT /api/admin/sso/providers/{id}"
	RouteDeleteProvider = "DELETE /api/admin/sso/providers/{id}"
)

// Audit event types of provider administration (beyond API.md's list, which
// allows extension).
const (
	SSOProviderCreated = "sso.provider.created"
	SSOProviderUpdated = "sso.provider.updated"
	SSOProviderDeleted = "sso.provider.deleted"
)

// errNoSSO answers provider administration in a deployment without a
// federation broker.
var errNoSSO = &ConflictError{Detail: "Single sign-on is not configured for this deployment."}

// providerDoc is the JSON form of an identity provider. clientSecret is
// write-only: never returned, kept when omitted on update.
type providerDoc struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// TrustEmail vouches for the provider's email assertions when its
	// tokens do not say email_verified (API.md callback); off when omitted.
	TrustEmail bool              `json:"trustEmail"`
	Type       string            `json:"type"`
	OIDC       *oidcDoc          `json:"oidc,omitempty"`
	SAML       *samlDoc          `json:"saml,omitempty"`
	Attributes map[string]string `json:"attributes"`
}

type oidcDoc struct {
	Issuer          string   `json:"issuer"`
	ClientID        string   `json:"clientId"`
	ClientSecret    string   `json:"clientSecret,omitempty"`
	ClientSecretSet bool     `json:"clientSecretSet"`
	Scopes          []string `json:"scopes"`
}

type samlDoc struct {
	MetadataURL string `json:"metadataUrl,omitempty"`
	MetadataXML string `json:"metadataXml,omitempty"`
}

func providerDocument(p sso.Provider, settings params.SSO) providerDoc {
	d := providerDoc{ID: p.ID, Name: settings.ProviderName(p.ID), TrustEmail: settings.TrustsEmail(p.ID),
		Type: p.Type, Attributes: p.Attributes}
	if d.Attributes == nil {
		d.Attributes = map[string]string{}
	}
	if p.OIDC != nil {
		d.OIDC = &oidcDoc{Issuer: p.OIDC.Issuer, ClientID: p.OIDC.ClientID, ClientSecretSet: p.OIDC.ClientSecretSet,
			Scopes: p.OIDC.Scopes}
	}
	if p.SAML != nil {
		d.SAML = &samlDoc{MetadataURL: p.SAML.MetadataURL, MetadataXML: p.SAML.MetadataXML}
	}
	return d
}

// ListProviders returns every provider with its settings and display name.
func (s *Service) ListProviders(ctx context.Context, dir sso.Directory) ([]providerDoc, error) {
	out := []providerDoc{}
	if dir == nil {
		return out, nil
	}
	list, err := dir.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("admin: list providers: %w", err)
	}
	snap, err := s.store.Load(ctx, store.Query{Parameters: true})
	if err != nil {
		return nil, fmt.Errorf("admin: list providers: %w", err)
	}
	for _, summary := range list {
		p, err := dir.Get(ctx, summary.ID)
		if errors.Is(err, sso.ErrProviderNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("admin: read provider: %w", err)
		}
		out = append(out, providerDocument(p, snap.Parameters.SSO))
	}
	return out, nil
}

// PutProvider creates or replaces a provider at the broker, then records its
// display name in the parameters.
func (s *Service) PutProvider(ctx context.Context, dir sso.Directory, actor Actor, id string, doc providerDoc) (providerDoc, bool, error) {
	if dir == nil {
		return providerDoc{}, false, errNoSSO
	}
	if err := actor.stepUp(s.clock.Now()); err != nil {
		return providerDoc{}, false, err
	}
	var v validate.List
	name := strings.TrimSpace(doc.Name)
	if name == "" || len(name) > params.MaxSSONameBytes {
		v.Add("name", "invalid", fmt.Sprintf("Give the provider a name of 1 to %d bytes.", params.MaxSSONameBytes))
	}
	if doc.ID != "" && doc.ID != id {
		v.Add("id", "invalid", "The id in the body must be the id in the path.")
	}
	p := sso.Provider{ID: id, Type: doc.Type, Attributes: doc.Attributes}
	switch doc.Type {
	case sso.TypeOIDC:
		if doc.OIDC == nil || doc.SAML != nil {
			v.Add("oidc", "required", "An OIDC provider needs its oidc settings, and no saml settings.")
		} else {
			p.OIDC = &sso.OIDCSettings{Issuer: doc.OIDC.Issuer, ClientID: doc.OIDC.ClientID,
				ClientSecret: doc.OIDC.ClientSecret, Scopes: doc.OIDC.Scopes}
		}
	case sso.TypeSAML:
		if doc.SAML == nil || doc.OIDC != nil {
			v.Add("saml", "required", "A SAML provider needs its saml settings, and no oidc settings.")
		} else {
			p.SAML = &sso.SAMLSettings{MetadataURL: doc.SAML.MetadataURL, MetadataXML: doc.SAML.MetadataXML}
		}
	default:
		v.Add("type", "invalid", "The type is oidc or saml.")
	}
	for k := range doc.Attributes {
		if k != "email" && k != "name" && k != "groups" {
			v.Add("attributes", "invalid", "Attributes map email, name and groups.")
			break
		}
	}
	if err := v.Err(); err != nil {
		return providerDoc{}, false, err
	}
	created, err := dir.Put(ctx, p)
	if errors.Is(err, sso.ErrInvalidProvider) {
		return providerDoc{}, false, invalidField("provider", "invalid", sso.InvalidReason(err))
	}
	if err != nil {
		return providerDoc{}, false, fmt.Errorf("admin: put provider: %w", err)
	}
	typ := SSOProviderUpdated
	if created {
		typ = SSOProviderCreated
	}
	entry := params.SSOProvider{ID: id, Name: name, TrustEmail: doc.TrustEmail}
	event := audit.New(s.clock.Now(), typ, "", actor.Source, map[string]string{"provider": id, "type": p.Type,
		"trustEmail": strconv.FormatBool(entry.TrustEmail)})
	if err := s.setProviderEntry(ctx, id, &entry, event); err != nil {
		return providerDoc{}, false, err
	}
	got, err := dir.Get(ctx, id)
	if err != nil {
		return providerDoc{}, false, fmt.Errorf("admin: read provider: %w", err)
	}
	return providerDocument(got, params.SSO{Providers: []params.SSOProvider{entry}}), created, nil
}

// DeleteProvider removes a provider at the broker and its display name. The
// accounts bound to its identities stay; they can no longer sign in through
// it.
func (s *Service) DeleteProvider(ctx context.Context, dir sso.Directory, actor Actor, id string) error {
	if dir == nil {
		return errNoSSO
	}
	if err := actor.stepUp(s.clock.Now()); err != nil {
		return err
	}
	err := dir.Delete(ctx, id)
	if errors.Is(err, sso.ErrProviderNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("admin: delete provider: %w", err)
	}
	event := audit.New(s.clock.Now(), SSOProviderDeleted, "", actor.Source, map[string]string{"provider": id})
	return s.setProviderEntry(ctx, id, nil, event)
}

// setProviderEntry records entry (nil removes it) for provider id in the
// parameters, together with event.
func (s *Service) setProviderEntry(ctx context.Context, id string, entry *params.SSOProvider, event store.AuditEvent) error {
	err := store.Optimistic(ctx, store.Attempts, func(int) error {
		snap, err := s.store.Load(ctx, store.Query{Parameters: true})
		if err != nil {
			return fmt.Errorf("admin: read parameters: %w", err)
		}
		p := snap.Parameters
		list := slices.DeleteFunc(slices.Clone(p.SSO.Providers), func(x params.SSOProvider) bool { return x.ID == id })
		if entry != nil {
			list = append(list, *entry)
			slices.SortFunc(list, func(a, b params.SSOProvider) int { return strings.Compare(a.ID, b.ID) })
		}
		p.SSO.Providers = list
		return s.commit(ctx, []store.Op{store.PutParameters{Parameters: p, Version: snap.ParametersVersion}}, event)
	})
	if err != nil {
		return fmt.Errorf("admin: write provider name: %w", err)
	}
	return nil
}

func (h *Handlers) listProviders(w http.ResponseWriter, r *http.Request, _ Actor) {
	items, err := h.service.ListProviders(r.Context(), h.providers)
	if err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (h *Handlers) putProvider(w http.ResponseWriter, r *http.Request, actor Actor) {
	var doc providerDoc
	if err := httpapi.DecodeJSON(r, &doc); err != nil {
		writeError(w, r, err)
		return
	}
	out, created, err := h.service.PutProvider(r.Context(), h.providers, actor, r.PathValue("id"), doc)
	if err != nil {
		writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpapi.WriteJSON(w, status, out)
}

func (h *Handlers) deleteProvider(w http.ResponseWriter, r *http.Request, actor Actor) {
	if err := h.service.DeleteProvider(r.Context(), h.providers, actor, r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.NoContent(w)
}
