package mail

import (
	"html"
	"strings"
)

// A message is a subject and a body of blocks. Block texts hold the
// placeholders of view.fill; they are plain text and are escaped for HTML.
type message struct {
	subject string
	body    []block
}

// blockKind says how a block renders.
type blockKind int

const (
	para       blockKind = iota // a paragraph
	muted                       // a paragraph of lesser weight (HTML: grey)
	strong                      // a paragraph of greater weight (HTML: bold)
	button                      // the link: on its own line in text, a button in HTML
	ifUsername                  // a paragraph only when the username is known
	expiry                      // text when the expiry is known, alt when not
)

type block struct {
	kind blockKind
	text string
	alt  string // expiry: the text when the expiry is unknown
}

func (m message) hasButton() bool {
	for _, b := range m.body {
		if b.kind == button {
			return true
		}
	}
	return false
}

// common holds the phrases every mail of a language shares.
type common struct {
	greeting, greetingNamed, footer, notYou string
}

func (c common) greet(v view) string {
	if v.displayName != "" {
		return strings.ReplaceAll(c.greetingNamed, "{name}", v.displayName)
	}
	return c.greeting
}

func commonOf(lang string) common {
	if lang == German {
		return common{
			greeting: "Guten Tag,", greetingNamed: "Guten Tag {name},",
			footer: "Diese Nachricht wurde automatisch vom {tenant} Backoffice versandt. Bitte antworten Sie nicht darauf.",
			notYou: "Wenn Sie das nicht waren, wenden Sie sich bitte umgehend an Ihre Administratorin oder Ihren Administrator.",
		}
	}
	return common{
		greeting: "Hello,", greetingNamed: "Hello {name},",
		footer: "This is an automated message from the {tenant} Backoffice. Please do not reply to it.",
		notYou: "If this wasn't you, contact your administrator right away.",
	}
}

// text renders the plain-text part.
func (m message) text(v view) string {
	c := commonOf(v.lang)
	var b strings.Builder
	b.WriteString(c.greet(v) + "\n\n")
	for _, blk := range m.body {
		switch blk.kind {
		case button:
			b.WriteString(v.fill(blk.text, false) + "\n\n" + v.link + "\n\n")
		case ifUsername:
			if v.username != "" {
				b.WriteString(v.fill(blk.text, false) + "\n\n")
			}
		case expiry:
			t := blk.alt
			if v.expiresIn != "" {
				t = blk.text
			}
			b.WriteString(v.fill(t, false) + "\n\n")
		default:
			b.WriteString(v.fill(blk.text, false) + "\n\n")
		}
	}
	b.WriteString(v.fill(c.footer, false) + "\n")
	return b.String()
}

// Inline styles of the HTML parts: plain block elements, no tables, no
// images, no scripts, no external resources.
const (
	styleP      = `margin:0 0 16px 0;`
	styleMuted  = `margin:0 0 16px 0;color:#4b5563;`
	styleStrong = `margin:0 0 16px 0;font-weight:600;`
	styleButton = `display:inline-block;padding:12px 24px;background-color:#1d4ed8;color:#ffffff;font-weight:600;text-decoration:none;border-radius:6px;`
)

// html renders the HTML part; every value is escaped.
func (m message) html(v view, subject string) string {
	c := commonOf(v.lang)
	var b strings.Builder
	p := func(style, text string) {
		b.WriteString(`<p style="` + style + `">` + text + "</p>\n")
	}
	b.WriteString(`<!DOCTYPE html>
<html lang="` + v.lang + `">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>` + html.EscapeString(subject) + `</title>
</head>
<body style="margin:0;padding:0;background-color:#f3f4f6;">
<div style="max-width:560px;margin:0 auto;padding:24px 16px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1f2937;">
<div style="background-color:#ffffff;border:1px solid #e5e7eb;border-radius:8px;padding:28px 24px;">
<p style="margin:0 0 20px 0;font-size:14px;font-weight:600;letter-spacing:0.02em;color:#4b5563;">` + html.EscapeString(v.tenant) + ` Backoffice</p>
`)
	p(styleP, html.EscapeString(c.greet(v)))
	for _, blk := range m.body {
		switch blk.kind {
		case button:
			p(styleP, v.fill(blk.text, true))
			b.WriteString(`<p style="margin:24px 0;"><a href="` + safeLink(v.link) + `" style="` + styleButton + `">` +
				v.fill(blk.alt, true) + "</a></p>\n")
		case ifUsername:
			if v.username != "" {
				p(styleP, v.fill(blk.text, true))
			}
		case expiry:
			t := blk.alt
			if v.expiresIn != "" {
				t = blk.text
			}
			p(styleP, v.fill(t, true))
		case muted:
			p(styleMuted, v.fill(blk.text, true))
		case strong:
			p(styleStrong, v.fill(blk.text, true))
		default:
			p(styleP, v.fill(blk.text, true))
		}
	}
	b.WriteString(`</div>
<p style="margin:16px 8px 0 8px;font-size:12px;line-height:1.5;color:#6b7280;">` + v.fill(c.footer, true) + `</p>
</div>
</body>
</html>
`)
	return b.String()
}

