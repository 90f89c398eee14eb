import type { Principal } from "./event.js";
import { DEFAULT_PRIVILEGED_AZURE_ROLES, DEFAULT_PRIVILEGED_ENTRA_ROLES } from "./roles.js";

/** A group or conditional access policy Warden created for a containment control ("mfa", "block"). */
export interface ContainmentObject {
  /** Its Entra object id. */
  id: string;
  what: "policy" | "group";
  control: string;
}

/** What the detectors can be tuned with; every field has a safe default (see docs/detections.md). */
export interface DetectConfig {
  /** Entra role template ids that count as privileged. */
  privilegedEntraRoles: readonly string[];
  /** Azure role definition ids that count as privileged, besides custom roles that can write role assignments. */
  privilegedAzureRoles: readonly string[];
  /** CIDR ranges (IPv4 or IPv6) that a VM should never be created from: anonymisers, hosting ranges seen in attacks. */
  riskyIpRanges: readonly string[];
  /**
   * The tenant's trusted ranges: its conditional access named locations marked trusted (read live) and any
   * configured. An action from outside them weighs more; from inside, it is never cleared for that (an
   * admin can mark any range trusted).
   */
  trustedIpRanges: readonly string[];
  /** guest-vm-burst fires when a new external principal creates more VMs than this. */
  vmBurstThreshold: number;
  /** An external principal is "new" for this many days after it was invited or added. */
  newPrincipalDays: number;
  /** risky-signin-resource-group: how long after a high-risk sign-in a resource group write still counts. */
  riskySignInWindowHours: number;
  /** Findings that share a principal or subscription within this many hours join one incident. */
  correlationWindowHours: number;
  /** Warden's own app registrations (client ids): changes they make are containment, not attacks. */
  ownAppIds: readonly string[];
  /**
   * Warden's own service principal (object ids). Core Directory logs an app's changes by its service
   * principal, often with `appId` null (group membership changes among them): without it, Warden's own
   * containment would read as someone else's.
   */
  ownServicePrincipalIds: readonly string[];
  /**
   * The groups and policies Warden created for containment, in the tenants being read. Live detection
   * reads them from the store before each run; a change to one by anyone but Warden is
   * `containment-tampered`.
   */
  containmentObjects: readonly ContainmentObject[];
  /** The tenant to attribute records to when the record itself does not say (Graph API items). */
  defaultTenantId: string;
}

export const DEFAULT_DETECT_CONFIG: DetectConfig = {
  privilegedEntraRoles: DEFAULT_PRIVILEGED_ENTRA_ROLES,
  privilegedAzureRoles: DEFAULT_PRIVILEGED_AZURE_ROLES,
  riskyIpRanges: [],
  trustedIpRanges: [],
  vmBurstThreshold: 3,
  newPrincipalDays: 7,
  riskySignInWindowHours: 12,
  correlationWindowHours: 72,
  ownAppIds: [],
  ownServicePrincipalIds: [],
  containmentObjects: [],
  defaultTenantId: "unknown",
};

/** Whether Warden's own app made the change, named by its client id or by its service principal. */
export function isWarden(
  actor: Principal | undefined,
  config: Pick<DetectConfig, "ownAppIds" | "ownServicePrincipalIds">,
): boolean {
  // Only an app is Warden: a user's record never is, whatever app id it carries (an attacker could sign
  // in through Warden's registration if they made it a public client).
  if (actor === undefined || actor.type !== "servicePrincipal") return false;
  const appId = actor.appId?.toLowerCase();
  if (appId !== undefined && config.ownAppIds.some((id) => id.toLowerCase() === appId)) return true;
  const id = actor.id?.toLowerCase();
  return id !== undefined && config.ownServicePrincipalIds.some((own) => own.toLowerCase() === id);
}
