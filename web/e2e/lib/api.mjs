// Test setup through the API (fetch with a cookie): create facilities and
// users, set parameters — fast. The flows under test are always clicked in
// the browser; this is only for what a test needs to exist beforehand.

/** ApiClient calls the Gatepass API as one signed-in user. base is the origin (plus "/<alias>" when set). */
export class ApiClient {
  constructor(base) {
    this.base = base;
    this.cookie = "";
  }

  /** call sends a request; it throws unless the answer is 2xx (or allowError). */
  async call(method, path, body, { allowError = false } = {}) {
    const headers = {};
    if (this.cookie) headers.Cookie = this.cookie;
    const init = { method, headers };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body ?? {});
    }
    const res = await fetch(`${this.base}/${path.replace(/^\//, "")}`, init);
    const cookies = res.headers.getSetCookie();
    if (cookies.length) this.cookie = cookies.map((c) => c.split(";")[0]).join("; ");
    const text = await res.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
    if (!res.ok && !allowError) {
      throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    }
    return allowError ? { status: res.status, body: parsed } : parsed;
  }

  /** login signs in with a password (the answer's status is returned). */
  async login(username, password) {
    const body = await this.call("POST", "api/auth/login", { username, password });
    if (body.status !== "authenticated") throw new Error(`login ${username}: ${body.status}`);
    return body;
  }

  /** createFacility creates a facility and returns it ({id, name, status}). */
  createFacility(name) {
    return this.call("POST", "api/admin/facilities", { name });
  }

  /**
   * createUser creates a user; defaults: an operator without network access
   * or facilities. With `temporaryPassword` the user must change it at first
   * sign-in; with `email` and no password, an invitation mail goes out.
   */
  createUser({ username, displayName = username, roles = ["operator"], networkAccess = false, facilityIds = [], ...rest }) {
    return this.call("POST", "api/admin/users", { username, displayName, roles, networkAccess, facilityIds, ...rest });
  }

  /**
   * createActiveUser makes a user that can sign in right away with `password`:
   * created with a temporary password, which is then replaced through the
   * user's own forced change (API, not the browser).
   */
  async createActiveUser({ password, ...fields }) {
    const temporary = `Temp-${password}`;
    const user = await this.createUser({ ...fields, temporaryPassword: temporary });
    const as = new ApiClient(this.base);
    const login = await as.call("POST", "api/auth/login", { username: fields.username, password: temporary });
    if (login.status !== "password_change_required") throw new Error(`createActiveUser: login answered ${login.status}`);
    await as.call("POST", "api/auth/password/change", { currentPassword: temporary, newPassword: password, newPasswordRepeat: password });
    await as.call("POST", "api/auth/logout", {});
    return user;
  }

  /** setParameters merges a partial Parameters document over the current one. */
  setParameters(partial) {
    return this.call("PUT", "api/admin/parameters", partial);
  }

  /** users lists users (optionally with a query). */
  async users(query = "") {
    return (await this.call("GET", `api/admin/users?query=${encodeURIComponent(query)}`)).items;
  }

  /** user finds one user by username. */
  async user(username) {
    const found = (await this.users(username)).find((u) => u.username === username);
    if (!found) throw new Error(`no user ${username}`);
    return found;
  }
}

/**
 * readMail returns the newest mail to `to` from the local outbox (GET
 * /_dev/mail), waiting up to 5 s for it, with `link`: the first
 * set-password or reset link in it.
 */
export async function readMail(origin, to, { subject, after = 0, timeout = 5000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const res = await fetch(`${origin}/_dev/mail`);
    const { items = [] } = await res.json();
    const mail = items.find((m) => m.to.toLowerCase() === to.toLowerCase()
      && (!subject || subject.test(m.subject))
      && (!after || Date.parse(m.sentAt) >= after));
    if (mail) {
      const m = /https?:\/\/[^\s"'<>]+#\/[a-z-]+\?token=[A-Za-z0-9_\-.~%]+/.exec(mail.text) || /https?:\/\/[^\s"'<>]+#\/[a-z-]+\?token=[A-Za-z0-9_\-.~%]+/.exec(mail.html);
      return { ...mail, link: m ? m[0].replace(/&amp;/g, "&") : null };
    }
    if (Date.now() > deadline) {
      throw new Error(`no mail to ${to}${subject ? ` matching ${subject}` : ""} in the outbox; it holds: ${items.map((m) => `${m.to}: ${m.subject}`).join(" | ") || "nothing"}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
