// Gatepass sign-in pages: a plain placeholder until the web app of issue 5/8.
// Screens: login, forgot password, set password (reset and invitation links),
// forced password change, signed in. No inline script, same-origin API only.
const $ = (id) => document.getElementById(id);
const forms = ["login", "forgot", "setpw", "change", "signed-in"];

const messages = {
  invalid_credentials: "The username or password is incorrect.",
  too_many_requests: "Too many attempts. Please wait a moment and try again.",
  invalid_request: "Please fill in every field.",
  token_invalid: "This link is no longer valid. Ask for a new one.",
  password_mismatch: "The two passwords differ.",
  current_password_invalid: "The current password is incorrect.",
};
const violationText = {
  too_short: "is too short", too_long: "is too long", common: "is too common",
  contains_context: "contains your name or the organisation's name", reused: "was used before",
  missing_uppercase: "needs an uppercase letter", missing_lowercase: "needs a lowercase letter",
  missing_digit: "needs a digit", missing_symbol: "needs a symbol",
};

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
    credentials: "same-origin",
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function problem(res) {
  const b = res.body || {};
  if (b.code === "password_policy" && b.violations) {
    return "The password " + b.violations.map((v) => violationText[v.code] || v.message).join(", ") + ".";
  }
  return messages[b.code] || "That did not work. Please try again.";
}

function show(id, notice) {
  for (const f of forms) $(f).hidden = f !== id;
  for (const e of document.querySelectorAll(".error")) e.hidden = true;
  $("notice").hidden = !notice;
  $("notice").textContent = notice || "";
  const first = $(id).querySelector("input");
  if (first) first.focus();
}

function fail(form, res) {
  const e = $(form).querySelector(".error");
  e.textContent = problem(res);
  e.hidden = false;
}

function signedIn(session) {
  $("who").textContent = session.user.displayName || session.user.username;
  $("last-login").textContent = session.user.lastLogin
    ? `Last sign-in: ${new Date(session.user.lastLogin.at).toLocaleString()}` : "";
  show("signed-in");
}

let link = null; // { kind: "reset" | "invite", token }

async function route() {
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  const token = new URLSearchParams(query || "").get("token");
  if ((path === "/reset" || path === "/invite") && token) {
    link = { kind: path === "/reset" ? "reset" : "invite", token };
    const verify = link.kind === "reset" ? "api/auth/password/reset/verify" : "api/auth/invitation/verify";
    const res = await api("POST", verify, { token });
    if (res.status !== 200) {
      show("login", messages.token_invalid);
      return;
    }
    $("setpw-for").textContent = `Choose a password for ${res.body.username}.`;
    const cfg = await api("GET", "api/auth/config");
    if (cfg.status === 200) {
      $("policy-hint").textContent = `At least ${cfg.body.passwordPolicy.minLength} characters. Spaces and any language are fine; avoid common passwords and your name.`;
    }
    show("setpw");
    return;
  }
  if (path === "/forgot") {
    show("forgot");
    return;
  }
  const current = await api("GET", "api/auth/session");
  if (current.status === 200) {
    if (current.body.passwordChangeRequired) show("change");
    else signedIn(current.body);
    return;
  }
  show("login");
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const res = await api("POST", "api/auth/login", { username: $("username").value, password: $("password").value });
  $("password").value = "";
  if (res.status !== 200) return fail("login", res);
  if (res.body.status === "password_change_required") return show("change");
  signedIn(res.body.session);
});

$("forgot").addEventListener("submit", async (event) => {
  event.preventDefault();
  const res = await api("POST", "api/auth/password/reset", { identifier: $("identifier").value });
  if (res.status !== 202) return fail("forgot", res);
  location.hash = "#/login";
  show("login", "If an account matches, a link to set a new password is on its way. Check your mailbox (and spam folder).");
});

$("setpw").addEventListener("submit", async (event) => {
  event.preventDefault();
  const path = link.kind === "reset" ? "api/auth/password/reset/confirm" : "api/auth/invitation/accept";
  const res = await api("POST", path, {
    token: link.token, password: $("new-password").value, passwordRepeat: $("new-password-repeat").value,
  });
  if (res.status !== 204) return fail("setpw", res);
  history.replaceState(null, "", location.pathname + "#/login");
  show("login", "Your password is set. Sign in with it.");
});

$("change").addEventListener("submit", async (event) => {
  event.preventDefault();
  const res = await api("POST", "api/auth/password/change", {
    currentPassword: $("current-password").value,
    newPassword: $("change-password").value, newPasswordRepeat: $("change-password-repeat").value,
  });
  if (res.status !== 204) return fail("change", res);
  const current = await api("GET", "api/auth/session");
  signedIn(current.body);
});

$("logout").addEventListener("click", async () => {
  await api("POST", "api/auth/logout", {});
  show("login");
});

window.addEventListener("hashchange", route);
route();
