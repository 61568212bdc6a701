package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/credential"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/mfa"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// User is an account as administration sees it: the account and whether
// its sign-in is locked right now.
type User struct {
	Account store.Account
	Locked  bool
}

// target is a user read for a flow, with what the flow decides on, all from
// one Load.
type target struct {
	account *store.Account // nil when absent
	params  params.Parameters
	counter store.Counter // the account's lockout counter
	claims  map[store.ClaimKey]string
	help    *store.HelpRequest // the account's open help request, nil when none
	now     time.Time
}

// locked reports whether the account's sign-in is locked at t.now.
func (t target) locked() bool {
	_, locked := lockout.ForAccount(t.params.Lockout).Locked(t.counter, t.now)
	return locked
}

// load reads a user with the parameters, its lockout counter, its open help
// request and the given claims in one round trip. An id not shaped like one
// reads as absent.
func (s *Service) load(ctx context.Context, id string, claims []store.ClaimKey) (target, error) {
	if !validID(id) {
		return target{now: s.clock.Now(), params: params.Defaults()}, nil
	}
	snap, err := s.store.Load(ctx, store.Query{AccountID: id, Parameters: true,
		Counters: []string{lockout.AccountKey(id)}, Claims: claims, HelpRequests: []string{id}})
	if err != nil {
		return target{}, fmt.Errorf("admin: read user: %w", err)
	}
	counter := snap.Counters[lockout.AccountKey(id)]
	if snap.Account != nil {
		counter = lockout.Since(counter, snap.Account.LastLoginAt)
	}
	t := target{account: snap.Account, params: snap.Parameters, counter: counter,
		claims: snap.Claims, now: s.clock.Now()}
	if h, ok := snap.HelpRequests[id]; ok {
		t.help = &h
	}
	return t, nil
}

// userChange is what a flow decided to write for a user: the ops and the
// audit events committed with them. Nothing to write means no change.
type userChange struct {
	ops    []store.Op
	events []store.AuditEvent
}

// changeUser runs a read-decide-write flow on one user: it reads the user
// (with claims), checks that the actor may change it, lets decide choose the
// writes, and commits them with their audit events — reading and deciding
// again when the user changed in between (optimistic concurrency).
func (s *Service) changeUser(ctx context.Context, actor Actor, id string, claims []store.ClaimKey,
	decide func(t target) (userChange, error)) error {
	err := store.Optimistic(ctx, maxAttempts, func(int) error {
		t, err := s.load(ctx, id, claims)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, actor, t.account, true); err != nil {
			return err
		}
		ch, err := decide(t)
		if err != nil {
			return err
		}
		if len(ch.ops) == 0 && len(ch.events) == 0 {
			return nil
		}
		return writeErr("write user", s.commit(ctx, ch.ops, ch.events...))
	})
	if errors.Is(err, store.ErrConflict) {
		return errChanged("user")
	}
	return err
}

// GetUser reads one user.
func (s *Service) GetUser(ctx context.Context, actor Actor, id string) (User, error) {
	t, err := s.load(ctx, id, nil)
	if err != nil {
		return User{}, err
	}
	if err := s.authorize(ctx, actor, t.account, false); err != nil {
		return User{}, err
	}
	return User{Account: *t.account, Locked: t.locked()}, nil
}

// UserQuery filters and pages ListUsers. Zero fields filter nothing.
type UserQuery struct {
	Search     string // matched against username, email and display name
	Status     string
	FacilityID string
	Cursor     string
	Limit      int // 1..200; 0 means 50
}

// UserPage is one page of users.
type UserPage struct {
	Items      []User
	NextCursor string // "" on the last page
}

