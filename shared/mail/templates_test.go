package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/mail"
)

const testLink = "https://backoffice.example.com/admin/#/reset?token=Zm9vYmFyYmF6cXV4_-0123456789abcdefghijklmnop"

func templates(t *testing.T) *mail.Templates {
	t.Helper()
	tp, err := mail.NewTemplates()
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func data() mail.Data {
	return mail.Data{Tenant: "Acme", DisplayName: "Jane Doe", Username: "jdoe", Link: testLink, ExpiresIn: time.Hour}
}

func TestEveryKindRendersInBothLanguages(t *testing.T) {
	tp := templates(t)
	for _, lang := range []string{"en", "de"} {
		for _, kind := range mail.Kinds() {
			t.Run(lang+"/"+string(kind), func(t *testing.T) {
				m, err := tp.Render(kind, lang, data())
				if err != nil {
					t.Fatal(err)
				}
				if m.Kind != kind || m.To != "" {
					t.Errorf("Kind=%q To=%q, want %q and empty", m.Kind, m.To, kind)
				}
				parts := map[string]string{"subject": m.Subject, "text": m.Text, "html": m.HTML}
				for name, part := range parts {
					if strings.TrimSpace(part) == "" {
						t.Fatalf("%s is empty", name)
					}
					if !strings.Contains(part, "Acme") {
						t.Errorf("%s does not name the tenant", name)
					}
					wantLinks := 0
					if kind.HasLink() && name != "subject" {
						wantLinks = 1
					}
					if n := strings.Count(part, testLink); n != wantLinks {
						t.Errorf("%s holds the link %d times, want %d", name, n, wantLinks)
					}
					if strings.Contains(part, "token=") && wantLinks == 0 {
						t.Errorf("%s holds a token", name)
					}
				}
				if strings.ContainsAny(m.Subject, "\r\n") {
					t.Errorf("subject %q has a line break", m.Subject)
				}
				if !strings.HasSuffix(m.Text, "\n") || strings.Contains(m.Text, "\n\n\n") {
					t.Errorf("text is not tidy:\n%s", m.Text)
				}
				html := strings.ToLower(m.HTML)
				if !strings.HasPrefix(html, "<!doctype html>") || !strings.Contains(html, `<html lang="`+lang+`">`) {
					t.Errorf("HTML lacks the doctype or lang=%q", lang)
				}
				for _, banned := range []string{"<script", "<table", "<img", "<link", "<style", "src=", "url("} {
					if strings.Contains(html, banned) {
						t.Errorf("HTML contains %q", banned)
					}
				}
				if kind == mail.KindInvitation && (!strings.Contains(m.Text, "jdoe") || !strings.Contains(m.HTML, "jdoe")) {
					t.Error("invitation does not show the username")
				}
			})
		}
	}
}

func TestWording(t *testing.T) {
	tp := templates(t)
	for _, tc := range []struct {
		kind      mail.Kind
		locale    string
		expiresIn time.Duration
		want      []string // in text and HTML
	}{
		{mail.KindResetLink, "en", time.Hour, []string{"expires in 1 hour", "Hello Jane Doe,"}},
		{mail.KindResetLink, "de", time.Hour, []string{"läuft in 1 Stunde ab", "Guten Tag Jane Doe,"}},
		{mail.KindInvitation, "en", 7 * 24 * time.Hour, []string{"expires in 7 days", "jdoe"}},
		{mail.KindInvitation, "de", 7 * 24 * time.Hour, []string{"läuft in 7 Tagen ab", "jdoe"}},
		{mail.KindPasswordChanged, "en", 0, []string{"If this wasn't you, contact your administrator"}},
		{mail.KindPasswordChanged, "de", 0, []string{"Wenn Sie das nicht waren, wenden Sie sich"}},
		{mail.KindResetUseSSO, "en", 0, []string{"single sign-on (SSO)"}},
		{mail.KindResetUseSSO, "de", 0, []string{"Single Sign-on (SSO)"}},
		{mail.KindTOTPEnabled, "en", 0, []string{"turned on", "If this wasn't you"}},
		{mail.KindTOTPDisabled, "de", 0, []string{"deaktiviert", "Wenn Sie das nicht waren"}},
	} {
		t.Run(string(tc.kind)+"/"+tc.locale, func(t *testing.T) {
			d := data()
			d.ExpiresIn = tc.expiresIn
			m, err := tp.Render(tc.kind, tc.locale, d)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(m.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, m.Text)
				}
				if !strings.Contains(m.HTML, w) {
					t.Errorf("HTML lacks %q", w)
				}
			}
		})
	}
}

func TestNoExpiryLeavesTheSentenceOut(t *testing.T) {
	d := data()
	d.ExpiresIn = 0
	m, err := templates(t).Render(mail.KindResetLink, "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.Text, "expires") || !strings.Contains(m.Text, "works only once") {
		t.Fatalf("text:\n%s", m.Text)
	}
}

