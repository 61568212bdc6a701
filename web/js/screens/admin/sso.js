// #/admin/sso: the identity providers people sign in through (OpenID Connect
// or SAML 2.0), #/admin/sso/new and #/admin/sso/:id to add and edit one.
// Super admins only (the API answers 403 to everyone else); every change is
// a sensitive action, so api.js may ask "Confirm it's you" first.
// Who may sign in through them, with which roles, is in the parameters
// (strategy, default roles, group mappings).
import { api } from "../../api.js";
import { field, h, replace, uid } from "../../dom.js";
import { register, t } from "../../i18n.js";
import { loadConfig, state } from "../../state.js";
import { openDialog } from "../common/dialog.js";
import { busyForm } from "../common/forms.js";
import { noticeBox, takeNotice } from "../common/layout.js";
import { adminNav, checkboxField, failure, Fields, focusControl, pageHeader } from "./common.js";

register({
  en: {
    "admin.sso.title": "Single sign-on",
    "admin.sso.intro": "The identity providers people sign in through — your company's Entra ID, Okta, Google Workspace or any other OpenID Connect or SAML 2.0 provider. Each one gets a button on the sign-in page.",
    "admin.sso.paramsLink": "Who may sign in through them, and with which roles, is set in the parameters.",
    "admin.sso.add": "Add identity provider",
    "admin.sso.empty": "No identity provider yet. Add one to offer single sign-on on the sign-in page.",
    "admin.sso.type.oidc": "OpenID Connect",
    "admin.sso.type.saml": "SAML 2.0",
    "admin.sso.trusted": "Email trusted",
    "admin.sso.id": "Provider ID",
    "admin.sso.issuer": "Issuer",
    "admin.sso.clientId": "Client ID",
    "admin.sso.secret": "Client secret",
    "admin.sso.secret.stored": "Stored",
    "admin.sso.secret.missing": "Not stored",
    "admin.sso.scopes": "Scopes",
    "admin.sso.metadata": "Metadata",
    "admin.sso.metadata.file": "Uploaded file ({size})",
    "admin.sso.attributes": "Attribute mapping",
    "admin.sso.attr.email": "Email",
    "admin.sso.attr.name": "Name",
    "admin.sso.attr.groups": "Groups",
    "admin.sso.notMapped": "not mapped",
    "admin.sso.edit": "Edit",
    "admin.sso.editLabel": "Edit {name}",
    "admin.sso.remove": "Remove",
    "admin.sso.removeLabel": "Remove {name}",
    "admin.sso.removeTitle": "Remove {name}?",
    "admin.sso.removeText": "The sign-in page no longer offers {name}, and nobody can sign in through it any more. The accounts that used it stay; they need another provider or a password to sign in.",
    "admin.sso.removeConfirm": "Remove provider",
    "admin.sso.removed": "{name} was removed.",
    "admin.sso.added": "{name} was added: its button is on the sign-in page now.",
    "admin.sso.saved": "The changes to {name} were saved.",
    "admin.sso.back": "Back to single sign-on",
    "admin.sso.new.title": "Add an identity provider",
    "admin.sso.edit.title": "Edit {name}",
    "admin.sso.notFound": "This identity provider does not exist (any more).",
    "admin.sso.g.provider": "Provider",
    "admin.sso.g.oidc": "OpenID Connect settings",
    "admin.sso.g.saml": "SAML settings",
    "admin.sso.g.attributes": "Attribute mapping",
    "admin.sso.g.email": "Email addresses",
    "admin.sso.protocol": "Protocol",
    "admin.sso.protocol.oidcHint": "Entra ID, Okta, Google Workspace, Keycloak and most modern providers.",
    "admin.sso.protocol.samlHint": "ADFS, Shibboleth and other directories that speak SAML.",
    "admin.sso.name": "Name on the sign-in button",
    "admin.sso.nameHint": "People see “Sign in with {example}”.",
    "admin.sso.idHint": "A short technical name of 1 to 32 characters without spaces, for example Contoso. It is part of the sign-in address and can't be changed later.",
    "admin.sso.issuerHint": "The provider's address, starting with https://, for example https://login.microsoftonline.com/<tenant>/v2.0.",
    "admin.sso.clientIdHint": "From the app registration at the provider.",
    "admin.sso.secretHint": "From the app registration at the provider. It is stored encrypted and never shown again.",
    "admin.sso.secretKeepHint": "A secret is stored and never shown. Leave this empty to keep it, or enter a new one to replace it.",
    "admin.sso.scopesHint": "Separated by spaces; openid is required. Usually: openid email profile.",
    "admin.sso.source": "Metadata from",
    "admin.sso.source.url": "A metadata URL",
    "admin.sso.source.urlHint": "The provider publishes its metadata at an https:// address; it is read from there.",
    "admin.sso.source.file": "A metadata file",
    "admin.sso.source.fileHint": "Upload the metadata XML you downloaded from the provider.",
    "admin.sso.metadataUrl": "Metadata URL",
    "admin.sso.metadataFile": "Metadata file (XML)",
    "admin.sso.fileLoaded": "Loaded: {file} ({size}).",
    "admin.sso.fileStored": "A metadata file is stored ({size}). Choose a file to replace it.",
    "admin.sso.fileUnreadable": "This file could not be read.",
    "admin.sso.fileTooLarge": "This file is larger than 128 KB.",
    "admin.sso.attributesHint": "The claim (OpenID Connect) or attribute (SAML) that carries each value. Leave one empty to not map it. Groups feed the group mappings of the parameters.",
    "admin.sso.trustEmail": "Trust the email addresses this provider sends",
    "admin.sso.trustEmailHint": "Only for a directory where people can't choose their own address, such as your company's Entra ID. A first sign-in is then linked to the single sign-on account with that email even when the provider does not mark the address as verified — needed for SAML providers and for OpenID Connect providers that don't send email_verified.",
    "admin.sso.submit.new": "Add provider",
    "admin.sso.submit.edit": "Save changes",
    "admin.sso.cancel": "Cancel",
    "admin.sso.required": "{label} is required.",
    "admin.sso.bad.id": "Provider ID must have 1 to 32 characters without spaces and must not start with _.",
    "admin.sso.bad.name": "Name on the sign-in button must be at most 128 bytes.",
    "admin.sso.bad.url": "{label} must be an absolute address starting with https://.",
    "admin.sso.bad.scopes": "Scopes must include openid.",
    "admin.sso.refused": "The identity provider settings were refused: {reason}",
    "admin.sso.noBroker": "Single sign-on is not available in this deployment.",
    "admin.sso.taken": "A provider with this ID exists already: choose another ID, or edit that provider.",
  },
  de: {
    "admin.sso.title": "Single Sign-on",
    "admin.sso.intro": "Die Identitätsanbieter, über die sich Personen anmelden – das Entra ID Ihres Unternehmens, Okta, Google Workspace oder jeder andere Anbieter mit OpenID Connect oder SAML 2.0. Jeder erhält eine Schaltfläche auf der Anmeldeseite.",
    "admin.sso.paramsLink": "Wer sich darüber anmelden darf und mit welchen Rollen, legen Sie in den Parametern fest.",
    "admin.sso.add": "Identitätsanbieter hinzufügen",
    "admin.sso.empty": "Noch kein Identitätsanbieter. Fügen Sie einen hinzu, um Single Sign-on auf der Anmeldeseite anzubieten.",
    "admin.sso.type.oidc": "OpenID Connect",
    "admin.sso.type.saml": "SAML 2.0",
    "admin.sso.trusted": "E-Mail vertraut",
    "admin.sso.id": "Anbieter-ID",
    "admin.sso.issuer": "Aussteller (Issuer)",
    "admin.sso.clientId": "Client-ID",
    "admin.sso.secret": "Client-Secret",
    "admin.sso.secret.stored": "Gespeichert",
    "admin.sso.secret.missing": "Nicht gespeichert",
    "admin.sso.scopes": "Scopes",
    "admin.sso.metadata": "Metadaten",
    "admin.sso.metadata.file": "Hochgeladene Datei ({size})",
    "admin.sso.attributes": "Attributzuordnung",
    "admin.sso.attr.email": "E-Mail",
    "admin.sso.attr.name": "Name",
    "admin.sso.attr.groups": "Gruppen",
    "admin.sso.notMapped": "nicht zugeordnet",
    "admin.sso.edit": "Bearbeiten",
    "admin.sso.editLabel": "{name} bearbeiten",
    "admin.sso.remove": "Entfernen",
    "admin.sso.removeLabel": "{name} entfernen",
    "admin.sso.removeTitle": "{name} entfernen?",
    "admin.sso.removeText": "Die Anmeldeseite bietet {name} nicht mehr an, und niemand kann sich mehr darüber anmelden. Die Konten, die ihn genutzt haben, bleiben; sie brauchen einen anderen Anbieter oder ein Passwort zur Anmeldung.",
    "admin.sso.removeConfirm": "Anbieter entfernen",
    "admin.sso.removed": "{name} wurde entfernt.",
    "admin.sso.added": "{name} wurde hinzugefügt: Die Schaltfläche ist jetzt auf der Anmeldeseite.",
    "admin.sso.saved": "Die Änderungen an {name} wurden gespeichert.",
    "admin.sso.back": "Zurück zu Single Sign-on",
    "admin.sso.new.title": "Identitätsanbieter hinzufügen",
    "admin.sso.edit.title": "{name} bearbeiten",
    "admin.sso.notFound": "Diesen Identitätsanbieter gibt es nicht (mehr).",
    "admin.sso.g.provider": "Anbieter",
    "admin.sso.g.oidc": "OpenID-Connect-Einstellungen",
    "admin.sso.g.saml": "SAML-Einstellungen",
    "admin.sso.g.attributes": "Attributzuordnung",
    "admin.sso.g.email": "E-Mail-Adressen",
    "admin.sso.protocol": "Protokoll",
    "admin.sso.protocol.oidcHint": "Entra ID, Okta, Google Workspace, Keycloak und die meisten modernen Anbieter.",
    "admin.sso.protocol.samlHint": "ADFS, Shibboleth und andere Verzeichnisse, die SAML sprechen.",
    "admin.sso.name": "Name auf der Schaltfläche",
    "admin.sso.nameHint": "Angezeigt wird „Mit {example} anmelden“.",
    "admin.sso.idHint": "Ein kurzer technischer Name mit 1 bis 32 Zeichen ohne Leerzeichen, zum Beispiel Contoso. Er ist Teil der Anmeldeadresse und kann später nicht geändert werden.",
    "admin.sso.issuerHint": "Die Adresse des Anbieters, beginnend mit https://, zum Beispiel https://login.microsoftonline.com/<Tenant>/v2.0.",
    "admin.sso.clientIdHint": "Aus der App-Registrierung beim Anbieter.",
    "admin.sso.secretHint": "Aus der App-Registrierung beim Anbieter. Es wird verschlüsselt gespeichert und nie wieder angezeigt.",
    "admin.sso.secretKeepHint": "Ein Secret ist gespeichert und wird nie angezeigt. Lassen Sie das Feld leer, um es zu behalten, oder geben Sie ein neues ein, um es zu ersetzen.",
    "admin.sso.scopesHint": "Durch Leerzeichen getrennt; openid ist erforderlich. Üblich: openid email profile.",
    "admin.sso.source": "Metadaten aus",
    "admin.sso.source.url": "Einer Metadaten-URL",
    "admin.sso.source.urlHint": "Der Anbieter veröffentlicht seine Metadaten unter einer https://-Adresse; sie werden dort gelesen.",
    "admin.sso.source.file": "Einer Metadaten-Datei",
    "admin.sso.source.fileHint": "Laden Sie die Metadaten-XML hoch, die Sie beim Anbieter heruntergeladen haben.",
    "admin.sso.metadataUrl": "Metadaten-URL",
    "admin.sso.metadataFile": "Metadaten-Datei (XML)",
    "admin.sso.fileLoaded": "Geladen: {file} ({size}).",
    "admin.sso.fileStored": "Eine Metadaten-Datei ist gespeichert ({size}). Wählen Sie eine Datei, um sie zu ersetzen.",
    "admin.sso.fileUnreadable": "Diese Datei konnte nicht gelesen werden.",
    "admin.sso.fileTooLarge": "Diese Datei ist größer als 128 KB.",
    "admin.sso.attributesHint": "Der Claim (OpenID Connect) oder das Attribut (SAML), das den jeweiligen Wert enthält. Leer lassen, um ihn nicht zuzuordnen. Gruppen speisen die Gruppenzuordnungen der Parameter.",
    "admin.sso.trustEmail": "Den E-Mail-Adressen dieses Anbieters vertrauen",
    "admin.sso.trustEmailHint": "Nur für ein Verzeichnis, in dem niemand seine Adresse selbst wählen kann, etwa das Entra ID Ihres Unternehmens. Eine erste Anmeldung wird dann mit dem Single-Sign-on-Konto dieser E-Mail verknüpft, auch wenn der Anbieter die Adresse nicht als bestätigt kennzeichnet – nötig für SAML-Anbieter und für OpenID-Connect-Anbieter, die kein email_verified senden.",
    "admin.sso.submit.new": "Anbieter hinzufügen",
    "admin.sso.submit.edit": "Änderungen speichern",
    "admin.sso.cancel": "Abbrechen",
    "admin.sso.required": "{label} ist erforderlich.",
    "admin.sso.bad.id": "Die Anbieter-ID muss 1 bis 32 Zeichen ohne Leerzeichen haben und darf nicht mit _ beginnen.",
    "admin.sso.bad.name": "Der Name auf der Schaltfläche darf höchstens 128 Byte lang sein.",
    "admin.sso.bad.url": "{label} muss eine vollständige Adresse sein, die mit https:// beginnt.",
    "admin.sso.bad.scopes": "Die Scopes müssen openid enthalten.",
    "admin.sso.refused": "Die Einstellungen des Identitätsanbieters wurden abgelehnt: {reason}",
    "admin.sso.noBroker": "Single Sign-on ist in dieser Installation nicht verfügbar.",
    "admin.sso.taken": "Einen Anbieter mit dieser ID gibt es schon: Wählen Sie eine andere ID oder bearbeiten Sie diesen Anbieter.",
  },
});

