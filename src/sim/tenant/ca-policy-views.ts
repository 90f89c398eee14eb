import type { Request } from "express";
import type { ConditionalAccessPolicy } from "./model.js";

/**
 * A stored conditional access policy as each Graph version shows it. The store keeps the policy as beta
 * has it (beta is a superset: `sessionControls.continuousAccessEvaluation`, for one, exists only there).
 * v1.0 leaves out every property its schema does not declare, as Graph does when it serializes to the
 * version asked for.
 */

/** `true`: keep the value as it is; an object: keep only these properties of it. */
type Shape = { readonly [property: string]: true | Shape };

/**
 * microsoft.graph.conditionalAccessPolicy and the complex types under it, from graph-v1.0.csdl
 * (conditionalAccessConditionSet, conditionalAccessUsers, conditionalAccessApplications,
 * conditionalAccessLocations, conditionalAccessPlatforms, conditionalAccessClientApplications,
 * conditionalAccessDevices, conditionalAccessGrantControls, conditionalAccessSessionControls). Note what
 * is missing: conditionalAccessSessionControls has no continuousAccessEvaluation (nor
 * networkAccessSecurity, globalSecureAccessFilteringProfile), and the condition set no deviceStates or times.
 */
const V1_POLICY: Shape = {
  id: true,
  displayName: true,
  description: true,
  state: true,
  createdDateTime: true,
  modifiedDateTime: true,
  templateId: true,
  conditions: {
    applications: {
      applicationFilter: true,
      excludeApplications: true,
      includeApplications: true,
      includeAuthenticationContextClassReferences: true,
      includeUserActions: true,
    },
    authenticationFlows: true,
    clientApplications: {
      excludeServicePrincipals: true,
      includeServicePrincipals: true,
      servicePrincipalFilter: true,
    },
    clientAppTypes: true,
    devices: { deviceFilter: true },
    insiderRiskLevels: true,
    locations: { excludeLocations: true, includeLocations: true },
    platforms: { excludePlatforms: true, includePlatforms: true },
    servicePrincipalRiskLevels: true,
    signInRiskLevels: true,
    userRiskLevels: true,
    users: {
      excludeGroups: true,
      excludeGuestsOrExternalUsers: true,
      excludeRoles: true,
      excludeUsers: true,
      includeGroups: true,
      includeGuestsOrExternalUsers: true,
      includeRoles: true,
      includeUsers: true,
    },
  },
  grantControls: {
    builtInControls: true,
    customAuthenticationFactors: true,
    operator: true,
    termsOfUse: true,
    authenticationStrength: true,
  },
  sessionControls: {
    applicationEnforcedRestrictions: true,
    cloudAppSecurity: true,
    disableResilienceDefaults: true,
    persistentBrowser: true,
    secureSignInSession: true,
    signInFrequency: true,
  },
};

function project(value: unknown, shape: Shape): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const rule = shape[key];
    // OData annotations (`@odata.type` of a derived type, `authenticationStrength@odata.context`) stay.
    if (key.includes("@odata.")) out[key] = child;
    else if (rule === true) out[key] = child;
    else if (rule !== undefined) out[key] = project(child, rule);
  }
  return out;
}

/** Graph returns every property, null when unset: the two the simulator's store does not keep. */
const withDefaults = (policy: ConditionalAccessPolicy): Record<string, unknown> => ({
  description: null,
  templateId: null,
  ...policy,
});

/** The policy as `GET /v1.0/identity/conditionalAccess/policies` returns it. */
export function v1Policy(policy: ConditionalAccessPolicy): Record<string, unknown> {
  return project(structuredClone(withDefaults(policy)), V1_POLICY) as Record<string, unknown>;
}

/**
 * The policy as `GET /beta/identity/conditionalAccess/policies` returns it: all of it, except that
 * `strictLocation`, an evolvable enum member, reads `unknownFutureValue` unless the request asks for such
 * members: "you must use the `Prefer: include-unknown-enum-members` request header to get ... strictLocation"
 * (beta continuousAccessEvaluationSessionControl resource).
 */
export function betaPolicy(policy: ConditionalAccessPolicy, req: Request): Record<string, unknown> {
  const view = structuredClone(withDefaults(policy));
  const prefer = String(req.get("prefer") ?? "").toLowerCase();
  const cae = (view.sessionControls as Record<string, unknown> | null)?.["continuousAccessEvaluation"] as
    | Record<string, unknown>
    | null
    | undefined;
  if (cae?.["mode"] === "strictLocation" && !prefer.includes("include-unknown-enum-members")) {
    cae["mode"] = "unknownFutureValue";
  }
  return view;
}
