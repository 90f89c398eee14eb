import type {
  RoleAssignment,
  RoleEligibilitySchedule,
  RoleEligibilityScheduleRequestPropertiesScheduleInfoExpiration,
} from "@azure/arm-authorization";
import type { PimExpiration } from "./pim.js";

/**
 * Azure RBAC as Warden reads it: the shapes `AzureRbac` returns, and the conversions from the SDK's
 * models (whose every field may be missing) to them.
 */

export interface AzureAssignment {
  id: string;
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType: string;
  /** When it was made (ARM's createdOn). */
  createdOn?: string;
}

/** An Azure PIM eligibility (ARM's RoleEligibilitySchedule, started or not) held by the principal directly. */
export interface AzureEligibility {
  /** The schedule's id. */
  id: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType: string;
  /** null: no expiry. */
  endDateTime: string | null;
  createdOn?: string;
}

export interface AzureRoleDefinitionView {
  id: string;
  roleName: string;
  type: string;
  actions: string[];
}

export function toAssignment(a: RoleAssignment): AzureAssignment | undefined {
  if (
    a.id === undefined ||
    a.name === undefined ||
    a.scope === undefined ||
    a.roleDefinitionId === undefined ||
    a.principalId === undefined
  ) {
    return undefined;
  }
  return {
    id: a.id,
    name: a.name,
    scope: a.scope,
    roleDefinitionId: a.roleDefinitionId,
    principalId: a.principalId.toLowerCase(),
    principalType: a.principalType ?? "User",
    ...(a.createdOn === undefined ? {} : { createdOn: new Date(a.createdOn).toISOString() }),
  };
}

export function toEligibility(e: RoleEligibilitySchedule): AzureEligibility | undefined {
  if (
    e.id === undefined ||
    e.scope === undefined ||
    e.roleDefinitionId === undefined ||
    e.principalId === undefined
  )
    return undefined;
  return {
    id: e.id,
    scope: e.scope,
    roleDefinitionId: e.roleDefinitionId,
    principalId: e.principalId.toLowerCase(),
    principalType: e.principalType ?? "User",
    endDateTime:
      e.endDateTime === undefined || e.endDateTime === null ? null : new Date(e.endDateTime).toISOString(),
    ...(e.createdOn === undefined ? {} : { createdOn: new Date(e.createdOn).toISOString() }),
  };
}

/** Graph's expiration spelled as ARM's (PascalCase types, 2020-10-01). */
export function armExpiration(
  e: PimExpiration,
): RoleEligibilityScheduleRequestPropertiesScheduleInfoExpiration {
  if (e.type === "afterDateTime") return { type: "AfterDateTime", endDateTime: new Date(e.endDateTime) };
  if (e.type === "afterDuration") return { type: "AfterDuration", duration: e.duration };
  return { type: "NoExpiration" };
}
