package policy

import (
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// commonPasswords is the common-password list, gzip-compressed, one password
// a line (COMMON_PASSWORDS.md says where it comes from). A string, so that
// nothing can modify it.
//
//go:embed common_passwords.txt.gz
var commonPasswords string

// Checker checks passwords against a policy with the common-password list
// loaded once. Build it with [NewChecker] when the process starts and share
// it: it is immutable and safe for concurrent use. The zero Checker has an
// empty list and still rejects the trivial patterns.
type Checker struct {
	// list loads the common-password list at its first use (nil: empty).
	list func() map[string]struct{}
}

// NewChecker returns a Checker that decompresses the embedded
// common-password list at its first check, once. Entries are
// NFKC-normalised and case-folded like the passwords they are compared with.
// Loading takes 10–20 ms and retains about 2 MiB: deferring it keeps it out
// of every Lambda cold start (most invocations never check a new password).
// It panics only if the embedded list is corrupt, which the package's tests
// rule out for a given build.
func NewChecker() *Checker { return &Checker{list: sync.OnceValue(loadCommonPasswords)} }

// loadCommonPasswords decompresses and folds the embedded list.
func loadCommonPasswords() map[string]struct{} {
	zr, err := gzip.NewReader(strings.NewReader(commonPasswords))
	if err != nil {
		panic(fmt.Sprintf("policy: embedded common-password list: %v", err))
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		panic(fmt.Sprintf("policy: embedded common-password list: %v", err))
	}
	// One string for the whole list: the (already folded, ASCII) entries are
	// substrings of it rather than 49,000 separate allocations.
	rest := string(text)
	list := make(map[string]struct{}, strings.Count(rest, "\n")+1)
	for rest != "" {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		if w := fold(line); w != "" {
			list[w] = struct{}{}
		}
	}
	return list
}

// entries is the loaded list (nil for the zero Checker).
func (ck *Checker) entries() map[string]struct{} {
	if ck == nil || ck.list == nil {
		return nil
	}
	return ck.list()
}

// Len returns the number of distinct entries of the common-password list.
func (ck *Checker) Len() int { return len(ck.entries()) }

// CommonPasswords returns the distinct entries of the common-password list,
// sorted, in a new slice the caller owns: the corpus of the local
// breached-password range endpoint (package breached). The entries are the
// folded forms the Checker compares with; the embedded list is lower-case
// ASCII, so they are the list's entries as given. Like a check, the first
// call loads the list; the zero Checker returns nil.
func (ck *Checker) CommonPasswords() []string {
	list := ck.entries()
	if len(list) == 0 {
		return nil
	}
	out := make([]string, 0, len(list))
	for w := range list {
		out = append(out, w)
	}
	slices.Sort(out)
	return out
}

// fold NFKC-normalises and case-folds s, like accounts.CanonicalEmail but
// without trimming: folding can denormalise, so it normalises once more.
// ASCII, by far the common case, takes a shortcut with the same result.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			// A Caser is stateful: one per call keeps Check concurrent-safe.
			return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(s)))
		}
	}
	return strings.ToLower(s)
}

// isSymbol reports whether r is neither a letter nor a decimal digit: for the
// common check, punctuation, symbols, spaces and marks all count as symbols.
func isSymbol(r rune) bool { return !isAlnum(r) }

func isSymbolOrDigit(r rune) bool { return !unicode.IsLetter(r) }

// common reports whether folded (a folded password) is in the list or a
// trivial variant of something that is (see Checker.Check).
func (ck *Checker) common(folded string) bool {
	if folded == "" {
		return false
	}
	if ck.weak(folded) {
		return true
	}
	// The password with decoration stripped from its end or from both ends.
	// What remains counts when it is long enough to be a password on its own
	// (the floor, 8) or when what was stripped is trivial too.
	strips := [...]struct {
		both  bool
		strip func(rune) bool
	}{
		{false, isSymbol},
		{false, isSymbolOrDigit},
		{true, isSymbol},
		{true, isSymbolOrDigit},
	}
	for _, s := range strips {
		core := strings.TrimRightFunc(folded, s.strip)
		if s.both {
			core = strings.TrimLeftFunc(core, s.strip)
		}
		if core == "" || core == folded || !ck.weak(core) {
			continue
		}
		start := strings.Index(folded, core)
		prefix, suffix := folded[:start], folded[start+len(core):]
		if utf8.RuneCountInString(core) >= MinLengthFloor || (trivialDecoration(prefix) && trivialDecoration(suffix)) {
			return true
		}
	}
	// The password with every symbol and space removed: "p-a-s-s-w-o-r-d-1",
	// "1 2 3 4 5 6 7 8 9 0".
	if strings.IndexFunc(folded, isSymbol) >= 0 {
		var core, seps strings.Builder
		for _, r := range folded {
			if isSymbol(r) {
				seps.WriteRune(r)
			} else {
				core.WriteRune(r)
			}
		}
		c := core.String()
		if c != "" && ck.weak(c) && (utf8.RuneCountInString(c) >= MinLengthFloor || trivialDecoration(seps.String())) {
			return true
		}
	}
	return false
}

