import { randomUUID } from "node:crypto";
import express, { type Request, type Response, Router } from "express";
import { graphError, singleParam } from "../cloud/http-helpers.js";
import { SIM_ENTRA_ROLE_NAMES } from "./builtin-roles.js";
import type { SimDirectory } from "./directory.js";
import { actorOf, groupResource, userResource } from "./graph-directory-routes.js";
import { page, parseFilter } from "./odata.js";
import { breaksExpirationRule, POLICY_REFUSAL, requestedEnd } from "./pim-settings.js";

const BASE = "/v1.0/roleManagement/directory";

/** Graph: Entra role definitions, active role assignments and PIM eligibilities. */
export function graphRoleRoutes(directory: SimDirectory, baseUrl: () => string): Router {
  const router = Router();
  router.use(express.json({ limit: "1mb" }));

  /** `$expand=principal` adds the assigned user or group, typed as Graph types it. */
  const principal = (req: Request, principalId: string): Record<string, unknown> => {
    if (!/\bprincipal\b/i.test(singleParam(req.query["$expand"]) ?? "")) return {};
    const user = directory.users.get(principalId);
    if (user !== undefined)
      return { principal: { "@odata.type": "#microsoft.graph.user", ...userResource(user) } };
    const group = directory.groups.get(principalId);
    if (group !== undefined) {
      return { principal: { "@odata.type": "#microsoft.graph.group", ...groupResource(group) } };
    }
    return { principal: null };
  };

  router.get(`${BASE}/roleDefinitions`, (req, res) => {
    const filter = parseFilter(req.query["$filter"] as string | undefined, [
      "id",
      "templateId",
      "displayName",
    ]);
    if ("error" in filter) return graphError(res, 400, "Request_UnsupportedQuery", filter.error);
    const rows = Object.entries(SIM_ENTRA_ROLE_NAMES)
      .map(([id, displayName]) => ({
        id,
        templateId: id,
        displayName,
        description: `Built-in role ${displayName}.`,
        isBuiltIn: true,
        isEnabled: true,
      }))
      .filter(filter);
    const result = page(rows, req, baseUrl(), { defaultTop: 100, maxTop: 999, context: "roleDefinitions" });
    if ("error" in result) return graphError(res, 400, "Request_BadRequest", result.error);
    res.json(result.body);
  });

  /** The 400 Graph would give for `in` or `$top` here, when the test asks for it (refusesUndocumentedRoleQueries). */
  const refusedQuery = (req: Request, res: Response): boolean => {
    if (!directory.refusesUndocumentedRoleQueries) return false;
    const filter = String(req.query["$filter"] ?? "");
    if (!/\sin\s*\(/i.test(filter) && req.query["$top"] === undefined) return false;
    graphError(
      res,
      400,
      "Request_UnsupportedQuery",
      "Unsupported query: the in operator and $top are not supported here.",
    );
    return true;
  };

  router.get(`${BASE}/roleAssignments`, (req, res) => {
    if (refusedQuery(req, res)) return;
    const filter = parseFilter(req.query["$filter"] as string | undefined, [
      "id",
      "principalId",
      "roleDefinitionId",
      "directoryScopeId",
    ]);
    if ("error" in filter) return graphError(res, 400, "Request_UnsupportedQuery", filter.error);
    const rows = [...directory.roleAssignments.values()]
      .filter((a) => filter({ ...a }))
      .map((a) => ({ ...a, ...principal(req, a.principalId) }));
    const result = page(rows, req, baseUrl(), { defaultTop: 100, maxTop: 999, context: "roleAssignments" });
    if ("error" in result) return graphError(res, 400, "Request_BadRequest", result.error);
    res.json(result.body);
  });

  router.post(`${BASE}/roleAssignments`, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { principalId, roleDefinitionId, directoryScopeId } = body;
    if (
      typeof principalId !== "string" ||
      typeof roleDefinitionId !== "string" ||
      typeof directoryScopeId !== "string"
    ) {
      return graphError(
        res,
        400,
        "Request_BadRequest",
        "principalId, roleDefinitionId and directoryScopeId are required.",
      );
    }
    if (!directory.users.has(principalId) && !directory.groups.has(principalId)) {
      return graphError(res, 404, "Request_ResourceNotFound", `Principal '${principalId}' does not exist.`);
    }
    if (SIM_ENTRA_ROLE_NAMES[roleDefinitionId] === undefined) {
      return graphError(
        res,
        404,
        "Request_ResourceNotFound",
        `Role definition '${roleDefinitionId}' does not exist.`,
      );
    }
    const assignment = directory.createRoleAssignmentBy(
      actorOf(res),
      principalId,
      roleDefinitionId,
      directoryScopeId,
    );
    res.status(201).json({
      "@odata.context": `${baseUrl()}/v1.0/$metadata#roleManagement/directory/roleAssignments/$entity`,
      ...assignment,
    });
  });

  router.delete(`${BASE}/roleAssignments/:id`, (req, res) => {
    const removed = directory.deleteRoleAssignment(actorOf(res), String(req.params["id"]));
    if (removed === "managed-by-pim") {
      // Graph's exact words for this are not documented; the rule is (see deleteRoleAssignment).
      return graphError(
        res,
        400,
        "Request_BadRequest",
        "The role assignment is managed by Privileged Identity Management: remove it with a roleAssignmentScheduleRequest (adminRemove).",
      );
    }
    if (removed === undefined) {
      return graphError(
        res,
        404,
        "Request_ResourceNotFound",
        `Role assignment '${req.params["id"]}' does not exist.`,
      );
    }
    res.status(204).end();
  });

  router.get(`${BASE}/roleEligibilitySchedules`, (req, res) => {
    if (refusedQuery(req, res)) return;
    const filter = parseFilter(req.query["$filter"] as string | undefined, [
      "id",
      "principalId",
      "roleDefinitionId",
      "directoryScopeId",
    ]);
    if ("error" in filter) return graphError(res, 400, "Request_UnsupportedQuery", filter.error);
    const rows = [...directory.eligibilities.values()]
      .filter((e) => filter({ ...e }))
      .map((e) => ({ ...e, ...principal(req, e.principalId) }));
    const result = page(rows, req, baseUrl(), {
      defaultTop: 100,
      maxTop: 999,
      context: "roleManagement/directory/roleEligibilitySchedules",
    });
    if ("error" in result) return graphError(res, 400, "Request_BadRequest", result.error);
    res.json(result.body);
  });

  router.post(`${BASE}/roleEligibilityScheduleRequests`, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const accepted = acceptedScheduleRequest(body, res, directory, "eligibility");
    if (accepted === undefined) return;
    const { action, principalId, roleDefinitionId, directoryScopeId, end } = accepted;
    const touched = directory.changeEligibility(
      actorOf(res),
      action,
      principalId,
      roleDefinitionId,
      directoryScopeId,
      end === null ? { type: "noExpiration" } : { type: "afterDateTime", endDateTime: end },
    );
    if (touched === undefined) {
      return graphError(res, 400, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.");
    }
    res.status(201).json({
      "@odata.context": `${baseUrl()}/v1.0/$metadata#roleManagement/directory/roleEligibilityScheduleRequests/$entity`,
      id: randomUUID(),
      action,
      principalId,
      roleDefinitionId,
      directoryScopeId,
      status: action === "adminRemove" ? "Revoked" : "Provisioned",
      createdDateTime: new Date().toISOString(),
      justification: typeof body["justification"] === "string" ? body["justification"] : null,
      targetScheduleId: touched.id,
      scheduleInfo: touched.scheduleInfo,
    });
  });

  return router;
}