// ListUsers lists users ordered by canonical username. A supervisor sees
// the users of its facilities only (every user with network access), and
// asking for a facility outside its scope is ErrForbidden. One listing and
// one Load (the lockout counters of the page) per call.
func (s *Service) ListUsers(ctx context.Context, actor Actor, q UserQuery) (UserPage, error) {
	aq := store.AccountQuery{Search: accounts.CanonicalUsername(q.Search), Status: q.Status,
		FacilityID: q.FacilityID, Cursor: q.Cursor, Limit: q.Limit}
	switch actor.rank() {
	case rankSuperAdmin, rankAdmin:
	case rankSupervisor:
		sc, err := s.supervisorScope(ctx, actor.Account)
		if err != nil {
			return UserPage{}, err
		}
		if !sc.all {
			if q.FacilityID != "" && !slices.Contains(sc.ids, q.FacilityID) {
				return UserPage{}, ErrForbidden
			}
			if len(sc.ids) == 0 {
				return UserPage{Items: []User{}}, nil
			}
			aq.AnyFacility = sc.ids
		}
	default:
		return UserPage{}, ErrForbidden
	}
	page, err := s.store.ListAccounts(ctx, aq)
	if err != nil {
		return UserPage{}, fmt.Errorf("admin: list users: %w", err)
	}
	out := UserPage{Items: make([]User, 0, len(page.Items)), NextCursor: page.NextCursor}
	if len(page.Items) == 0 {
		return out, nil
	}
	keys := make([]string, len(page.Items))
	for i, a := range page.Items {
		keys[i] = lockout.AccountKey(a.ID)
	}
	snap, err := s.store.Load(ctx, store.Query{Parameters: true, Counters: keys})
	if err != nil {
		return UserPage{}, fmt.Errorf("admin: list users: read locks: %w", err)
	}
	policy, now := lockout.ForAccount(snap.Parameters.Lockout), s.clock.Now()
	for _, a := range page.Items {
		_, locked := policy.Locked(lockout.Since(snap.Counters[lockout.AccountKey(a.ID)], a.LastLoginAt), now)
		out.Items = append(out.Items, User{Account: a, Locked: locked})
	}
	return out, nil
}

// NewUser is a user to create, as submitted; CreateUser checks it.
type NewUser struct {
	Username      string
	DisplayName   string
	Email         string // "" for none
	Roles         []string
	NetworkAccess bool
	FacilityIDs   []string
	Locale        string // "" for en
	ValidUntil    string // RFC 3339; "" for none
	// TemporaryPassword, when set, is the password the user must change at
	// first sign-in; otherwise the user gets an invitation mail (which
	// needs an email).
	TemporaryPassword *string
	// SSO creates an account that signs in only through SSO: active at once,
	// with an email (its first SSO sign-in binds to it by email), without a
	// password or an invitation.
	SSO bool
}

