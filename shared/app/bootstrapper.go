package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/bootstrap"
	"github.com/gatepass/gatepass/shared/recovery"
	"github.com/gatepass/gatepass/shared/sso"
	"github.com/gatepass/gatepass/shared/store"
)

// Properties of the bootstrap custom resource (the tenant stack sets them).
const (
	// BootstrapAdminEmail is the first super_admin's address (required):
	// the invitation goes there.
	BootstrapAdminEmail = "AdminEmail"
	// BootstrapAdminUsername is the first super_admin's username; default
	// DefaultAdminUsername.
	BootstrapAdminUsername = "AdminUsername"
	// BootstrapAdminAlias is the tenant's initial admin alias (optional;
	// bootstrap.Admin.Alias): it applies at the first bootstrap only.
	BootstrapAdminAlias = "AdminAlias"
)

// DefaultAdminUsername is the first super_admin's username unless the
// custom resource names another.
const DefaultAdminUsername = "admin"

// bootstrapEmail is the shape of an address the invitation can go to (the
// tenant stack's context check uses the same).
var bootstrapEmail = regexp.MustCompile(`^[^@\s]+@([A-Za-z0-9-]+\.)+[A-Za-z0-9-]+$`)

// BootstrapPhysicalID is the bootstrap custom resource's physical id: one
// per tenant, stable across updates, so CloudFormation never replaces it.
func BootstrapPhysicalID(tenant string) string { return "gatepass-bootstrap-" + tenant }

// Bootstrapper builds the bootstrap function (routes.KindCustomResource):
// the CloudFormation custom resource that creates the tenant's first
// super_admin and mails the invitation (bootstrap.FirstAdmin through the
// recovery service).
//
// Create and Update bootstrap the tenant unless it was bootstrapped before —
// bootstrap.Marker makes a second run, or a redeploy, do nothing. Delete does
// nothing: the tenant's data outlives the stack (the table is retained).
// The response data is {"Created": "true"|"false"}; neither the invitation
// link nor its token is ever returned or logged.
func Bootstrapper(d Deps) (cfn.CustomResourceFunction, error) {
	if d.Store == nil || d.Clock == nil || d.Logger == nil || d.Tenant == "" {
		return nil, errors.New("app: the bootstrap function needs Store, Clock, Logger and Tenant")
	}
	inviter, err := recoveryService(d, nil) // invites only: the admin sets the password
	if err != nil {
		return nil, err
	}
	physicalID := BootstrapPhysicalID(d.Tenant)
	return func(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
		if ev.RequestType == cfn.RequestDelete {
			d.Logger.InfoContext(ctx, "bootstrap: delete, nothing to do: the tenant's data stays")
			if ev.PhysicalResourceID != "" {
				return ev.PhysicalResourceID, nil, nil
			}
			return physicalID, nil, nil
		}
		if ev.RequestType != cfn.RequestCreate && ev.RequestType != cfn.RequestUpdate {
			return physicalID, nil, fmt.Errorf("bootstrap: unknown request type %q", ev.RequestType)
		}
		admin, err := bootstrapAdmin(ev.ResourceProperties)
		if err != nil {
			return physicalID, nil, err
		}
		// The admin is invited (an email, no password): the hasher is
		// never used, and the function links none.
		res, err := bootstrap.FirstAdmin(ctx, d.Store, d.Hasher, d.Clock, inviter, admin)
		if err != nil {
			return physicalID, nil, err
		}
		created := "false"
		if res.Created {
			created = "true"
			d.Logger.InfoContext(ctx, "bootstrap: first super_admin invited", slog.String("user_id", res.UserID))
		} else if ev.RequestType == cfn.RequestUpdate {
			// An update (a deploy with a new Reinvite value) mails the first
			// super_admin a fresh link while it has never set a password:
			// the first mail may have gone out before SES could send it.
			reinvited, err := reinviteFirstAdmin(ctx, d, inviter, admin)
			if err != nil {
				return physicalID, nil, err
			}
			d.Logger.InfoContext(ctx, "bootstrap: bootstrapped before", slog.Bool("reinvited", reinvited))
		} else {
			d.Logger.InfoContext(ctx, "bootstrap: the tenant was bootstrapped before, nothing to do")
		}
		if err := publishAlias(ctx, d); err != nil {
			return physicalID, nil, err
		}
		return physicalID, map[string]any{"Created": created}, nil
	}, nil
}

// publishAlias gives the edge the alias the parameters hold, after every
// bootstrap: the initial alias of a first deploy, and whatever a super_admin
// set since on a later one — so that the edge and the functions never
// disagree after a deploy, which would hide the Backoffice from everyone.
// Without a publisher (d.AliasPublisher) there is no edge to tell.
func publishAlias(ctx context.Context, d Deps) error {
	if d.AliasPublisher == nil {
		return nil
	}
	snap, err := d.Store.Load(ctx, store.Query{Parameters: true})
	if err != nil {
		return fmt.Errorf("bootstrap: read parameters: %w", err)
	}
	if err := d.AliasPublisher.PublishAlias(ctx, snap.Parameters.AdminAlias); err != nil {
		return fmt.Errorf("bootstrap: give the edge the admin alias: %w", err)
	}
	return nil
}

