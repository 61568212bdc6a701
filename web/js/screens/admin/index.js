// The administration: users, help requests, facilities, parameters, single
// sign-on and the audit log. Routes are registered here; "/admin/users/new"
// before "/admin/users/:id", "/admin/sso/new" before "/admin/sso/:id".
// The screens hide what the caller's role may not use; the server decides.
import { t } from "../../i18n.js";
import { route } from "../../router.js";
import { auditScreen } from "./audit.js";
import { facilitiesScreen } from "./facilities.js";
import { helpScreen } from "./help.js";
import { newUserScreen } from "./newuser.js";
import { parametersScreen } from "./parameters.js";
import { ssoEditScreen, ssoScreen } from "./sso.js";
import { userScreen } from "./user.js";
import { usersScreen } from "./users.js";

export { adminNav } from "./common.js";

const staff = ["super_admin", "admin", "supervisor"];
const managers = ["super_admin", "admin"];
const superAdmins = ["super_admin"];

route("/admin", "session", (ctx) => { ctx.go("/admin/users", { replace: true }); return document.createTextNode(""); },
  { shell: true, roles: staff });
route("/admin/users", "session", usersScreen, { shell: true, roles: staff, title: () => t("admin.users.title") });
route("/admin/users/new", "session", newUserScreen, { shell: true, roles: managers, title: () => t("admin.new.title") });
route("/admin/users/:id", "session", userScreen, { shell: true, roles: staff, title: () => t("admin.users.title") });
route("/admin/facilities", "session", facilitiesScreen, { shell: true, roles: managers, title: () => t("admin.fac.title") });
route("/admin/parameters", "session", parametersScreen, { shell: true, roles: managers, title: () => t("admin.params.title") });
route("/admin/help", "session", helpScreen, { shell: true, roles: staff, title: () => t("admin.help.title") });
route("/admin/sso", "session", ssoScreen, { shell: true, roles: superAdmins, title: () => t("admin.sso.title") });
route("/admin/sso/new", "session", ssoEditScreen, { shell: true, roles: superAdmins, title: () => t("admin.sso.new.title") });
route("/admin/sso/:id", "session", ssoEditScreen, { shell: true, roles: superAdmins, title: () => t("admin.sso.title") });
route("/admin/audit", "session", auditScreen, { shell: true, roles: managers, title: () => t("admin.audit.title") });
