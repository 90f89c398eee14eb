import type { Client } from "@microsoft/microsoft-graph-client";
import { makeCredential } from "../../src/cloud/credential.js";
import { makeGraphClient } from "../../src/cloud/graph-client.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { GLOBAL_GRAPH_SCOPE } from "../../src/cloud/scopes.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { SIM_ENTRA_ROLE } from "../../src/sim/tenant/builtin-roles.js";
import type { DirectoryUser } from "../../src/sim/tenant/model.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * A small simulated tenant for the registration report's tests: an admin by direct assignment, one
 * through a role-assignable group, one only eligible, one with an email only, a guest, and 40 members
 * (every other one with a method), so that the list takes several pages.
 */

export const REPORT = "/v1.0/reports/authenticationMethods/userRegistrationDetails";

export type Row = Record<string, unknown> & { id: string };

export const ids = {
  admin: "aaaaaaaa-0000-4000-8000-000000000001",
  groupAdmin: "aaaaaaaa-0000-4000-8000-000000000002",
  eligible: "aaaaaaaa-0000-4000-8000-000000000003",
  emailOnly: "aaaaaaaa-0000-4000-8000-000000000004",
  guest: "aaaaaaaa-0000-4000-8000-000000000005",
};

const user = (id: string, name: string, extra: Partial<DirectoryUser> = {}): DirectoryUser => ({
  id,
  displayName: name,
  userPrincipalName: `${name.toLowerCase().replace(/ /g, ".")}@contoso.example`,
  mail: null,
  userType: "Member",
  accountEnabled: true,
  createdDateTime: "2025-01-02T03:04:05.000Z",
  creationType: null,
  externalUserState: null,
  signInSessionsValidFromDateTime: "2025-01-02T03:04:05.000Z",
  ...extra,
});

export interface RegistrationTenant {
  sim: SimCloud;
  /** The real Graph client, as Warden builds it. */
  client: Client;
  get(path: string): Promise<Response>;
  json(path: string): Promise<{ status: number; body: Record<string, unknown> }>;
}

export async function registrationTenant(tenantId: string): Promise<RegistrationTenant> {
  const sim = await simCloud(tenantId, []);
  const d = sim.directory;
  d.users.set(
    ids.admin,
    user(ids.admin, "Ada Admin", { methodsRegistered: ["microsoftAuthenticatorPush", "email"] }),
  );
  d.users.set(ids.groupAdmin, user(ids.groupAdmin, "Gus Group", { methodsRegistered: ["fido2"] }));
  d.users.set(ids.eligible, user(ids.eligible, "Eli Eligible"));
  d.users.set(ids.emailOnly, user(ids.emailOnly, "Emma Email", { methodsRegistered: ["email"] }));
  d.users.set(
    ids.guest,
    user(ids.guest, "Gail Guest", {
      userType: "Guest",
      userPrincipalName: "gail_partner.example#EXT#@contoso.example",
      methodsRegistered: ["mobilePhone"],
    }),
  );
  // 40 more plain members, so that the list takes several pages.
  for (let i = 0; i < 40; i++) {
    const id = `bbbbbbbb-0000-4000-8000-${String(i).padStart(12, "0")}`;
    d.users.set(
      id,
      user(
        id,
        `Member ${String(i).padStart(2, "0")}`,
        i % 2 ? { methodsRegistered: ["softwareOneTimePasscode"] } : {},
      ),
    );
  }
  d.addRoleAssignment(ids.admin, SIM_ENTRA_ROLE.globalAdministrator, "/");
  d.groups.set("cccccccc-0000-4000-8000-000000000001", {
    id: "cccccccc-0000-4000-8000-000000000001",
    displayName: "Tier 0",
    description: null,
    mailNickname: "tier0",
    mailEnabled: false,
    securityEnabled: true,
    isAssignableToRole: true,
    groupTypes: [],
    createdDateTime: "2025-01-01T00:00:00.000Z",
    members: new Set([ids.groupAdmin]),
  });
  d.addRoleAssignment("cccccccc-0000-4000-8000-000000000001", SIM_ENTRA_ROLE.securityAdministrator, "/");
  d.addEligibility(ids.eligible, SIM_ENTRA_ROLE.privilegedRoleAdministrator, "/", "2025-01-01T00:00:00.000Z");
  const credential = makeCredential(
    { tenantId, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
    { graph: sim.url, arm: sim.url, authority: sim.url },
  );
  const token = (await credential.getToken(GLOBAL_GRAPH_SCOPE))?.token ?? "";
  // These tests read the report's shapes and refusals many times a second; its rate limit (5 per 10 s,
  // shared with signInActivity) is test/sim/documented-limits.test.ts's to prove.
  sim.limits.enabled = false;
  const get = (path: string) => fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return {
    sim,
    client: makeGraphClient(credential, sim.url, tenantId, new RateLimiter()),
    get,
    json: async (path) => {
      const answer = await get(path);
      return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
    },
  };
}

export const errorOf = (body: Record<string, unknown>) =>
  (body["error"] as { code: string; message: string } | undefined) ?? { code: "", message: "" };