const ATTRIBUTES = ["email", "name", "groups"];
const MAX_METADATA = 128 * 1024;
// What a new provider maps by default, and the usual name of the groups
// (shown as an example: not every provider sends groups).
const DEFAULTS = {
  oidc: { email: "email", name: "name", groups: "" },
  saml: {
    email: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    name: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
    groups: "",
  },
};
const PLACEHOLDERS = {
  oidc: { email: "email", name: "name", groups: "groups" },
  saml: { ...DEFAULTS.saml, groups: "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups" },
};

const nameOf = (p) => p.name || p.id;
const kb = (text) => `${Math.max(1, Math.round(new Blob([text]).size / 1024))} KB`;
const providerPath = (id) => `api/admin/sso/providers/${encodeURIComponent(id)}`;

/** loadProviders reads every provider (GET api/admin/sso/providers). */
async function loadProviders() {
  const res = await api("GET", "api/admin/sso/providers");
  return { res, items: res.ok && res.body && Array.isArray(res.body.items) ? res.body.items : [] };
}

/** reloadConfig re-reads the tenant configuration: the sign-in page's provider buttons. */
async function reloadConfig() {
  state.config = null;
  await loadConfig();
}

/** reason is the directory's explanation of refused settings, as the server words it for administrators. */
function reason(text) {
  return String(text || "");
}

