// Modal dialogs on the native <dialog> element: showModal() traps focus and
// makes the page inert, Escape closes, and focus goes back to the control
// that opened the dialog. The one dialog helper of the app (every screen,
// the administration included):
//
//   import { openDialog, confirmDialog } from "../common/dialog.js";
//
//   // A dialog whose content brings its own form and buttons:
//   const dlg = openDialog({ title: "Change password", content: (dlg) => form });
//   dlg.close(true);             // or the user presses Escape / Cancel
//   await dlg.closed;            // resolves with the value passed to close()
//
//   // A confirm dialog: the content above an error line and Cancel / confirm;
//   // onConfirm runs with the controls disabled, and the dialog closes
//   // (closed resolves true) unless it returns false.
//   openDialog({ title, content: field, confirmLabel: "Rename", danger: false,
//     onConfirm: async (dlg) => { const res = await api(...); if (!res.ok) { dlg.error(message(res)); return false; } } });
//
//   if (await confirmDialog({ title, text, confirmLabel, danger: true })) { ... }
import { h, uid } from "../../dom.js";
import { register, t } from "../../i18n.js";

register({
  en: { "dialog.confirm": "Confirm" },
  de: { "dialog.confirm": "Bestätigen" },
});

/**
 * openDialog shows a modal dialog.
 *  title:       the dialog's heading (an h2, which labels the dialog)
 *  content:     a Node or array of Nodes, or a function (handle) => Node(s)
 *  description: optional sentence under the heading (describes the dialog)
 *  wide:        a wider dialog (e.g. for recovery codes, tables, long forms)
 *  opener:      the element focus returns to (default: the focused element)
 *  onClose:     called with the close value
 *  onConfirm:   makes the dialog a form with Cancel and a confirm button
 *               (confirmLabel, cancelLabel, danger: a red confirm button);
 *               see the module comment
 * Returns a handle {dialog, body, form, confirm, closed, close(value),
 * error(text), setContent(...nodes), setTitle(text)}; form and confirm are
 * null without onConfirm, and error(text) then does nothing.
 */
export function openDialog({
  title, content, description, wide = false, opener, onClose,
  onConfirm, confirmLabel, cancelLabel, danger = false,
} = {}) {
  const back = opener || document.activeElement;
  const titleId = uid("dialog-title");
  const descId = description ? uid("dialog-desc") : undefined;
  const heading = h("h2", { id: titleId }, title);
  const body = h("div", { class: "dialog-content" });
  const dialog = h("dialog", {
    class: [wide ? "dialog-wide" : "", onConfirm ? "form-dialog" : ""].join(" ").trim() || null,
    "aria-labelledby": titleId, "aria-describedby": descId,
  }, h("div", { class: "dialog-body" },
    heading,
    description ? h("p", { id: descId, class: "muted" }, description) : null,
    body));

  let resolve;
  let result;
  const closed = new Promise((r) => { resolve = r; });
  const errorLine = onConfirm ? h("div", { class: "error", role: "alert", hidden: true }) : null;
  const handle = {
    dialog,
    body,
    closed,
    form: null,
    confirm: null,
    close(value) {
      result = value;
      if (dialog.open) dialog.close();
    },
    error(text) {
      if (!errorLine) return;
      errorLine.textContent = text || "";
      errorLine.hidden = !text;
    },
    setTitle(text) { heading.textContent = text; },
    setContent(...nodes) {
      body.replaceChildren(...nodes.flat().filter(Boolean));
      focusInside(dialog);
    },
  };
  const busy = () => Boolean(handle.form && handle.form.hasAttribute("aria-busy"));
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (back && back.isConnected && typeof back.focus === "function") back.focus();
    if (onClose) onClose(result);
    resolve(result);
  });
  // No Escape while a confirmation is on its way: its answer decides the result.
  dialog.addEventListener("cancel", (e) => { if (busy()) e.preventDefault(); });
  // A click on the backdrop (outside the box) closes, like Escape.
  dialog.addEventListener("mousedown", (e) => {
    if (e.target === dialog && !busy()) {
      const r = dialog.getBoundingClientRect();
      const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
      if (!inside) handle.close();
    }
  });

  const nodes = [typeof content === "function" ? content(handle) : content].flat().filter(Boolean);
  if (onConfirm) body.append(confirmForm(handle, nodes, { onConfirm, confirmLabel, cancelLabel, danger, errorLine }));
  else body.append(...nodes);
  document.body.append(dialog);
  dialog.showModal();
  focusInside(dialog);
  return handle;
}

/** confirmForm wraps a confirm dialog's nodes in its form: error line, nodes, Cancel and confirm. */
function confirmForm(handle, nodes, { onConfirm, confirmLabel, cancelLabel, danger, errorLine }) {
  const confirm = h("button", { type: "submit", class: danger ? "danger" : "primary", "data-action": "confirm" },
    confirmLabel || t("dialog.confirm"));
  const form = h("form", { novalidate: true }, errorLine, nodes,
    h("div", { class: "actions end" }, cancelButton(handle, cancelLabel), confirm));
  handle.form = form;
  handle.confirm = confirm;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (form.hasAttribute("aria-busy")) return;
    handle.error("");
    const controls = [...form.querySelectorAll("button, input, select, textarea")];
    const was = controls.map((c) => c.disabled);
    controls.forEach((c) => { c.disabled = true; });
    form.setAttribute("aria-busy", "true");
    let keep = false;
    try {
      keep = (await onConfirm(handle)) === false;
    } catch (err) {
      console.error(err);
      handle.error(t("error.unknown"));
      keep = true;
    } finally {
      controls.forEach((c, i) => { c.disabled = was[i]; });
      form.removeAttribute("aria-busy");
    }
    if (!handle.dialog.open) return; // onConfirm closed it itself
    if (keep) {
      // The controls were disabled while onConfirm ran: focus what to fix now.
      const target = form.querySelector('[aria-invalid="true"]')
        || (errorLine.hidden ? form.querySelector("input:not([type=hidden]), select, textarea") : null) || confirm;
      target.focus();
      return;
    }
    handle.close(true);
  });
  return form;
}

function focusInside(dialog) {
  const target = dialog.querySelector("[autofocus], input:not([type=hidden]):not(:disabled), select:not(:disabled), textarea:not(:disabled), .dialog-content button");
  if (target) target.focus();
}

/** cancelButton is the standard "Cancel" button that closes a dialog. */
export function cancelButton(handle, label = t("common.cancel")) {
  return h("button", { type: "button", class: "secondary", onclick: () => handle.close() }, label || t("common.cancel"));
}

/**
 * confirmDialog asks a yes/no question; resolves true when confirmed.
 * {title, text, confirmLabel, cancelLabel, danger}
 */
export function confirmDialog({ title, text, confirmLabel, cancelLabel, danger = false }) {
  const handle = openDialog({
    title,
    content: text ? h("p", {}, text) : null,
    confirmLabel: confirmLabel || t("common.continue"),
    cancelLabel,
    danger,
    onConfirm: () => true,
  });
  return handle.closed.then((v) => v === true);
}
