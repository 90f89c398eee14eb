import { type Response, Router } from "express";
import { graphError } from "../cloud/http-helpers.js";
import { refusedForPermission } from "./app-permissions.js";
import type { SimDirectory } from "./directory.js";
import { refusedWithoutPremium } from "./licence.js";
import { page } from "./odata.js";
import { activeAdmins, registrationDetails } from "./registration-details.js";
import { anyOption, registrationFilter, registrationOrder, unsupportedOption } from "./registration-query.js";

const BASE = "/v1.0/reports/authenticationMethods/userRegistrationDetails";
const CONTEXT = "reports/authenticationMethods/userRegistrationDetails";

/**
 * Pages of the list. Microsoft documents no page size for it: `$top` is accepted (graph-v1.0.csdl,
 * TopSupported), up to 999, the largest page Graph's directory lists document and the one clients of this
 * report commonly ask for; a larger `$top` is refused rather than quietly cut, so that a client never
 * depends on more. Without `$top` a page holds 100, fewer than Graph may send, so that paging is always
 * exercised: a client must follow `@odata.nextLink` either way.
 */
const DEFAULT_TOP = 100;
const MAX_TOP = 999;

/**
 * Graph v1.0: the authentication methods registration report, one row per user ("List
 * userRegistrationDetails", "Get userRegistrationDetails"). Both need AuditLog.Read.All and an Entra ID P1
 * or P2 licence. Which Graph checks first is not documented; the simulator checks the permission first (an
 * unconsented app on a free tenant is told about the permission), so a client must read either 403 as
 * "cannot read", never as an answer.
 *
 * Not simulated: "Identity and access reports" throttling (5 requests per 10 s per app and tenant) lists
 * authenticationMethod among its resources ("Microsoft Graph service-specific throttling limits"); whether
 * this report is under it is not stated, and src/sim/cloud/documented-limits.ts applies it to auditLogs only.
 */
export function graphReportsRoutes(directory: SimDirectory, baseUrl: () => string): Router {
  const router = Router();

  const refused = (res: Response) =>
    refusedForPermission(res, directory, "AuditLog.Read.All", "reports") ||
    refusedWithoutPremium(res, directory);

  router.get(BASE, (req, res) => {
    if (refused(res)) return;
    const unsupported = unsupportedOption(req);
    if (unsupported !== undefined) {
      return graphError(
        res,
        400,
        "Request_UnsupportedQuery",
        `The query option '${unsupported}' is not supported: this list supports only $filter and $orderby (and $top).`,
      );
    }
    const filter = registrationFilter(req);
    if ("error" in filter) return graphError(res, 400, "Request_UnsupportedQuery", filter.error);
    const order = registrationOrder(req);
    if (order !== undefined && "error" in order)
      return graphError(res, 400, "Request_UnsupportedQuery", order.error);
    const admins = activeAdmins(directory);
    // A user created seconds ago is on no replica yet (SimDirectory.replicationLagMs).
    const rows = [...directory.users.values()]
      .filter((u) => directory.replicated(u.id))
      .map((u) => registrationDetails(u, admins.has(u.id)))
      .filter(filter);
    if (order !== undefined) rows.sort(order);
    const result = page(rows, req, baseUrl(), { defaultTop: DEFAULT_TOP, maxTop: MAX_TOP, context: CONTEXT });
    if ("error" in result) return graphError(res, 400, "Request_BadRequest", result.error);
    res.json(result.body);
  });

  router.get(`${BASE}/:id`, (req, res) => {
    if (refused(res)) return;
    const option = anyOption(req);
    if (option !== undefined) {
      return graphError(
        res,
        400,
        "Request_UnsupportedQuery",
        `The query option '${option}' is not supported: getting one userRegistrationDetails takes none.`,
      );
    }
    const id = String(req.params["id"]);
    const user = directory.users.get(id);
    // Unknown (or still replicating): Graph's 404 for an object that is not there. The report's own wording
    // is not documented; this is the directory's, which the rest of the simulator answers.
    if (user === undefined || !directory.replicated(id)) {
      return graphError(
        res,
        404,
        "Request_ResourceNotFound",
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    // The doc's example wraps the object in "value"; Graph answers a single entity bare, with its context.
    res.json({
      "@odata.context": `${baseUrl()}/v1.0/$metadata#${CONTEXT}/$entity`,
      ...registrationDetails(user, activeAdmins(directory).has(id)),
    });
  });

  return router;
}
