import express, { type Request, type Response, Router } from "express";
import { armError, needsVersion, singleParam } from "../cloud/http-helpers.js";
import { assignmentId, roleDefinitionId, type SimDirectory } from "./directory.js";
import { actorOf } from "./graph-directory-routes.js";
import type { AzureRoleAssignment, AzureRoleDefinition } from "./model.js";

const ASSIGNMENTS = /^(.*?)\/providers\/Microsoft\.Authorization\/roleAssignments(?:\/([^/]+))?$/i;
const DEFINITIONS = /^(.*?)\/providers\/Microsoft\.Authorization\/roleDefinitions(?:\/([^/]+))?$/i;
const POLICY = /^\/providers\/Microsoft\.Subscription\/policies\/default$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** ARM's view of an assignment (api-version 2022-04-01). */
function assignmentResource(a: AzureRoleAssignment): Record<string, unknown> {
  return {
    id: assignmentId(a.scope, a.name),
    type: "Microsoft.Authorization/roleAssignments",
    name: a.name,
    properties: {
      roleDefinitionId: roleDefinitionId(a.scope, a.roleDefinitionGuid),
      principalId: a.principalId,
      principalType: a.principalType,
      scope: a.scope,
      condition: null,
      conditionVersion: null,
      createdOn: a.createdOn,
      updatedOn: a.createdOn,
      createdBy: a.createdBy,
      updatedBy: a.createdBy,
      delegatedManagedIdentityResourceId: null,
      description: null,
    },
  };
}

function definitionResource(scope: string, d: AzureRoleDefinition): Record<string, unknown> {
  return {
    id: roleDefinitionId(scope, d.guid),
    type: "Microsoft.Authorization/roleDefinitions",
    name: d.guid,
    properties: {
      roleName: d.roleName,
      type: d.type,
      description: d.description,
      assignableScopes: ["/"],
      permissions: [{ actions: d.actions, notActions: [], dataActions: [], notDataActions: [] }],
    },
  };
}

/**
 * The scopes above a scope, as ARM's inheritance sees them: the simulated tenant keeps every subscription
 * under the root management group (named after the tenant), below the root scope `/`.
 */
export function ancestors(scope: string, tenantId: string): string[] {
  const s = scope.toLowerCase();
  const rootGroup = `/providers/microsoft.management/managementgroups/${tenantId}`;
  if (s === "/") return ["/"];
  if (s.startsWith("/providers/microsoft.management/managementgroups/")) return [s, "/"];
  const subscription = /^\/subscriptions\/[^/]+/.exec(s)?.[0];
  return subscription === undefined
    ? [s]
    : [s, ...(subscription === s ? [] : [subscription]), rootGroup, "/"];
}

export function below(scope: string, candidate: string, tenantId: string): boolean {
  const s = scope.toLowerCase();
  const c = candidate.toLowerCase();
  if (s === "/") return true;
  if (s === `/providers/microsoft.management/managementgroups/${tenantId}`)
    return c.startsWith("/subscriptions/");
  return c.startsWith(`${s}/`);
}

