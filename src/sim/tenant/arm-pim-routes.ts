import express, { type Request, type Response, Router } from "express";
import { armError, needsVersion, singleParam } from "../cloud/http-helpers.js";
import { ancestors, below } from "./arm-authorization-routes.js";
import { eligibilityId, roleDefinitionId, type SimDirectory } from "./directory.js";
import { actorOf } from "./graph-directory-routes.js";
import type { AzureRoleEligibility } from "./model.js";
import { breaksExpirationRule, type ExpirationRule, POLICY_REFUSAL, requestedEnd } from "./pim-settings.js";

const INSTANCES =
  /^(.*?)\/providers\/Microsoft\.Authorization\/roleEligibility(ScheduleInstances|Schedules)$/i;
const REQUEST = /^(.*?)\/providers\/Microsoft\.Authorization\/roleEligibilityScheduleRequests\/([^/]+)$/i;
const POLICY_ASSIGNMENTS = /^(.*?)\/providers\/Microsoft\.Authorization\/roleManagementPolicyAssignments$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PRINCIPAL = /(?:principalId\s+eq\s+'?|assignedTo\(')([0-9a-f-]{36})'?\)?/i;

/**
 * ARM's PIM for Azure roles (api-version 2020-10-01, RoleEligibilityScheduleInstance.json,
 * RoleEligibilityScheduleRequest.json, RoleManagementPolicyAssignment.json): who is eligible for what,
 * the requests that add or remove an eligibility, and each role's settings at a scope.
 */
