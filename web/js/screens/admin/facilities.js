// #/admin/facilities: the stores and warehouses users can be given access to.
import { api } from "../../api.js";
import { busy, field, h, replace } from "../../dom.js";
import { register, t } from "../../i18n.js";
import { openDialog } from "../common/dialog.js";
import { noticeBox, takeNotice } from "../common/layout.js";
import { adminNav, failure, focusControl, pageHeader, setFieldError } from "./common.js";

register({
  en: {
    "admin.fac.title": "Facilities",
    "admin.fac.intro": "Stores and warehouses. Users get access to single facilities or to the whole network.",
    "admin.fac.add": "Add a facility",
    "admin.fac.name": "Name",
    "admin.fac.addButton": "Add facility",
    "admin.fac.col.name": "Name",
    "admin.fac.col.status": "Status",
    "admin.fac.col.actions": "Actions",
    "admin.fac.caption": "Facilities",
    "admin.fac.empty": "There are no facilities yet. Add the first one above.",
    "admin.fac.status.active": "Active",
    "admin.fac.status.inactive": "Inactive",
    "admin.fac.rename": "Rename",
    "admin.fac.renameLabel": "Rename {name}",
    "admin.fac.renameTitle": "Rename {name}",
    "admin.fac.newName": "New name",
    "admin.fac.deactivate": "Deactivate",
    "admin.fac.deactivateLabel": "Deactivate {name}",
    "admin.fac.activate": "Activate",
    "admin.fac.activateLabel": "Activate {name}",
    "admin.fac.delete": "Delete",
    "admin.fac.deleteLabel": "Delete {name}",
    "admin.fac.deleteTitle": "Delete {name}?",
    "admin.fac.deleteText": "The facility is removed for good. Users assigned to it lose its facility view. To pause it instead, deactivate it.",
    "admin.fac.deactivateTitle": "Deactivate {name}?",
    "admin.fac.deactivateText": "The facility is marked inactive. Its users keep their assignment.",
    "admin.fac.added": "{name} was added.",
    "admin.fac.renamed": "The facility is now called {name}.",
    "admin.fac.deactivated": "{name} was deactivated.",
    "admin.fac.activated": "{name} was activated.",
    "admin.fac.deleted": "{name} was deleted.",
    "admin.fac.taken": "A facility with this name exists already.",
    "admin.fac.required": "Enter a name.",
    "admin.fac.count": "{count} facilities",
  },
  de: {
    "admin.fac.title": "Standorte",
    "admin.fac.intro": "Filialen und Lager. Benutzer erhalten Zugriff auf einzelne Standorte oder auf das gesamte Netzwerk.",
    "admin.fac.add": "Standort hinzufügen",
    "admin.fac.name": "Name",
    "admin.fac.addButton": "Standort hinzufügen",
    "admin.fac.col.name": "Name",
    "admin.fac.col.status": "Status",
    "admin.fac.col.actions": "Aktionen",
    "admin.fac.caption": "Standorte",
    "admin.fac.empty": "Es gibt noch keine Standorte. Fügen Sie oben den ersten hinzu.",
    "admin.fac.status.active": "Aktiv",
    "admin.fac.status.inactive": "Deaktiviert",
    "admin.fac.rename": "Umbenennen",
    "admin.fac.renameLabel": "{name} umbenennen",
    "admin.fac.renameTitle": "{name} umbenennen",
    "admin.fac.newName": "Neuer Name",
    "admin.fac.deactivate": "Deaktivieren",
    "admin.fac.deactivateLabel": "{name} deaktivieren",
    "admin.fac.activate": "Aktivieren",
    "admin.fac.activateLabel": "{name} aktivieren",
    "admin.fac.delete": "Löschen",
    "admin.fac.deleteLabel": "{name} löschen",
    "admin.fac.deleteTitle": "{name} löschen?",
    "admin.fac.deleteText": "Der Standort wird endgültig entfernt. Zugeordnete Benutzer verlieren seine Standortansicht. Um ihn nur ruhen zu lassen, deaktivieren Sie ihn.",
    "admin.fac.deactivateTitle": "{name} deaktivieren?",
    "admin.fac.deactivateText": "Der Standort wird als deaktiviert markiert. Seine Benutzer bleiben zugeordnet.",
    "admin.fac.added": "{name} wurde hinzugefügt.",
    "admin.fac.renamed": "Der Standort heißt jetzt {name}.",
    "admin.fac.deactivated": "{name} wurde deaktiviert.",
    "admin.fac.activated": "{name} wurde aktiviert.",
    "admin.fac.deleted": "{name} wurde gelöscht.",
    "admin.fac.taken": "Einen Standort mit diesem Namen gibt es schon.",
    "admin.fac.required": "Geben Sie einen Namen ein.",
    "admin.fac.count": "{count} Standorte",
  },
});

