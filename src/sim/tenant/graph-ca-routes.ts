import express, { type Request, type Response, Router } from "express";
import { graphError } from "../cloud/http-helpers.js";
import { refusedForPermission } from "./app-permissions.js";
import { betaPolicy, v1Policy } from "./ca-policy-views.js";
import type { SimDirectory } from "./directory.js";
import { actorOf } from "./graph-directory-routes.js";
import { conditionalAccessWriteRefusal } from "./licence.js";
import type { ConditionalAccessPolicy } from "./model.js";
import { page } from "./odata.js";

const BASE = "/v1.0/identity/conditionalAccess/policies";
const BETA = "/beta/identity/conditionalAccess/policies";
const STATES = ["enabled", "disabled", "enabledForReportingButNotEnforced"];

/** What Graph refuses in a policy body, in its words; undefined when the body is acceptable. */
function invalidPolicy(body: Record<string, unknown>, partial: boolean): string | undefined {
  if (!partial && typeof body["displayName"] !== "string") return "displayName is required.";
  if ((!partial || "state" in body) && !STATES.includes(String(body["state"]))) {
    return `state must be one of ${STATES.join(", ")}.`;
  }
  const conditions = body["conditions"] as Record<string, unknown> | undefined;
  if (!partial || conditions !== undefined) {
    if (typeof conditions !== "object" || conditions === null) return "conditions is required.";
    if (typeof conditions["users"] !== "object") return "conditions.users is required.";
    if (typeof conditions["applications"] !== "object") return "conditions.applications is required.";
  }
  const grant = body["grantControls"] as Record<string, unknown> | undefined;
  if (!partial && (typeof grant !== "object" || grant === null) && body["sessionControls"] == null) {
    return "A policy needs grantControls or sessionControls.";
  }
  if (grant !== undefined && grant !== null && !Array.isArray(grant["builtInControls"])) {
    return "grantControls.builtInControls must be an array.";
  }
  return undefined;
}

