package policy

import (
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/validate"
)

// checker is built once for the whole test binary, as a server would.
var checker = NewChecker()

func defaults() params.PasswordPolicy { return params.Defaults().PasswordPolicy }

func codes(vs []validate.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Code)
	}
	return out
}

func TestListSize(t *testing.T) {
	if n := checker.Len(); n < 10000 {
		t.Fatalf("common-password list has %d entries, want at least 10,000", n)
	}
	for _, w := range []string{"password", "iloveyou", "jennifer", "1qaz2wsx", "passwordpassword"} {
		if _, ok := checker.entries()[w]; !ok {
			t.Errorf("list lacks %q", w)
		}
	}
}

func TestCheckCodes(t *testing.T) {
	all := defaults()
	all.RequireUppercase, all.RequireLowercase, all.RequireDigit, all.RequireSymbol = true, true, true, true
	min8 := defaults()
	min8.MinLength = 8
	noCommon := defaults()
	noCommon.BlockCommon = false
	noCommon.MinLength = 8
	tests := []struct {
		name     string
		p        params.PasswordPolicy
		password string
		c        Context
		want     []string
	}{
		{"acceptable passphrase", defaults(), "correct horse battery staple", Context{}, nil},
		{"too short", defaults(), "Xk9#mP2$vL7q", Context{}, []string{CodeTooShort}},
		{"exactly the minimum", defaults(), "vivid-otter-elk", Context{}, nil},
		{"too long", defaults(), strings.Repeat("velvet quartz ", 10), Context{}, []string{CodeTooLong}},
		{"exactly the maximum", defaults(), strings.Repeat("velvet quartz ", 9) + "ve", Context{}, nil},
		{"common", min8, "iloveyou", Context{}, []string{CodeCommon}},
		{"common ignored when BlockCommon is off", noCommon, "iloveyou", Context{}, nil},
		{"context", defaults(), "acme rocket launch day", Context{Tenant: "Acme"}, []string{CodeContainsContext}},
		{"missing uppercase", all, "lower-only phrase 7!", Context{}, []string{CodeMissingUppercase}},
		{"missing lowercase", all, "UPPER-ONLY PHRASE 7!", Context{}, []string{CodeMissingLowercase}},
		{"missing digit", all, "Mixed-Case phrase here!", Context{}, []string{CodeMissingDigit}},
		{"missing symbol", all, "MixedCasePhrase7Here", Context{}, []string{CodeMissingSymbol}},
		{"all composition rules met", all, "Mixed-Case phrase 7", Context{}, nil},
		{"multiple violations at once", all, "Password", Context{Username: "passw"},
			[]string{CodeTooShort, CodeCommon, CodeContainsContext, CodeMissingDigit, CodeMissingSymbol}},
		{"everything at once", all, "", Context{},
			[]string{CodeTooShort, CodeMissingUppercase, CodeMissingLowercase, CodeMissingDigit, CodeMissingSymbol}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checker.Check(tt.p, tt.password, tt.c)
			if !reflect.DeepEqual(codes(got), tt.want) {
				t.Fatalf("codes = %v, want %v (%+v)", codes(got), tt.want, got)
			}
			if tt.want == nil && got != nil {
				t.Fatalf("acceptable password: got non-nil empty result %#v", got)
			}
			for _, v := range got {
				if v.Field != Field || v.Message == "" {
					t.Errorf("violation %+v: want field %q and a message", v, Field)
				}
				if tt.password != "" && strings.Contains(strings.ToLower(v.Message), strings.ToLower(tt.password)) {
					t.Errorf("message %q echoes the password", v.Message)
				}
			}
		})
	}
}

func TestMessagesSayTheRule(t *testing.T) {
	p := defaults()
	p.MinLength, p.MaxLength = 20, 64
	got := checker.Check(p, "short one", Context{})
	if len(got) != 1 || !strings.Contains(got[0].Message, "20") {
		t.Fatalf("too_short message must state the minimum: %+v", got)
	}
	got = checker.Check(p, strings.Repeat("z", 65), Context{})
	if len(got) == 0 || got[0].Code != CodeTooLong || !strings.Contains(got[0].Message, "64") {
		t.Fatalf("too_long message must state the maximum: %+v", got)
	}
	got = checker.Check(p, "jane and the acme anvil", Context{DisplayName: "Jane Smith", Tenant: "ACME"})
	if len(got) != 1 || got[0].Message != "must not contain your name or the organisation's name" {
		t.Fatalf("contains_context message: %+v", got)
	}
	got = checker.Check(p, "jane.doe and the acme anvil", Context{Username: "jane.doe", DisplayName: "Jane Doe",
		Email: "jane.doe@example.com", Tenant: "ACME"})
	want := "must not contain your username, your name, your email address or the organisation's name"
	if len(got) != 1 || got[0].Message != want {
		t.Fatalf("contains_context message: %+v, want %q", got, want)
	}
}