export function armPimRoutes(directory: SimDirectory): Router {
  const router = Router();
  const tenantId = directory.tenant.id.toLowerCase();

  router.use(express.json({ limit: "1mb" }), (req, res, next) => {
    const path = req.path.replace(/\/+$/, "");
    const instances = INSTANCES.exec(path);
    const request = REQUEST.exec(path);
    const policies = POLICY_ASSIGNMENTS.exec(path);
    const match = instances ?? request ?? policies;
    if (match === null) return next();
    if (!needsVersion(req, res)) return;
    const scope = match[1] || "/";
    const caller = actorOf(res);
    const atRoot = scope === "/" || /^\/providers\/Microsoft\.Management\/managementGroups\//i.test(scope);
    if (atRoot && caller.kind === "app" && !directory.appsReadRootScope) {
      return armError(
        res,
        403,
        "AuthorizationFailed",
        `The client '${caller.appId}' with object id '${caller.servicePrincipalId}' does not have authorization to perform action 'Microsoft.Authorization/roleEligibilityScheduleInstances/read' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      );
    }
    if (instances !== null)
      return listEligibilities(req, res, scope, instances[2]?.toLowerCase() === "schedules");
    if (request !== null) return putRequest(req, res, scope, request[2] ?? "");
    return listPolicyAssignments(req, res, scope);
  });

  /**
   * Filters: atScope(), principalId eq {id}, assignedTo('{id}'); at, above and (without atScope) below.
   * Schedules are every eligibility granted, one that starts later included; instances only those in
   * force now ("RoleEligibilityScheduleInstances - List For Scope" vs "RoleEligibilitySchedules").
   */
  function listEligibilities(req: Request, res: Response, scope: string, schedules: boolean) {
    if (req.method !== "GET")
      return armError(res, 405, "MethodNotAllowed", `${req.method} is not allowed here.`);
    const filter = singleParam(req.query["$filter"]) ?? "";
    const atScope = /atScope\(\)/i.test(filter);
    const principal = PRINCIPAL.exec(filter)?.[1]?.toLowerCase();
    const rest = filter
      .replace(/atScope\(\)/gi, "")
      .replace(PRINCIPAL, "")
      .replace(/\band\b/gi, "")
      .trim();
    if (rest !== "") return armError(res, 400, "InvalidFilter", `The filter '${filter}' is not supported.`);
    const above = new Set(ancestors(scope, tenantId));
    const now = directory.now();
    const rows = [...directory.azureEligibilities.values()].filter(
      (e) =>
        (above.has(e.scope.toLowerCase()) || (!atScope && below(scope, e.scope, tenantId))) &&
        (principal === undefined || e.principalId === principal) &&
        (e.endDateTime === null || Date.parse(e.endDateTime) > now) &&
        (schedules || Date.parse(e.startDateTime) <= now),
    );
    res.json({ value: rows.map((e) => (schedules ? scheduleResource(e) : instanceResource(e))) });
  }

  function putRequest(req: Request, res: Response, scope: string, name: string) {
    if (req.method !== "PUT")
      return armError(res, 405, "MethodNotAllowed", `${req.method} is not allowed here.`);
    if (!GUID.test(name)) {
      return armError(
        res,
        400,
        "InvalidRoleAssignmentRequestId",
        `The request name '${name}' must be a GUID.`,
      );
    }
    const p = ((req.body ?? {}) as { properties?: Record<string, unknown> }).properties ?? {};
    const requestType = p["requestType"];
    const guid = /roleDefinitions\/([0-9a-f-]{36})$/i
      .exec(String(p["roleDefinitionId"] ?? ""))?.[1]
      ?.toLowerCase();
    const principalId = String(p["principalId"] ?? "").toLowerCase();
    if (requestType !== "AdminAssign" && requestType !== "AdminRemove") {
      return armError(
        res,
        400,
        "InvalidRequestContent",
        "requestType must be AdminAssign or AdminRemove here.",
      );
    }
    if (guid === undefined || !directory.azureRoleDefinitions.has(guid)) {
      return armError(
        res,
        400,
        "RoleDefinitionDoesNotExist",
        `The specified role definition '${String(p["roleDefinitionId"])}' does not exist.`,
      );
    }
    if (!directory.users.has(principalId) && !directory.groups.has(principalId)) {
      return armError(
        res,
        400,
        "PrincipalNotFound",
        `Principal ${principalId} does not exist in the directory ${tenantId}.`,
      );
    }
    const info = (p["scheduleInfo"] ?? {}) as {
      startDateTime?: unknown;
      expiration?: Record<string, unknown>;
    };
    const start = info.startDateTime == null ? directory.now() : Date.parse(String(info.startDateTime));
    const end = Number.isNaN(start)
      ? { malformed: "scheduleInfo.startDateTime is not a date" }
      : requestedEnd(info.expiration, start, "arm");
    if ("malformed" in end) return armError(res, 400, "InvalidRequestContent", end.malformed);
    if (
      requestType === "AdminAssign" &&
      breaksExpirationRule(directory.roleSettings("azure", guid).eligibility, start, end.end)
    ) {
      return armError(res, 400, POLICY_REFUSAL.code, POLICY_REFUSAL.message);
    }
    const touched = directory.requestAzureEligibility(actorOf(res), {
      startDateTime: new Date(start).toISOString(),
      name: name.toLowerCase(),
      scope,
      requestType,
      roleDefinitionGuid: guid,
      principalId,
      principalType: directory.groups.has(principalId) ? "Group" : "User",
      endDateTime: end.end === null ? null : new Date(end.end).toISOString(),
    });
    // PIM's answer when there is nothing to remove (the same code Graph gives for Entra roles).
    if (touched === undefined) {
      return armError(res, 400, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.");
    }
    res.status(201).json({
      id: `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/RoleEligibilityScheduleRequests/${name}`,
      name,
      type: "Microsoft.Authorization/RoleEligibilityScheduleRequests",
      properties: {
        targetRoleEligibilityScheduleId: touched.name,
        scope,
        roleDefinitionId: roleDefinitionId(scope, guid),
        principalId,
        principalType: touched.principalType,
        requestType,
        status: requestType === "AdminRemove" ? "Revoked" : "Provisioned",
        scheduleInfo: p["scheduleInfo"] ?? null,
        justification: p["justification"] ?? null,
        createdOn: new Date(directory.now()).toISOString(),
      },
    });
  }

  /** Each role's policy assignment at the scope, with its effective expiration rules. */
  function listPolicyAssignments(req: Request, res: Response, scope: string) {
    if (req.method !== "GET")
      return armError(res, 405, "MethodNotAllowed", `${req.method} is not allowed here.`);
    res.json({
      value: [...directory.azureRoleDefinitions.keys()].map((guid) => {
        const settings = directory.roleSettings("azure", guid);
        const policyId = `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleManagementPolicies/${guid}`;
        return {
          id: `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/${guid}`,
          name: guid,
          type: "Microsoft.Authorization/RoleManagementPolicyAssignment",
          properties: {
            scope,
            roleDefinitionId: roleDefinitionId(scope, guid),
            policyId,
            effectiveRules: [
              expirationRule("Expiration_Admin_Eligibility", "Eligibility", settings.eligibility),
              expirationRule("Expiration_Admin_Assignment", "Assignment", settings.assignment),
            ],
          },
        };
      }),
    });
  }

  return router;
}

/** ARM's RoleEligibilitySchedule: the grant, whether or not it has started. */
function scheduleResource(e: AzureRoleEligibility): Record<string, unknown> {
  const instance = instanceResource(e);
  const { roleEligibilityScheduleId: _, ...properties } = instance["properties"] as Record<string, unknown>;
  return {
    id: eligibilityId(e.scope, e.name),
    name: e.name,
    type: "Microsoft.Authorization/RoleEligibilitySchedules",
    properties,
  };
}

/** ARM's RoleEligibilityScheduleInstance. */
function instanceResource(e: AzureRoleEligibility): Record<string, unknown> {
  const scheduleId = eligibilityId(e.scope, e.name);
  return {
    id: scheduleId.replace("/roleEligibilitySchedules/", "/roleEligibilityScheduleInstances/"),
    name: e.name,
    type: "Microsoft.Authorization/RoleEligibilityScheduleInstances",
    properties: {
      scope: e.scope,
      roleDefinitionId: roleDefinitionId(e.scope, e.roleDefinitionGuid),
      principalId: e.principalId,
      principalType: e.principalType,
      status: "Provisioned",
      roleEligibilityScheduleId: scheduleId,
      startDateTime: e.startDateTime,
      endDateTime: e.endDateTime,
      memberType: "Direct",
      createdOn: e.createdOn,
    },
  };
}

function expirationRule(id: string, level: string, rule: ExpirationRule): Record<string, unknown> {
  return {
    id,
    ruleType: "RoleManagementPolicyExpirationRule",
    isExpirationRequired: rule.isExpirationRequired,
    maximumDuration: rule.maximumDuration,
    target: {
      caller: "Admin",
      operations: ["All"],
      level,
      targetObjects: null,
      inheritableSettings: null,
      enforcedSettings: null,
    },
  };
}
