import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredential } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { ApproverCheck } from "../../src/respond/approvers.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { SIM_APP, settledTenant } from "../helpers/sim.js";

/**
 * The approver group as Graph reads it, through the real SDK client against the simulated tenant: an
 * admin in a group nested inside the approver group may decide (issue 18, point 8); anyone else may not.
 */

let sim: SimCloud;
let day: TenantDay;
let graph: GraphDirectory;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(23, 0));
  const credential = makeCredential(
    { tenantId: day.tenant.id, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
    { graph: sim.url, arm: sim.url, authority: sim.url },
  );
  graph = new GraphDirectory(credential, sim.url, day.tenant.id, new RateLimiter());
});
afterAll(async () => sim?.close());

describe("the approver group", () => {
  it("lets a member of a nested group decide, and no one outside the group, nor a guest inside it", async () => {
    const users = [...sim.directory.users.values()];
    const [direct, nested, outsider] = users.filter((u) => u.userType === "Member");
    const guest = users.find((u) => u.userType === "Guest");
    if (direct === undefined || nested === undefined || outsider === undefined || guest === undefined)
      throw new Error("the tenant lacks three members and a guest");
    const actor = {
      kind: "app" as const,
      appId: SIM_APP.clientId,
      servicePrincipalId: SIM_APP.clientId,
      displayName: "Tenant admin",
    };
    const approvers = sim.directory.createGroup(actor, { displayName: "SOC approvers", mailNickname: "soc" });
    const tier1 = sim.directory.createGroup(actor, { displayName: "SOC tier 1", mailNickname: "soc-t1" });
    approvers.members.add(direct.id);
    approvers.members.add(tier1.id);
    tier1.members.add(nested.id);
    // A guest someone added to the nested group: nesting widens who is in, not who may decide.
    tier1.members.add(guest.id);

    const check = new ApproverCheck({ approverGroupId: approvers.id, approvers: [] }, graph);
    expect(await check.check(direct.id)).toEqual({ ok: true });
    expect(await check.check(nested.id)).toEqual({ ok: true });
    expect(await check.check(outsider.id)).toEqual({
      ok: false,
      reason: "you are not a member of the approver group",
    });
    expect(await check.check(guest.id)).toEqual({
      ok: false,
      reason: "an external or unknown account does not approve through the approver group",
    });
  });
});
