// Package bootstrap creates a tenant's first super_admin, once. The local
// stack calls it at start; the bootstrap function (a CloudFormation custom
// resource, app.Bootstrapper) calls it at deployment.
package bootstrap

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/store"
)

// Marker is the one-time marker that records the tenant was bootstrapped.
// Deleting the first admin later does not bring it back.
const Marker = "bootstrap.first-admin"

// Admin describes the first administrator.
type Admin struct {
	Username string
	Email    string
	// Password, when empty, is generated and returned once — unless Email is
	// set: then the admin is invited to set one through a mailed link.
	Password string
	// Alias, when set, is the tenant's initial admin alias (parameter
	// adminAlias: API.md "Admin alias"), stored with the first admin — and
	// so only at the first bootstrap. The invitation link carries it.
	Alias string
}

// Result tells what FirstAdmin did.
type Result struct {
	// Created is false when the tenant had been bootstrapped before.
	Created bool
	UserID  string
	// GeneratedPassword is set when neither a password nor an email was
	// given. It is shown once and never stored in clear.
	GeneratedPassword string
	// InvitationLink is set when the admin was invited (an email and no
	// password): the set-your-password link, also mailed.
	InvitationLink string
}

// Inviter creates and sends invitations (package recovery).
type Inviter interface {
	NewAccountInvitation(a *store.Account, p params.Parameters) (string, store.Op)
	SendInvitation(ctx context.Context, a store.Account, link string, p params.Parameters, src audit.Source)
}

// FirstAdmin creates the first super_admin unless the tenant was bootstrapped
// before. The marker, the account with its claims and the audit event are one
// commit, so two processes starting at once create exactly one admin.
//
// The username follows the rules of every new username (PRECIS, one script:
// accounts.NewUsernameKey); one they refuse is an error wrapping
// accounts.ErrInvalidCharacters — unless an account holds it already: then
// the tenant was bootstrapped under the rules before PRECIS, and there is
// nothing to do. The username is the admin's display name as well.
//
// With an email and no password the admin is created invited, without a
// password, and gets the invitation mail; inv may be nil otherwise.
func FirstAdmin(ctx context.Context, s store.Store, h password.Hasher, c clock.Clock, inv Inviter, a Admin) (Result, error) {
	username := strings.TrimSpace(a.Username)
	key, err := accounts.NewUsernameKey(username)
	switch {
	case err != nil:
		return refusedUsername(ctx, s, username, err)
	case key == "":
		return Result{}, errors.New("bootstrap: the admin username is empty")
	}
	displayName, err := accounts.EnforceName(username)
	if err != nil {
		return Result{}, fmt.Errorf("bootstrap: the admin username as a display name: %w", err)
	}
	now := c.Now()
	acct := store.Account{
		ID: ids.New("u"), Username: username, UsernameKey: key, DisplayName: displayName,
		Roles: []string{accounts.RoleSuperAdmin}, NetworkAccess: true,
		Locale: "en", Status: store.StatusActive, CreatedAt: now, UpdatedAt: now,
	}
	if a.Email != "" {
		acct.Email, acct.EmailKey = a.Email, accounts.CanonicalEmail(a.Email)
	}
	src := audit.Source{ActorID: "bootstrap"}
	ops := []store.Op{store.ClaimMarker{Name: Marker}}
	res := Result{Created: true, UserID: acct.ID}
	var p params.Parameters
	if a.Alias != "" || (a.Password == "" && a.Email != "") {
		snap, err := s.Load(ctx, store.Query{Parameters: true})
		if err != nil {
			return Result{}, fmt.Errorf("bootstrap: %w", err)
		}
		p = snap.Parameters
		if a.Alias != "" {
			if !params.ValidAlias(a.Alias) {
				// The alias is a secret: the error does not repeat it.
				return Result{}, errors.New("bootstrap: the initial admin alias must be 8 to 64 characters of a-z, A-Z, 0-9, - and _")
			}
			p.AdminAlias = a.Alias
			ops = append(ops, store.PutParameters{Parameters: p, Version: snap.ParametersVersion},
				audit.Op(audit.New(now, audit.ParametersChanged, "", src,
					map[string]string{"paths": "adminAlias", "adminAlias": "set at setup"})))
		}
	}
	switch {
	case a.Password == "" && a.Email != "":
		if inv == nil {
			return Result{}, errors.New("bootstrap: inviting the admin needs an inviter")
		}
		acct.Status = store.StatusInvited
		var tokenOp store.Op
		res.InvitationLink, tokenOp = inv.NewAccountInvitation(&acct, p)
		ops = append(ops, tokenOp)
	default:
		pw := a.Password
		if pw == "" {
			pw = GeneratePassword()
			res.GeneratedPassword = pw
		}
		hash, err := h.Hash(pw)
		if err != nil {
			return Result{}, fmt.Errorf("bootstrap: %w", err)
		}
		acct.PasswordHash = hash
	}
	ops = append(ops, store.CreateAccount{Account: acct},
		audit.Op(audit.New(now, audit.UserCreated, acct.ID, src, map[string]string{"roles": accounts.RoleSuperAdmin})))
	err = s.Commit(ctx, ops...)
	switch {
	case errors.Is(err, store.ErrConflict):
		return Result{}, nil
	case err != nil:
		return Result{}, fmt.Errorf("bootstrap: %w", err)
	}
	if res.InvitationLink != "" {
		inv.SendInvitation(ctx, acct, res.InvitationLink, p, src)
	}
	return res, nil
}

// refusedUsername is FirstAdmin's answer to a username the rules for new
// usernames refuse (refusal): nothing to do when an account holds it under
// its canonical form — the tenant was bootstrapped before PRECIS, and a
// redeploy or a restart must not fail for it — else the refusal.
func refusedUsername(ctx context.Context, s store.Store, username string, refusal error) (Result, error) {
	claim := store.ClaimKey{Kind: store.ClaimUsername, Value: accounts.CanonicalUsername(username)}
	snap, err := s.Load(ctx, store.Query{Claims: []store.ClaimKey{claim}})
	if err != nil {
		return Result{}, fmt.Errorf("bootstrap: %w", err)
	}
	if _, held := snap.Claims[claim]; held {
		return Result{}, nil
	}
	return Result{}, fmt.Errorf("bootstrap: the admin username: %w", refusal)
}

// GeneratePassword returns a random password of 24 characters from an
// alphabet without look-alikes (about 139 bits), readable off a terminal.
func GeneratePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
	b := make([]byte, 24)
	for i := range b {
		b[i] = alphabet[randIndex(len(alphabet))]
	}
	return string(b[0:6]) + "-" + string(b[6:12]) + "-" + string(b[12:18]) + "-" + string(b[18:24])
}

// randIndex returns a uniform index below n by rejection sampling.
func randIndex(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		_, _ = rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}
