package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// Parameters returns the tenant's parameters (the defaults until some are
// stored).
func (s *Service) Parameters(ctx context.Context) (params.Parameters, error) {
	snap, err := s.store.Load(ctx, store.Query{Parameters: true})
	if err != nil {
		return params.Parameters{}, fmt.Errorf("admin: read parameters: %w", err)
	}
	return normalized(snap.Parameters), nil
}

// UpdateParameters changes the parameters: decode reads the submitted
// document over a copy of the current ones, so members left out keep their
// value. The result must be within bounds (params.Validate, and known roles
// in the role lists) or a *ParametersError lists the violations. It is
// stored under the version read (a concurrent change is a conflict) with a
// parameters.changed event naming every changed path with its old and new
// value — except the admin alias, a secret, whose value is never recorded. Only a super_admin changes parameters.
//
// A change of the admin alias must never leave the edge and the functions
// on different aliases: that would hide the Backoffice from everyone, its
// administrators included. So, with an AliasPublisher, the new alias is
// published to the edge before the parameters are committed (a publish
// that fails is 503 unavailable and commits nothing), and when the commit
// then fails the edge gets back the alias the parameters hold (restoreEdge).
// Without a publisher and without an edge that enforces the alias, setting
// one is refused (409).
func (s *Service) UpdateParameters(ctx context.Context, actor Actor, decode func(*params.Parameters) error) (params.Parameters, error) {
	if actor.rank() != rankSuperAdmin {
		return params.Parameters{}, ErrForbidden
	}
	if err := actor.stepUp(s.clock.Now()); err != nil {
		return params.Parameters{}, err
	}
	snap, err := s.store.Load(ctx, store.Query{Parameters: true})
	if err != nil {
		return params.Parameters{}, fmt.Errorf("admin: read parameters: %w", err)
	}
	current := normalized(snap.Parameters)
	next := current
	// Decoding an array reuses the slice's backing array: give next its own.
	next.MFA.RequiredForRoles = slices.Clone(current.MFA.RequiredForRoles)
	next.SSO.DefaultRoles = slices.Clone(current.SSO.DefaultRoles)
	next.SSO.Providers = slices.Clone(current.SSO.Providers)
	next.SSO.GroupMappings = slices.Clone(current.SSO.GroupMappings)
	if err := decode(&next); err != nil {
		return params.Parameters{}, err
	}
	next = normalized(next)
	if err := checkParameters(next); err != nil {
		return params.Parameters{}, err
	}
	changes, err := diffParameters(current, next)
	if err != nil {
		return params.Parameters{}, err
	}
	if len(changes) == 0 {
		return next, nil
	}
	aliasChanged := next.AdminAlias != current.AdminAlias
	if aliasChanged && next.AdminAlias != "" && !s.aliasEdge && s.publisher == nil {
		return params.Parameters{}, conflict("This deployment's edge does not enforce an admin alias yet; " +
			"setting one would hide the Backoffice from everyone.")
	}
	publish := aliasChanged && s.publisher != nil
	paths := make([]string, 0, len(changes))
	detail := map[string]string{}
	for _, c := range changes {
		paths = append(paths, c.path)
		detail[c.path] = c.old + " → " + c.updated
		if c.path == "adminAlias" {
			// The alias is a secret path (API.md "Admin alias"): the
			// trail says that it changed, never from what or to what.
			detail[c.path] = aliasChange(current.AdminAlias, next.AdminAlias)
		}
	}
	detail["paths"] = strings.Join(paths, ",")
	event := audit.New(s.clock.Now(), audit.ParametersChanged, "", actor.Source, detail)
	if publish {
		if err := s.publisher.PublishAlias(ctx, next.AdminAlias); err != nil {
			// The write may have landed before failing (a lost answer).
			s.restoreEdge(ctx, current.AdminAlias)
			return params.Parameters{}, fmt.Errorf("admin: publish the admin alias to the edge: %w: %w", httpapi.Unavailable(), err)
		}
	}
	err = s.commit(ctx, []store.Op{store.PutParameters{Parameters: next, Version: snap.ParametersVersion}}, event)
	if err != nil && publish {
		s.restoreEdge(ctx, current.AdminAlias)
	}
	switch {
	case errors.Is(err, store.ErrConflict):
		return params.Parameters{}, errChanged("parameters")
	case err != nil:
		return params.Parameters{}, fmt.Errorf("admin: write parameters: %w", err)
	}
	return next, nil
}

// aliasChange says how the admin alias changed without naming it: "set",
// "changed" or "removed".
func aliasChange(before, after string) string {
	switch {
	case before == "":
		return "set"
	case after == "":
		return "removed"
	default:
		return "changed"
	}
}

