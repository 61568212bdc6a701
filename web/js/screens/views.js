// #/views — choose the view to work in: the whole network or one facility.
import { api, message } from "../api.js";
import { errorBox, h } from "../dom.js";
import { register, t } from "../i18n.js";
import { route } from "../router.js";
import { state } from "../state.js";

register({
  en: {
    "views.title": "Choose your view",
    "views.intro": "Work with the whole network, or focus on a single facility. You can switch at any time from the top bar.",
    "views.network": "Whole network",
    "views.network.text": "Summaries across all facilities",
    "views.facility.text": "Facility view",
    "views.current": "Current view",
    "views.section.network": "Network",
    "views.section.facilities": "Facilities",
    "views.filter": "Filter facilities",
    "views.filter.none": "No facility matches “{query}”.",
    "views.empty.title": "No view available yet",
    "views.empty.text": "Your account isn't assigned to the network or to any facility yet. Ask your administrator to give you access.",
    "views.count": "{n} facilities",
    "views.count.one": "1 facility",
  },
  de: {
    "views.title": "Ansicht wählen",
    "views.intro": "Arbeiten Sie mit dem gesamten Netzwerk oder konzentrieren Sie sich auf einen einzelnen Standort. Sie können jederzeit über die obere Leiste wechseln.",
    "views.network": "Gesamtes Netzwerk",
    "views.network.text": "Übersichten über alle Standorte",
    "views.facility.text": "Standortansicht",
    "views.current": "Aktuelle Ansicht",
    "views.section.network": "Netzwerk",
    "views.section.facilities": "Standorte",
    "views.filter": "Standorte filtern",
    "views.filter.none": "Kein Standort passt zu „{query}“.",
    "views.empty.title": "Noch keine Ansicht verfügbar",
    "views.empty.text": "Ihr Konto ist noch keinem Netzwerk und keinem Standort zugeordnet. Bitten Sie Ihre Administration um Zugang.",
    "views.count": "{n} Standorte",
    "views.count.one": "1 Standort",
  },
});

function isCurrent(cur, type, id) {
  if (!cur) return false;
  if (type === "network") return cur.type === "network";
  return cur.type === "facility" && cur.facilityId === id;
}

async function views(ctx) {
  const res = await api("GET", "api/auth/views");
  const header = h("div", { class: "page-header" },
    h("div", {}, h("h1", {}, t("views.title")), h("p", { class: "muted page-intro" }, t("views.intro"))));
  if (!res.ok) {
    return h("div", { "data-testid": "views" }, header, h("div", { class: "error", role: "alert" }, message(res)));
  }
  const data = res.body || {};
  const facilities = [...(data.facilities || [])].sort((a, b) => a.name.localeCompare(b.name));
  const cur = data.current || (state.session && state.session.view);
  const err = errorBox();

  if (!data.network && facilities.length === 0) {
    header.querySelector(".page-intro").remove();
    return h("div", { "data-testid": "views" }, header,
      h("div", { class: "panel views-empty" },
        h("div", { class: "empty-icon", "aria-hidden": "true" }),
        h("h2", {}, t("views.empty.title")),
        h("p", { class: "muted" }, t("views.empty.text"))));
  }

  const all = [];
  const select = async (tile, body) => {
    err.set("");
    all.forEach((b) => { b.disabled = true; });
    tile.setAttribute("aria-busy", "true");
    const r = await api("POST", "api/auth/views/select", body);
    if (r.ok) {
      state.session = r.body;
      ctx.go("/home");
      return;
    }
    all.forEach((b) => { b.disabled = false; });
    tile.removeAttribute("aria-busy");
    err.set(message(r));
    err.scrollIntoView({ block: "nearest" });
  };
  const tile = (type, id, name, sub) => {
    const current = isCurrent(cur, type, id);
    const btn = h("button", {
      type: "button", class: `tile view-tile ${type}`, "aria-current": current ? "true" : null,
      "data-view": type, "data-facility-id": id || null,
    },
    h("span", { class: `tile-icon ${type}`, "aria-hidden": "true" }),
    h("span", { class: "tile-text" },
      h("span", { class: "tile-name" }, name),
      h("span", { class: "muted" }, sub),
      current ? h("span", { class: "badge info tile-badge" }, t("views.current")) : null));
    btn.addEventListener("click", () => select(btn, type === "network" ? { type } : { type, facilityId: id }));
    all.push(btn);
    return btn;
  };

  const sections = [];
  if (data.network) {
    sections.push(h("section", { class: "view-section", "aria-labelledby": "views-network" },
      h("h2", { id: "views-network" }, t("views.section.network")),
      h("div", { class: "tiles" }, tile("network", null, t("views.network"), t("views.network.text")))));
  }
  if (facilities.length) {
    const tiles = facilities.map((f) => ({ f, node: tile("facility", f.id, f.name, t("views.facility.text")) }));
    const grid = h("div", { class: "tiles" }, tiles.map((x) => x.node));
    const none = h("p", { class: "muted", hidden: true, role: "status" });
    let filter = null;
    if (facilities.length > 8) {
      const input = h("input", { id: "views-filter", type: "search", autocomplete: "off", "aria-controls": "views-facilities" });
      input.addEventListener("input", () => {
        const q = input.value.trim().toLocaleLowerCase();
        let shown = 0;
        for (const { f, node } of tiles) {
          const hit = !q || f.name.toLocaleLowerCase().includes(q);
          node.hidden = !hit;
          if (hit) shown += 1;
        }
        none.hidden = shown > 0;
        none.textContent = shown ? "" : t("views.filter.none", { query: input.value.trim() });
      });
      filter = h("div", { class: "field view-filter" }, h("label", { for: "views-filter" }, t("views.filter")), input);
    }
    grid.id = "views-facilities";
    sections.push(h("section", { class: "view-section", "aria-labelledby": "views-facilities-h" },
      h("div", { class: "section-head" },
        h("h2", { id: "views-facilities-h" }, t("views.section.facilities")),
        h("span", { class: "muted" }, facilities.length === 1 ? t("views.count.one") : t("views.count", { n: facilities.length }))),
      filter, grid, none));
  }
  return h("div", { "data-testid": "views" }, header, err, sections);
}

route("/views", "session", views, { shell: true, title: () => t("views.title") });