// english is the English catalogue. Calm, short, no marketing.
func english() map[Kind]message {
	notYou := block{kind: strong, text: commonOf(English).notYou}
	return map[Kind]message{
		KindResetLink: {subject: "{tenant} Backoffice: reset your password", body: []block{
			{text: "We received a request to reset the password of your {tenant} Backoffice account{account}."},
			{kind: button, text: "To choose a new password, open this link:", alt: "Reset password"},
			{kind: expiry, text: "The link expires in {expires} and works only once.", alt: "The link works only once."},
			{kind: muted, text: "If you did not ask for this, you can ignore this email. Your password stays as it is."},
		}},
		KindResetUseSSO: {subject: "{tenant} Backoffice: sign in with single sign-on", body: []block{
			{text: "We received a request to reset the password of your {tenant} Backoffice account{account}."},
			{text: "Your account signs in through your organisation's single sign-on (SSO), so it has no Backoffice password that could be reset. To sign in, open the Backoffice and choose your organisation's sign-in. If that does not work, contact your administrator."},
			{kind: muted, text: "If you did not ask for this, you can ignore this email."},
		}},
		KindPasswordChanged: {subject: "{tenant} Backoffice: your password was changed", body: []block{
			{text: "The password of your {tenant} Backoffice account{account} was just changed."},
			{text: "If this was you, there is nothing more to do."},
			notYou,
		}},
		KindInvitation: {subject: "{tenant} Backoffice: you are invited", body: []block{
			{text: "You have been invited to the {tenant} Backoffice."},
			{kind: ifUsername, text: "Your username is: {username}"},
			{kind: button, text: "To set your password and activate your account, open this link:", alt: "Set your password"},
			{kind: expiry, text: "The link expires in {expires} and works only once. If it has expired, ask your administrator for a new invitation.",
				alt: "The link works only once. If it has expired, ask your administrator for a new invitation."},
			{kind: muted, text: "If you were not expecting this invitation, you can ignore this email."},
		}},
		KindTOTPEnabled: {subject: "{tenant} Backoffice: two-factor authentication turned on", body: []block{
			{text: "Two-factor authentication was turned on for your {tenant} Backoffice account{account}."},
			{text: "From now on, signing in asks for a code from your authenticator app in addition to your password. Keep your recovery codes in a safe place."},
			notYou,
		}},
		KindTOTPDisabled: {subject: "{tenant} Backoffice: two-factor authentication turned off", body: []block{
			{text: "Two-factor authentication was turned off for your {tenant} Backoffice account{account}."},
			{text: "Signing in now asks for your password only."},
			notYou,
		}},
		KindRecoveryCodesRegenerated: {subject: "{tenant} Backoffice: new recovery codes", body: []block{
			{text: "A new set of recovery codes was created for your {tenant} Backoffice account{account}."},
			{text: "The codes you had before no longer work. Keep the new ones in a safe place."},
			notYou,
		}},
		KindPasskeyAdded: {subject: "{tenant} Backoffice: passkey added", body: []block{
			{text: "A passkey was added to your {tenant} Backoffice account{account}. It can now sign you in."},
			notYou,
		}},
		KindPasskeyRemoved: {subject: "{tenant} Backoffice: passkey removed", body: []block{
			{text: "A passkey was removed from your {tenant} Backoffice account{account}. It can no longer sign you in."},
			notYou,
		}},
	}
}

