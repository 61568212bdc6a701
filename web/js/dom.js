// DOM helpers. Every element is built with createElement and text nodes —
// never innerHTML — so no server or user string can become markup, and the
// strict CSP (no inline script, no inline style) holds.

/**
 * h builds an element: h("button", {type: "submit", class: "primary", onclick: fn}, "Sign in").
 * Attributes: "class", "for", "aria-*", "data-*", boolean attributes (true/false),
 * on* functions become event listeners, "dataset" is not used. Children may be
 * strings, nodes, arrays, null or false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "value") {
      el.value = value;
    } else if (key === "checked") {
      el.checked = Boolean(value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

let nextId = 0;
/** uid returns a page-unique id for label/input pairs. */
export function uid(prefix = "f") {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/**
 * field builds a labelled input: {label, name, type, value, autocomplete, required, hint}.
 * Returns the wrapper; the input is wrapper.input. A hint is tied with aria-describedby.
 */
export function field({ label, name, type = "text", value = "", autocomplete, required = false, hint, attrs = {} }) {
  const id = uid(name);
  const hintId = hint ? `${id}-hint` : undefined;
  const input = h("input", { id, name, type, value, autocomplete, required, "aria-describedby": hintId, ...attrs });
  const wrapper = h("div", { class: "field" },
    h("label", { for: id }, label),
    input,
    hint ? h("p", { class: "hint", id: hintId }, hint) : null);
  wrapper.input = input;
  return wrapper;
}

/** errorBox is a live region for a form's error; set(text) shows it, set("") hides it. */
export function errorBox() {
  const el = h("div", { class: "error", role: "alert", hidden: true });
  el.set = (text) => {
    el.textContent = text || "";
    el.hidden = !text;
  };
  return el;
}

/** replace swaps a container's content. */
export function replace(container, ...children) {
  container.replaceChildren();
  append(container, children);
}

/** busy disables a form's controls while fn runs, and re-enables them after. */
export async function busy(form, fn) {
  const controls = [...form.querySelectorAll("button, input, select, textarea")];
  const was = controls.map((c) => c.disabled);
  controls.forEach((c) => { c.disabled = true; });
  form.setAttribute("aria-busy", "true");
  try {
    return await fn();
  } finally {
    controls.forEach((c, i) => { c.disabled = was[i]; });
    form.removeAttribute("aria-busy");
  }
}

/** focusFirst focuses a container's heading or first control (for screen changes). */
export function focusFirst(container) {
  const target = container.querySelector("[autofocus], h1, input, button");
  if (target) {
    if (target.tagName === "H1") target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: false });
  }
}

/** formatDate renders an RFC 3339 time for people in the current locale. */
export function formatDate(iso, locale) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}
