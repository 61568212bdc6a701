// The administration: users, facilities, parameters and the audit log.
// Routes are registered here; "/admin/users/new" before "/admin/users/:id".
// The screens hide what the caller's role may not use; the server decides.
import { t } from "../../i18n.js";
import { route } from "../../router.js";
import { auditScreen } from "./audit.js";
import { facilitiesScreen } from "./facilities.js";
import { newUserScreen } from "./newuser.js";
import { parametersScreen } from "./parameters.js";
import { userScreen } from "./user.js";
import { usersScreen } from "./users.js";

export { adminNav } from "./common.js";

const staff = ["super_admin", "admin", "supervisor"];
const managers = ["super_admin", "admin"];

route("/admin", "session", (ctx) => { ctx.go("/admin/users", { replace: true }); return document.createTextNode(""); },
  { shell: true, roles: staff });
route("/admin/users", "session", usersScreen, { shell: true, roles: staff, title: () => t("admin.users.title") });
route("/admin/users/new", "session", newUserScreen, { shell: true, roles: managers, title: () => t("admin.new.title") });
route("/admin/users/:id", "session", userScreen, { shell: true, roles: staff, title: () => t("admin.users.title") });
route("/admin/facilities", "session", facilitiesScreen, { shell: true, roles: managers, title: () => t("admin.fac.title") });
route("/admin/parameters", "session", parametersScreen, { shell: true, roles: managers, title: () => t("admin.params.title") });
route("/admin/audit", "session", auditScreen, { shell: true, roles: managers, title: () => t("admin.audit.title") });
