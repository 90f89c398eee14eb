import type { GraphCaPolicy } from "../../cloud/graph-directory.js";
import type { RespondContext } from "../types.js";

/** One of Warden's containment policies: which control it requires of the group's members. */
export interface PolicyIntent {
  policyName: string;
  control: "mfa" | "block";
}

/** The policy Warden creates: its group, every cloud app, every client, break-glass accounts excluded. */
export function policyBody(ctx: RespondContext, c: PolicyIntent, groupId: string): Omit<GraphCaPolicy, "id"> {
  return {
    displayName: c.policyName,
    state: ctx.settings.policyState,
    conditions: {
      users: { includeGroups: [groupId], excludeUsers: [...ctx.settings.breakGlassIds] },
      applications: { includeApplications: ["All"] },
      clientAppTypes: ["all"],
    },
    grantControls: { operator: "OR", builtInControls: [c.control] },
  };
}

/**
 * The same policy as an update that leaves nothing else in place: every list a Global Administrator could
 * fill to hollow the policy out (an excluded group or role, an excluded app, a location or platform it
 * would not apply in, a weaker grant to choose instead) is written empty, every optional condition null.
 */
export function policyRestore(
  ctx: RespondContext,
  c: PolicyIntent,
  groupId: string,
): Pick<GraphCaPolicy, "state" | "conditions" | "grantControls"> & { sessionControls: null } {
  return {
    state: ctx.settings.policyState,
    conditions: {
      users: {
        includeUsers: [],
        excludeUsers: [...ctx.settings.breakGlassIds],
        includeGroups: [groupId],
        excludeGroups: [],
        includeRoles: [],
        excludeRoles: [],
        includeGuestsOrExternalUsers: null,
        excludeGuestsOrExternalUsers: null,
      },
      applications: {
        includeApplications: ["All"],
        excludeApplications: [],
        includeUserActions: [],
        includeAuthenticationContextClassReferences: [],
        applicationFilter: null,
      },
      clientAppTypes: ["all"],
      signInRiskLevels: [],
      userRiskLevels: [],
      servicePrincipalRiskLevels: [],
      locations: null,
      platforms: null,
      devices: null,
      clientApplications: null,
      authenticationFlows: null,
      insiderRiskLevels: null,
    } as GraphCaPolicy["conditions"],
    grantControls: {
      operator: "OR",
      builtInControls: [c.control],
      customAuthenticationFactors: [],
      termsOfUse: [],
      // An authentication strength offered in place of MFA is a weaker grant too.
      authenticationStrength: null,
    } as GraphCaPolicy["grantControls"],
    sessionControls: null,
  };
}

/**
 * Whether the policy in the tenant is exactly Warden's: state, every condition, the grant and the session
 * controls compared whole (issue 18, point 10). Comparing a few fields let a Global Administrator exclude
 * a group, an app or a location, or add a weaker grant to choose instead, and verification still passed.
 * Graph's empty values (null, [], {}) and OData annotations say nothing and are left out; lists compare
 * as sets, ids without regard to case.
 */
export function policyIsRight(
  ctx: RespondContext,
  c: PolicyIntent,
  policy: GraphCaPolicy,
  groupId: string,
): boolean {
  const wanted = policyBody(ctx, c, groupId);
  const shape = (p: {
    state: unknown;
    conditions: unknown;
    grantControls: unknown;
    sessionControls?: unknown;
  }) =>
    JSON.stringify(
      meaning({
        state: p.state,
        conditions: p.conditions,
        grantControls: p.grantControls,
        sessionControls: p.sessionControls,
      }),
    );
  return shape(policy as GraphCaPolicy & { sessionControls?: unknown }) === shape(wanted);
}

/** What a JSON value says: empty values and annotations dropped, keys sorted, lists as sorted sets. */
function meaning(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value.toLowerCase();
  if (Array.isArray(value)) {
    const items = [...new Set(value.map((v) => JSON.stringify(meaning(v))))].filter((v) => v !== undefined);
    return items.length === 0 ? undefined : items.sort();
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !key.includes("@odata."))
      .map(([key, v]) => [key, meaning(v)] as const)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  return value;
}
