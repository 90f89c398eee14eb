/** The people and things simulated records talk about. */
export interface SimUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  /** Guests only: the address they were invited with. */
  mail?: string;
  userType: "Member" | "Guest";
  ipAddress?: string;
}

export interface SimTenant {
  id: string;
  domain: string;
}

/** A guest's UPN in the resource tenant: `alice_fabrikam.com#EXT#@contoso.onmicrosoft.com`. */
export function guestUpn(mail: string, tenant: SimTenant): string {
  return `${mail.replace("@", "_")}#EXT#@${tenant.domain}`;
}
