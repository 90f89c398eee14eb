import { type Request, Router } from "express";
import { graphError, singleParam } from "../cloud/http-helpers.js";
import type { SimDirectory } from "./directory.js";
import { select } from "./odata.js";

/**
 * Graph's `organization`: the tenant itself, which Warden reads for its name ("List organizations",
 * https://learn.microsoft.com/graph/api/organization-list; properties from graph-v1.0.csdl,
 * `EntityType organization` and `ComplexType verifiedDomain`).
 */

/**
 * The application permissions any one of which lets an app list the organization ("List organizations",
 * Permissions, Application: Organization.Read.All, Directory.Read.All, Organization.ReadWrite.All,
 * Directory.ReadWrite.All). Warden holds Directory.Read.All (infra/permissions.json).
 */
export const ORGANIZATION_READERS = [
  "Organization.Read.All",
  "Directory.Read.All",
  "Organization.ReadWrite.All",
  "Directory.ReadWrite.All",
] as const;

/** Names given by `renameOrganization`; a tenant never renamed has the one made from its domain. */
const renamed = new WeakMap<SimDirectory, string>();

/**
 * Renames the tenant, as a Global Administrator does in the Entra admin centre (Overview, Properties,
 * Name): any text, an attacker's included, which Graph then lists as `displayName`.
 */
export function renameOrganization(directory: SimDirectory, name: string): void {
  renamed.set(directory, name);
}

/**
 * The tenant's name. Entra asks for the organization's name and its initial domain apart when a tenant is
 * made; the simulator's tenants have a domain only, so the name is read back from it:
 * "contoso-lab.onmicrosoft.com" (the scenarios' tenant) is "Contoso Lab".
 */
export function organizationName(directory: SimDirectory): string {
  const given = renamed.get(directory);
  if (given !== undefined) return given;
  const label = directory.tenant.domain.split(".")[0] ?? directory.tenant.domain;
  return label
    .split(/[-_]+/)
    .filter((word) => word !== "")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
}

/** The organization as "List organizations" returns it (its example response, with the CSDL's properties). */
function organizationResource(directory: SimDirectory): Record<string, unknown> {
  return {
    id: directory.tenant.id,
    deletedDateTime: null,
    assignedPlans: [],
    businessPhones: [],
    city: null,
    country: null,
    countryLetterCode: "US",
    // A fixed date: the tenant is older than any scenario played in it.
    createdDateTime: "2024-01-08T09:00:00Z",
    defaultUsageLocation: null,
    displayName: organizationName(directory),
    marketingNotificationEmails: [],
    onPremisesLastSyncDateTime: null,
    onPremisesSyncEnabled: null,
    partnerTenantType: null,
    postalCode: null,
    preferredLanguage: "en",
    privacyProfile: null,
    provisionedPlans: [],
    securityComplianceNotificationMails: [],
    securityComplianceNotificationPhones: [],
    state: null,
    street: null,
    technicalNotificationMails: [],
    tenantType: "AAD",
    verifiedDomains: [
      {
        capabilities: "Email, OfficeCommunicationsOnline",
        isDefault: true,
        isInitial: true,
        name: directory.tenant.domain,
        type: "Managed",
      },
    ],
  };
}

/** `@odata.context` as Graph writes it: the properties selected, when some are, in brackets. */
function context(baseUrl: string, req: Request): string {
  const selected = singleParam(req.query["$select"]);
  const names = selected === undefined || selected.trim() === "" ? "" : `(${selected.replace(/\s+/g, "")})`;
  return `${baseUrl}/v1.0/$metadata#organization${names}`;
}

export function graphOrganizationRoutes(directory: SimDirectory, baseUrl: () => string): Router {
  const router = Router();

  // One object in the collection: the tenant the token was issued for ("List organizations", Response).
  router.get("/v1.0/organization", (req, res) => {
    // Refused only when the app holds none of the permissions that grant the read. The directory back end
    // words its 403 as for any directory read it refuses: Authorization_RequestDenied, "Insufficient
    // privileges to complete the operation." (Get-MgOrganization with too few permissions,
    // microsoft365dsc/Microsoft365DSC issue 2646; the same code and text for other directory reads,
    // microsoftgraph/microsoft-graph-docs-contrib issue 8353).
    if (ORGANIZATION_READERS.every((permission) => directory.deniedPermissions.has(permission))) {
      return graphError(
        res,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
      );
    }
    res.json({
      "@odata.context": context(baseUrl(), req),
      value: [select(organizationResource(directory), req)],
    });
  });

  return router;
}
