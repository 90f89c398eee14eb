import type { Principal, PrincipalType } from "../event.js";

type PrincipalFields = { type: PrincipalType } & {
  [K in Exclude<keyof Principal, "type">]?: Principal[K] | undefined;
};

/** Builds a Principal from fields that may be undefined, leaving the missing ones out. */
export function principal(fields: PrincipalFields): Principal {
  const result: Principal = { type: fields.type };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (result as unknown as Record<string, unknown>)[key] = value;
  }
  return result;
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