// weak reports whether s (folded) is in the list or a trivial pattern.
func (ck *Checker) weak(s string) bool {
	if _, ok := ck.entries()[s]; ok {
		return true
	}
	return ck.pattern(s)
}

// pattern reports whether s is trivial: at most two code points, a sequence
// or walk, or a repetition of a unit that is short (up to 4 code points) or
// itself weak.
func (ck *Checker) pattern(s string) bool {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return false
	}
	if n <= 2 || sequence(s) || walk(s) {
		return true
	}
	if unit, k := period(s); k > 0 {
		return k <= 4 || ck.weak(unit)
	}
	return false
}

// trivialDecoration reports whether d, stripped off a password, adds nothing
// worth counting: empty, or at most two runs (of digits, or of other
// non-letters) each of which is at most 4 code points long ("2024", "!!")
// or a trivial pattern ("123456789", "!!!!!!").
func trivialDecoration(d string) bool {
	var plain Checker // patterns only, no list
	runs := 0
	for d != "" {
		digits := unicode.IsDigit(firstRune(d))
		end := strings.IndexFunc(d, func(r rune) bool { return unicode.IsDigit(r) != digits })
		if end < 0 {
			end = len(d)
		}
		run := d[:end]
		d = d[end:]
		if runs++; runs > 2 {
			return false
		}
		if utf8.RuneCountInString(run) > 4 && !plain.pattern(run) {
			return false
		}
	}
	return true
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// sequence reports whether the code points of s (at least 3) follow each other
// with a constant step of +1 or -1: "abcdef", "987654", "абвгде".
func sequence(s string) bool {
	var prev rune
	step, i := rune(0), 0
	for _, r := range s {
		switch {
		case i == 1:
			step = r - prev
			if step != 1 && step != -1 {
				return false
			}
		case i > 1 && r-prev != step:
			return false
		}
		prev = r
		i++
	}
	return i >= 3
}

// walkTracks are the cyclic tracks a walk follows, forwards or backwards,
// separated by spaces: the alphabet and digits (with wrap-around, so
// "7890123" and "xyzabc" count), the QWERTY, QWERTZ and AZERTY rows read one
// after the other, the QWERTY columns, the shifted digit row and the keypad.
const walkTracks = "abcdefghijklmnopqrstuvwxyz 0123456789 " +
	"1234567890qwertyuiopasdfghjklzxcvbnm qwertzuiopasdfghjklyxcvbnm azertyuiopqsdfghjklmwxcvbn " +
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/ zaq1xsw2cde3vfr4bgt5nhy6mju7,ki8.lo9/;p0 " +
	"qazwsxedcrfvtgbyhnujmik,ol.p;/ !@#$%^&*() 7894561230"

// walk reports whether s (ASCII, at least 3 bytes) follows one of walkTracks.
func walk(s string) bool {
	if len(s) < 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	rest := walkTracks
	for rest != "" {
		var track string
		track, rest, _ = strings.Cut(rest, " ")
		for j := 0; j < len(track); j++ {
			if track[j] == s[0] && (follows(s, track, j, 1) || follows(s, track, j, len(track)-1)) {
				return true
			}
		}
	}
	return false
}

// follows reports whether s[i] == track[(j+i*step) mod len(track)] for every
// i; step len(track)-1 walks backwards.
func follows(s, track string, j, step int) bool {
	for i := 1; i < len(s); i++ {
		j = (j + step) % len(track)
		if s[i] != track[j] {
			return false
		}
	}
	return true
}

// period returns the shortest unit u of s such that s is u repeated at least
// twice (the last repetition may be cut short: "abcabcab"), and its length in
// code points; k is 0 when s is no such repetition.
func period(s string) (unit string, k int) {
	var rbuf [64]rune
	rs := rbuf[:0]
	for _, r := range s {
		rs = append(rs, r)
	}
	n := len(rs)
	if n < 2 {
		return "", 0
	}
	// Prefix function (Knuth–Morris–Pratt): the shortest period is n-pi[n-1].
	var pbuf [64]int
	pi := append(pbuf[:0], 0)
	for i := 1; i < n; i++ {
		j := pi[i-1]
		for j > 0 && rs[i] != rs[j] {
			j = pi[j-1]
		}
		if rs[i] == rs[j] {
			j++
		}
		pi = append(pi, j)
	}
	k = n - pi[n-1]
	if 2*k > n {
		return "", 0
	}
	off := 0
	for range k {
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	return s[:off], k
}