func TestHTMLEscapesValues(t *testing.T) {
	d := data()
	d.DisplayName = `<script>alert("x")</script> & Co`
	d.Username = `<b>jdoe</b>`
	d.Tenant = `Acme <i>Corp</i>`
	for _, kind := range mail.Kinds() {
		m, err := templates(t).Render(kind, "en", d)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range []string{"<script>", "<b>jdoe", "<i>Corp"} {
			if strings.Contains(m.HTML, raw) {
				t.Errorf("%s: HTML holds unescaped %q", kind, raw)
			}
		}
		if !strings.Contains(m.HTML, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co") {
			t.Errorf("%s: HTML lacks the escaped display name", kind)
		}
		// The text part is plain text: values stay as they are.
		if !strings.Contains(m.Text, d.DisplayName) {
			t.Errorf("%s: text lacks the display name", kind)
		}
	}
}

func TestHTMLRefusesDangerousLinks(t *testing.T) {
	d := data()
	d.Link = "javascript:alert(1)"
	m, err := templates(t).Render(mail.KindResetLink, "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "javascript:") {
		t.Fatal("HTML holds a javascript: link")
	}
}

func TestSubjectStaysOneLine(t *testing.T) {
	d := data()
	d.Tenant = "Acme\r\nBcc: victim@example.com"
	m, err := templates(t).Render(mail.KindPasswordChanged, "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Fatalf("subject %q", m.Subject)
	}
}

func TestLanguage(t *testing.T) {
	for locale, want := range map[string]string{
		"de": "de", "de-DE": "de", "de_AT": "de", "DE-ch": "de", " de ": "de",
		"": "en", "en": "en", "en-GB": "en", "fr": "en", "deu": "en", "dk": "en", "d": "en",
	} {
		if got := mail.Language(locale); got != want {
			t.Errorf("Language(%q) = %q, want %q", locale, got, want)
		}
	}
	// Render follows Language.
	tp := templates(t)
	for _, locale := range []string{"de", "de-DE", "de_AT"} {
		m, err := tp.Render(mail.KindResetLink, locale, data())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Subject, "Passwort zurücksetzen") || !strings.Contains(m.HTML, `lang="de"`) {
			t.Errorf("%q did not render German: %q", locale, m.Subject)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	for _, tc := range []struct {
		d      time.Duration
		en, de string
	}{
		{0, "", ""},
		{-time.Hour, "", ""},
		{30 * time.Second, "less than a minute", "weniger als einer Minute"},
		{time.Minute, "1 minute", "1 Minute"},
		{90 * time.Second, "1 minute", "1 Minute"},
		{15 * time.Minute, "15 minutes", "15 Minuten"},
		{time.Hour, "1 hour", "1 Stunde"},
		{90 * time.Minute, "90 minutes", "90 Minuten"},
		{2 * time.Hour, "2 hours", "2 Stunden"},
		{2*time.Hour + 30*time.Minute, "2 hours", "2 Stunden"},
		{24 * time.Hour, "1 day", "1 Tag"},
		{36 * time.Hour, "36 hours", "36 Stunden"},
		{7 * 24 * time.Hour, "7 days", "7 Tagen"},
		{7*24*time.Hour - time.Second, "6 days", "6 Tagen"},
	} {
		if got := mail.HumanDuration(mail.English, tc.d); got != tc.en {
			t.Errorf("en %v = %q, want %q", tc.d, got, tc.en)
		}
		if got := mail.HumanDuration(mail.German, tc.d); got != tc.de {
			t.Errorf("de %v = %q, want %q", tc.d, got, tc.de)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	tp := templates(t)
	noLink := data()
	noLink.Link = "  "
	for _, tc := range []struct {
		name string
		kind mail.Kind
		d    mail.Data
	}{
		{"unknown kind", "welcome", data()},
		{"reset without link", mail.KindResetLink, noLink},
		{"invitation without link", mail.KindInvitation, noLink},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tp.Render(tc.kind, "en", tc.d)
			if err == nil {
				t.Fatal("Render succeeded")
			}
			if strings.Contains(err.Error(), "token") {
				t.Fatalf("error %q mentions a token", err)
			}
		})
	}
}

func TestKinds(t *testing.T) {
	want := map[mail.Kind]string{
		mail.KindResetLink: "reset_link", mail.KindResetUseSSO: "reset_use_sso",
		mail.KindPasswordChanged: "password_changed", mail.KindInvitation: "invitation",
		mail.KindTOTPEnabled: "totp_enabled", mail.KindTOTPDisabled: "totp_disabled",
		mail.KindRecoveryCodesRegenerated: "recovery_codes_regenerated",
		mail.KindPasskeyAdded:             "passkey_added", mail.KindPasskeyRemoved: "passkey_removed",
	}
	kinds := mail.Kinds()
	if len(kinds) != len(want) {
		t.Fatalf("Kinds() = %v", kinds)
	}
	for _, k := range kinds {
		if want[k] != string(k) || !k.Valid() {
			t.Errorf("kind %q", k)
		}
	}
	if mail.Kind("other").Valid() {
		t.Error(`"other" is valid`)
	}
}
