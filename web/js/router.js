// Hash routing: "#/path/segments?query". Routes are registered with a
// pattern ("/admin/users/:id") and an access level; main.js decides where a
// visitor may go from the session it holds.

const routes = [];

/**
 * route registers a screen.
 *  pattern: "/login", "/admin/users/:id"
 *  access:  "public" (signed out), "any" (everyone), "session" (signed in, unrestricted),
 *           "restricted" (a restricted session's own screens)
 *  render:  (ctx) => Node | Promise<Node>; ctx = {params, query, state, go, refresh}
 *  options: {shell: true} draws the signed-in header around it; {roles: [...]} limits it.
 */
export function route(pattern, access, render, options = {}) {
  const keys = [];
  const regex = new RegExp("^" + pattern.replace(/:(\w+)/g, (m, k) => { keys.push(k); return "([^/]+)"; }) + "$");
  routes.push({ pattern, access, render, options, regex, keys });
}

/** current parses location.hash into {path, query}. */
export function current() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?");
  return { path: path || "/", query: new URLSearchParams(query) };
}

/** match finds the route for a path, with its params. */
export function match(path) {
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (m) {
      const params = {};
      r.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
      return { route: r, params };
    }
  }
  return null;
}

/** go navigates to a hash path ("/home"); replace avoids a history entry. */
export function go(path, { replace = false } = {}) {
  const target = "#" + path;
  if (location.hash === target) {
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else if (replace) {
    history.replaceState(null, "", location.pathname + location.search + target);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    location.hash = target;
  }
}
