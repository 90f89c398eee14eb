import type { Principal, PrincipalType } from "../event.js";
import { isExternalUpn } from "../identity.js";
import { guid, ipAddress } from "./fields.js";

type PrincipalFields = { type: PrincipalType } & {
  [K in Exclude<keyof Principal, "type">]?: Principal[K] | undefined;
};

/** Builds a Principal from fields that may be undefined, leaving the missing ones out. Hot path: no reflection. */
export function principal(fields: PrincipalFields): Principal {
  const result: Principal = { type: fields.type };
  if (fields.id !== undefined) result.id = fields.id;
  if (fields.userPrincipalName !== undefined) result.userPrincipalName = fields.userPrincipalName;
  if (fields.displayName !== undefined) result.displayName = fields.displayName;
  if (fields.mail !== undefined) result.mail = fields.mail;
  if (fields.ipAddress !== undefined) result.ipAddress = fields.ipAddress;
  if (fields.appId !== undefined) result.appId = fields.appId;
  if (fields.external !== undefined) result.external = fields.external;
  return result;
}

/**
 * A user as a Graph record names them: the audit log's `initiatedBy.user` and a sign-in carry the same
 * facts under different field names. External when the UPN says so (#EXT#).
 */
export function graphUser(fields: {
  id: unknown;
  userPrincipalName: string | undefined;
  displayName: string | undefined;
  ipAddress: unknown;
}): Principal {
  return principal({
    type: "user",
    id: guid(fields.id),
    userPrincipalName: fields.userPrincipalName,
    displayName: fields.displayName,
    ipAddress: ipAddress(fields.ipAddress),
    external: isExternalUpn(fields.userPrincipalName) || undefined,
  });
}

export function principalTypeOf(value: string | undefined): PrincipalType {
  switch (value?.toLowerCase()) {
    case "user":
      return "user";
    case "serviceprincipal":
      return "servicePrincipal";
    case "group":
      return "group";
    default:
      return "unknown";
  }
}