/** Graph: conditional access policies (list, create, read, update, delete). */
export function graphConditionalAccessRoutes(directory: SimDirectory, baseUrl: () => string): Router {
  const router = Router();
  router.use(express.json({ limit: "1mb" }));

  // Reading policies needs Policy.Read.All (app-permissions.ts), on any licence: without one "Remaining
  // policies can be viewed and deleted, but no longer updated" (licence.ts).
  const mayRead = (res: Response) =>
    !refusedForPermission(res, directory, "Policy.Read.All", "conditionalAccess");
  const mayWrite = (res: Response) =>
    !refusedForPermission(res, directory, "Policy.ReadWrite.ConditionalAccess", "conditionalAccess");

  /** The list in one Graph version: v1.0 leaves out what its schema lacks, beta shows it all. */
  const list = (version: "v1.0" | "beta") => (req: Request, res: Response) => {
    if (!mayRead(res)) return;
    // A policy still replicating is in no list yet (SimDirectory.replicationLagMs).
    const rows = [...directory.caPolicies.values()]
      .filter((p) => directory.replicated(p.id))
      .map((p) => (version === "beta" ? betaPolicy(p, req) : v1Policy(p)));
    const result = page(rows, req, baseUrl(), {
      defaultTop: 100,
      maxTop: 999,
      context: "identity/conditionalAccess/policies",
    });
    if ("error" in result) return graphError(res, 400, "Request_BadRequest", result.error);
    if (version === "beta") {
      result.body["@odata.context"] = `${baseUrl()}/beta/$metadata#identity/conditionalAccess/policies`;
    }
    res.json(result.body);
  };
  const one = (version: "v1.0" | "beta") => (req: Request, res: Response) => {
    if (!mayRead(res)) return;
    const id = String(req.params["id"]);
    const policy = directory.replicated(id) ? directory.caPolicies.get(id) : undefined;
    if (policy === undefined)
      return graphError(res, 404, "Request_ResourceNotFound", `Policy '${req.params["id"]}' does not exist.`);
    res.json({
      "@odata.context": `${baseUrl()}/${version}/$metadata#identity/conditionalAccess/policies/$entity`,
      ...(version === "beta" ? betaPolicy(policy, req) : v1Policy(policy)),
    });
  };
  router.get(BASE, list("v1.0"));
  // Graph beta: the same policies with beta's properties, continuousAccessEvaluation among them
  // (conditionalAccessSessionControls, beta). Throttled with v1.0's: the path has /conditionalAccess/.
  router.get(BETA, list("beta"));

  // "List namedLocations": IP named locations as Graph types them (ipNamedLocation, CIDR ranges typed
  // by family).
  router.get("/v1.0/identity/conditionalAccess/namedLocations", (_req, res) => {
    if (!mayRead(res)) return;
    res.json({
      "@odata.context": `${baseUrl()}/v1.0/$metadata#identity/conditionalAccess/namedLocations`,
      value: directory.namedLocations.map((l) => ({
        "@odata.type": "#microsoft.graph.ipNamedLocation",
        id: l.id,
        displayName: l.displayName,
        isTrusted: l.isTrusted,
        ipRanges: l.ipRanges.map((cidrAddress) => ({
          "@odata.type": cidrAddress.includes(":")
            ? "#microsoft.graph.iPv6CidrRange"
            : "#microsoft.graph.iPv4CidrRange",
          cidrAddress,
        })),
      })),
    });
  });

  router.get("/v1.0/policies/identitySecurityDefaultsEnforcementPolicy", (_req, res) => {
    if (!mayRead(res)) return;
    res.json({
      "@odata.context": `${baseUrl()}/v1.0/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity`,
      id: "00000000-0000-0000-0000-000000000005",
      displayName: "Security Defaults",
      description:
        "Security defaults is a set of basic identity security mechanisms recommended by Microsoft.",
      isEnabled: directory.securityDefaultsEnabled,
    });
  });

  router.post(BASE, (req, res) => {
    if (!mayWrite(res)) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const unlicensed = conditionalAccessWriteRefusal(
      directory,
      body["conditions"] as Record<string, unknown> | undefined,
    );
    if (unlicensed !== undefined) return graphError(res, 400, "BadRequest", unlicensed);
    // Security Defaults and conditional access do not go together: Graph refuses the policy (400).
    if (directory.securityDefaultsEnabled)
      return graphError(
        res,
        400,
        "BadRequest",
        "Security Defaults is enabled in the tenant. Disable Security Defaults to create Conditional Access policies.",
      );
    const invalid = invalidPolicy(body, false);
    if (invalid !== undefined) return graphError(res, 400, "BadRequest", invalid);
    const policy = directory.createCaPolicy(actorOf(res), {
      displayName: String(body["displayName"]),
      state: body["state"] as ConditionalAccessPolicy["state"],
      conditions: body["conditions"] as Record<string, unknown>,
      grantControls: (body["grantControls"] as Record<string, unknown> | undefined) ?? null,
      sessionControls: (body["sessionControls"] as Record<string, unknown> | undefined) ?? null,
    });
    directory.justCreated(policy.id);
    res.status(201).json({
      "@odata.context": `${baseUrl()}/v1.0/$metadata#identity/conditionalAccess/policies/$entity`,
      ...v1Policy(policy),
    });
  });

  router.get(`${BASE}/:id`, one("v1.0"));
  router.get(`${BETA}/:id`, one("beta"));

  router.patch(`${BASE}/:id`, (req, res) => {
    if (!mayWrite(res)) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    // The policy as it would be: a P1 tenant may not touch one with risk conditions, even to change its state.
    const unlicensed = conditionalAccessWriteRefusal(
      directory,
      (body["conditions"] ?? directory.caPolicies.get(String(req.params["id"]))?.conditions) as
        | Record<string, unknown>
        | undefined,
    );
    if (unlicensed !== undefined) return graphError(res, 400, "BadRequest", unlicensed);
    const invalid = invalidPolicy(body, true);
    if (invalid !== undefined) return graphError(res, 400, "BadRequest", invalid);
    const patch: Partial<ConditionalAccessPolicy> = {};
    if (typeof body["displayName"] === "string") patch.displayName = body["displayName"];
    if (typeof body["state"] === "string") patch.state = body["state"] as ConditionalAccessPolicy["state"];
    if (body["conditions"] !== undefined) patch.conditions = body["conditions"] as Record<string, unknown>;
    if (body["grantControls"] !== undefined)
      patch.grantControls = body["grantControls"] as Record<string, unknown>;
    if (body["sessionControls"] !== undefined)
      patch.sessionControls = body["sessionControls"] as Record<string, unknown> | null;
    const id = String(req.params["id"]);
    const updated = directory.replicated(id) ? directory.updateCaPolicy(actorOf(res), id, patch) : undefined;
    if (updated === undefined)
      return graphError(res, 404, "Request_ResourceNotFound", `Policy '${req.params["id"]}' does not exist.`);
    res.status(204).end();
  });

  router.delete(`${BASE}/:id`, (req, res) => {
    if (!mayWrite(res)) return;
    if (!directory.deleteCaPolicy(actorOf(res), String(req.params["id"]))) {
      return graphError(res, 404, "Request_ResourceNotFound", `Policy '${req.params["id"]}' does not exist.`);
    }
    res.status(204).end();
  });

  return router;
}
