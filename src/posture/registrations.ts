import type { GraphDirectory } from "../cloud/graph-directory.js";

/** What Graph's authentication methods report says of one user (`userRegistrationDetails`). */
export interface Registration {
  id: string;
  isMfaRegistered: boolean;
  methodsRegistered: string[];
}

const PATH = "/reports/authenticationMethods/userRegistrationDetails";
/** The list's page size cap (Graph documents none; the simulator refuses more). */
const PAGE = "999";

/**
 * The MFA registration of every user in the tenant, as the whole list read in pages of 999. The report
 * falls under Graph's "identity and access reports" limit, 5 requests per 10 s per app and tenant, shared
 * with the audit and sign-in polls: reading the privileged users one by one (the list cannot be filtered by
 * id) would take 2 s each, 11 minutes for 330 admins; the whole list of a 10,000-user tenant takes 11
 * requests. A user the report does not list has no registration on record. A refusal (403 for a missing
 * AuditLog.Read.All or a tenant without Entra ID P1/P2) fails the whole read, so the checks that need it
 * say they could not read rather than guess.
 */
export async function readRegistrations(graph: GraphDirectory): Promise<Map<string, Registration>> {
  const found = new Map<string, Registration>();
  for await (const page of graph.pages<Partial<Registration>>(PATH, { $top: PAGE })) {
    for (const row of page) {
      if (typeof row.id !== "string") continue;
      found.set(row.id.toLowerCase(), {
        id: row.id,
        isMfaRegistered: row.isMfaRegistered === true,
        methodsRegistered: Array.isArray(row.methodsRegistered) ? row.methodsRegistered : [],
      });
    }
  }
  return found;
}
