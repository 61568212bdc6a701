// Form helpers shared by the screens: per-field errors tied to their input
// (aria-invalid + aria-describedby), clearing them, and mapping an API
// problem's violations onto fields. Reusable by any screen (admin included).
import { busy, h, uid } from "../../dom.js";

/** controlOf is a field wrapper's control: its .input, else its first input, select or textarea. */
export function controlOf(wrapper) {
  return wrapper.input || wrapper.querySelector("input, select, textarea");
}

/**
 * setFieldError shows text under a field wrapper (from dom.js field(),
 * password.js passwordField(), or any wrapper of one control) or under a
 * fieldset, and marks the control invalid; "" clears it.
 */
export function setFieldError(wrapper, text) {
  const target = wrapper.tagName === "FIELDSET" ? wrapper : controlOf(wrapper);
  let box = wrapper.querySelector(":scope > .field-error");
  if (!box) {
    box = h("p", { class: "field-error", id: uid("err"), hidden: true });
    // Right under the control (before hints and live rules), where people look.
    const anchor = wrapper.querySelector(":scope > .pw-wrap") || (target !== wrapper ? target : null);
    if (anchor && anchor.parentNode === wrapper) anchor.after(box);
    else wrapper.append(box);
  }
  box.textContent = text || "";
  box.hidden = !text;
  if (!target) return;
  const ids = (target.getAttribute("aria-describedby") || "").split(/\s+/).filter((x) => x && x !== box.id);
  if (text) {
    if (target !== wrapper) target.setAttribute("aria-invalid", "true");
    ids.unshift(box.id);
  } else {
    target.removeAttribute("aria-invalid");
  }
  if (ids.length) target.setAttribute("aria-describedby", ids.join(" "));
  else target.removeAttribute("aria-describedby");
}

/** clearFieldErrors clears every field error inside a form or container. */
export function clearFieldErrors(container) {
  for (const wrapper of container.querySelectorAll(".field")) {
    if (wrapper.input) setFieldError(wrapper, "");
  }
}

/**
 * showViolations puts violations ({apiField: sentence} from api.js violations())
 * under the matching field wrappers ({apiField: wrapper}), prefixed with the
 * field's label ("Password is too short"). Returns the sentences that matched
 * no field, so the caller can show them in the form's error box.
 */
export function showViolations(found, wrappers) {
  const rest = [];
  let first = null;
  for (const [name, sentence] of Object.entries(found)) {
    const wrapper = wrappers[name];
    if (wrapper) {
      const label = wrapper.querySelector("label");
      setFieldError(wrapper, label ? `${label.textContent} ${sentence}.` : sentence);
      first = first || wrapper.input;
    } else {
      rest.push(sentence);
    }
  }
  if (first) focusLater(first);
  return rest;
}

/** focusInvalid focuses the first input marked invalid inside container. */
export function focusInvalid(container) {
  const el = container.querySelector('[aria-invalid="true"]');
  if (el) el.focus();
  return Boolean(el);
}

/** whenAttached runs fn once node is in the document (after the router swapped it in). */
export function whenAttached(node, fn) {
  let tries = 0;
  const tick = () => {
    if (node.isConnected) fn();
    else if (tries++ < 20) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/**
 * focusLater focuses el after the current task, so that it also works inside
 * busy() (whose controls are disabled until the request is over).
 */
export function focusLater(el) {
  setTimeout(() => { if (el && el.isConnected && !el.disabled) el.focus(); }, 0);
}

/**
 * busyForm is dom.js busy() plus focus care: when a request failed and focus
 * fell to the page (the focused button was disabled meanwhile), it goes back
 * to the first invalid input or to the control that submitted.
 */
export async function busyForm(form, fn) {
  const before = document.activeElement;
  try {
    return await busy(form, fn);
  } finally {
    setTimeout(() => {
      const active = document.activeElement;
      if (!form.isConnected || (active && active !== document.body)) return;
      const target = form.querySelector('[aria-invalid="true"]') || (before && before.isConnected ? before : null);
      if (target) target.focus();
    }, 0);
  }
}
