// Gatepass sign-in page (plain placeholder until the web app of issue 5/8).
const $ = (id) => document.getElementById(id);

const messages = {
  invalid_credentials: "The username or password is incorrect.",
  too_many_requests: "Too many attempts. Please wait and try again.",
  invalid_request: "Please enter your username and password.",
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

function show(session) {
  $("login").hidden = !!session;
  $("signed-in").hidden = !session;
  if (session) {
    $("who").textContent = session.user.displayName || session.user.username;
    $("last-login").textContent = session.user.lastLogin
      ? `Last sign-in: ${new Date(session.user.lastLogin.at).toLocaleString()}` : "";
  }
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("error").hidden = true;
  const res = await api("POST", "api/auth/login", { username: $("username").value, password: $("password").value });
  if (res.status === 200) {
    $("password").value = "";
    show(res.body.session);
    return;
  }
  $("error").textContent = messages[res.body && res.body.code] || "Sign-in is not possible right now.";
  $("error").hidden = false;
});

$("logout").addEventListener("click", async () => {
  await api("POST", "api/auth/logout", {});
  show(null);
});

const current = await api("GET", "api/auth/session");
show(current.status === 200 ? current.body : null);