// restoreEdge publishes again the alias the parameters hold, after a
// change whose alias was published but not committed. It reads them anew
// rather than trusting before, the alias read before the change: a
// concurrent change may have committed (and published) its own alias
// meanwhile, and a commit that failed on a lost answer may have landed.
// Only when that read fails is before published. A failure is logged —
// without the alias, a secret path — for an operator to set the alias again.
func (s *Service) restoreEdge(ctx context.Context, before string) {
	// The request may be over; the edge must be put right all the same.
	ctx = context.WithoutCancel(ctx)
	restore := before
	if snap, err := s.store.Load(ctx, store.Query{Parameters: true}); err != nil {
		s.logger.WarnContext(ctx, "admin alias: re-read the parameters to restore the edge; restoring the previous alias",
			slog.String("error", err.Error()))
	} else {
		restore = snap.Parameters.AdminAlias
	}
	if err := s.publisher.PublishAlias(ctx, restore); err != nil {
		s.logger.ErrorContext(ctx, "admin alias: the edge may no longer match the parameters: "+
			"requests may be hidden until the alias is set again", slog.String("error", err.Error()))
	}
}

// normalized gives the role lists of p a canonical form: never null, no
// duplicates.
func normalized(p params.Parameters) params.Parameters {
	p.MFA.RequiredForRoles = dedupe(p.MFA.RequiredForRoles)
	p.SSO.DefaultRoles = dedupe(p.SSO.DefaultRoles)
	if p.SSO.Providers == nil {
		p.SSO.Providers = []params.SSOProvider{}
	}
	mappings := make([]params.GroupMapping, 0, len(p.SSO.GroupMappings))
	for _, m := range p.SSO.GroupMappings {
		m.Roles = dedupe(m.Roles)
		m.FacilityIDs = dedupe(m.FacilityIDs)
		mappings = append(mappings, m)
	}
	p.SSO.GroupMappings = mappings
	return p
}

func dedupe(list []string) []string {
	out := []string{}
	for _, x := range list {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// checkParameters runs params.Validate and checks the role lists, which it
// does not.
func checkParameters(p params.Parameters) error {
	var violations []validate.Violation
	var invalid *validate.Error
	if err := p.Validate(); errors.As(err, &invalid) {
		violations = append(violations, invalid.Violations...)
	} else if err != nil {
		return fmt.Errorf("admin: validate parameters: %w", err)
	}
	roles := func(field string, list []string) {
		for _, r := range list {
			if !slices.Contains(allRoles(), r) {
				violations = append(violations, validate.Violation{Field: field, Code: "invalid",
					Message: "Roles are super_admin, admin, supervisor and operator."})
				return
			}
		}
	}
	roles("mfa.requiredForRoles", p.MFA.RequiredForRoles)
	roles("sso.defaultRoles", p.SSO.DefaultRoles)
	for i, m := range p.SSO.GroupMappings {
		roles(fmt.Sprintf("sso.groupMappings[%d].roles", i), m.Roles)
	}
	if len(violations) > 0 {
		return &ParametersError{Violations: violations}
	}
	return nil
}

// change is one changed leaf of the parameters document, values as JSON.
type change struct {
	path, old, updated string
}

// diffParameters lists the leaves (dotted JSON paths) whose values differ,
// in path order.
func diffParameters(old, updated params.Parameters) ([]change, error) {
	before, err := leaves(old)
	if err != nil {
		return nil, err
	}
	after, err := leaves(updated)
	if err != nil {
		return nil, err
	}
	var out []change
	for path, v := range after {
		if before[path] != v {
			out = append(out, change{path: path, old: before[path], updated: v})
		}
	}
	slices.SortFunc(out, func(a, b change) int { return strings.Compare(a.path, b.path) })
	return out, nil
}

// leaves flattens the JSON form of p into dotted paths and JSON values.
func leaves(p params.Parameters) (map[string]string, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("admin: encode parameters: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("admin: decode parameters: %w", err)
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				walk(strings.TrimPrefix(prefix+"."+k, "."), x)
			}
			return
		}
		leaf, _ := json.Marshal(v) // values decoded from JSON always encode
		out[prefix] = string(leaf)
	}
	walk("", doc)
	return out, nil
}

// HTTP.

func (h *Handlers) getParameters(w http.ResponseWriter, r *http.Request, _ Actor) {
	p, err := h.service.Parameters(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, p)
}

func (h *Handlers) putParameters(w http.ResponseWriter, r *http.Request, actor Actor) {
	p, err := h.service.UpdateParameters(r.Context(), actor, func(p *params.Parameters) error {
		return httpapi.DecodeJSON(r, p)
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, p)
}
