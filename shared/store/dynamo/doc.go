// Package dynamo is the DynamoDB adapter of the store port
// (github.com/gatepass/gatepass/shared/store). It keeps every record of a
// tenant in one on-demand table with a string partition key "pk", a string
// sort key "sk" and DynamoDB TTL on the number attribute "ttl". There is no
// secondary index: everything the port reads consistently is reached by key
// or by a Query on one partition.
//
// # Item layout
//
//	record      pk                          sk                 other attributes
//	account     USER#<account id>           ACCOUNT            username, usernameKey, displayName, email, emailKey,
//	                                                           emailVerified, passwordHash, passwordChangeRequired,
//	                                                           roles (L), networkAccess, facilityIds (L), locale,
//	                                                           status, sso, validUntil, lastLoginAt, lastLoginIp,
//	                                                           previousLoginAt, previousLoginIp, createdAt, updatedAt,
//	                                                           sessionEpoch (N), resetTokenHash, invitationTokenHash,
//	                                                           passwordHistory (L, newest first),
//	                                                           credentials (L of "<kind>#<id>": the credential index)
//	session     USER#<user id>              SESSION#<hash>     id, createdAt, lastSeenAt, expiresAt, ip, userAgent,
//	                                                           restriction, viewType, facilityId, epoch (N)
//	credential  USER#<user id>              CRED#<kind>#<id>   name, secret (B), counter (N), hashes (L), data (M),
//	                                                           createdAt, lastUsedAt, expiresAt
//	claim       CLAIM#<kind>                <canonical value>  accountId
//	counter     COUNTER#<key>               COUNTER            failures, windowStart, lockedUntil, locks, expiresAt
//	marker      MARKER#<name>               MARKER             createdAt
//	token       TOKEN#<kind>#<hash>         TOKEN              userId, createdAt, expiresAt, attempts (N), data (M)
//	parameters  TENANT                      PARAMETERS         doc (the params JSON document)
//	facility    FACILITY                    <facility id>      name, status, createdAt, updatedAt
//	help        HELP                        <user id>          id, createdAt, ip, userAgent
//	audit       AUDIT                       <event id>         at, type, userId, actorId, ip, userAgent, detail (M)
//
// Sessions and credentials live in their user's partition, so a session (or
// a remembered device, a passkey) and its account are read by one
// BatchGetItem, and ListSessions and ListCredentials are one consistent
// Query each (begins_with on SESSION# or CRED#[<kind>#]). Every credential
// kind is stored alike: a new second factor needs no change here. Credential
// kinds never contain "#" (Commit rejects one that does), so the first "#"
// after CRED# ends the kind. A credential id claimed with
// PutCredential.Unique is a claim of kind "cred:<kind>". Facilities, help
// requests and audit events each share one partition: ListFacilities is a
// Query on FACILITY (sorted by name in code), ListHelpRequests a Query on
// HELP (sorted newest first in code) and ListAudit a backwards Query on
// AUDIT, whose sort keys are time-ordered ids, so newest come first. A help
// request's sort key is its account's id, so an account has at most one
// (PutHelpRequest is conditioned on its absence), and Load reads it by key
// in the BatchGetItem that reads the account.
//
// The claims of a kind share one partition too, sorted by canonical value:
// a claim is still read and written by its full key, and CLAIM#username is
// the index of accounts by username that the table otherwise lacks.
// ListAccounts queries it in order and reads the accounts the claims name
// with BatchGetItem, filtering in code; a sparse filter is bounded by the
// number of claims one call examines, and ends its page early with a cursor.
// One partition per claim kind bounds the rate of account creations (about
// 1,000 writes a second per partition), far above what a Backoffice needs.
//
// Every item carries its version "v" (N). Commit writes version+1 and guards
// replacements with "v = :prev"; claims, markers, audit events, sessions,
// tokens and help requests are created at version 1 (TouchSession and
// UpdateToken increment it). A help request is deleted unconditionally, or
// — DeleteHelpRequest with an ID — under "id = :id". Updates and deletes of an account also require the stored usernameKey
// and emailKey to be the ones the caller names, and a claim is only released
// by the account holding it.
//
// Token kinds never contain "#" (Commit rejects one that does), so the first
// "#" after TOKEN# ends the kind. A token is consumed by a DeleteItem (or a
// Delete in the transaction) conditioned on the item existing, being live and,
// when the caller names one, having its version: of concurrent consumers only
// one delete can find the item.
//
// Records that expire (sessions, counters, tokens, credentials with an
// expiry) also carry:
//   - expiresAt (S): the exact expiry, returned to callers;
//   - exp (N): the expiry in Unix nanoseconds, used by conditions
//     ("exp <= :now" means gone) and read checks — an expired item is absent
//     for Load, ListSessions and every condition, whatever TTL has done;
//   - ttl (N): the expiry in Unix seconds, rounded up, plus one hour of grace,
//     for DynamoDB TTL, which only removes the garbage some time later.
//
// Times are UTC RFC 3339 strings with nanoseconds, so they round-trip exactly.
// Empty strings, empty binary values, false booleans, zero numbers and zero
// times are not stored (binary values read back as nil); nil lists and maps
// are not stored while empty ones are, so both round-trip.
//
// # Writes
//
// Commit turns its operations into item writes. One item write is sent as a
// plain conditional PutItem, UpdateItem or DeleteItem; several go in one
// TransactWriteItems, so claims are written and released in the same
// transaction as their account. A failed condition is store.ErrConflict and
// applies nothing. Cancellations caused only by concurrent transactions on the
// same items (TransactionConflict) are retried a few times with jittered
// exponential backoff, then reported as store.ErrConflict. DynamoDB refuses a
// transaction that writes one item twice, so Commit rejects such a set with
// ErrInvalidOp before sending it.
//
// One caveat of single-item writes: they carry no idempotency token, so when
// the SDK retries one after a lost response whose write had in fact been
// applied, the retry fails its condition and Commit reports store.ErrConflict
// for a write that happened. Callers already treat ErrConflict as "re-read
// and decide", which stays safe; transactions do not have the problem (the
// SDK reuses their ClientRequestToken on its retries).
package dynamo
