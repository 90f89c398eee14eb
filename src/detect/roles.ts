/** Role identifiers from Microsoft's documentation (see docs/detections.md). Ids, never display names. */

export const ENTRA_ROLE = {
  globalAdministrator: "62e90394-69f5-4237-9190-012177145e10",
  privilegedRoleAdministrator: "e8611ab8-c189-46e8-94e1-60213ab1f814",
  privilegedAuthenticationAdministrator: "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
  userAdministrator: "fe930be7-5e62-47db-91af-98c3a49a38b1",
  securityAdministrator: "194ae4cb-b126-40b2-bd5b-6091b380977d",
  applicationAdministrator: "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
  cloudApplicationAdministrator: "158c047a-c907-4556-b7ef-446551a6b5f7",
  conditionalAccessAdministrator: "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
  authenticationAdministrator: "c4e39bd9-1100-46d3-8c65-fb160da0071f",
  exchangeAdministrator: "29232cdf-9323-42fd-ade2-1d097af3e4de",
  sharePointAdministrator: "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
  helpdeskAdministrator: "729827e3-9c14-49f7-bb1b-9608f156bbb8",
  billingAdministrator: "b0f54661-2d74-4c50-afa3-1ec803f12efe",
  guestInviter: "95e79109-95c0-4d8e-aee3-d01accf2d47b",
} as const;

/** Names for cards and summaries, keyed by template id. */
export const ENTRA_ROLE_NAMES: Readonly<Record<string, string>> = {
  [ENTRA_ROLE.globalAdministrator]: "Global Administrator",
  [ENTRA_ROLE.privilegedRoleAdministrator]: "Privileged Role Administrator",
  [ENTRA_ROLE.privilegedAuthenticationAdministrator]: "Privileged Authentication Administrator",
  [ENTRA_ROLE.userAdministrator]: "User Administrator",
  [ENTRA_ROLE.securityAdministrator]: "Security Administrator",
  [ENTRA_ROLE.applicationAdministrator]: "Application Administrator",
  [ENTRA_ROLE.cloudApplicationAdministrator]: "Cloud Application Administrator",
  [ENTRA_ROLE.conditionalAccessAdministrator]: "Conditional Access Administrator",
  [ENTRA_ROLE.authenticationAdministrator]: "Authentication Administrator",
  [ENTRA_ROLE.exchangeAdministrator]: "Exchange Administrator",
  [ENTRA_ROLE.sharePointAdministrator]: "SharePoint Administrator",
  [ENTRA_ROLE.helpdeskAdministrator]: "Helpdesk Administrator",
  [ENTRA_ROLE.billingAdministrator]: "Billing Administrator",
  [ENTRA_ROLE.guestInviter]: "Guest Inviter",
};

/**
 * Privileged by default: every role above that can take over identities, apps, policies or billing.
 * Guest Inviter is left out (it cannot grant privilege); tune the list in config.
 */
export const DEFAULT_PRIVILEGED_ENTRA_ROLES: readonly string[] = Object.values(ENTRA_ROLE).filter(
  (id) => id !== ENTRA_ROLE.guestInviter,
);

export const AZURE_ROLE = {
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  rbacAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
} as const;

export const AZURE_ROLE_NAMES: Readonly<Record<string, string>> = {
  [AZURE_ROLE.owner]: "Owner",
  [AZURE_ROLE.contributor]: "Contributor",
  [AZURE_ROLE.userAccessAdministrator]: "User Access Administrator",
  [AZURE_ROLE.rbacAdministrator]: "Role Based Access Control Administrator",
};

export const DEFAULT_PRIVILEGED_AZURE_ROLES: readonly string[] = Object.values(AZURE_ROLE);

/** A custom role is privileged when it can write role assignments: `*` or `Microsoft.Authorization/*`. */
export function isPrivilegedActionList(actions: readonly string[]): boolean {
  return actions.some((action) => {
    const a = action.toLowerCase();
    return (
      a === "*" ||
      a === "microsoft.authorization/*" ||
      a.startsWith("microsoft.authorization/roleassignments/write")
    );
  });
}

export type AzureScopeLevel =
  | "root"
  | "management-group"
  | "subscription"
  | "resource-group"
  | "resource"
  | "unknown";

/**
 * How much an Azure scope covers. ARM reads repeated slashes as one (SDKs send `//subscriptions/...`), so
 * the scope is read as its non-empty segments, in one pass: no regex here may backtrack over a run of
 * slashes, which made a 150,000-slash scope cost 20 s (issue 17).
 */
export function scopeLevel(scope: string | undefined): AzureScopeLevel {
  if (scope === undefined) return "unknown";
  const s = scope.toLowerCase();
  const parts = s.split("/").filter((part) => part !== "");
  if (parts.length === 0) return s === "" || s.startsWith("/") ? "root" : "unknown";
  if (!s.startsWith("/")) return "unknown";
  const [first, second, third, fourth] = parts;
  if (first === "providers" && second === "microsoft.management" && third === "managementgroups")
    return parts.length === 4 ? "management-group" : "unknown";
  if (first !== "subscriptions" || second === undefined) return "unknown";
  if (parts.length === 2) return "subscription";
  if (parts.length === 4 && third === "resourcegroups" && fourth !== undefined) return "resource-group";
  return "resource";
}
