package mail

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Languages of the mails.
const (
	English = "en"
	German  = "de"
)

// Templates renders mails from the message catalogue (catalogue.go). It
// deliberately uses no text/template or html/template: their reflection
// makes the Go linker keep every exported method of every type in a binary,
// which costs each Lambda function that mails about 3 MB (measured), against
// a 12 MB budget. The catalogue keeps the wording in one reviewable place,
// escapes every value for HTML, and never puts a value into a link.
type Templates struct {
	catalogue map[string]map[Kind]message
}

// NewTemplates checks the catalogue: every kind has a subject and a body in
// both languages.
func NewTemplates() (*Templates, error) {
	t := &Templates{catalogue: map[string]map[Kind]message{English: english(), German: german()}}
	for lang, msgs := range t.catalogue {
		for _, k := range Kinds() {
			m, ok := msgs[k]
			if !ok || m.subject == "" || len(m.body) == 0 {
				return nil, fmt.Errorf("mail: the %s catalogue lacks %q", lang, k)
			}
			if k.HasLink() != m.hasButton() {
				return nil, fmt.Errorf("mail: the %s %q message and its kind disagree about the link", lang, k)
			}
		}
	}
	return t, nil
}

// view holds the values of one rendering, each already on one line.
type view struct {
	lang, tenant, displayName, username, link, expiresIn string
}

// Render renders a mail of kind for a recipient whose locale is locale (see
// Language). Kinds that carry a link refuse to render without one; other
// kinds never render a link. Message.To is left for the caller.
func (t *Templates) Render(kind Kind, locale string, d Data) (Message, error) {
	if !kind.Valid() {
		return Message{}, fmt.Errorf("mail: unknown kind %q", kind)
	}
	link := strings.TrimSpace(d.Link)
	if kind.HasLink() && link == "" {
		return Message{}, fmt.Errorf("mail: a %s mail needs a link", kind)
	}
	if !kind.HasLink() {
		link = ""
	}
	lang := Language(locale)
	v := view{lang: lang, tenant: oneLine(d.Tenant), displayName: oneLine(d.DisplayName),
		username: oneLine(d.Username), link: link, expiresIn: HumanDuration(lang, d.ExpiresIn)}
	m := t.catalogue[lang][kind]
	subject := oneLine(v.fill(m.subject, false))
	return Message{Kind: kind, Subject: subject, Text: tidyText(m.text(v)), HTML: m.html(v, subject)}, nil
}

// fill replaces the placeholders of s — {tenant}, {name}, {username},
// {account} (" (username)" or nothing) and {expires} — escaping the values
// for HTML when escape is set.
func (v view) fill(s string, escape bool) string {
	esc := func(x string) string {
		if escape {
			return html.EscapeString(x)
		}
		return x
	}
	account := ""
	if v.username != "" {
		account = " (" + v.username + ")"
	}
	return strings.NewReplacer(
		"{tenant}", esc(v.tenant), "{name}", esc(v.displayName), "{username}", esc(v.username),
		"{account}", esc(account), "{expires}", esc(v.expiresIn),
	).Replace(s)
}

// safeLink is the link as an href: only http and https links are written
// into HTML; anything else becomes an inert placeholder.
func safeLink(link string) string {
	l := strings.ToLower(link)
	if strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
		return html.EscapeString(link)
	}
	return "about:invalid"
}

// Language maps a locale such as "de", "de-DE" or "de_AT" to German and
// anything else, the empty locale included, to English.
func Language(locale string) string {
	primary, _, _ := strings.Cut(strings.TrimSpace(locale), "-")
	primary, _, _ = strings.Cut(primary, "_")
	if strings.EqualFold(primary, German) {
		return German
	}
	return English
}

// unit is a unit of HumanDuration with its English singular and plural and
// the German dative singular and plural ("in 1 Stunde", "in 7 Tagen").
type unit struct {
	size          time.Duration
	enOne, enMany string
	deOne, deMany string
}

func units() []unit {
	return []unit{
		{24 * time.Hour, "day", "days", "Tag", "Tagen"},
		{time.Hour, "hour", "hours", "Stunde", "Stunden"},
		{time.Minute, "minute", "minutes", "Minute", "Minuten"},
	}
}

// HumanDuration renders d for the sentence "expires in …" / "läuft in … ab"
// in lang: "1 hour", "7 days", "90 minutes"; "1 Stunde", "7 Tagen". A whole
// number of days, hours or minutes is exact; anything else is rounded down
// in the largest unit that still counts at least two, so a mail never
// promises more time than there is. Zero and negative durations give "".
func HumanDuration(lang string, d time.Duration) string {
	if d <= 0 {
		return ""
	}
	if d < time.Minute {
		if lang == German {
			return "weniger als einer Minute"
		}
		return "less than a minute"
	}
	us := units()
	chosen := us[len(us)-1]
	for _, u := range us {
		if d%u.size == 0 || d/u.size >= 2 {
			chosen = u
			break
		}
	}
	n := int64(d / chosen.size)
	word := chosen.enMany
	switch {
	case lang == German && n == 1:
		word = chosen.deOne
	case lang == German:
		word = chosen.deMany
	case n == 1:
		word = chosen.enOne
	}
	return strconv.FormatInt(n, 10) + " " + word
}

// oneLine turns control characters (line breaks included) into spaces,
// collapses runs of white space and trims, so that a value can never add a
// line to a subject or header.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

// tidyText trims trailing spaces from every line, keeps at most one empty
// line in a row and ends the text with a single newline.
func tidyText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if l == "" && (len(out) == 0 || out[len(out)-1] == "") {
			continue
		}
		out = append(out, l)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n") + "\n"
}
