import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireMfa } from "../../src/respond/responders/require-mfa.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import type { Database } from "../../src/store/database.js";
import { respondContext } from "../helpers/respond.js";
import { freshPglite } from "../helpers/services.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * Graph refuses to create a conditional access policy while Security Defaults is on ("Security defaults
 * in Microsoft Entra ID": the two do not go together). Containment through conditional access then fails
 * saying what to do, instead of a bare 400.
 */

let sim: SimCloud;
let day: TenantDay;
let db: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(89, 30));
  ({ db, drop } = await freshPglite());
}, 60_000);
afterAll(async () => {
  await drop?.();
  await sim?.close();
});

describe("conditional access containment with Security Defaults on", () => {
  it("fails saying to turn Security Defaults off, and works once it is off", async () => {
    const ctx = respondContext(sim, day, { db });
    const member = [...sim.directory.users.values()].find(
      (u) => u.userType === "Member" && !day.breakGlass.some((b) => b.id === u.id),
    );
    if (member === undefined) throw new Error("no member");
    const target = { kind: "user" as const, id: member.id, label: member.userPrincipalName };
    sim.directory.securityDefaultsEnabled = true;
    const read = await ctx.graph.client.api("/policies/identitySecurityDefaultsEnforcementPolicy").get();
    expect(read).toMatchObject({ isEnabled: true });
    const plan = await requireMfa.plan(ctx, target);
    await expect(requireMfa.execute(ctx, target, plan)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(
        /^Graph refused to create the conditional access policy \(BadRequest: Security Defaults is enabled .*\)\. Turn Security Defaults off/,
      ),
    });
    expect(sim.directory.caPolicies.size).toBe(0);

    sim.directory.securityDefaultsEnabled = false;
    sim.directory.replicationLagMs = 0;
    const done = await requireMfa.execute(ctx, target, await requireMfa.plan(ctx, target));
    expect(done.changed["createdPolicyId"]).toEqual(expect.any(String));
  });
});
