package policy

import (
	"slices"
	"testing"
)

func TestCommonPasswords(t *testing.T) {
	got := checker.CommonPasswords()
	if len(got) != checker.Len() {
		t.Fatalf("CommonPasswords has %d entries, Len says %d", len(got), checker.Len())
	}
	if !slices.IsSorted(got) {
		t.Error("CommonPasswords is not sorted")
	}
	if len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Error("CommonPasswords has duplicates")
	}
	for _, w := range []string{"password", "iloveyou", "1qaz2wsx"} {
		if _, ok := slices.BinarySearch(got, w); !ok {
			t.Errorf("CommonPasswords lacks %q", w)
		}
	}
	for _, w := range got {
		if _, ok := checker.entries()[w]; !ok || w == "" {
			t.Fatalf("CommonPasswords has %q, which the checker does not", w)
		}
	}

	// The caller owns the slice: changing it changes neither the list nor
	// the next result.
	got[0] = "not a common password at all"
	if again := checker.CommonPasswords(); again[0] == got[0] {
		t.Error("CommonPasswords shares its slice between calls")
	}
	if _, ok := checker.entries()["not a common password at all"]; ok {
		t.Error("changing the result changed the list")
	}

	var zero Checker
	if got := zero.CommonPasswords(); got != nil {
		t.Errorf("zero Checker: CommonPasswords = %d entries, want nil", len(got))
	}
	var nilChecker *Checker
	if got := nilChecker.CommonPasswords(); got != nil {
		t.Errorf("nil Checker: CommonPasswords = %d entries, want nil", len(got))
	}
}
