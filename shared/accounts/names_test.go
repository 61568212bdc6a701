package accounts

import (
	"errors"
	"fmt"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Names that the rule before PRECIS accepted and that PRECIS accepts too
// keep their key: an account created before PRECIS is found under the key
// a new account with the same username gets.
func TestNewKeysEqualOldKeys(t *testing.T) {
	for _, name := range []string{
		"jdoe", "JDoe", "Jane.Doe", "  padded\t", "müller", "MÜLLER", "mu\u0308ller",
		"straße", "STRASSE", "Straße", "ẞ", "ＪＤＯＥ", "ｊｄｏｅ", "José", "Jose\u0301", "JOSÉ",
		"Ærøskøbing", "ÆRØSKØBING", "ΣΊΣΥΦΟΣ", "σίσυφος", "Σίσυφος", "дмитрий", "ДМИТРИЙ", "Дмитрий",
		"山田", "やまだ", "ヤマダ", "山田タロウ", "ｶﾞﾝﾀﾞﾑ", "김민준", "王小明", "ㄅㄆㄇ",
		"jane@example.com", "Jane@Example.COM", "o'brien", "O'Brien", "a_b-c.d", "x+y", "#1",
		"12345", "user42", "007", "İstanbul", "\u212aelvin", "\u2126", "דוד", "محمد", "नमस्ते",
		"ᾳ", "ΐ", "ǰ", "ñandú", "Đorđe", "Łukasz", "Ğülşen", "ʻokina", "a\u0301",
	} {
		t.Run(name, func(t *testing.T) {
			old := legacyCanonicalUsername(name)
			key, err := NewUsernameKey(name)
			if err != nil {
				t.Fatalf("NewUsernameKey(%q): %v", name, err)
			}
			if key != old {
				t.Errorf("new key %q, old key %q", key, old)
			}
			if got := CanonicalUsername(name); got != old {
				t.Errorf("CanonicalUsername(%q) = %q, want the old key %q", name, got, old)
			}
			if again := CanonicalUsername(key); again != key {
				t.Errorf("the key %q is not its own canonical form: %q", key, again)
			}
		})
	}
}

// Every code point of the Basic Multilingual Plane after a letter (which
// gives combining marks a base): whatever PRECIS accepts has the key it had
// before, and a key is its own canonical form. Cherokee is the one
// exception, because x/text's case folding maps each Cherokee letter to its
// other case: before PRECIS "Ꭰ" and "ꭰ" had different keys, and under it
// they cannot, so one of the two changes. (Checked over every plane once,
// with the same result; the BMP keeps the test fast.)
func TestEveryCodePointThatPRECISAcceptsKeepsItsKey(t *testing.T) {
	checked := 0
	for r := rune(0); r <= 0xFFFF; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		name := "a" + string(r)
		key, err := enforcedUsername(name)
		if err != nil {
			continue
		}
		checked++
		if old := legacyCanonicalUsername(name); key != old && !unicode.Is(unicode.Cherokee, r) {
			t.Errorf("%U: new key %q, old key %q", r, key, old)
		}
		if again := CanonicalUsername(key); again != key {
			t.Errorf("%U: the key %q is not its own canonical form: %q", r, key, again)
		}
	}
	if checked < 10000 {
		t.Fatalf("only %d names checked", checked)
	}
}

// Names that the rule before PRECIS accepted but PRECIS refuses can no
// longer be created, and are still looked up under their old key, so the
// accounts that have them keep signing in.
func TestRefusedNamesAreLookedUpUnderTheirOldKey(t *testing.T) {
	tests := []struct{ name, oldKey string }{
		{"john doe", "john doe"},
		{"Jane Doe", "jane doe"},
		{"ﬁle", "file"},
		{"ſtraße", "strasse"},
		{"µ-lab", "μ-lab"},
		{"ǅemal", "džemal"},
		{"x²", "x2"},
		{"Ⅻ", "xii"},
		{"acme™", "acmetm"},
		{"a\u3000b", "a b"},
		{"a\u00a0b", "a b"},
		{"smile😀", "smile😀"},
		{"abcדוד", "abcדוד"},
		{"ad\u200bmin", "ad\u200bmin"},
		{"\u202eadmin", "\u202eadmin"},
		{"ad\u00admin", "ad\u00admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if old := legacyCanonicalUsername(tt.name); old != tt.oldKey {
				t.Fatalf("test table: old key of %q is %q", tt.name, old)
			}
			if _, err := NewUsernameKey(tt.name); !errors.Is(err, ErrInvalidCharacters) {
				t.Errorf("NewUsernameKey(%q) error %v, want ErrInvalidCharacters", tt.name, err)
			}
			if got := CanonicalUsername(tt.name); got != tt.oldKey {
				t.Errorf("CanonicalUsername(%q) = %q, want the old key %q", tt.name, got, tt.oldKey)
			}
		})
	}
}

