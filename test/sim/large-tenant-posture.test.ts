import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredential } from "../../src/cloud/credential.js";
import { GLOBAL_GRAPH_SCOPE } from "../../src/cloud/scopes.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { SIM_ENTRA_ROLE } from "../../src/sim/tenant/builtin-roles.js";
import { type InventoryTruth, seedLargeTenant } from "../../src/sim/tenant/large-tenant.js";
import { Csdl } from "../helpers/csdl.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * The large tenant's posture seed, read back through the simulator's Graph: registered methods for the
 * users who hold roles (a few privileged ones without a second factor, the truth's `withoutMfa`), and
 * eight conditional access policies naming roles and two groups, one nested in the other.
 */

const TENANT = "7d7d7d7d-0000-4000-8000-00000000007d";
const csdl = new Csdl(new URL("../fixtures/reference/graph-v1.0.csdl", import.meta.url).pathname);
let sim: SimCloud;
let token: string;
let truth: InventoryTruth;

beforeAll(async () => {
  sim = await simCloud(TENANT, [], "fabrikam-lab.onmicrosoft.com");
  truth = seedLargeTenant(sim.directory, {
    guests: 500,
    privilegedGuests: 60,
    subscriptions: 5,
    members: 60,
  });
  sim.limits.enabled = false;
  const credential = makeCredential(
    { tenantId: TENANT, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
    { graph: sim.url, arm: sim.url, authority: sim.url },
  );
  token = (await credential.getToken(GLOBAL_GRAPH_SCOPE))?.token ?? "";
});
afterAll(async () => sim?.close());

const read = async (path: string) => {
  const answer = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(answer.status).toBe(200);
  return (await answer.json()) as { value: (Record<string, unknown> & { id: string })[] };
};

/** Every user holding an Entra role (active or eligible, directly or through a group) or an Azure role. */
function roleHolders(): Set<string> {
  const d = sim.directory;
  const holders = new Set<string>();
  const hold = (id: string) => {
    if (d.users.has(id)) holders.add(id);
    for (const m of d.groups.get(id)?.members ?? []) hold(m);
  };
  for (const a of d.roleAssignments.values()) hold(a.principalId);
  for (const e of d.eligibilities.values()) hold(e.principalId);
  for (const a of d.azureAssignments.values()) hold(a.principalId);
  return holders;
}

describe("the large tenant's posture seed", () => {
  it("leaves exactly the truth's privileged users without a second factor, each a different way of holding a role", async () => {
    const { withoutMfa } = truth.posture;
    expect(withoutMfa).toHaveLength(5);
    const unregistered = (
      await read(
        "/v1.0/reports/authenticationMethods/userRegistrationDetails?$filter=isMfaRegistered eq false&$top=999",
      )
    ).value.map((r) => r.id);
    const holders = roleHolders();
    expect(unregistered.filter((id) => holders.has(id)).sort()).toEqual([...withoutMfa].sort());
    const d = sim.directory;
    const users = withoutMfa.map((id) => d.users.get(id));
    expect(users.map((u) => u?.userType).sort()).toEqual(["Guest", "Guest", "Guest", "Member", "Member"]);
    // One has registered an email only: a registration, but no second factor.
    expect(users.filter((u) => u?.methodsRegistered?.join() === "email")).toHaveLength(1);
    const active = (id: string) =>
      [...d.roleAssignments.values()].some(
        (a) => a.principalId === id && a.roleDefinitionId === SIM_ENTRA_ROLE.globalAdministrator,
      );
    const eligible = (id: string) => [...d.eligibilities.values()].some((e) => e.principalId === id);
    const throughGroup = (id: string) =>
      [...d.roleAssignments.values()].some((a) => d.groups.get(a.principalId)?.members.has(id) === true);
    expect(withoutMfa.filter(active)).toHaveLength(3);
    expect(withoutMfa.filter(eligible)).toHaveLength(1);
    expect(withoutMfa.filter(throughGroup)).toHaveLength(1);
  });

  it("has eight policies, enabled, report-only and disabled, naming roles, a group and its nested group", async () => {
    const { policies, groups } = truth.posture;
    expect([policies.enabled.length, policies.reportOnly.length, policies.disabled.length]).toEqual([
      5, 2, 1,
    ]);
    expect(sim.directory.groups.get(groups.outer)?.members.has(groups.nested)).toBe(true);
    const v1 = (await read("/v1.0/identity/conditionalAccess/policies")).value;
    expect(v1).toHaveLength(8);
    const named = JSON.stringify(v1);
    for (const id of [groups.outer, groups.nested, SIM_ENTRA_ROLE.globalAdministrator])
      expect(named).toContain(id);
    for (const p of v1) {
      // The checker reads flags enums (guestOrExternalUserTypes) as single values: that one is Graph's own list.
      const problems = csdl
        .check(p, "graph.conditionalAccessPolicy")
        .filter((x) => !x.includes("guestOrExternalUserTypes"));
      expect(problems, String(p["displayName"])).toEqual([]);
      expect(p["sessionControls"] ?? {}).not.toHaveProperty("continuousAccessEvaluation");
    }
    const beta = (await read("/beta/identity/conditionalAccess/policies")).value;
    const modes = beta
      .map(
        (p) =>
          (p["sessionControls"] as Record<string, { mode: string }> | null)?.["continuousAccessEvaluation"]
            ?.mode,
      )
      .filter((m) => m !== undefined)
      .sort();
    expect(modes).toEqual(["disabled", "strictEnforcement", "unknownFutureValue"]);
  });

  it("keeps the inventory's truth as it was: the privileged externals and how they hold their roles", () => {
    expect(truth.privileged.size).toBe(60);
    for (const id of truth.privileged.keys())
      expect(sim.directory.users.get(id)?.userPrincipalName).toMatch(/#EXT#/);
  });
});
