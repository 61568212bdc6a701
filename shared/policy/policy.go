// Package policy checks a new password against the tenant's password policy
// (SECURITY.md "Accounts and passwords", NIST SP 800-63B-4 §3.1.1.2). Every
// path that sets a password — invitation, reset, change, forced change, admin
// set — calls the same Check, so every path reports the same violation codes.
//
// What is checked:
//   - length in Unicode code points, counted on the password exactly as
//     received (no trimming, no normalisation): at least the policy's
//     MinLength, never below the floor of 8, and at most MaxLength;
//   - when BlockCommon is set, the embedded common-password list and trivial
//     patterns (see [Checker.Check]);
//   - context words: the username, the display name, the email local part and
//     the tenant name (see [Context]);
//   - composition rules, only when the tenant turned them on (NIST advises
//     against them, so they are off by default).
//
// The optional breached-password check (BlockBreached) needs an external
// service and is not done here; password history is checked with [Reused].
package policy

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/validate"
)

// Field is the field every violation of this package names.
const Field = "password"

// Violation codes. They are stable: clients switch on them, and every path
// that sets a password reports the same ones.
const (
	CodeTooShort         = "too_short"
	CodeTooLong          = "too_long"
	CodeCommon           = "common"
	CodeContainsContext  = "contains_context"
	CodeMissingUppercase = "missing_uppercase"
	CodeMissingLowercase = "missing_lowercase"
	CodeMissingDigit     = "missing_digit"
	CodeMissingSymbol    = "missing_symbol"
)

// MinLengthFloor is the shortest minimum any policy can impose (NIST SP
// 800-63B-4 §3.1.1.2: at least 8). A policy asking for less is raised to it.
const MinLengthFloor = 8

// MinContextWordLen is the shortest context word (in code points, after
// normalisation) that a password may not contain. Shorter words ("doe",
// "li", "ibm") would reject too many good passwords by accident.
const MinContextWordLen = 4

// Context holds the words a password must not contain because they are
// guessable from who the user is. Empty members are ignored.
//
// Each member is NFKC-normalised and case-folded, then checked as a whole, with
// its separators removed, and part by part, the parts being split at every
// character that is neither a letter nor a digit; only words of at least
// [MinContextWordLen] code points count. For Email only the local part (before
// the last "@") is used, so "jane.doe@example.com" yields "jane.doe",
// "janedoe", "jane" and — too short, ignored — "doe"; the domain is not a
// context word (the tenant name covers the company). A display name "Jane Doe"
// yields "jane doe", "janedoe" and "jane".
type Context struct {
	Username    string
	DisplayName string
	Email       string
	Tenant      string
}

// Check checks password against p and returns every violation at once; nil
// means the password is acceptable. It is a convenience for one-off use: when
// p.BlockCommon is set it builds a fresh [Checker], which decompresses the
// common-password list (about 10 ms and 2 MiB). A long-lived process
// should build one Checker with [NewChecker] and call its Check method.
func Check(p params.PasswordPolicy, password string, c Context) []validate.Violation {
	if !p.BlockCommon {
		return (&Checker{}).Check(p, password, c)
	}
	return NewChecker().Check(p, password, c)
}

