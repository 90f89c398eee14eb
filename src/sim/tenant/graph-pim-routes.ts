import { randomUUID } from "node:crypto";
import express, { Router } from "express";
import { graphError, singleParam } from "../cloud/http-helpers.js";
import type { SimDirectory } from "./directory.js";
import { actorOf } from "./graph-directory-routes.js";
import { acceptedScheduleRequest } from "./graph-role-routes.js";
import type { RoleAssignment } from "./model.js";
import { page, parseFilter } from "./odata.js";
import type { ExpirationRule } from "./pim-settings.js";

const BASE = "/v1.0/roleManagement/directory";

/**
 * Graph's PIM for Entra roles beyond eligibilities: the active assignments' schedule instances, the
 * schedule requests that add or remove an active assignment, and the role settings (role management
 * policies) that bound how long an assignment may last.
 */
export function graphPimRoutes(directory: SimDirectory, baseUrl: () => string): Router {
  const router = Router();
  router.use(express.json({ limit: "1mb" }));

  /**
   * "unifiedRoleAssignmentScheduleInstance": every active assignment, PIM-made or not, with
   * `assignmentType` Assigned or Activated and its end (null: permanent). Expired ones are gone.
   */
  router.get(`${BASE}/roleAssignmentScheduleInstances`, (req, res) => {
    const filter = parseFilter(singleParam(req.query["$filter"]), [
      "principalId",
      "roleDefinitionId",
      "directoryScopeId",
      "assignmentType",
    ]);
    if ("error" in filter) return graphError(res, 400, "Request_UnsupportedQuery", filter.error);
    const now = directory.now();
    const rows = [...directory.roleAssignments.values()]
      .filter((a) => a.schedule?.endDateTime == null || Date.parse(a.schedule.endDateTime) > now)
      .map(instanceOf)
      .filter((row) => filter(row));
    const result = page(rows, req, baseUrl(), {
      defaultTop: 100,
      maxTop: 999,
      context: "roleManagement/directory/roleAssignmentScheduleInstances",
    });
    if ("error" in result) return graphError(res, 400, "Request_BadRequest", result.error);
    res.json(result.body);
  });

  /** "Create roleAssignmentScheduleRequests": adminAssign (within the role's settings) or adminRemove. */
  router.post(`${BASE}/roleAssignmentScheduleRequests`, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const accepted = acceptedScheduleRequest(body, res, directory, "assignment");
    if (accepted === undefined) return;
    const { action, principalId, roleDefinitionId, directoryScopeId, end } = accepted;
    const touched = directory.requestActiveAssignment(
      actorOf(res),
      action,
      { principalId, roleDefinitionId, directoryScopeId },
      end,
    );
    if (touched === undefined) {
      return graphError(res, 400, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.");
    }
    res.status(201).json({
      "@odata.context": `${baseUrl()}/v1.0/$metadata#roleManagement/directory/roleAssignmentScheduleRequests/$entity`,
      id: randomUUID(),
      action,
      principalId,
      roleDefinitionId,
      directoryScopeId,
      status: action === "adminRemove" ? "Revoked" : "Provisioned",
      createdDateTime: new Date(directory.now()).toISOString(),
      justification: typeof body["justification"] === "string" ? body["justification"] : null,
      targetScheduleId: touched.id,
      scheduleInfo: body["scheduleInfo"] ?? null,
    });
  });

  /**
   * "List roleManagementPolicyAssignments": Graph requires `scopeId` and `scopeType` in the filter
   * ("The filter must include scopeId and scopeType"); `$expand=policy($expand=rules)` brings the rules.
   */
  router.get("/v1.0/policies/roleManagementPolicyAssignments", (req, res) => {
    const text = singleParam(req.query["$filter"]) ?? "";
    if (!/\bscopeId\s+eq\b/i.test(text) || !/\bscopeType\s+eq\b/i.test(text)) {
      return graphError(
        res,
        400,
        "BadRequest",
        "The filter must include scopeId and scopeType: e.g. scopeId eq '/' and scopeType eq 'DirectoryRole'.",
      );
    }
    const filter = parseFilter(text, ["scopeId", "scopeType", "roleDefinitionId"]);
    if ("error" in filter) return graphError(res, 400, "Request_UnsupportedQuery", filter.error);
    const expandRules = /policy\s*\(\s*\$expand\s*=\s*rules\s*\)/i.test(
      singleParam(req.query["$expand"]) ?? "",
    );
    const rows = [...directory.entraRoleIds()]
      .map((roleDefinitionId) => {
        const policyId = `DirectoryRole_${directory.tenant.id}_${roleDefinitionId}`;
        const settings = directory.roleSettings("entra", roleDefinitionId);
        return {
          id: `${policyId}_${roleDefinitionId}`,
          policyId,
          scopeId: "/",
          scopeType: "DirectoryRole",
          roleDefinitionId,
          ...(expandRules
            ? {
                policy: {
                  id: policyId,
                  displayName: "DirectoryRole",
                  scopeId: "/",
                  scopeType: "DirectoryRole",
                  rules: [
                    expirationRule("Expiration_Admin_Eligibility", "Eligibility", settings.eligibility),
                    expirationRule("Expiration_Admin_Assignment", "Assignment", settings.assignment),
                  ],
                },
              }
            : {}),
        };
      })
      .filter((row) => filter(row));
    res.json({
      "@odata.context": `${baseUrl()}/v1.0/$metadata#policies/roleManagementPolicyAssignments`,
      value: rows,
    });
  });

  return router;
}

/** An active assignment as its schedule instance. */
function instanceOf(a: RoleAssignment): Record<string, unknown> {
  return {
    id: a.id,
    principalId: a.principalId,
    roleDefinitionId: a.roleDefinitionId,
    directoryScopeId: a.directoryScopeId,
    appScopeId: null,
    startDateTime: a.schedule?.startDateTime ?? null,
    endDateTime: a.schedule?.endDateTime ?? null,
    assignmentType: a.schedule?.assignmentType ?? "Assigned",
    memberType: "Direct",
    roleAssignmentOriginId: a.id,
    roleAssignmentScheduleId: a.id,
  };
}

/** Graph's `unifiedRoleManagementPolicyExpirationRule`. */
function expirationRule(id: string, level: string, rule: ExpirationRule): Record<string, unknown> {
  return {
    "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
    id,
    isExpirationRequired: rule.isExpirationRequired,
    maximumDuration: rule.maximumDuration,
    target: { caller: "Admin", operations: ["all"], level, inheritableSettings: [], enforcedSettings: [] },
  };
}