func TestNewUsernameKey(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            error
	}{
		{"blank is no error", " \t", "", nil},
		{"trimmed and folded", "  JDoe ", "jdoe", nil},
		{"fullwidth is width-mapped", "ＪＤＯＥ", "jdoe", nil},
		{"zero-width space", "ad\u200bmin", "", ErrInvalidCharacters},
		{"right-to-left override", "\u202enimda", "", ErrInvalidCharacters},
		{"left-to-right embedding", "\u202aadmin", "", ErrInvalidCharacters},
		{"first strong isolate", "admin\u2068", "", ErrInvalidCharacters},
		{"control character", "a\u0007b", "", ErrInvalidCharacters},
		{"space inside", "john doe", "", ErrInvalidCharacters},
		{"unassigned", "a\u0378", "", ErrInvalidCharacters},
		{"cyrillic a among latin letters", "\u0430dmin", "", ErrMixedScripts},
		{"cyrillic o among latin letters", "r\u043eot", "", ErrMixedScripts},
		{"greek alpha among latin letters", "\u0391dmin", "", ErrMixedScripts},
		{"greek omicron among cyrillic letters", "дм\u03bfтрий", "", ErrMixedScripts},
		{"hiragana and hangul", "やまだ김", "", ErrMixedScripts},
		{"bopomofo and katakana", "ㄅカ", "", ErrMixedScripts},
		{"cyrillic alone", "Дмитрий", "дмитрий", nil},
		{"greek alone", "Σίσυφος", "σίσυφοσ", nil},
		{"a latin letter after cyrillic, digits and punctuation", "дмитрий_42.x", "", ErrMixedScripts},
		{"digits and punctuation are common", "Дмитрий.42", "дмитрий.42", nil},
		{"combining marks are inherited", "Jose\u0301", "jos\u00e9", nil},
		{"japanese with latin", "山田やまだヤマダtaro", "山田やまだヤマダtaro", nil},
		{"chinese with bopomofo and latin", "王ㄅwang", "王ㄅwang", nil},
		{"korean with han and latin", "김金kim", "김金kim", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewUsernameKey(tt.in)
			switch {
			case tt.err == nil && err != nil:
				t.Fatalf("NewUsernameKey(%q): %v", tt.in, err)
			case tt.err != nil && !errors.Is(err, tt.err):
				t.Fatalf("NewUsernameKey(%q) = %q, %v; want %v", tt.in, got, err, tt.err)
			case got != tt.want:
				t.Fatalf("NewUsernameKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if !errors.Is(ErrMixedScripts, ErrInvalidCharacters) {
		t.Error("ErrMixedScripts does not wrap ErrInvalidCharacters")
	}
}

func TestEnforceName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Jane Doe", "Jane Doe"},
		{"  Jane   Doe\t", "Jane Doe"},
		{"Jane\u00a0Doe", "Jane Doe"},
		{"Ｊａｎｅ Ｄｏｅ", "Jane Doe"},
		{"Zoë O'Brien-Smith", "Zoë O'Brien-Smith"},
		{"Zoe\u0308", "Zoë"},
		{"山田 太郎", "山田 太郎"},
		{"Дмитрий (Dima)", "Дмитрий (Dima)"},
		{"Berlin Store #2", "Berlin Store #2"},
		{"Jane 😀", "Jane 😀"},
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := EnforceName(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("EnforceName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	refused := []rune{0x200B, 0x200C, 0x200E, 0x200F, 0x00AD, 0xFEFF, 0x2060, 0x0000, 0x0007, 0x001B, 0x007F, 0x0085,
		0x0378, utf8.RuneError, '\t', '\n'}
	for r := rune(0x202A); r <= 0x202E; r++ {
		refused = append(refused, r)
	}
	for r := rune(0x2066); r <= 0x2069; r++ {
		refused = append(refused, r)
	}
	for _, r := range refused {
		t.Run(fmt.Sprintf("%U", r), func(t *testing.T) {
			in := "Jane" + string(r) + "Doe"
			if got, err := EnforceName(in); !errors.Is(err, ErrInvalidCharacters) {
				t.Fatalf("EnforceName(%q) = %q, %v; want ErrInvalidCharacters", in, got, err)
			}
		})
	}
}