func TestLengthBounds(t *testing.T) {
	tests := []struct {
		name     string
		min, max int
		password string
		want     []string
	}{
		// Code points, as received: "ü" (U+00FC) is one, an emoji is one,
		// "u" + U+0308 COMBINING DIAERESIS is two and is not normalised.
		{"14 ü", 15, 128, strings.Repeat("ü", 14), []string{CodeTooShort}},
		{"15 ü", 15, 128, strings.Repeat("ü", 15), nil},
		{"15 emoji", 15, 128, strings.Repeat("🔑", 15), nil},
		{"14 emoji", 15, 128, strings.Repeat("🔑", 14), []string{CodeTooShort}},
		{"combining marks count separately", 15, 128, strings.Repeat("u\u0308", 8), nil},
		{"combining marks, 7 pairs + 1", 15, 128, strings.Repeat("u\u0308", 7), []string{CodeTooShort}},
		{"spaces count and are kept", 15, 128, "   kelp   otter ", nil},
		{"CJK", 15, 128, "春眠不覺曉處處聞啼鳥夜來風雨聲花落", nil},
		{"floor raises a lower minimum", 4, 128, "kelpish", []string{CodeTooShort}},
		{"floor met", 4, 128, "kelpishy", nil},
		{"max in code points, not bytes", 15, 64, strings.Repeat("ü", 64), nil},
		{"over max in code points", 15, 64, strings.Repeat("ü", 65), []string{CodeTooLong}},
		{"zero max falls back to the default", 15, 0, strings.Repeat("kelp otter ", 12), []string{CodeTooLong}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := params.PasswordPolicy{MinLength: tt.min, MaxLength: tt.max}
			got := checker.Check(p, tt.password, Context{})
			if !reflect.DeepEqual(codes(got), tt.want) {
				t.Fatalf("codes = %v, want %v", codes(got), tt.want)
			}
		})
	}
	if got := checker.Check(params.PasswordPolicy{MinLength: 4}, "kelpish", Context{}); got[0].Message != "must be at least 8 characters long" {
		t.Fatalf("floor message = %q", got[0].Message)
	}
}

func TestOversizedInputIsCheap(t *testing.T) {
	p := defaults()
	p.RequireDigit = true
	// Within twice the maximum: every check still runs.
	if got := codes(checker.Check(p, strings.Repeat("a", 200), Context{})); !reflect.DeepEqual(got, []string{CodeTooLong, CodeCommon, CodeMissingDigit}) {
		t.Fatalf("codes = %v", got)
	}
	// Far beyond it: length and composition only, and quickly.
	start := time.Now()
	got := codes(checker.Check(p, strings.Repeat("a", 1<<20), Context{Tenant: "aaaa"}))
	if !reflect.DeepEqual(got, []string{CodeTooLong, CodeMissingDigit}) {
		t.Fatalf("codes = %v", got)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("1 MiB password took %v", d)
	}
}

func TestCompositionRules(t *testing.T) {
	// Off by default (NIST SP 800-63B-4): all lower case, no digit, no symbol.
	if got := checker.Check(defaults(), "lowercaseonlypassphrase", Context{}); got != nil {
		t.Fatalf("default policy imposes composition rules: %+v", got)
	}
	tests := []struct {
		name, password                string
		upper, lower, digit, symbol   bool
		wantU, wantL, wantD, wantSymb bool
	}{
		{"greek upper counts", "ΣΙΓΜΑ σιγμα δέκα", true, true, false, false, false, false, false, false},
		{"cyrillic lower counts", "ПАРОЛЬ ПАРОЛЬ", false, true, false, false, false, true, false, false},
		{"titlecase counts as upper", "ǅemal passphrase", true, false, false, false, false, false, false, false},
		{"caseless script meets neither", "春眠不覺曉處處聞啼鳥夜來風雨聲", true, true, false, false, true, true, false, false},
		{"arabic-indic digit counts", "كلمة المرور ٣", false, false, true, false, false, false, false, false},
		{"no digit", "kelp otter vivid", false, false, true, false, false, false, true, false},
		{"space counts as symbol", "kelp otter vivid", false, false, false, true, false, false, false, false},
		{"emoji counts as symbol", "kelpottervivid🔑", false, false, false, true, false, false, false, false},
		{"euro counts as symbol", "kelpottervivid€", false, false, false, true, false, false, false, false},
		{"letters and digits only", "kelpottervivid7", false, false, false, true, false, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := params.PasswordPolicy{MinLength: 8, MaxLength: 128,
				RequireUppercase: tt.upper, RequireLowercase: tt.lower, RequireDigit: tt.digit, RequireSymbol: tt.symbol}
			var want []string
			for _, w := range []struct {
				on   bool
				code string
			}{{tt.wantU, CodeMissingUppercase}, {tt.wantL, CodeMissingLowercase}, {tt.wantD, CodeMissingDigit}, {tt.wantSymb, CodeMissingSymbol}} {
				if w.on {
					want = append(want, w.code)
				}
			}
			if got := codes(checker.Check(p, tt.password, Context{})); !reflect.DeepEqual(got, want) {
				t.Fatalf("codes = %v, want %v", got, want)
			}
		})
	}
}

