package accounts

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"

	"github.com/gatepass/gatepass/shared/validate"
)

// Errors of the name rules (API.md "Usernames and display names"). Neither
// ever contains the refused name.
var (
	// ErrInvalidCharacters means a username or name holds characters its
	// PRECIS profile refuses: spaces inside a username, invisible and format
	// characters such as a zero-width space, bidirectional overrides, control
	// characters, unassigned code points.
	ErrInvalidCharacters = errors.New("accounts: characters not allowed")
	// ErrMixedScripts means a new username mixes letters of scripts that do
	// not belong together, such as a Cyrillic "а" among Latin letters. It
	// wraps ErrInvalidCharacters.
	ErrMixedScripts = fmt.Errorf("%w: letters of more than one script", ErrInvalidCharacters)
)

// NewUsernameKey returns the key under which a new username is unique and
// matched (store.Account.UsernameKey). The username is trimmed, then
// enforced by the PRECIS UsernameCaseMapped profile (RFC 8265): width-mapped,
// lower-cased, NFC, no spaces inside. The key is the profile's output
// case-folded (see enforcedUsername).
//
// The error wraps ErrInvalidCharacters when the profile refuses the
// username, and is ErrMixedScripts when its letters come from more than one
// script (see mixesScripts). A blank username gives "" and no error: whether
// one is required is the caller's rule.
func NewUsernameKey(username string) (string, error) {
	key, err := enforcedUsername(username)
	if err != nil {
		return "", err
	}
	if mixesScripts(key) {
		return "", ErrMixedScripts
	}
	return key, nil
}

// enforcedUsername is s trimmed, enforced by the PRECIS UsernameCaseMapped
// profile, then case-folded and normalised to NFC again.
//
// The profile lower-cases, where the rule before PRECIS case-folded; the
// two differ on a few letters only ("ß" and "ss", final "ς" and "σ", iota
// subscripts). Folding the profile's output keeps the key of every username
// that both rules accept what it was — so accounts created before PRECIS
// keep signing in — and keeps "straße" and "strasse" one name, as before.
// (Cherokee alone differs: x/text folds each Cherokee letter to its other
// case, so its old keys depended on the case typed; see the tests.)
// Folding can denormalise, hence NFC once more.
func enforcedUsername(s string) (string, error) {
	enforced, err := precis.UsernameCaseMapped.String(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidCharacters, err)
	}
	return norm.NFC.String(cases.Fold().String(enforced)), nil
}

// legacyCanonicalUsername is the canonical form of a username before PRECIS:
// trimmed, NFKC-normalised and case-folded, normalised once more because
// folding can denormalise. Accounts created then have it as their key;
// email addresses still do.
func legacyCanonicalUsername(s string) string {
	s = strings.TrimSpace(norm.NFKC.String(s))
	return norm.NFKC.String(cases.Fold().String(s))
}

// EnforceName returns a display name or a facility name as it is stored:
// trimmed and enforced by the PRECIS Nickname profile (RFC 8266) — inner
// runs of spaces collapsed to one, NFKC-normalised, case kept. The error
// wraps ErrInvalidCharacters when the profile refuses the name (invisible,
// format, bidirectional and control characters, unassigned code points) or
// the name holds U+FFFD, which stands for bytes that were not UTF-8. A blank
// name gives "" and no error: whether one is required is the caller's rule.
func EnforceName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil
	}
	if strings.ContainsRune(name, utf8.RuneError) {
		return "", fmt.Errorf("%w: U+FFFD", ErrInvalidCharacters)
	}
	enforced, err := precis.Nickname.String(name)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidCharacters, err)
	}
	return enforced, nil
}

// highlyRestrictiveScripts returns the sets of scripts that UTS #39 lets a
// "highly restrictive" identifier combine: the scripts of one set may be
// mixed freely (Japanese, Chinese with Bopomofo, Korean; each with Latin).
func highlyRestrictiveScripts() [][]string {
	return [][]string{
		{"Latin", "Han", "Hiragana", "Katakana"},
		{"Latin", "Han", "Bopomofo"},
		{"Latin", "Han", "Hangul"},
	}
}

// mixesScripts reports whether the letters of s come from more than one
// script, Common (digits, punctuation) and Inherited (combining marks)
// aside, unless all its scripts are in one set of highlyRestrictiveScripts
// (UTS #39 "Highly Restrictive"). A code point in no script known to this
// Go release counts as a script of its own.
//
// This is the Script property, not Script_Extensions: marks shared by
// some scripts (the Japanese prolonged sound mark) are Common and pass.
func mixesScripts(s string) bool {
	var seen []string
	for _, r := range s {
		script := scriptOf(r)
		if script == "Common" || script == "Inherited" || slices.Contains(seen, script) {
			continue
		}
		seen = append(seen, script)
	}
	if len(seen) <= 1 {
		return false
	}
	for _, allowed := range highlyRestrictiveScripts() {
		if allIn(seen, allowed) {
			return false
		}
	}
	return true
}

// scriptOf returns the name of the Unicode script of r, "Unknown" for a code
// point in none.
func scriptOf(r rune) string {
	if r < utf8.RuneSelf { // the common case, without a table search
		if unicode.IsLetter(r) {
			return "Latin"
		}
		return "Common"
	}
	for name, table := range unicode.Scripts {
		if unicode.Is(table, r) {
			return name // every code point is in one script at most
		}
	}
	return "Unknown"
}

// allIn reports whether every element of list is in set.
func allIn(list, set []string) bool {
	for _, x := range list {
		if !slices.Contains(set, x) {
			return false
		}
	}
	return true
}

// CheckName checks a name of people (what: "display name") or places, sent
// in field, and returns it as stored: enforced by the PRECIS Nickname
// profile (EnforceName), non-empty, of at most most characters.
// Characters the profile refuses are the violation invalid_characters (422).
func CheckName(v *validate.List, field, what, raw string, most int) string {
	if len(raw) > MaxIdentifierBytes {
		v.Add(field, "too_long", fmt.Sprintf("The %s must not exceed %d characters.", what, most))
		return ""
	}
	name, err := EnforceName(raw)
	switch {
	case err != nil:
		v.Add(field, validate.CodeInvalidCharacters,
			"The "+what+" must not contain invisible, formatting or control characters.")
	case name == "":
		v.Add(field, "required", "Enter a "+what+".")
	case utf8.RuneCountInString(name) > most:
		v.Add(field, "too_long", fmt.Sprintf("The %s must not exceed %d characters.", what, most))
	}
	return name
}