// german is the German catalogue: factual, short, formal "Sie".
func german() map[Kind]message {
	notYou := block{kind: strong, text: commonOf(German).notYou}
	return map[Kind]message{
		KindResetLink: {subject: "{tenant} Backoffice: Passwort zurücksetzen", body: []block{
			{text: "wir haben eine Anfrage erhalten, das Passwort Ihres Kontos{account} im {tenant} Backoffice zurückzusetzen."},
			{kind: button, text: "Über diesen Link können Sie ein neues Passwort festlegen:", alt: "Passwort zurücksetzen"},
			{kind: expiry, text: "Der Link läuft in {expires} ab und kann nur einmal verwendet werden.", alt: "Der Link kann nur einmal verwendet werden."},
			{kind: muted, text: "Falls Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren. Ihr Passwort bleibt unverändert."},
		}},
		KindResetUseSSO: {subject: "{tenant} Backoffice: Anmeldung mit Single Sign-on", body: []block{
			{text: "wir haben eine Anfrage erhalten, das Passwort Ihres Kontos{account} im {tenant} Backoffice zurückzusetzen."},
			{text: "Ihr Konto meldet sich über das Single Sign-on (SSO) Ihrer Organisation an und hat deshalb kein Backoffice-Passwort, das zurückgesetzt werden könnte. Öffnen Sie zum Anmelden das Backoffice und wählen Sie die Anmeldung Ihrer Organisation. Falls das nicht gelingt, wenden Sie sich bitte an Ihre Administratorin oder Ihren Administrator."},
			{kind: muted, text: "Falls Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren."},
		}},
		KindPasswordChanged: {subject: "{tenant} Backoffice: Ihr Passwort wurde geändert", body: []block{
			{text: "das Passwort Ihres Kontos{account} im {tenant} Backoffice wurde soeben geändert."},
			{text: "Wenn Sie das waren, ist nichts weiter zu tun."},
			notYou,
		}},
		KindInvitation: {subject: "{tenant} Backoffice: Ihre Einladung", body: []block{
			{text: "Sie wurden zum {tenant} Backoffice eingeladen."},
			{kind: ifUsername, text: "Ihr Benutzername lautet: {username}"},
			{kind: button, text: "Über diesen Link legen Sie Ihr Passwort fest und aktivieren Ihr Konto:", alt: "Passwort festlegen"},
			{kind: expiry, text: "Der Link läuft in {expires} ab und kann nur einmal verwendet werden. Ist er abgelaufen, bitten Sie Ihre Administratorin oder Ihren Administrator um eine neue Einladung.",
				alt: "Der Link kann nur einmal verwendet werden. Ist er abgelaufen, bitten Sie Ihre Administratorin oder Ihren Administrator um eine neue Einladung."},
			{kind: muted, text: "Falls Sie diese Einladung nicht erwartet haben, können Sie diese E-Mail ignorieren."},
		}},
		KindTOTPEnabled: {subject: "{tenant} Backoffice: Zwei-Faktor-Authentifizierung aktiviert", body: []block{
			{text: "für Ihr Konto{account} im {tenant} Backoffice wurde die Zwei-Faktor-Authentifizierung aktiviert."},
			{text: "Bei der Anmeldung werden Sie künftig zusätzlich zu Ihrem Passwort nach einem Code aus Ihrer Authenticator-App gefragt. Bewahren Sie Ihre Wiederherstellungscodes an einem sicheren Ort auf."},
			notYou,
		}},
		KindTOTPDisabled: {subject: "{tenant} Backoffice: Zwei-Faktor-Authentifizierung deaktiviert", body: []block{
			{text: "für Ihr Konto{account} im {tenant} Backoffice wurde die Zwei-Faktor-Authentifizierung deaktiviert."},
			{text: "Bei der Anmeldung wird jetzt nur noch Ihr Passwort abgefragt."},
			notYou,
		}},
		KindRecoveryCodesRegenerated: {subject: "{tenant} Backoffice: neue Wiederherstellungscodes", body: []block{
			{text: "für Ihr Konto{account} im {tenant} Backoffice wurden neue Wiederherstellungscodes erstellt."},
			{text: "Ihre bisherigen Codes gelten nicht mehr. Bewahren Sie die neuen an einem sicheren Ort auf."},
			notYou,
		}},
		KindPasskeyAdded: {subject: "{tenant} Backoffice: Passkey hinzugefügt", body: []block{
			{text: "zu Ihrem Konto{account} im {tenant} Backoffice wurde ein Passkey hinzugefügt. Er kann Sie ab jetzt anmelden."},
			notYou,
		}},
		KindPasskeyRemoved: {subject: "{tenant} Backoffice: Passkey entfernt", body: []block{
			{text: "von Ihrem Konto{account} im {tenant} Backoffice wurde ein Passkey entfernt. Er kann Sie nicht mehr anmelden."},
			notYou,
		}},
	}
}