func TestContextWords(t *testing.T) {
	jane := Context{Username: "jdoe", DisplayName: "Jane Doe", Email: "jane.doe@example.com", Tenant: "acme"}
	tests := []struct {
		name, password string
		c              Context
		hit            bool
	}{
		{"username of 4 code points counts", "jdoe rides the tram", jane, true},
		{"username under 4 code points is ignored", "jdo rides the tram", Context{Username: "jdo"}, false},
		{"username case-insensitively", "My name is JANEDOE", Context{Username: "janedoe"}, true},
		{"username as a whole", "xx jane_doe xx", Context{Username: "jane_doe"}, true},
		{"username parts", "wandering jane here", Context{Username: "jane_doe"}, true},
		{"email local part whole", "write to jane.doe today", Context{Email: "jane.doe@example.com"}, true},
		{"email local part without separators", "janedoe writes poems", Context{Email: "jane.doe@example.com"}, true},
		{"email local part parts of 4+", "plain jane writes", Context{Email: "jane.doe@example.com"}, true},
		{"email local part parts under 4 ignored", "a doe in the forest", Context{Email: "jane.doe@example.com"}, false},
		{"email domain is not a context word", "example sentences galore", Context{Email: "jane.doe@example.com"}, false},
		{"email plus tag part", "working all weekend", Context{Email: "jdoe+work@example.com"}, true},
		{"email without @ is all local part", "kelp otter janedoe", Context{Email: "janedoe"}, true},
		{"display name part", "Jane rides the tram", jane, true},
		{"display name short part ignored", "doe rides the tram", jane, false},
		{"display name without space", "the janedoe express", Context{DisplayName: "Jane Doe"}, true},
		{"short names joined", "listen to lixu now", Context{DisplayName: "Li Xu"}, true},
		{"short names whole", "listen to li xu now", Context{DisplayName: "Li Xu"}, true},
		{"tenant of exactly 4 is checked", "Acme rockets go up", Context{Tenant: "acme"}, true},
		{"tenant of 3 is ignored", "ibm mainframes rule", Context{Tenant: "IBM"}, false},
		{"tenant parts", "rocket sled corporation", Context{Tenant: "Rocket Sled Co"}, true},
		{"NFKC: fullwidth password", "ＡＣＭＥ rockets go up", Context{Tenant: "acme"}, true},
		{"case folding: ß folds to ss", "the strasse is long", Context{Tenant: "Straße"}, true},
		{"unicode name", "chère renée aime", Context{DisplayName: "Renée Dupont"}, true},
		{"no context", "correct horse battery staple", Context{}, false},
		{"unrelated", "correct horse battery staple", jane, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := params.PasswordPolicy{MinLength: 8, MaxLength: 128}
			got := codes(checker.Check(p, tt.password, tt.c))
			var want []string
			if tt.hit {
				want = []string{CodeContainsContext}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("codes = %v, want %v", got, want)
			}
		})
	}
}

