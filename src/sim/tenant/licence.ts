import type { Request, Response } from "express";
import { graphError, singleParam } from "../cloud/http-helpers.js";
import { refusedForPermission } from "./app-permissions.js";
import type { SimDirectory } from "./directory.js";

/**
 * What Microsoft Graph refuses for want of a Microsoft Entra ID P1 or P2 licence (SimDirectory.licence).
 *
 * - The authentication methods registration report (userRegistrationDetails): "A Microsoft Entra ID P1 or
 *   P2 license is required to access usage and insights" ("Authentication Methods Activity", Permissions
 *   and licenses, which the userRegistrationDetails resource page points to for its licence requirements).
 * - `signInActivity` on users: "Details for the signInActivity property require an Azure AD Premium P1/P2
 *   license and the AuditLog.Read.All permission" ("List users", example 11).
 *
 * Both are refused by the Entra reporting back end with 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant
 * (no Microsoft page quotes the body; it is quoted verbatim in microsoftgraph/microsoft-graph-docs-contrib
 * issues 3808, 3759 and 8777, the last for userRegistrationDetails itself). Recent answers have also been
 * reported worded "Tenant is not a B2C tenant and doesn't have premium license"; the code is the same.
 *
 * Conditional access is different: "When licenses required for Conditional Access expire, policies aren't
 * automatically disabled or deleted ... Remaining policies can be viewed and deleted, but no longer
 * updated" ("What is Conditional Access?", License requirements). So without P1 reads and deletes answer as
 * usual, and only creating or updating a policy is refused; risk-based policies need P2 ("Risk-based
 * policies require access to Identity Protection, which is a P2 feature", same section).
 */

const NON_PREMIUM = {
  code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
  message: "Neither tenant is B2C or tenant doesn't have premium license",
};

/** Answers the reporting back end's 403 and returns true on a tenant without P1 or P2. */
export function refusedWithoutPremium(res: Response, directory: SimDirectory): boolean {
  if (directory.licence !== "free") return false;
  graphError(res, 403, NON_PREMIUM.code, NON_PREMIUM.message);
  return true;
}

/**
 * A users read that selects `signInActivity`: refused without AuditLog.Read.All, then without P1 or P2
 * ("List users", example 11), by the reporting back end's 403s. True when refused.
 */
export function signInActivityRefused(req: Request, res: Response, directory: SimDirectory): boolean {
  const selected = (singleParam(req.query["$select"]) ?? "").split(",").map((p) => p.trim().toLowerCase());
  if (!selected.includes("signinactivity")) return false;
  return (
    refusedForPermission(res, directory, "AuditLog.Read.All", "reports") ||
    refusedWithoutPremium(res, directory)
  );
}

const RISK_CONDITIONS = ["userRiskLevels", "signInRiskLevels", "servicePrincipalRiskLevels"] as const;

/**
 * Why Graph refuses to create or update a conditional access policy with these conditions on this tenant's
 * licence; undefined when it does not. Answered 400 BadRequest by the caller.
 */
export function conditionalAccessWriteRefusal(
  directory: SimDirectory,
  conditions: Record<string, unknown> | undefined,
): string | undefined {
  if (directory.licence === "free") {
    // Graph's own text for this case was not found in any public source; this follows the wording of its
    // documented P2 refusal below (same back end, same status and code), without inventing its number.
    return "Cannot create or update policies without a premium license. Upgrade to a premium P1 or P2 license and try again.";
  }
  const usesRisk = RISK_CONDITIONS.some((name) => {
    const levels = conditions?.[name];
    return Array.isArray(levels) && levels.length > 0;
  });
  if (directory.licence === "P1" && usesRisk) {
    // Verbatim, from a live answer to a policy with risk conditions on a P1 tenant
    // (crossplane-contrib/provider-upjet-azuread issue 5).
    return "1039: Cannot create or update policies with premium P2 features. Upgrade to a premium P2 license and try again.";
  }
  return undefined;
}