// Check checks password against p and returns every violation at once, in the
// order too_short, too_long, common, contains_context, missing_uppercase,
// missing_lowercase, missing_digit, missing_symbol; nil means acceptable. All
// violations name [Field]; messages say which rule failed and never echo the
// password or a context word.
//
// The common check (only when p.BlockCommon is set) compares the password
// NFKC-normalised and case-folded with the embedded list, and also rejects:
//   - the password with symbols, or digits and symbols, stripped from its end
//     or from both ends, or with every symbol and space removed, when what
//     remains is common and either has at least 8 code points or what was
//     stripped is itself trivial ("password12345678", "michael2024!!!!",
//     "p-a-s-s-w-o-r-d-1");
//   - repetitions and sequences: a short unit repeated, a common password
//     repeated, consecutive code points in any script, and keyboard or
//     alphabet walks ("aaaaaaaaaaaaaaaa", "1234567890123456",
//     "qwertyuiopasdfgh", "zyxwvutsrqponmlk", "monkeymonkeymonkey").
//
// A "symbol" here is any code point that is neither a letter nor a decimal
// digit, spaces included.
//
// A password of more than twice MaxLength code points gets only the length
// and composition checks, so that an oversized input costs little. Check is
// safe for concurrent use.
func (ck *Checker) Check(p params.PasswordPolicy, password string, c Context) []validate.Violation {
	var v validate.List

	n := utf8.RuneCountInString(password)
	minLen := max(p.MinLength, MinLengthFloor)
	maxLen := p.MaxLength
	if maxLen <= 0 {
		maxLen = params.Defaults().PasswordPolicy.MaxLength
	}
	if n < minLen {
		v.Add(Field, CodeTooShort, fmt.Sprintf("must be at least %d characters long", minLen))
	}
	if n > maxLen {
		v.Add(Field, CodeTooLong, fmt.Sprintf("must be at most %d characters long", maxLen))
	}

	// The common and context checks cost time in proportion to the length;
	// a password far beyond the maximum (the HTTP layer should have refused
	// it already) gets only the length and composition checks.
	if n <= 2*maxLen {
		folded := fold(password)
		if p.BlockCommon && ck.common(folded) {
			v.Add(Field, CodeCommon, "is too common or too easy to guess; choose a longer passphrase of unrelated words")
		}
		if who := contextHits(folded, c); who != "" {
			v.Add(Field, CodeContainsContext, "must not contain "+who)
		}
	}

	if p.RequireUppercase || p.RequireLowercase || p.RequireDigit || p.RequireSymbol {
		var upper, lower, digit, symbol bool
		for _, r := range password {
			switch {
			case unicode.IsUpper(r) || unicode.IsTitle(r):
				upper = true
			case unicode.IsLower(r):
				lower = true
			case unicode.IsDigit(r):
				digit = true
			case unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r):
				symbol = true
			}
		}
		if p.RequireUppercase && !upper {
			v.Add(Field, CodeMissingUppercase, "must contain at least one uppercase letter")
		}
		if p.RequireLowercase && !lower {
			v.Add(Field, CodeMissingLowercase, "must contain at least one lowercase letter")
		}
		if p.RequireDigit && !digit {
			v.Add(Field, CodeMissingDigit, "must contain at least one digit")
		}
		if p.RequireSymbol && !symbol {
			v.Add(Field, CodeMissingSymbol, "must contain at least one symbol, punctuation mark or space")
		}
	}

	if len(v) == 0 {
		return nil
	}
	return v
}

// contextHits returns a phrase naming the kinds of context word that folded
// contains ("your username or your name"), or "" when it contains none.
func contextHits(folded string, c Context) string {
	local := c.Email
	if i := strings.LastIndexByte(local, '@'); i >= 0 {
		local = local[:i]
	}
	kinds := [...]struct {
		value, what string
	}{
		{c.Username, "your username"},
		{c.DisplayName, "your name"},
		{local, "your email address"},
		{c.Tenant, "the organisation's name"},
	}
	var hits []string
	for _, k := range kinds {
		if k.value != "" && containsContextWord(folded, fold(k.value)) {
			hits = append(hits, k.what)
		}
	}
	switch len(hits) {
	case 0:
		return ""
	case 1:
		return hits[0]
	default:
		return strings.Join(hits[:len(hits)-1], ", ") + " or " + hits[len(hits)-1]
	}
}

// containsContextWord reports whether folded contains value (already folded)
// as a whole, with its separators removed, or any of its parts, counting only
// words of at least MinContextWordLen code points.
func containsContextWord(folded, value string) bool {
	hit := func(w string) bool {
		return utf8.RuneCountInString(w) >= MinContextWordLen && strings.Contains(folded, w)
	}
	if hit(value) {
		return true
	}
	parts := strings.FieldsFunc(value, func(r rune) bool { return !isAlnum(r) })
	if len(parts) > 1 && hit(strings.Join(parts, "")) {
		return true
	}
	for _, w := range parts {
		if hit(w) {
			return true
		}
	}
	return false
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
