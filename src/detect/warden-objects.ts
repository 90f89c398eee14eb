/**
 * How Warden names the objects its containment keeps in the tenant: the conditional access policies and
 * the groups they target. A change to one of them that Warden did not make (Warden's own changes never
 * reach the detectors) may undo containment: a contained user taken out of the group, the policy edited
 * or deleted (issue 18, point 10).
 */
export const WARDEN_POLICY_PREFIX = "Warden containment:";
export const WARDEN_GROUP_PREFIX = "Warden contained:";

/** Whether a display name is one Warden gives its containment objects (an attacker may rename them). */
export function isWardenObjectName(name: string | undefined): boolean {
  const n = name?.trim().toLowerCase() ?? "";
  return n.startsWith(WARDEN_POLICY_PREFIX.toLowerCase()) || n.startsWith(WARDEN_GROUP_PREFIX.toLowerCase());
}
