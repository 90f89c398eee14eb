import type { Response } from "express";
import { graphError } from "../cloud/http-helpers.js";
import type { SimDirectory } from "./directory.js";

/**
 * Graph application permissions, checked per route. The simulated app holds every permission except those
 * in `SimDirectory.deniedPermissions`; a route refuses when the permission Microsoft documents for it (the
 * least privileged one, which is the one Warden asks for) is denied.
 *
 * Graph is not one service, and the 403 is not worded the same everywhere. Each refusal below is the one
 * that service was seen to answer, quoted from a public report of it; the status is 403 everywhere, so a
 * client should classify by status and keep the code only for its message.
 */

/** The permissions the simulator checks, with the routes that need them. */
export type GraphPermission =
  /**
   * userRegistrationDetails (list and get): "Application | AuditLog.Read.All" ("List userRegistrationDetails",
   * "Get userRegistrationDetails"); `signInActivity` on users: "Details for the signInActivity property
   * require ... the AuditLog.Read.All permission" ("List users", example 11).
   */
  | "AuditLog.Read.All"
  /**
   * Conditional access policies (list and get, v1.0 and beta), named locations, and
   * identitySecurityDefaultsEnforcementPolicy: "Application | Policy.Read.All" ("List policies",
   * "Get conditionalAccessPolicy", "Get identitySecurityDefaultsEnforcementPolicy").
   */
  | "Policy.Read.All"
  /** Creating, updating and deleting a conditional access policy ("Create conditionalAccessPolicy"). */
  | "Policy.ReadWrite.ConditionalAccess";

/** Which Graph back end answers the route: it decides the wording of the refusal. */
export type GraphService = "reports" | "conditionalAccess";

const REFUSALS: Record<GraphService, (permission: GraphPermission) => { code: string; message: string }> = {
  // The Entra reporting back end (auditLogs, reports/authenticationMethods, signInActivity) names the
  // missing permission. Verbatim for userRegistrationDetails called with UserAuthenticationMethod.Read.All
  // only: microsoftgraph/microsoft-graph-docs-contrib issue 1852 ("Invalid permission in docs for
  // getting/listing userRegistrationDetails"); the same for `$select=signInActivity`
  // (microsoftgraph/microsoft-graph-explorer-v4 issue 2731).
  reports: (permission) => ({
    code: "Authentication_MSGraphPermissionMissing",
    message: `Calling principal does not have required MSGraph permissions ${permission}`,
  }),
  // The conditional access back end (policies, named locations, security defaults) answers a token without
  // the scope with this text; the code is the one the same back end uses for its other refusals of
  // privilege ("AccessDenied", "Insufficient privileges to create or update policy..."). Seen in public
  // tools' handling of live answers, not in a Microsoft page: no Microsoft page quotes this refusal.
  conditionalAccess: () => ({
    code: "AccessDenied",
    message: "You cannot perform the requested operation, required scopes are missing in the token.",
  }),
};

/** Answers Graph's 403 and returns true when the app lacks `permission`; false when it may go on. */
export function refusedForPermission(
  res: Response,
  directory: SimDirectory,
  permission: GraphPermission,
  service: GraphService,
): boolean {
  if (!directory.deniedPermissions.has(permission)) return false;
  const { code, message } = REFUSALS[service](permission);
  graphError(res, 403, code, message);
  return true;
}