/** problem turns a failed PUT or DELETE into a sentence. */
function problem(res) {
  if (res.code === "conflict") return t("admin.sso.noBroker");
  return failure(res);
}

/* ---------- #/admin/sso ---------- */

/** ssoScreen lists the identity providers. */
export async function ssoScreen() {
  const flashSlot = h("div", { class: "flash-slot" });
  const error = h("div", { class: "error", role: "alert", hidden: true, tabindex: "-1" });
  const listSlot = h("div", { class: "provider-list" });
  const flash = (text) => {
    const box = noticeBox("success", text);
    replace(flashSlot, box);
    box.focus();
  };

  function removeDialog(p) {
    const name = nameOf(p);
    openDialog({
      title: t("admin.sso.removeTitle", { name }),
      content: h("p", {}, t("admin.sso.removeText", { name })),
      confirmLabel: t("admin.sso.removeConfirm"),
      danger: true,
      onConfirm: async (dlg) => {
        const res = await api("DELETE", providerPath(p.id));
        if (!res.ok && res.code !== "not_found") { dlg.error(problem(res)); return false; }
        setTimeout(async () => { await Promise.all([load(), reloadConfig()]); flash(t("admin.sso.removed", { name })); }, 0);
        return true;
      },
    });
  }

  function card(p) {
    const name = nameOf(p);
    const headingId = uid("provider");
    const row = (label, value) => h("div", {}, h("dt", {}, label), h("dd", {}, value));
    const mono = (text) => h("span", { class: "mono" }, text);
    const settings = p.type === "saml"
      ? [row(t("admin.sso.metadata"), p.saml && p.saml.metadataUrl ? mono(p.saml.metadataUrl)
        : t("admin.sso.metadata.file", { size: kb((p.saml && p.saml.metadataXml) || "") }))]
      : [
        row(t("admin.sso.issuer"), mono((p.oidc && p.oidc.issuer) || "—")),
        row(t("admin.sso.clientId"), mono((p.oidc && p.oidc.clientId) || "—")),
        row(t("admin.sso.secret"), p.oidc && p.oidc.clientSecretSet ? t("admin.sso.secret.stored") : t("admin.sso.secret.missing")),
        row(t("admin.sso.scopes"), ((p.oidc && p.oidc.scopes) || []).join(" ") || "—"),
      ];
    const attrs = p.attributes || {};
    return h("section", { class: "panel provider-card", "aria-labelledby": headingId, "data-provider": p.id },
      h("div", { class: "provider-head" },
        h("div", {},
          h("h2", { id: headingId }, name),
          h("p", { class: "provider-sub" },
            h("span", { class: "mono" }, p.id),
            h("span", { class: "badge info" }, t(`admin.sso.type.${p.type === "saml" ? "saml" : "oidc"}`)),
            p.trustEmail ? h("span", { class: "badge ok" }, t("admin.sso.trusted")) : null)),
        h("div", { class: "row-actions" },
          h("a", { class: "button secondary small", href: `#/admin/sso/${encodeURIComponent(p.id)}`,
            "aria-label": t("admin.sso.editLabel", { name }) }, t("admin.sso.edit")),
          h("button", { type: "button", class: "danger-outline small", "aria-label": t("admin.sso.removeLabel", { name }),
            onclick: () => { error.hidden = true; removeDialog(p); } }, t("admin.sso.remove")))),
      h("dl", { class: "meta provider-meta" }, settings,
        row(t("admin.sso.attributes"), h("span", { class: "attr-list" }, ATTRIBUTES.map((k) => h("span", { class: "attr" },
          h("span", { class: "attr-key" }, t(`admin.sso.attr.${k}`)), " → ",
          attrs[k] ? mono(attrs[k]) : h("span", { class: "muted" }, t("admin.sso.notMapped"))))))));
  }

  async function load() {
    const { res, items } = await loadProviders();
    if (!res.ok) {
      replace(listSlot, noticeBox("error", failure(res)));
      return;
    }
    replace(listSlot, items.length ? items.map(card) : h("p", { class: "empty-state" }, t("admin.sso.empty")));
  }

  await load();
  const initial = takeNotice();
  if (initial) flashSlot.append(initial);
  return h("div", { class: "admin" },
    adminNav("sso"),
    pageHeader(t("admin.sso.title"), h("a", { class: "button primary", href: "#/admin/sso/new" }, t("admin.sso.add"))),
    h("p", { class: "muted lead" }, t("admin.sso.intro"), " ",
      h("a", { href: "#/admin/parameters" }, t("admin.sso.paramsLink"))),
    flashSlot,
    error,
    listSlot);
}