/** facilitiesScreen lists, adds, renames, (de)activates and deletes facilities. */
export async function facilitiesScreen() {
  const flashSlot = h("div", { class: "flash-slot" });
  const error = h("div", { class: "error", role: "alert", hidden: true, tabindex: "-1" });
  const setError = (text) => { error.textContent = text || ""; error.hidden = !text; if (text) error.focus(); };
  const listSlot = h("div");

  const flash = (text) => {
    const box = noticeBox("success", text);
    replace(flashSlot, box);
    box.focus();
  };

  // Add.
  const name = field({ label: t("admin.fac.name"), name: "name", autocomplete: "off", required: true, attrs: { maxlength: "100" } });
  const addForm = h("form", { class: "inline-form", novalidate: true },
    name, h("button", { type: "submit", class: "primary" }, t("admin.fac.addButton")));
  addForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    setFieldError(name, "");
    const value = name.input.value.trim();
    if (!value) { setFieldError(name, t("admin.fac.required")); name.input.focus(); return; }
    await busy(addForm, async () => {
      const res = await api("POST", "api/admin/facilities", { name: value });
      if (res.ok) {
        name.input.value = "";
        await load();
        flash(t("admin.fac.added", { name: res.body.name }));
        return;
      }
      if (res.code === "conflict") setFieldError(name, t("admin.fac.taken"));
      else if (res.body && res.body.violations) setFieldError(name, failure(res));
      else setError(failure(res));
      if (res.code === "conflict" || (res.body && res.body.violations)) focusControl(name);
    });
  });

  const patch = (f, body) => api("PATCH", `api/admin/facilities/${encodeURIComponent(f.id)}`, body);

  function renameDialog(f) {
    const input = field({ label: t("admin.fac.newName"), name: "name", value: f.name, autocomplete: "off", attrs: { maxlength: "100" } });
    return openDialog({
      title: t("admin.fac.renameTitle", { name: f.name }),
      confirmLabel: t("admin.fac.rename"),
      content: input,
      onConfirm: async (dlg) => {
        setFieldError(input, "");
        const value = input.input.value.trim();
        if (!value) { setFieldError(input, t("admin.fac.required")); input.input.focus(); return false; }
        if (value === f.name) return true;
        const res = await patch(f, { name: value });
        if (res.ok) {
          setTimeout(async () => { await load(); flash(t("admin.fac.renamed", { name: res.body.name })); }, 0);
          return true;
        }
        if (res.code === "conflict") setFieldError(input, t("admin.fac.taken"));
        else dlg.error(failure(res));
        input.input.focus();
        return false;
      },
    });
  }

  function confirmDialog(f, { title, text, confirmLabel, danger, run, done }) {
    return openDialog({
      title, confirmLabel, danger, content: h("p", {}, text),
      onConfirm: async (dlg) => {
        const res = await run();
        if (!res.ok) { dlg.error(failure(res)); return false; }
        setTimeout(async () => { await load(); flash(done); }, 0);
        return true;
      },
    });
  }

  async function activate(f, button) {
    button.disabled = true;
    const res = await patch(f, { status: "active" });
    if (!res.ok) { button.disabled = false; setError(failure(res)); return; }
    await load();
    flash(t("admin.fac.activated", { name: f.name }));
  }

  function row(f) {
    const active = f.status !== "inactive";
    const toggle = h("button", { type: "button", class: "secondary small",
      "aria-label": t(active ? "admin.fac.deactivateLabel" : "admin.fac.activateLabel", { name: f.name }) },
    t(active ? "admin.fac.deactivate" : "admin.fac.activate"));
    toggle.addEventListener("click", () => (active
      ? confirmDialog(f, { title: t("admin.fac.deactivateTitle", { name: f.name }), text: t("admin.fac.deactivateText"),
        confirmLabel: t("admin.fac.deactivate"), run: () => patch(f, { status: "inactive" }),
        done: t("admin.fac.deactivated", { name: f.name }) })
      : activate(f, toggle)));
    return h("tr", {},
      h("th", { scope: "row", class: "fac-name" }, f.name),
      h("td", {}, h("span", { class: `badge ${active ? "ok" : "bad"}` }, t(`admin.fac.status.${active ? "active" : "inactive"}`))),
      h("td", { class: "row-actions" },
        h("button", { type: "button", class: "secondary small", "aria-label": t("admin.fac.renameLabel", { name: f.name }),
          onclick: () => renameDialog(f) }, t("admin.fac.rename")),
        toggle,
        h("button", { type: "button", class: "danger-outline small", "aria-label": t("admin.fac.deleteLabel", { name: f.name }),
          onclick: () => confirmDialog(f, { title: t("admin.fac.deleteTitle", { name: f.name }), text: t("admin.fac.deleteText"),
            confirmLabel: t("admin.fac.delete"), danger: true,
            run: () => api("DELETE", `api/admin/facilities/${encodeURIComponent(f.id)}`),
            done: t("admin.fac.deleted", { name: f.name }) }) }, t("admin.fac.delete"))));
  }

  async function load() {
    const res = await api("GET", "api/admin/facilities");
    if (!res.ok) {
      replace(listSlot, noticeBox("error", failure(res)));
      return;
    }
    const items = [...res.body.items].sort((a, b) => a.name.localeCompare(b.name));
    if (!items.length) {
      replace(listSlot, h("p", { class: "empty-state" }, t("admin.fac.empty")));
      return;
    }
    replace(listSlot,
      h("p", { class: "muted list-count" }, t("admin.fac.count", { count: items.length })),
      h("div", { class: "table-wrap" },
        h("table", { class: "admin-table facilities-table" },
          h("caption", { class: "visually-hidden" }, t("admin.fac.caption")),
          h("thead", {}, h("tr", {},
            h("th", { scope: "col" }, t("admin.fac.col.name")),
            h("th", { scope: "col" }, t("admin.fac.col.status")),
            h("th", { scope: "col", class: "actions-col" }, t("admin.fac.col.actions")))),
          h("tbody", {}, items.map(row)))));
  }

  await load();
  const initial = takeNotice();
  if (initial) flashSlot.append(initial);

  return h("div", { class: "admin" },
    adminNav("facilities"),
    pageHeader(t("admin.fac.title")),
    h("p", { class: "muted lead" }, t("admin.fac.intro")),
    flashSlot,
    error,
    h("section", { class: "panel", "aria-labelledby": "fac-add-h" },
      h("h2", { id: "fac-add-h" }, t("admin.fac.add")), addForm),
    listSlot);
}
