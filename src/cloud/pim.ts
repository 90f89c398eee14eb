import type { GraphDirectory } from "./graph-directory.js";

/**
 * PIM for Entra roles through Graph: active assignments' schedule instances, the schedule requests that
 * add or remove an active assignment or an eligibility, and the role settings that bound their expiry.
 */

/** A schedule's end in a request (Graph's spelling; arm-rbac.ts maps it to ARM's PascalCase). */
export type PimExpiration =
  | { type: "noExpiration" }
  | { type: "afterDateTime"; endDateTime: string }
  | { type: "afterDuration"; duration: string };

/** A role setting's expiration rule for assignments made by an administrator. */
export interface ExpirationRule {
  isExpirationRequired: boolean;
  /** ISO 8601 duration, e.g. P365D. */
  maximumDuration: string;
}

/** An active Entra role assignment as PIM sees it ("unifiedRoleAssignmentScheduleInstance"). */
export interface AssignmentInstance {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  /** Assigned, or Activated (an eligible user turned it on for a while). */
  assignmentType: string;
  /** null: permanent. */
  endDateTime: string | null;
  roleAssignmentOriginId?: string | null;
}

type Role = { principalId: string; roleDefinitionId: string; directoryScopeId: string };

export function assignmentInstances(graph: GraphDirectory, filter: string): Promise<AssignmentInstance[]> {
  return graph.all<AssignmentInstance>("/roleManagement/directory/roleAssignmentScheduleInstances", {
    $filter: filter,
  });
}

type ScheduleRequest = (
  graph: GraphDirectory,
  action: "adminAssign" | "adminRemove",
  role: Role,
  justification: string,
  expiration?: PimExpiration,
) => Promise<void>;

/** A PIM schedule request to `requests`; an adminAssign ends as `expiration` says (default: never). */
const scheduleRequest =
  (requests: string): ScheduleRequest =>
  async (graph, action, role, justification, expiration) => {
    await graph.client.api(`/roleManagement/directory/${requests}`).post({
      action,
      ...role,
      justification,
      ...(action === "adminAssign" ? { scheduleInfo: scheduleFrom(expiration) } : {}),
    });
  };

/** adminRemove / adminAssign of an active assignment: how PIM-made assignments are taken away and back. */
export const requestActiveAssignment = scheduleRequest("roleAssignmentScheduleRequests");

/** adminRemove / adminAssign of an eligibility. */
export const requestEligibility = scheduleRequest("roleEligibilityScheduleRequests");

function scheduleFrom(expiration: PimExpiration = { type: "noExpiration" }) {
  return { startDateTime: new Date().toISOString(), expiration };
}

interface PolicyAssignment {
  roleDefinitionId: string;
  policy?: { rules?: { id: string; isExpirationRequired?: boolean; maximumDuration?: string }[] };
}

/**
 * An Entra role's expiration rules for an administrator's eligible and active assignments ("List
 * roleManagementPolicyAssignments", filtered by scope and role, rules expanded).
 */
export async function entraExpirationRules(
  graph: GraphDirectory,
  roleDefinitionId: string,
): Promise<{ eligibility?: ExpirationRule; assignment?: ExpirationRule }> {
  const found = await graph.all<PolicyAssignment>("/policies/roleManagementPolicyAssignments", {
    $filter: `scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${roleDefinitionId.replace(/'/g, "''")}'`,
    $expand: "policy($expand=rules)",
  });
  const rules = found[0]?.policy?.rules ?? [];
  const rule = (id: string): ExpirationRule | undefined => {
    const r = rules.find((x) => x.id === id);
    return r?.isExpirationRequired === undefined || r.maximumDuration === undefined
      ? undefined
      : { isExpirationRequired: r.isExpirationRequired, maximumDuration: r.maximumDuration };
  };
  const eligibility = rule("Expiration_Admin_Eligibility");
  const assignment = rule("Expiration_Admin_Assignment");
  return { ...(eligibility ? { eligibility } : {}), ...(assignment ? { assignment } : {}) };
}