/** ARM: role assignments and definitions at any scope, and the tenant's subscription transfer policy. */
export function armAuthorizationRoutes(directory: SimDirectory): Router {
  const router = Router();
  const tenantId = directory.tenant.id.toLowerCase();

  const subscriptionGone = (scope: string): string | undefined => {
    const id = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1]?.toLowerCase();
    if (id === undefined) return undefined;
    return directory.subscriptions.some((s) => s.subscriptionId.toLowerCase() === id) ? undefined : id;
  };

  router.use(express.json({ limit: "1mb" }), (req, res, next) => {
    const path = req.path.replace(/\/+$/, "");
    const assignments = ASSIGNMENTS.exec(path);
    const definitions = DEFINITIONS.exec(path);
    if (assignments === null && definitions === null && !POLICY.test(path)) return next();
    if (!needsVersion(req, res)) return;
    if (POLICY.test(path)) return policy(req, res);
    const scope = (assignments ?? definitions)?.[1] || "/";
    const caller = actorOf(res);
    const atRoot = scope === "/" || /^\/providers\/Microsoft\.Management\/managementGroups\//i.test(scope);
    if (atRoot && caller.kind === "app" && !directory.appsReadRootScope) {
      return armError(
        res,
        403,
        "AuthorizationFailed",
        `The client '${caller.appId}' with object id '${caller.servicePrincipalId}' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      );
    }
    const gone = subscriptionGone(scope);
    if (gone !== undefined) {
      return armError(res, 404, "SubscriptionNotFound", `The subscription '${gone}' could not be found.`);
    }
    if (definitions !== null) return roleDefinitions(req, res, scope, definitions[2]);
    return roleAssignments(req, res, scope, assignments?.[2]);
  });

  function roleDefinitions(req: Request, res: Response, scope: string, guid: string | undefined) {
    if (req.method !== "GET")
      return armError(res, 405, "MethodNotAllowed", "The simulator reads role definitions only.");
    if (guid === undefined) {
      res.json({
        value: [...directory.azureRoleDefinitions.values()].map((d) => definitionResource(scope, d)),
      });
      return;
    }
    const definition = directory.azureRoleDefinitions.get(guid.toLowerCase());
    if (definition === undefined) {
      return armError(
        res,
        404,
        "RoleDefinitionDoesNotExist",
        `The specified role definition with ID '${guid}' does not exist.`,
      );
    }
    res.json(definitionResource(scope, definition));
  }

  function roleAssignments(req: Request, res: Response, scope: string, name: string | undefined) {
    if (name === undefined) {
      if (req.method !== "GET")
        return armError(res, 405, "MethodNotAllowed", `${req.method} is not allowed here.`);
      const filter = singleParam(req.query["$filter"]) ?? "";
      const atScope = /atScope\(\)/i.test(filter);
      const principal = /(?:principalId\s+eq\s+'|assignedTo\(')([0-9a-f-]{36})'/i
        .exec(filter)?.[1]
        ?.toLowerCase();
      const rest = filter
        .replace(/atScope\(\)/gi, "")
        .replace(/(?:principalId\s+eq\s+'|assignedTo\(')[0-9a-f-]{36}'\)?/gi, "")
        .replace(/\band\b/gi, "")
        .trim();
      if (rest !== "") return armError(res, 400, "InvalidFilter", `The filter '${filter}' is not supported.`);
      const above = new Set(ancestors(scope, tenantId));
      const rows = [...directory.azureAssignments.values()].filter(
        (a) =>
          (above.has(a.scope.toLowerCase()) || (!atScope && below(scope, a.scope, tenantId))) &&
          (principal === undefined || a.principalId.toLowerCase() === principal),
      );
      res.json({ value: rows.map(assignmentResource) });
      return;
    }
    if (!GUID.test(name))
      return armError(
        res,
        400,
        "InvalidRoleAssignmentId",
        `The role assignment ID '${name}' is not valid: it must be a GUID.`,
      );
    const id = assignmentId(scope, name);
    if (req.method === "GET") {
      const found = directory.azureAssignments.get(id.toLowerCase());
      if (found === undefined)
        return armError(res, 404, "RoleAssignmentNotFound", `The role assignment '${name}' is not found.`);
      res.json(assignmentResource(found));
      return;
    }
    if (req.method === "DELETE") {
      const deleted = directory.deleteAzureAssignment(actorOf(res), id);
      if (deleted === undefined) {
        res.status(204).end();
        return;
      }
      res.status(200).json(assignmentResource(deleted));
      return;
    }
    if (req.method === "PUT") {
      const properties = ((req.body ?? {}) as { properties?: Record<string, unknown> }).properties ?? {};
      const definitionGuid = /roleDefinitions\/([0-9a-f-]{36})$/i
        .exec(String(properties["roleDefinitionId"] ?? ""))?.[1]
        ?.toLowerCase();
      const principalId = String(properties["principalId"] ?? "").toLowerCase();
      if (definitionGuid === undefined || !directory.azureRoleDefinitions.has(definitionGuid)) {
        return armError(
          res,
          400,
          "RoleDefinitionDoesNotExist",
          `The specified role definition '${String(properties["roleDefinitionId"])}' does not exist.`,
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
      const principalType = directory.groups.has(principalId) ? "Group" : "User";
      const outcome = directory.putAzureAssignment(actorOf(res), {
        name: name.toLowerCase(),
        scope,
        roleDefinitionGuid: definitionGuid,
        principalId,
        principalType,
      });
      if (outcome.outcome === "conflict") {
        return armError(res, 409, "RoleAssignmentExists", "The role assignment already exists.");
      }
      res.status(outcome.outcome === "created" ? 201 : 200).json(assignmentResource(outcome.assignment));
      return;
    }
    armError(res, 405, "MethodNotAllowed", `${req.method} is not allowed on a role assignment.`);
  }

  function policy(req: Request, res: Response) {
    const resource = () => ({
      id: "/providers/Microsoft.Subscription/policies/default",
      name: "default",
      type: "Microsoft.Subscription/policies",
      properties: {
        policyId: `${tenantId}-default`,
        blockSubscriptionsLeavingTenant: directory.policy.blockSubscriptionsLeavingTenant,
        blockSubscriptionsIntoTenant: directory.policy.blockSubscriptionsIntoTenant,
        exemptedPrincipals: directory.policy.exemptedPrincipals,
      },
      // ARM's common systemData (common-types v2): who last wrote it, of which kind, and when.
      ...(directory.policy.updatedAt === null
        ? {}
        : {
            systemData: {
              lastModifiedAt: directory.policy.updatedAt,
              lastModifiedBy: directory.policy.updatedBy,
              lastModifiedByType: directory.policy.updatedByType,
            },
          }),
    });
    if (req.method === "GET") {
      res.json(resource());
      return;
    }
    if (req.method !== "PUT")
      return armError(res, 405, "MethodNotAllowed", `${req.method} is not allowed on the policy.`);
    const actor = actorOf(res);
    if (!directory.mayWriteTransferPolicy(actor)) {
      // Only a Global Administrator with a direct assignment who elevated access may write it ("Manage
      // Azure subscription policies", Prerequisites); ARM refuses anyone else as it refuses any action the
      // caller holds no role for (AuthorizationFailed, 403), an app always.
      const who =
        actor.kind === "app"
          ? `The client '${actor.appId}' with object id '${actor.servicePrincipalId}'`
          : `The client '${actor.user.userPrincipalName}' with object id '${actor.user.id}'`;
      return armError(
        res,
        403,
        "AuthorizationFailed",
        `${who} does not have authorization to perform action 'Microsoft.Subscription/policies/write' over scope '/providers/Microsoft.Subscription/policies/default' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      );
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const leaving = body["blockSubscriptionsLeavingTenant"];
    const entering = body["blockSubscriptionsIntoTenant"];
    const exempted = body["exemptedPrincipals"] ?? [];
    if (
      typeof leaving !== "boolean" ||
      typeof entering !== "boolean" ||
      !Array.isArray(exempted) ||
      !exempted.every((e) => typeof e === "string" && GUID.test(e))
    ) {
      return armError(
        res,
        400,
        "InvalidRequestContent",
        "blockSubscriptionsLeavingTenant and blockSubscriptionsIntoTenant (booleans) are required; exemptedPrincipals is a list of object ids.",
      );
    }
    directory.writeSubscriptionPolicy(actor, {
      blockSubscriptionsLeavingTenant: leaving,
      blockSubscriptionsIntoTenant: entering,
      exemptedPrincipals: exempted as string[],
    });
    res.json(resource());
  }

  return router;
}