/** A schedule request's start and end (ms; end null: never), from its `scheduleInfo`. */
export function scheduleOf(
  body: Record<string, unknown>,
  now: number,
): { start: number; end: number | null } | { malformed: string } {
  const info = (body["scheduleInfo"] ?? {}) as {
    startDateTime?: unknown;
    expiration?: Record<string, unknown>;
  };
  const start = info.startDateTime === undefined ? now : Date.parse(String(info.startDateTime));
  if (Number.isNaN(start)) return { malformed: "scheduleInfo.startDateTime is not a date" };
  const end = requestedEnd(info.expiration, start, "graph");
  return "malformed" in end ? end : { start, end: end.end };
}

/**
 * A PIM schedule request's body as Graph checks it (the action, the role, a well-formed schedule, an
 * adminAssign within the role's expiration rule for its `level`), or undefined once refused with Graph's
 * 400. `end` is the schedule's end as ISO text, null for none.
 */
export function acceptedScheduleRequest(
  body: Record<string, unknown>,
  res: Response,
  directory: SimDirectory,
  level: "eligibility" | "assignment",
):
  | {
      action: "adminAssign" | "adminRemove";
      principalId: string;
      roleDefinitionId: string;
      directoryScopeId: string;
      end: string | null;
    }
  | undefined {
  const { action, principalId, roleDefinitionId, directoryScopeId } = body;
  if (
    (action !== "adminAssign" && action !== "adminRemove") ||
    typeof principalId !== "string" ||
    typeof roleDefinitionId !== "string" ||
    typeof directoryScopeId !== "string"
  ) {
    graphError(
      res,
      400,
      "Request_BadRequest",
      "action (adminAssign or adminRemove), principalId, roleDefinitionId and directoryScopeId are required.",
    );
    return undefined;
  }
  const schedule = scheduleOf(body, directory.now());
  if ("malformed" in schedule) {
    graphError(res, 400, "Request_BadRequest", schedule.malformed);
    return undefined;
  }
  const rule = directory.roleSettings("entra", roleDefinitionId)[level];
  if (action === "adminAssign" && breaksExpirationRule(rule, schedule.start, schedule.end)) {
    graphError(res, 400, POLICY_REFUSAL.code, POLICY_REFUSAL.message);
    return undefined;
  }
  const end = schedule.end === null ? null : new Date(schedule.end).toISOString();
  return { action, principalId, roleDefinitionId, directoryScopeId, end };
}