// reinviteFirstAdmin sends admin a new invitation (superseding the old link)
// when its account is still invited, without a password. It reports whether
// it did.
func reinviteFirstAdmin(ctx context.Context, d Deps, inviter *recovery.Service, admin bootstrap.Admin) (bool, error) {
	claim := store.ClaimKey{Kind: store.ClaimUsername, Value: accounts.CanonicalUsername(admin.Username)}
	first, err := d.Store.Load(ctx, store.Query{Parameters: true, Claims: []store.ClaimKey{claim}})
	if err != nil {
		return false, fmt.Errorf("bootstrap: read: %w", err)
	}
	id, ok := first.Claims[claim]
	if !ok {
		return false, nil
	}
	snap, err := d.Store.Load(ctx, store.Query{AccountID: id})
	if err != nil {
		return false, fmt.Errorf("bootstrap: read admin: %w", err)
	}
	a := snap.Account
	if a == nil || a.Status != store.StatusInvited || a.PasswordHash != "" || a.Email == "" {
		return false, nil
	}
	link, ops := inviter.PrepareInvitation(a, first.Parameters)
	if err := d.Store.Commit(ctx, ops...); err != nil {
		return false, fmt.Errorf("bootstrap: store the new invitation: %w", err)
	}
	inviter.SendInvitation(ctx, *a, link, first.Parameters, audit.Source{})
	return true, nil
}

// Custom resource types the bootstrap function answers (the tenant stack
// defines them).
const (
	// BootstrapResourceType creates the tenant's first super_admin
	// (Bootstrapper).
	BootstrapResourceType = "Custom::GatepassBootstrap"
	// SSOSyncResourceType gives the Cognito app client back the identity
	// providers saved through the admin API (SSOSyncer).
	SSOSyncResourceType = "Custom::GatepassSSOSync"
)

// BootstrapHandler is the bootstrap function's handler, as lambda.Start
// receives it: cfn.LambdaWrap's (which answers CloudFormation at the event's
// response URL) over Bootstrapper, or SSOSyncer for its resource type.
func BootstrapHandler(d Deps) (any, error) {
	bootstrapper, err := Bootstrapper(d)
	if err != nil {
		return nil, err
	}
	syncer := SSOSyncer(d)
	return cfn.LambdaWrap(func(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
		if ev.ResourceType == SSOSyncResourceType {
			return syncer(ctx, ev)
		}
		return bootstrapper(ctx, ev)
	}), nil
}

// SSOSyncPhysicalID is the SSO sync custom resource's physical id.
func SSOSyncPhysicalID(tenant string) string { return "gatepass-sso-sync-" + tenant }

// SSOSyncer builds the custom resource that the tenant stack updates after
// every deploy that touches the Cognito app client: CloudFormation owns the
// client's SupportedIdentityProviders and resets them to its template, which
// would silently turn SSO off. On Create and Update it lets the app client
// use again every provider saved through the admin API (the parameters'
// sso.providers) that the pool still holds (sso.ProviderResyncer). Delete,
// and a deployment without SSO, do nothing. The response data is
// {"Enabled": <how many>}.
func SSOSyncer(d Deps) cfn.CustomResourceFunction {
	physicalID := SSOSyncPhysicalID(d.Tenant)
	return func(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
		if ev.RequestType == cfn.RequestDelete {
			return physicalID, nil, nil
		}
		resync, ok := d.SSO.Directory.(sso.ProviderResyncer)
		if !ok {
			d.Logger.InfoContext(ctx, "sso sync: no identity-provider directory to sync")
			return physicalID, map[string]any{"Enabled": 0}, nil
		}
		snap, err := d.Store.Load(ctx, store.Query{Parameters: true})
		if err != nil {
			return physicalID, nil, fmt.Errorf("sso sync: read parameters: %w", err)
		}
		ids := make([]string, 0, len(snap.Parameters.SSO.Providers))
		for _, p := range snap.Parameters.SSO.Providers {
			ids = append(ids, p.ID)
		}
		enabled, err := resync.EnableAll(ctx, ids)
		if err != nil {
			return physicalID, nil, fmt.Errorf("sso sync: %w", err)
		}
		d.Logger.InfoContext(ctx, "sso sync: saved identity providers enabled for the app client",
			slog.Int("saved", len(ids)), slog.Int("enabled", len(enabled)))
		return physicalID, map[string]any{"Enabled": len(enabled)}, nil
	}
}

// bootstrapAdmin reads and checks the admin of the resource's properties.
// Its errors become the resource's failure reason.
func bootstrapAdmin(props map[string]any) (bootstrap.Admin, error) {
	str := func(key string) (string, error) {
		switch v := props[key].(type) {
		case nil:
			return "", nil
		case string:
			return v, nil
		default:
			return "", fmt.Errorf("bootstrap: property %s must be a string", key)
		}
	}
	email, err := str(BootstrapAdminEmail)
	if err != nil {
		return bootstrap.Admin{}, err
	}
	username, err := str(BootstrapAdminUsername)
	if err != nil {
		return bootstrap.Admin{}, err
	}
	initialAlias, err := str(BootstrapAdminAlias)
	if err != nil {
		return bootstrap.Admin{}, err
	}
	if username == "" {
		username = DefaultAdminUsername
	}
	switch {
	case email == "":
		return bootstrap.Admin{}, fmt.Errorf("bootstrap: property %s is required: the first super_admin's invitation goes there", BootstrapAdminEmail)
	case len(email) > accounts.MaxIdentifierBytes || !bootstrapEmail.MatchString(email):
		return bootstrap.Admin{}, fmt.Errorf("bootstrap: property %s is not an email address", BootstrapAdminEmail)
	case len(username) > accounts.MaxIdentifierBytes || accounts.CanonicalUsername(username) == "":
		return bootstrap.Admin{}, fmt.Errorf("bootstrap: property %s is not a valid username", BootstrapAdminUsername)
	}
	return bootstrap.Admin{Username: username, Email: email, Alias: initialAlias}, nil
}
