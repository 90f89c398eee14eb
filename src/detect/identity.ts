import type { Principal } from "./event.js";

/**
 * Who is external, and how one person is recognised across logs that name them differently: Graph
 * uses object ids, ARM's `caller` a UPN, invitations an e-mail address.
 */

/** B2B users carry `#EXT#` in their UPN whether their userType is Guest or Member. */
export function isExternalUpn(upn: string | undefined): boolean {
  return upn?.includes("#") === true && EXT_MARKER.test(upn);
}

const EXT_MARKER = /#ext#/i;

/**
 * The home address of an external user: `alice_contoso.com#EXT#@tenant.onmicrosoft.com` is
 * `alice@contoso.com`. Domains cannot hold `_`, so the last `_` before `#EXT#` is the replaced `@`.
 */
export function homeAddress(upn: string | undefined): string | undefined {
  if (upn === undefined || !upn.includes("#")) return undefined;
  // Exactly one marker, right before the tenant's domain: `a_b.com#EXT#_evil.net#EXT#@…` is no guest's
  // UPN Entra makes, and must not read as `a@b.com`. Shown as it is instead.
  const match = /^([^#]+)_([^_#@]+)#EXT#@[^#@]+$/i.exec(upn);
  if (match === null) return undefined;
  return `${match[1]}@${match[2]}`.toLowerCase();
}

/**
 * Text with every `#EXT#` UPN in it replaced by the guest's home address, for people to read: the UPN
 * says three times over what the address says once (`it.support_outlook-helpdesk.net#EXT#@contoso...`).
 * The last `_` before `#EXT#` is the replaced `@`, as in homeAddress.
 */
export function readableAddresses(text: string): string {
  if (!text.includes("#")) return text;
  return text.replace(/([^\s'"(),:;]+)_([^\s_#'"(),:;]+)#EXT#@[A-Za-z0-9.-]+/gi, "$1@$2");
}

/** The domain of the guest's home organisation, for cards and the inventory. */
export function homeDomain(principal: Pick<Principal, "userPrincipalName" | "mail">): string | undefined {
  const address = homeAddress(principal.userPrincipalName) ?? principal.mail?.toLowerCase();
  return address?.slice(address.indexOf("@") + 1);
}

/**
 * Every key a principal can be recognised by, each prefixed by its kind so an id never meets a UPN.
 * Two records that share any key are the same principal.
 */
export function principalKeys(principal: Principal | undefined): string[] {
  if (principal === undefined) return [];
  const keys: string[] = [];
  if (principal.id !== undefined) keys.push(`id:${principal.id.toLowerCase()}`);
  const upn = principal.userPrincipalName?.toLowerCase();
  if (upn?.includes("@")) keys.push(`upn:${upn}`);
  const home = homeAddress(upn) ?? principal.mail?.toLowerCase();
  if (home !== undefined) keys.push(`mail:${home}`);
  return keys;
}

/** The most readable name of a principal for people. */
export function principalLabel(principal: Principal | undefined): string {
  if (principal === undefined) return "unknown";
  return (
    principal.userPrincipalName ??
    principal.mail ??
    principal.displayName ??
    principal.id ??
    principal.appId ??
    "unknown"
  );
}

/** A finding's actor or subject as a principal to look up: by its id and UPN, whatever its kind. */
export function principalOf(p: { id?: string; userPrincipalName?: string }): Principal {
  const principal: Principal = { type: "unknown" };
  if (p.id !== undefined) principal.id = p.id;
  if (p.userPrincipalName !== undefined) principal.userPrincipalName = p.userPrincipalName;
  return principal;
}
