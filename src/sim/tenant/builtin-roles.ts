/**
 * The simulator's own table of Microsoft's built-in roles, written from Microsoft's documentation and
 * never from Warden's (src/detect/roles.ts): a wrong id in Warden then meets a tenant that does not know
 * it, as a real one would not, instead of being copied into the simulator and agreeing with itself.
 *
 * Entra: "Microsoft Entra built-in roles", template ids
 *   (https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference).
 * Azure: "Azure built-in roles", role definition ids
 *   (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
 */

export const SIM_ENTRA_ROLE = {
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

/** Display names as Graph's roleDefinitions return them, by template id. */
export const SIM_ENTRA_ROLE_NAMES: Readonly<Record<string, string>> = {
  [SIM_ENTRA_ROLE.globalAdministrator]: "Global Administrator",
  [SIM_ENTRA_ROLE.privilegedRoleAdministrator]: "Privileged Role Administrator",
  [SIM_ENTRA_ROLE.privilegedAuthenticationAdministrator]: "Privileged Authentication Administrator",
  [SIM_ENTRA_ROLE.userAdministrator]: "User Administrator",
  [SIM_ENTRA_ROLE.securityAdministrator]: "Security Administrator",
  [SIM_ENTRA_ROLE.applicationAdministrator]: "Application Administrator",
  [SIM_ENTRA_ROLE.cloudApplicationAdministrator]: "Cloud Application Administrator",
  [SIM_ENTRA_ROLE.conditionalAccessAdministrator]: "Conditional Access Administrator",
  [SIM_ENTRA_ROLE.authenticationAdministrator]: "Authentication Administrator",
  [SIM_ENTRA_ROLE.exchangeAdministrator]: "Exchange Administrator",
  [SIM_ENTRA_ROLE.sharePointAdministrator]: "SharePoint Administrator",
  [SIM_ENTRA_ROLE.helpdeskAdministrator]: "Helpdesk Administrator",
  [SIM_ENTRA_ROLE.billingAdministrator]: "Billing Administrator",
  [SIM_ENTRA_ROLE.guestInviter]: "Guest Inviter",
};

export const SIM_AZURE_ROLE = {
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  rbacAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
} as const;

/** Role names as ARM's roleDefinitions return them (properties.roleName), by definition id. */
export const SIM_AZURE_ROLE_NAMES: Readonly<Record<string, string>> = {
  [SIM_AZURE_ROLE.owner]: "Owner",
  [SIM_AZURE_ROLE.contributor]: "Contributor",
  [SIM_AZURE_ROLE.userAccessAdministrator]: "User Access Administrator",
  [SIM_AZURE_ROLE.rbacAdministrator]: "Role Based Access Control Administrator",
};
