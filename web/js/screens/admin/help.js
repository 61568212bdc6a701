// #/admin/help: open help requests — people without an email address who
// forgot their password asked for help on the forgotten-password page.
// Supervisors (for their operators) and admins resolve one by setting a
// temporary password (the user page's action, step-up included), or
// dismiss it.
import { api } from "../../api.js";
import { h, replace } from "../../dom.js";
import { register, t } from "../../i18n.js";
import { confirmDialog, openDialog } from "../common/dialog.js";
import { noticeBox, takeNotice } from "../common/layout.js";
import { adminNav, failure, loadHelpRequests, pageHeader, when } from "./common.js";
import { temporaryPasswordDialog } from "./user.js";

register({
  en: {
    "admin.help.title": "Help requests",
    "admin.help.intro": "People without an email address who forgot their password and asked for help on the sign-in page. Set a temporary password and give it to them in person or by phone — they choose their own at the next sign-in. That closes the request.",
    "admin.help.caption": "Open help requests",
    "admin.help.col.who": "Person",
    "admin.help.col.when": "Asked",
    "admin.help.col.ip": "From address",
    "admin.help.col.actions": "Actions",
    "admin.help.set": "Set temporary password",
    "admin.help.setLabel": "Set a temporary password for {name}",
    "admin.help.dismiss": "Dismiss",
    "admin.help.dismissLabel": "Dismiss the request of {name}",
    "admin.help.dismissTitle": "Dismiss the request of {name}?",
    "admin.help.dismissText": "The request is closed and nothing is changed. Do this for a request you did not expect, or one you already helped with another way. {name} can ask again on the sign-in page.",
    "admin.help.dismissed": "The request of {name} was dismissed.",
    "admin.help.done": "Temporary password set for {name}, and the request is closed. Give the password to them in person or by phone; they must change it at the next sign-in.",
    "admin.help.empty": "No open help requests. When someone without an email address asks for help on the sign-in page, the request shows here.",
    "admin.help.count": "{count} open",
  },
  de: {
    "admin.help.title": "Hilfeanfragen",
    "admin.help.intro": "Personen ohne E-Mail-Adresse, die ihr Passwort vergessen und auf der Anmeldeseite um Hilfe gebeten haben. Setzen Sie ein vorläufiges Passwort und geben Sie es persönlich oder am Telefon weiter – bei der nächsten Anmeldung wählt die Person ihr eigenes. Damit ist die Anfrage erledigt.",
    "admin.help.caption": "Offene Hilfeanfragen",
    "admin.help.col.who": "Person",
    "admin.help.col.when": "Angefragt",
    "admin.help.col.ip": "Von Adresse",
    "admin.help.col.actions": "Aktionen",
    "admin.help.set": "Vorläufiges Passwort setzen",
    "admin.help.setLabel": "Vorläufiges Passwort für {name} setzen",
    "admin.help.dismiss": "Verwerfen",
    "admin.help.dismissLabel": "Anfrage von {name} verwerfen",
    "admin.help.dismissTitle": "Anfrage von {name} verwerfen?",
    "admin.help.dismissText": "Die Anfrage wird geschlossen, und nichts wird geändert. Tun Sie das bei einer Anfrage, die Sie nicht erwartet haben, oder wenn Sie schon auf anderem Weg geholfen haben. {name} kann auf der Anmeldeseite erneut fragen.",
    "admin.help.dismissed": "Die Anfrage von {name} wurde verworfen.",
    "admin.help.done": "Vorläufiges Passwort für {name} gesetzt, die Anfrage ist erledigt. Geben Sie das Passwort persönlich oder am Telefon weiter; bei der nächsten Anmeldung muss es geändert werden.",
    "admin.help.empty": "Keine offenen Hilfeanfragen. Wenn jemand ohne E-Mail-Adresse auf der Anmeldeseite um Hilfe bittet, erscheint die Anfrage hier.",
    "admin.help.count": "{count} offen",
  },
});

const nameOf = (r) => r.displayName || r.username;

/** helpScreen lists the open help requests with their two actions. */
export async function helpScreen() {
  const flashSlot = h("div", { class: "flash-slot" });
  const error = h("div", { class: "error", role: "alert", hidden: true, tabindex: "-1" });
  const setError = (text) => { error.textContent = text || ""; error.hidden = !text; if (text) error.focus(); };
  const listSlot = h("div");
  const nav = adminNav("help", { helpCount: 0 });

  const flash = (text) => {
    const box = noticeBox("success", text);
    replace(flashSlot, box);
    box.focus();
  };

  function row(r) {
    const name = nameOf(r);
    const set = h("button", { type: "button", class: "primary small", "aria-label": t("admin.help.setLabel", { name }) },
      t("admin.help.set"));
    set.addEventListener("click", () => {
      setError("");
      openDialog(temporaryPasswordDialog({
        userId: r.userId, name,
        onDone: async () => { await load(); flash(t("admin.help.done", { name })); },
      }));
    });
    const dismiss = h("button", { type: "button", class: "secondary small", "aria-label": t("admin.help.dismissLabel", { name }) },
      t("admin.help.dismiss"));
    dismiss.addEventListener("click", async () => {
      setError("");
      const yes = await confirmDialog({
        title: t("admin.help.dismissTitle", { name }), text: t("admin.help.dismissText", { name }),
        confirmLabel: t("admin.help.dismiss"),
      });
      if (!yes) return;
      const res = await api("DELETE", `api/admin/help-requests/${encodeURIComponent(r.id)}`);
      if (!res.ok && res.code !== "not_found") { setError(failure(res)); return; }
      await load();
      flash(t("admin.help.dismissed", { name }));
    });
    return h("tr", { "data-request": r.id },
      h("th", { scope: "row", class: "user-cell" },
        h("a", { href: `#/admin/users/${encodeURIComponent(r.userId)}`, class: "user-name" }, name),
        h("span", { class: "username" }, r.username)),
      h("td", { class: "nowrap when-cell" }, when(r.createdAt)),
      h("td", { class: "ip-cell" }, r.ip || "—"),
      h("td", { class: "row-actions" }, set, dismiss));
  }

  async function load() {
    const { ok, items, res } = await loadHelpRequests();
    nav.setHelpCount(items.length);
    if (!ok) {
      replace(listSlot, noticeBox("error", failure(res)));
      return;
    }
    if (!items.length) {
      replace(listSlot, h("p", { class: "empty-state" }, t("admin.help.empty")));
      return;
    }
    const sorted = [...items].sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
    replace(listSlot,
      h("p", { class: "muted list-count" }, t("admin.help.count", { count: items.length })),
      h("div", { class: "table-wrap" },
        h("table", { class: "admin-table help-table" },
          h("caption", { class: "visually-hidden" }, t("admin.help.caption")),
          h("thead", {}, h("tr", {},
            ["who", "when", "ip"].map((c) => h("th", { scope: "col" }, t(`admin.help.col.${c}`))),
            h("th", { scope: "col", class: "actions-col" }, t("admin.help.col.actions")))),
          h("tbody", {}, sorted.map(row)))));
  }

  await load();
  const initial = takeNotice();
  if (initial) flashSlot.append(initial);

  return h("div", { class: "admin" },
    nav,
    pageHeader(t("admin.help.title")),
    h("p", { class: "muted lead" }, t("admin.help.intro")),
    flashSlot,
    error,
    listSlot);
}
