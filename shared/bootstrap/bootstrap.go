// Package bootstrap creates a tenant's first super_admin, once. The local
// stack calls it at start; the bootstrap function (a CloudFormation custom
// resource) will call it at deployment.
package bootstrap

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
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
	// Password, when empty, is generated and returned once.
	Password string
}

// Result tells what FirstAdmin did.
type Result struct {
	// Created is false when the tenant had been bootstrapped before.
	Created bool
	UserID  string
	// GeneratedPassword is set when Admin.Password was empty. It is shown
	// once and never stored in clear.
	GeneratedPassword string
}

// FirstAdmin creates the first super_admin unless the tenant was bootstrapped
// before. The marker, the account with its claims and the audit event are one
// commit, so two processes starting at once create exactly one admin.
func FirstAdmin(ctx context.Context, s store.Store, h password.Hasher, c clock.Clock, a Admin) (Result, error) {
	key := accounts.CanonicalUsername(a.Username)
	if key == "" {
		return Result{}, errors.New("bootstrap: the admin username is empty")
	}
	pw, generated := a.Password, ""
	if pw == "" {
		pw = GeneratePassword()
		generated = pw
	}
	hash, err := h.Hash(pw)
	if err != nil {
		return Result{}, fmt.Errorf("bootstrap: %w", err)
	}
	now := c.Now()
	acct := store.Account{
		ID: ids.New("u"), Username: a.Username, UsernameKey: key, DisplayName: a.Username,
		PasswordHash: hash, Roles: []string{accounts.RoleSuperAdmin}, NetworkAccess: true,
		Locale: "en", Status: store.StatusActive, CreatedAt: now, UpdatedAt: now,
	}
	if a.Email != "" {
		acct.Email, acct.EmailKey = a.Email, accounts.CanonicalEmail(a.Email)
	}
	err = s.Commit(ctx,
		store.ClaimMarker{Name: Marker},
		store.CreateAccount{Account: acct},
		audit.Op(audit.New(now, audit.UserCreated, acct.ID, audit.Source{ActorID: "bootstrap"},
			map[string]string{"roles": accounts.RoleSuperAdmin})),
	)
	switch {
	case errors.Is(err, store.ErrConflict):
		return Result{}, nil
	case err != nil:
		return Result{}, fmt.Errorf("bootstrap: %w", err)
	}
	return Result{Created: true, UserID: acct.ID, GeneratedPassword: generated}, nil
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