func TestCommon(t *testing.T) {
	tests := []struct {
		password string
		hit      bool
	}{
		// In the list, case-insensitively, after NFKC.
		{"passwordpassword", true},
		{"PassWordPassWord", true},
		{"ｐａｓｓｗｏｒｄｐａｓｓｗｏｒｄ", true},
		{"1qaz2wsx3edc4rfv", true},
		// Trailing or surrounding digits and symbols stripped.
		{"password12345678", true},
		{"password83920571", true}, // core has 8 code points: counts whatever follows
		{"PASSWORD!!!!!!!!", true},
		{"!!!!password!!!!", true},
		{"2024password2024", true},
		{"monkey123456789", true},  // short core, trivial tail
		{"michael2024!!!!", true},  // short core, year and a repeated symbol
		{"iloveyou 1234567", true}, // space counts as a symbol
		{"p-a-s-s-w-o-r-d-1", true},
		{"1 2 3 4 5 6 7 8 9 0 1 2 3 4 5", true},
		// Repetitions and sequences.
		{"aaaaaaaaaaaaaaaa", true},
		{"1234567890123456", true},
		{"qwertyuiopasdfgh", true},
		{"abcdefghijklmnop", true},
		{"zyxwvutsrqponmlk", true},
		{"9876543210987654", true},
		{"qwertzuiopasdfgh", true},
		{"azertyuiopqsdfgh", true},
		{"!@#$%^&*()!@#$%^", true},
		{"abcabcabcabcabca", true},
		{"monkeymonkeymonkey", true},
		{"qwertyqwertyqwerty", true},
		{"абвгдежзийклмно", true},
		{"ññññññññññññññññ", true},
		{"aaaaaaaaaaaaaaaaaaaaa1", true},
		// Misses.
		{"correct horse battery staple", false},
		{"Tennis-Elbow-Guitar-7", false},
		{"sunshine on a cloudy day", false},
		{"iloveyou forever and ever", false},
		{"bob839205716384", false}, // short core, random tail
		{"abcd83920571638", false},
		{"x7#kQ2p!x7#kQ2p!", false}, // a random unit repeated once
		{"summer2024summer", false},
		{"春眠不覺曉處處聞啼鳥夜來風雨聲", false},
		{"|%/*+}+%{{#>-%,", false},
	}
	p := params.PasswordPolicy{MinLength: 8, MaxLength: 128, BlockCommon: true}
	off := p
	off.BlockCommon = false
	for _, tt := range tests {
		t.Run(tt.password, func(t *testing.T) {
			got := codes(checker.Check(p, tt.password, Context{}))
			var want []string
			if tt.hit {
				want = []string{CodeCommon}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("codes = %v, want %v", got, want)
			}
			if got := checker.Check(off, tt.password, Context{}); got != nil {
				t.Fatalf("BlockCommon off: %v", codes(got))
			}
		})
	}
}

func TestPackageCheckMatchesChecker(t *testing.T) {
	for _, pw := range []string{"password12345678", "correct horse battery staple", "short"} {
		for _, block := range []bool{true, false} {
			p := defaults()
			p.BlockCommon = block
			c := Context{Tenant: "acme"}
			if a, b := Check(p, pw, c), checker.Check(p, pw, c); !reflect.DeepEqual(a, b) {
				t.Errorf("Check(%q, block=%v) = %v, Checker.Check = %v", pw, block, a, b)
			}
		}
	}
}

func TestZeroCheckerStillBlocksPatterns(t *testing.T) {
	var zero Checker
	p := params.PasswordPolicy{MinLength: 8, MaxLength: 128, BlockCommon: true}
	if got := codes(zero.Check(p, "aaaaaaaaaaaaaaaa", Context{})); !reflect.DeepEqual(got, []string{CodeCommon}) {
		t.Fatalf("codes = %v", got)
	}
	if zero.Len() != 0 {
		t.Fatal("zero Checker has a list")
	}
}

func TestConcurrentUse(t *testing.T) {
	p := defaults()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				pw := []string{"password12345678", "Ünïcödé pässphrase ÄÖÜ", "correct horse battery staple"}[i%3]
				checker.Check(p, pw, Context{DisplayName: "Renée Straße", Tenant: "ACME"})
			}
		})
	}
	wg.Wait()
}

func TestReused(t *testing.T) {
	h := password.NewArgon2id(password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32})
	hash := func(pw string) string {
		s, err := h.Hash(pw)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	history := []string{hash("newest passphrase"), "not a phc string", hash("middle passphrase"), hash("oldest passphrase")}
	tests := []struct {
		name, password string
		count          int
		want           bool
	}{
		{"newest", "newest passphrase", 1, true},
		{"middle within count", "middle passphrase", 3, true},
		{"oldest beyond count", "oldest passphrase", 3, false},
		{"oldest within count", "oldest passphrase", 4, true},
		{"count beyond history", "oldest passphrase", 24, true},
		{"count zero compares nothing", "newest passphrase", 0, false},
		{"negative count", "newest passphrase", -1, false},
		{"fresh password", "a brand new passphrase", 24, false},
		{"exact match only", "Newest passphrase", 24, false},
		{"malformed entry is skipped", "not a phc string", 24, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Reused(h, tt.password, history, tt.count); got != tt.want {
				t.Fatalf("Reused = %v, want %v", got, tt.want)
			}
		})
	}
	if Reused(h, "anything", nil, 5) {
		t.Fatal("empty history reported reuse")
	}
}

func BenchmarkCheck(b *testing.B) {
	p := defaults()
	c := Context{Username: "jane.doe", DisplayName: "Jane Doe", Email: "jane.doe@example.com", Tenant: "Acme Corp"}
	cases := []struct{ name, password string }{
		{"ascii_passphrase", "correct horse battery staple"},
		{"ascii_common_stripped", "password12345678"},
		{"unicode_passphrase", "Ünïcödé pässphrase für Straße 🔑"},
		{"max_length", strings.Repeat("kelp otter ", 11) + "kelp ot"},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				checker.Check(p, bc.password, c)
			}
		})
	}
}

func BenchmarkNewChecker(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NewChecker()
	}
}