/* ---------- #/admin/sso/new and #/admin/sso/:id ---------- */

/** radioChoice is one radio button with its hint. */
function radioChoice(name, value, label, hint, checked) {
  const id = uid(name);
  const input = h("input", { type: "radio", id, name, value, checked, "aria-describedby": `${id}-hint` });
  return { input, node: h("div", { class: "radio-choice" },
    h("label", { class: "checkbox", for: id }, input, h("span", {}, label)),
    h("p", { class: "hint", id: `${id}-hint` }, hint)) };
}

/** ssoEditScreen adds a provider (no :id) or edits one. */
export async function ssoEditScreen(ctx) {
  const editing = ctx.params.id !== undefined;
  const back = h("p", { class: "breadcrumb" }, h("a", { href: "#/admin/sso" }, `← ${t("admin.sso.back")}`));
  let p = { id: "", name: "", type: "oidc", trustEmail: false, oidc: { issuer: "", clientId: "", clientSecretSet: false,
    scopes: ["openid", "email", "profile"] }, saml: null, attributes: { ...DEFAULTS.oidc } };
  if (editing) {
    const { res, items } = await loadProviders();
    const found = items.find((x) => x.id === ctx.params.id);
    if (!found) {
      return h("div", { class: "admin" }, adminNav("sso"), back, pageHeader(t("admin.sso.title")),
        noticeBox("error", res.ok ? t("admin.sso.notFound") : failure(res)));
    }
    p = found;
  }

  const fields = new Fields();
  const error = h("div", { class: "error", role: "alert", hidden: true, tabindex: "-1" });
  const setError = (text) => { error.textContent = text || ""; error.hidden = !text; if (text) error.focus(); };

  // Provider.
  const oidcChoice = radioChoice("type", "oidc", t("admin.sso.type.oidc"), t("admin.sso.protocol.oidcHint"), p.type !== "saml");
  const samlChoice = radioChoice("type", "saml", t("admin.sso.type.saml"), t("admin.sso.protocol.samlHint"), p.type === "saml");
  const protocol = editing
    ? h("p", { class: "fixed-value" }, h("span", { class: "label" }, t("admin.sso.protocol")),
      h("span", {}, t(`admin.sso.type.${p.type === "saml" ? "saml" : "oidc"}`)))
    : h("fieldset", { class: "choices" }, h("legend", {}, t("admin.sso.protocol")), oidcChoice.node, samlChoice.node);
  const name = fields.add("name", field({ label: t("admin.sso.name"), name: "name", value: p.name, autocomplete: "off",
    hint: t("admin.sso.nameHint", { example: p.name || "Contoso" }), attrs: { maxlength: "128" } }), t("admin.sso.name"));
  name.input.addEventListener("input", () => {
    name.querySelector(".hint").textContent = t("admin.sso.nameHint", { example: name.input.value.trim() || "Contoso" });
  });
  const id = fields.add("id", field({ label: t("admin.sso.id"), name: "id", value: p.id, autocomplete: "off",
    hint: t("admin.sso.idHint"), attrs: { maxlength: "32", spellcheck: "false", autocapitalize: "none", disabled: editing } }),
  t("admin.sso.id"));

  // OpenID Connect.
  const oidc = p.oidc || { issuer: "", clientId: "", clientSecretSet: false, scopes: ["openid", "email", "profile"] };
  const mono = { spellcheck: "false", autocapitalize: "none" };
  const issuer = fields.add("oidc.issuer", field({ label: t("admin.sso.issuer"), name: "issuer", type: "url", value: oidc.issuer,
    autocomplete: "off", hint: t("admin.sso.issuerHint"), attrs: mono }), t("admin.sso.issuer"));
  const clientId = fields.add("oidc.clientId", field({ label: t("admin.sso.clientId"), name: "clientId", value: oidc.clientId,
    autocomplete: "off", hint: t("admin.sso.clientIdHint"), attrs: mono }), t("admin.sso.clientId"));
  const secret = fields.add("oidc.clientSecret", field({ label: t("admin.sso.secret"), name: "clientSecret", type: "password",
    autocomplete: "new-password", hint: t(oidc.clientSecretSet ? "admin.sso.secretKeepHint" : "admin.sso.secretHint"), attrs: mono }),
  t("admin.sso.secret"));
  const scopes = fields.add("oidc.scopes", field({ label: t("admin.sso.scopes"), name: "scopes", value: (oidc.scopes || []).join(" "),
    autocomplete: "off", hint: t("admin.sso.scopesHint"), attrs: mono }), t("admin.sso.scopes"));
  const oidcPanel = h("section", { class: "panel", "aria-labelledby": "sso-g-oidc" },
    h("h2", { id: "sso-g-oidc" }, t("admin.sso.g.oidc")), issuer, clientId, secret, scopes);

  // SAML.
  const saml = p.saml || { metadataUrl: "", metadataXml: "" };
  let metadataXml = saml.metadataXml || "";
  const urlChoice = radioChoice("source", "url", t("admin.sso.source.url"), t("admin.sso.source.urlHint"), !metadataXml);
  const fileChoice = radioChoice("source", "file", t("admin.sso.source.file"), t("admin.sso.source.fileHint"), Boolean(metadataXml));
  const metadataUrl = fields.add("saml.metadataUrl", field({ label: t("admin.sso.metadataUrl"), name: "metadataUrl", type: "url",
    value: saml.metadataUrl || "", autocomplete: "off", attrs: mono }), t("admin.sso.metadataUrl"));
  const fileId = uid("metadata");
  const fileInput = h("input", { type: "file", id: fileId, name: "metadataFile", accept: ".xml,application/xml,text/xml,application/samlmetadata+xml",
    "aria-describedby": `${fileId}-status` });
  const fileStatus = h("p", { class: "hint", id: `${fileId}-status`, "aria-live": "polite" },
    metadataXml ? t("admin.sso.fileStored", { size: kb(metadataXml) }) : "");
  const metadataFile = fields.add("saml.metadataXml", h("div", { class: "field" },
    h("label", { for: fileId }, t("admin.sso.metadataFile")), fileInput, fileStatus), t("admin.sso.metadataFile"));
  metadataFile.input = fileInput;
  fileInput.addEventListener("change", async () => {
    fields.set("saml.metadataXml", "");
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    if (file.size > MAX_METADATA) {
      fields.set("saml.metadataXml", t("admin.sso.fileTooLarge"));
      return;
    }
    try {
      metadataXml = await file.text();
      fileStatus.textContent = t("admin.sso.fileLoaded", { file: file.name, size: kb(metadataXml) });
    } catch {
      fields.set("saml.metadataXml", t("admin.sso.fileUnreadable"));
    }
  });
  const sourceSlot = h("div", {});
  const showSource = () => replace(sourceSlot, fileChoice.input.checked ? metadataFile : metadataUrl);
  urlChoice.input.addEventListener("change", showSource);
  fileChoice.input.addEventListener("change", showSource);
  showSource();
  const samlPanel = h("section", { class: "panel", "aria-labelledby": "sso-g-saml" },
    h("h2", { id: "sso-g-saml" }, t("admin.sso.g.saml")),
    h("fieldset", { class: "choices" }, h("legend", {}, t("admin.sso.source")), urlChoice.node, fileChoice.node),
    sourceSlot);

  // Attributes.
  const attrFields = Object.fromEntries(ATTRIBUTES.map((k) => [k, fields.add(`attributes.${k}`, field({
    label: t(`admin.sso.attr.${k}`), name: `attr-${k}`, value: (p.attributes || {})[k] || "", autocomplete: "off", attrs: mono,
  }), t(`admin.sso.attr.${k}`))]));
  // SAML attribute names are long URIs: one per line.
  const attrGrid = h("div", { class: "form-grid three" }, ATTRIBUTES.map((k) => attrFields[k]));
  const attrHintId = uid("attr-hint");
  const attrPanel = h("section", { class: "panel", "aria-labelledby": "sso-g-attributes", "aria-describedby": attrHintId },
    h("h2", { id: "sso-g-attributes" }, t("admin.sso.g.attributes")),
    h("p", { class: "hint panel-intro", id: attrHintId }, t("admin.sso.attributesHint")),
    attrGrid);

  const trust = fields.add("trustEmail", checkboxField({ label: t("admin.sso.trustEmail"), name: "trustEmail", checked: p.trustEmail,
    hint: t("admin.sso.trustEmailHint") }), t("admin.sso.trustEmail"));

  const type = () => (editing ? p.type : samlChoice.input.checked ? "saml" : "oidc");
  let shown = type();
  const showType = () => {
    const now = type();
    oidcPanel.hidden = now === "saml";
    attrGrid.className = now === "saml" ? "attr-rows" : "form-grid three";
    samlPanel.hidden = now !== "saml";
    for (const k of ATTRIBUTES) {
      const input = attrFields[k].input;
      input.placeholder = PLACEHOLDERS[now][k];
      // The other protocol's default, untouched, becomes this one's.
      if (now !== shown && (input.value === DEFAULTS[shown][k] || !input.value)) input.value = DEFAULTS[now][k];
    }
    shown = now;
  };
  oidcChoice.input.addEventListener("change", showType);
  samlChoice.input.addEventListener("change", showType);
  showType();

  const submit = h("button", { type: "submit", class: "primary" }, t(editing ? "admin.sso.submit.edit" : "admin.sso.submit.new"));
  const form = h("form", { class: "sso-form", novalidate: true, "data-testid": "sso-form" },
    h("section", { class: "panel", "aria-labelledby": "sso-g-provider" },
      h("h2", { id: "sso-g-provider" }, t("admin.sso.g.provider")),
      protocol, h("div", { class: "form-grid" }, name, id)),
    oidcPanel, samlPanel, attrPanel,
    h("section", { class: "panel", "aria-labelledby": "sso-g-email" },
      h("h2", { id: "sso-g-email" }, t("admin.sso.g.email")), trust),
    h("div", { class: "actions" }, submit, h("a", { class: "button secondary", href: "#/admin/sso" }, t("admin.sso.cancel"))));

  const httpsURL = (v) => {
    try {
      const u = new URL(v);
      return u.protocol === "https:" || (u.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname));
    } catch {
      return false;
    }
  };

  /** read builds the PUT body and the problems found here ([field, sentence]). */
  function read() {
    const problems = [];
    const required = (key, wrapper, label) => {
      if (!wrapper.input.value.trim()) problems.push([key, t("admin.sso.required", { label })]);
    };
    const doc = { id: editing ? p.id : id.input.value.trim(), name: name.input.value.trim(), trustEmail: trust.input.checked, type: type() };
    if (!doc.name) problems.push(["name", t("admin.sso.required", { label: t("admin.sso.name") })]);
    else if (new Blob([doc.name]).size > 128) problems.push(["name", t("admin.sso.bad.name")]);
    if (!editing) {
      if (!doc.id) problems.push(["id", t("admin.sso.required", { label: t("admin.sso.id") })]);
      else if ([...doc.id].length > 32 || /\s/u.test(doc.id) || doc.id.startsWith("_")) problems.push(["id", t("admin.sso.bad.id")]);
    }
    if (doc.type === "oidc") {
      const issuerValue = issuer.input.value.trim();
      if (!issuerValue) problems.push(["oidc.issuer", t("admin.sso.required", { label: t("admin.sso.issuer") })]);
      else if (!httpsURL(issuerValue)) problems.push(["oidc.issuer", t("admin.sso.bad.url", { label: t("admin.sso.issuer") })]);
      required("oidc.clientId", clientId, t("admin.sso.clientId"));
      if (!oidc.clientSecretSet || !editing) required("oidc.clientSecret", secret, t("admin.sso.secret"));
      const list = scopes.input.value.split(/\s+/).filter(Boolean);
      if (!list.includes("openid")) problems.push(["oidc.scopes", t("admin.sso.bad.scopes")]);
      doc.oidc = { issuer: issuerValue, clientId: clientId.input.value.trim(), scopes: list };
      if (secret.input.value) doc.oidc.clientSecret = secret.input.value;
    } else if (fileChoice.input.checked) {
      if (!metadataXml) problems.push(["saml.metadataXml", t("admin.sso.required", { label: t("admin.sso.metadataFile") })]);
      doc.saml = { metadataXml };
    } else {
      const url = metadataUrl.input.value.trim();
      if (!url) problems.push(["saml.metadataUrl", t("admin.sso.required", { label: t("admin.sso.metadataUrl") })]);
      else if (!httpsURL(url)) problems.push(["saml.metadataUrl", t("admin.sso.bad.url", { label: t("admin.sso.metadataUrl") })]);
      doc.saml = { metadataUrl: url };
    }
    doc.attributes = {};
    for (const k of ATTRIBUTES) {
      const v = attrFields[k].input.value.trim();
      if (v) doc.attributes[k] = v;
    }
    return { doc, problems };
  }

  const show = (problems) => {
    for (const [key, sentence] of problems) fields.set(key, sentence);
    const first = fields.map.get(problems[0][0]);
    if (first) focusControl(first.wrapper);
    setError(t("admin.errors.summary"));
  };

  // A field's error goes as soon as it is being corrected.
  form.addEventListener("input", (e) => {
    for (const [key, entry] of fields.map) if (entry.wrapper.contains(e.target)) fields.set(key, "");
    if (!form.querySelector(".field-error:not([hidden])") && error.textContent === t("admin.errors.summary")) setError("");
  });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    fields.clear();
    setError("");
    const { doc, problems } = read();
    if (problems.length) { show(problems); return; }
    busyForm(form, async () => {
      // A new provider must not replace one of the same id (PUT would).
      if (!editing) {
        const { items } = await loadProviders();
        if (items.some((x) => x.id === doc.id)) { show([["id", t("admin.sso.taken")]]); return; }
      }
      const res = await api("PUT", providerPath(doc.id), doc);
      if (res.ok) {
        await reloadConfig();
        ctx.state.notice = t(res.status === 201 ? "admin.sso.added" : "admin.sso.saved", { name: doc.name });
        ctx.go("/admin/sso");
        return;
      }
      const vs = (res.body && res.body.violations) || [];
      if (vs.length) {
        const mine = vs.filter((v) => fields.map.has(v.field));
        const rest = vs.filter((v) => !fields.map.has(v.field));
        if (mine.length) fields.show({ body: { violations: mine } });
        setError([t("admin.errors.summary"), ...rest.map((v) => (v.field === "provider"
          ? t("admin.sso.refused", { reason: reason(v.message) }) : `${v.field}: ${v.message}`))].join(" "));
        return;
      }
      setError(problem(res));
    });
  });

  return h("div", { class: "admin" },
    adminNav("sso"),
    back,
    pageHeader(editing ? t("admin.sso.edit.title", { name: nameOf(p) }) : t("admin.sso.new.title")),
    error,
    form);
}
