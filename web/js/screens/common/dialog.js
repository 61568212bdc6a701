// Modal dialogs on the native <dialog> element: showModal() traps focus and
// makes the page inert, Escape closes, and focus goes back to the control
// that opened the dialog. Reusable by every screen (the admin screens too):
//
//   import { openDialog, confirmDialog } from "../common/dialog.js";
//   const dlg = openDialog({ title: "Change password", content: form });
//   dlg.close();                 // or the user presses Escape / Cancel
//   await dlg.closed;            // resolves with the value passed to close()
//
//   if (await confirmDialog({ title, text, confirmLabel, danger: true })) { ... }
import { h, uid } from "../../dom.js";
import { t } from "../../i18n.js";

/**
 * openDialog shows a modal dialog.
 *  title:   the dialog's heading (an h2, which labels the dialog)
 *  content: a Node or array of Nodes, or a function (handle) => Node(s)
 *  description: optional sentence under the heading (describes the dialog)
 *  wide:    a wider dialog (e.g. for recovery codes or tables)
 *  opener:  the element focus returns to (default: the focused element)
 *  onClose: called with the close value
 * Returns a handle {dialog, body, close(value), setContent(...nodes), setTitle(text), closed}.
 */
export function openDialog({ title, content, description, wide = false, opener, onClose } = {}) {
  const back = opener || document.activeElement;
  const titleId = uid("dialog-title");
  const descId = description ? uid("dialog-desc") : undefined;
  const heading = h("h2", { id: titleId }, title);
  const body = h("div", { class: "dialog-content" });
  const dialog = h("dialog", {
    class: wide ? "dialog-wide" : null, "aria-labelledby": titleId, "aria-describedby": descId,
  }, h("div", { class: "dialog-body" },
    heading,
    description ? h("p", { id: descId, class: "muted" }, description) : null,
    body));

  let resolve;
  let result;
  const closed = new Promise((r) => { resolve = r; });
  const handle = {
    dialog,
    body,
    closed,
    close(value) {
      result = value;
      if (dialog.open) dialog.close();
    },
    setTitle(text) { heading.textContent = text; },
    setContent(...nodes) {
      body.replaceChildren(...nodes.flat().filter(Boolean));
      focusInside(dialog);
    },
  };
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (back && back.isConnected && typeof back.focus === "function") back.focus();
    if (onClose) onClose(result);
    resolve(result);
  });
  // A click on the backdrop (outside the box) closes, like Escape.
  dialog.addEventListener("mousedown", (e) => {
    if (e.target === dialog) {
      const r = dialog.getBoundingClientRect();
      const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
      if (!inside) handle.close();
    }
  });

  const nodes = typeof content === "function" ? content(handle) : content;
  body.append(...[nodes].flat().filter(Boolean));
  document.body.append(dialog);
  dialog.showModal();
  focusInside(dialog);
  return handle;
}

function focusInside(dialog) {
  const target = dialog.querySelector("[autofocus], input:not([type=hidden]):not(:disabled), select, textarea, .dialog-content button");
  if (target) target.focus();
}

/** cancelButton is the standard "Cancel" button that closes a dialog. */
export function cancelButton(handle, label = t("common.cancel")) {
  return h("button", { type: "button", class: "secondary", onclick: () => handle.close() }, label);
}

/**
 * confirmDialog asks a yes/no question; resolves true when confirmed.
 * {title, text, confirmLabel, cancelLabel, danger}
 */
export function confirmDialog({ title, text, confirmLabel, cancelLabel, danger = false }) {
  const handle = openDialog({
    title,
    content: (dlg) => [
      text ? h("p", {}, text) : null,
      h("div", { class: "actions end" },
        cancelButton(dlg, cancelLabel),
        h("button", {
          type: "button", class: danger ? "danger" : "primary", "data-action": "confirm",
          onclick: () => dlg.close(true),
        }, confirmLabel || t("common.continue"))),
    ],
  });
  return handle.closed.then((v) => v === true);
}