// CreateUser creates a user: active with a temporary password, or invited
// (the invitation token written in the same commit as the account, then the
// mail sent). A username or email already held — as either — is a conflict.
func (s *Service) CreateUser(ctx context.Context, actor Actor, in NewUser) (User, error) {
	if !actor.mayAssign(in.Roles) {
		return User{}, ErrForbidden
	}
	now := s.clock.Now()
	if touchesPrivilege(nil, in.Roles) {
		if err := actor.stepUp(now); err != nil {
			return User{}, err
		}
	}
	var v validate.List
	username, key := checkUsername(&v, in.Username)
	a := store.Account{
		ID: ids.New("u"), Username: username, UsernameKey: key,
		DisplayName:   checkDisplayName(&v, in.DisplayName),
		Roles:         checkRoles(&v, in.Roles),
		NetworkAccess: in.NetworkAccess,
		FacilityIDs:   checkFacilityIDs(&v, in.FacilityIDs),
		Locale:        checkLocale(&v, in.Locale),
		ValidUntil:    checkValidUntil(&v, in.ValidUntil, now),
		CreatedAt:     now, UpdatedAt: now,
	}
	a.Email, a.EmailKey = checkEmail(&v, in.Email)
	checkTemporaryPassword(&v, "temporaryPassword", in.TemporaryPassword)
	switch {
	case in.SSO && in.TemporaryPassword != nil:
		v.Add("temporaryPassword", "sso_account", "An SSO user has no password.")
	case in.SSO && strings.TrimSpace(in.Email) == "":
		v.Add("email", "required", "An SSO user needs the email address its identity provider asserts.")
	case in.TemporaryPassword == nil && strings.TrimSpace(in.Email) == "":
		v.Add("temporaryPassword", "required", "A user without an email address needs a temporary password.")
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	if err := s.checkFacilitiesExist(ctx, a.FacilityIDs, nil); err != nil {
		return User{}, err
	}
	claims := identifierClaims(key, a.EmailKey)
	snap, err := s.store.Load(ctx, store.Query{Parameters: true, Claims: claims})
	if err != nil {
		return User{}, fmt.Errorf("admin: create user: read: %w", err)
	}
	if err := claimConflict(snap.Claims, key, a.EmailKey, ""); err != nil {
		return User{}, err
	}
	p := snap.Parameters
	var ops []store.Op
	link := ""
	switch {
	case in.SSO:
		// Signs in through its identity provider only: nothing to set up.
		a.Status, a.SSO = store.StatusActive, true
	case in.TemporaryPassword != nil:
		a.Status = store.StatusActive
		pw := *in.TemporaryPassword
		a, err = s.setter.Set(ctx, a, p, credential.Request{Password: pw, Repeat: pw, Temporary: true}, now)
		if err != nil {
			return User{}, renameViolations(err, "temporaryPassword")
		}
	default:
		a.Status = store.StatusInvited
		var tokenOp store.Op
		link, tokenOp = s.inviter.NewAccountInvitation(&a, p)
		ops = append(ops, tokenOp)
	}
	detail := map[string]string{
		"username": a.Username, "roles": strings.Join(a.Roles, ","), "facilityIds": strings.Join(a.FacilityIDs, ","),
		"networkAccess": strconv.FormatBool(a.NetworkAccess), "status": a.Status,
		"invited": strconv.FormatBool(link != ""), "temporaryPassword": strconv.FormatBool(in.TemporaryPassword != nil),
		"email": strconv.FormatBool(a.Email != ""), "sso": strconv.FormatBool(a.SSO),
	}
	if !a.ValidUntil.IsZero() {
		detail["validUntil"] = a.ValidUntil.Format(time.RFC3339)
	}
	event := audit.New(now, audit.UserCreated, a.ID, actor.Source, detail)
	err = s.commit(ctx, append([]store.Op{store.CreateAccount{Account: a}}, ops...), event)
	switch {
	case errors.Is(err, store.ErrConflict):
		return User{}, conflict("The username or email address is already in use.")
	case err != nil:
		return User{}, fmt.Errorf("admin: create user: %w", err)
	}
	a.Version = 1
	if link != "" {
		s.inviter.SendInvitation(ctx, a, link, p, actor.Source)
	}
	return User{Account: a}, nil
}

// identifierClaims are the claims that a username and an email (either may
// be "") must not collide with: each in both namespaces, because sign-in
// looks a name up as a username first and then as an email.
func identifierClaims(usernameKey, emailKey string) []store.ClaimKey {
	var out []store.ClaimKey
	for _, k := range []string{usernameKey, emailKey} {
		for _, kind := range []store.ClaimKind{store.ClaimUsername, store.ClaimEmail} {
			c := store.ClaimKey{Kind: kind, Value: k}
			if k != "" && !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// claimConflict reports a username or email that another account than self
// holds, as a username or as an email.
func claimConflict(held map[store.ClaimKey]string, usernameKey, emailKey, self string) error {
	taken := func(kind store.ClaimKind, k string) bool {
		id, ok := held[store.ClaimKey{Kind: kind, Value: k}]
		return k != "" && ok && id != self
	}
	switch {
	case taken(store.ClaimUsername, usernameKey):
		return conflict("The username is already in use.")
	case taken(store.ClaimEmail, usernameKey):
		return conflict("The username is already in use as an email address.")
	case taken(store.ClaimEmail, emailKey):
		return conflict("The email address is already in use.")
	case taken(store.ClaimUsername, emailKey):
		return conflict("The email address is already in use as a username.")
	}
	return nil
}

// checkFacilitiesExist refuses (400) facility ids that name no facility,
// except those in kept (a user may keep an id whose facility was deleted).
func (s *Service) checkFacilitiesExist(ctx context.Context, facilityIDs, kept []string) error {
	var fresh []string
	for _, id := range facilityIDs {
		if !slices.Contains(kept, id) {
			fresh = append(fresh, id)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	list, err := s.store.ListFacilities(ctx)
	if err != nil {
		return fmt.Errorf("admin: read facilities: %w", err)
	}
	for _, id := range fresh {
		if !slices.ContainsFunc(list, func(f store.Facility) bool { return f.ID == id }) {
			return invalidField("facilityIds", "unknown", "Every facility must exist.")
		}
	}
	return nil
}

// renameViolations points the password violations of a policy error at the
// field the password came in.
func renameViolations(err error, field string) error {
	var pe *credential.PolicyError
	if !errors.As(err, &pe) {
		return err
	}
	out := &credential.PolicyError{Violations: make([]validate.Violation, len(pe.Violations))}
	for i, v := range pe.Violations {
		v.Field = field
		out.Violations[i] = v
	}
	return out
}

// DeleteUser removes a user with its claims, lockout counter, live links,
// open help request and sessions. Nobody deletes their own account. The
// account, its first sessions and the audit event are one commit; further
// sessions (dead without their account anyway) follow in batches.
func (s *Service) DeleteUser(ctx context.Context, actor Actor, id string) error {
	var rest []store.Op
	err := s.changeUser(ctx, actor, id, nil, func(t target) (userChange, error) {
		a := *t.account
		if a.ID == actor.Account.ID {
			return userChange{}, conflict("You cannot delete your own account.")
		}
		list, err := s.store.ListSessions(ctx, a.ID)
		if err != nil {
			return userChange{}, fmt.Errorf("admin: delete user: list sessions: %w", err)
		}
		creds, err := s.store.ListCredentials(ctx, a.ID, "")
		if err != nil {
			return userChange{}, fmt.Errorf("admin: delete user: list credentials: %w", err)
		}
		ops := []store.Op{
			store.DeleteAccount{ID: a.ID, Version: a.Version, UsernameKey: a.UsernameKey, EmailKey: a.EmailKey, SSOIdentity: a.SSOIdentity},
			store.DeleteCounter{Key: lockout.AccountKey(a.ID)},
			// Whether or not one was read: a request opened meanwhile must
			// not outlive its account.
			store.DeleteHelpRequest{UserID: a.ID},
		}
		ops = append(ops, dropLinks(&a)...)
		// The passkeys go with the account, releasing their ids' claims in
		// the same commit; the other credentials and the sessions are dead
		// with it and follow in batches.
		var after []store.Op
		for _, c := range creds {
			op := store.DeleteCredential{Key: c.Key(), Unique: c.Kind == store.CredentialPasskey}
			if op.Unique {
				ops = append(ops, op)
			} else {
				after = append(after, op)
			}
		}
		after = append(after, deleteSessions(list)...)
		n := min(len(after), store.MaxOps-len(ops)-1) // one for the audit event
		ops = append(ops, after[:n]...)
		rest = after[n:]
		event := audit.New(t.now, audit.UserDeleted, a.ID, actor.Source, map[string]string{"username": a.Username})
		return userChange{ops: ops, events: []store.AuditEvent{event}}, nil
	})
	if err != nil {
		return err
	}
	s.commitBatches(ctx, rest, "delete user: sessions and credentials")
	return nil
}

// dropLinks revokes the account's live reset and invitation links: it
// clears their names on a and returns the ops deleting the tokens.
func dropLinks(a *store.Account) []store.Op {
	var ops []store.Op
	if a.ResetTokenHash != "" {
		ops = append(ops, store.DeleteToken{Key: store.TokenKey{Kind: store.TokenReset, Hash: a.ResetTokenHash}})
		a.ResetTokenHash = ""
	}
	if a.InvitationTokenHash != "" {
		ops = append(ops, store.DeleteToken{Key: store.TokenKey{Kind: store.TokenInvitation, Hash: a.InvitationTokenHash}})
		a.InvitationTokenHash = ""
	}
	return ops
}

func deleteSessions(list []store.Session) []store.Op {
	ops := make([]store.Op, 0, len(list))
	for _, sess := range list {
		ops = append(ops, store.DeleteSession{Key: store.SessionKey{UserID: sess.UserID, Hash: sess.Hash}})
	}
	return ops
}

// commitBatches commits clean-up ops in batches that fit one commit. The
// records are dead already, so a failure is logged, not returned.
func (s *Service) commitBatches(ctx context.Context, ops []store.Op, what string) {
	for len(ops) > 0 {
		n := min(len(ops), store.MaxOps)
		if err := s.store.Commit(ctx, ops[:n]...); err != nil {
			s.logger.WarnContext(ctx, "admin: "+what, "error", err.Error())
			return
		}
		ops = ops[n:]
	}
}

// cleanUpSessions deletes the records of sessions that a raised epoch has
// revoked; they no longer work either way.
func (s *Service) cleanUpSessions(ctx context.Context, a store.Account) {
	list, err := s.store.ListSessions(ctx, a.ID)
	if err != nil {
		s.logger.WarnContext(ctx, "admin: session clean-up: list", "error", err.Error())
		return
	}
	var dead []store.Session
	for _, sess := range list {
		if sess.Epoch != a.SessionEpoch {
			dead = append(dead, sess)
		}
	}
	s.commitBatches(ctx, deleteSessions(dead), "session clean-up")
}

// HTTP.

type mfaDoc struct {
	TOTP     bool `json:"totp"`
	Passkeys int  `json:"passkeys"`
}

// userDoc is the User object of API.md.
type userDoc struct {
	ID            string   `json:"id"`
	Username      string   `json:"username"`
	DisplayName   string   `json:"displayName"`
	Email         *string  `json:"email"`
	EmailVerified bool     `json:"emailVerified"`
	Roles         []string `json:"roles"`
	NetworkAccess bool     `json:"networkAccess"`
	FacilityIDs   []string `json:"facilityIds"`
	Locale        string   `json:"locale"`
	Status        string   `json:"status"`
	SSO           bool     `json:"sso"`
	HasPassword   bool     `json:"hasPassword"`
	// SSOProvider is the identity provider an SSO account's identity is
	// bound to (null until its first SSO sign-in, and for other accounts).
	SSOProvider *string    `json:"ssoProvider"`
	MFA         mfaDoc     `json:"mfa"`
	Locked      bool       `json:"locked"`
	LastLoginAt *time.Time `json:"lastLoginAt"`
	ValidUntil  *time.Time `json:"validUntil"`
	CreatedAt   time.Time  `json:"createdAt"`
}

func userDocument(u User) userDoc {
	a := u.Account
	d := userDoc{
		ID: a.ID, Username: a.Username, DisplayName: a.DisplayName, EmailVerified: a.EmailVerified,
		Roles: nonNil(a.Roles), NetworkAccess: a.NetworkAccess, FacilityIDs: nonNil(a.FacilityIDs),
		Locale: a.Locale, Status: a.Status, SSO: a.SSO, HasPassword: a.PasswordHash != "",
		MFA: mfaDoc{TOTP: mfa.Enabled(a), Passkeys: len(a.CredentialIDs(store.CredentialPasskey))}, Locked: u.Locked,
		LastLoginAt: optionalTime(a.LastLoginAt), ValidUntil: optionalTime(a.ValidUntil), CreatedAt: a.CreatedAt.UTC(),
	}
	if a.Email != "" {
		d.Email = &a.Email
	}
	if provider, _, ok := strings.Cut(a.SSOIdentity, " "); ok && provider != "" {
		d.SSOProvider = &provider // store.SSOIdentityKey: provider ids hold no space
	}
	return d
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

type userList struct {
	Items      []userDoc `json:"items"`
	NextCursor *string   `json:"nextCursor"`
}

func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// maxCursorBytes bounds a cursor before the store looks at it.
const maxCursorBytes = 2048

// pageLimit parses the limit query parameter: 1..200, absent means the
// default (0).
func pageLimit(raw string) (int, error) {
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > store.MaxAccountLimit {
		return 0, invalidField("limit", "out_of_range", "limit must be a whole number from 1 to 200.")
	}
	return n, nil
}

func (h *Handlers) listUsers(w http.ResponseWriter, r *http.Request, actor Actor) {
	qs := r.URL.Query()
	limit, err := pageLimit(qs.Get("limit"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	q := UserQuery{Search: qs.Get("query"), Status: qs.Get("status"), FacilityID: qs.Get("facilityId"),
		Cursor: qs.Get("cursor"), Limit: limit}
	var v validate.List
	switch q.Status {
	case "", store.StatusActive, store.StatusInactive, store.StatusInvited:
	default:
		v.Add("status", "invalid", "status must be active, inactive or invited.")
	}
	if len(q.Search) > accounts.MaxIdentifierBytes {
		v.Add("query", "too_long", "The query is too long.")
	}
	if q.FacilityID != "" && !validID(q.FacilityID) {
		v.Add("facilityId", "invalid", "The facility id is invalid.")
	}
	if len(q.Cursor) > maxCursorBytes {
		v.Add("cursor", "invalid", "The cursor is invalid.")
	}
	if err := v.Err(); err != nil {
		writeError(w, r, err)
		return
	}
	page, err := h.service.ListUsers(r.Context(), actor, q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := userList{Items: make([]userDoc, 0, len(page.Items)), NextCursor: optionalString(page.NextCursor)}
	for _, u := range page.Items {
		out.Items = append(out.Items, userDocument(u))
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

type createRequest struct {
	Username          string   `json:"username"`
	DisplayName       string   `json:"displayName"`
	Email             *string  `json:"email"`
	Roles             []string `json:"roles"`
	NetworkAccess     bool     `json:"networkAccess"`
	FacilityIDs       []string `json:"facilityIds"`
	Locale            string   `json:"locale"`
	ValidUntil        *string  `json:"validUntil"`
	TemporaryPassword *string  `json:"temporaryPassword"`
	SSO               bool     `json:"sso"`
}

func (h *Handlers) createUser(w http.ResponseWriter, r *http.Request, actor Actor) {
	var req createRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	in := NewUser{Username: req.Username, DisplayName: req.DisplayName, Roles: req.Roles,
		NetworkAccess: req.NetworkAccess, FacilityIDs: req.FacilityIDs, Locale: req.Locale,
		TemporaryPassword: req.TemporaryPassword, SSO: req.SSO}
	if req.Email != nil {
		in.Email = *req.Email
	}
	if req.ValidUntil != nil {
		in.ValidUntil = *req.ValidUntil
	}
	u, err := h.service.CreateUser(r.Context(), actor, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusCreated, userDocument(u))
}

func (h *Handlers) getUser(w http.ResponseWriter, r *http.Request, actor Actor) {
	u, err := h.service.GetUser(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, userDocument(u))
}

func (h *Handlers) deleteUser(w http.ResponseWriter, r *http.Request, actor Actor) {
	if err := decodeEmpty(r); err != nil {
		writeError(w, r, err)
		return
	}
	if err := h.service.DeleteUser(r.Context(), actor, r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.NoContent(w)
}
