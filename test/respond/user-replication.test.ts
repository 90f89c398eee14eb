import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReplicationLag } from "../../src/cloud/errors.js";
import { resolveUser, TargetMissing } from "../../src/respond/resolve-user.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { respondContext } from "../helpers/respond.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * Entra is eventually consistent ("Designing for eventual consistency for Microsoft Entra"): a user
 * invited seconds ago answers 404 from the replica Warden reaches. The simulator lags new users as it
 * does new groups and policies; Warden waits for a user the logs showed made a moment ago, and takes a
 * 404 for a missing user only later.
 */

let sim: SimCloud;
let day: TenantDay;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(101, 20));
}, 60_000);
afterAll(async () => {
  await sim?.close();
});

function inviteNow(): { id: string; userPrincipalName: string } {
  const id = randomUUID();
  const user = {
    id,
    displayName: "New Guest",
    userPrincipalName: `new.guest.${id.slice(0, 8)}_outlook.com#EXT#@${day.tenant.domain}`,
    mail: `new.guest.${id.slice(0, 8)}@outlook.com`,
    userType: "Guest" as const,
  };
  sim.directory.apply({ type: "user-created", user, enabled: true });
  return user;
}

describe("a user invited a moment ago", () => {
  it("is missing from Graph for a few seconds, as in Entra", async () => {
    const ctx = respondContext(sim, day);
    const user = inviteNow();
    expect(await ctx.graph.user(user.id)).toBeUndefined();
  });

  it("is waited for when a finding showed it made just now", async () => {
    const ctx = respondContext(sim, day);
    const user = inviteNow();
    const found = await resolveUser(ctx, {
      kind: "user",
      id: user.id,
      label: "the guest",
      seenAt: Date.now(),
    });
    expect(found.id).toBe(user.id);
  });

  it("is missing, for a person to look at, when nothing says it was made recently", async () => {
    const ctx = respondContext(sim, day);
    const user = inviteNow();
    await expect(resolveUser(ctx, { kind: "user", id: user.id, label: "the guest" })).rejects.toBeInstanceOf(
      TargetMissing,
    );
    const longAgo = Date.now() - 10 * 60_000;
    await expect(
      resolveUser(ctx, { kind: "user", id: randomUUID(), label: "gone", seenAt: longAgo }),
    ).rejects.toBeInstanceOf(TargetMissing);
  });

  it("is a failure that may pass when it is still not there after the wait", async () => {
    const ctx = respondContext(sim, day);
    sim.directory.replicationLagMs = 60_000;
    try {
      const user = inviteNow();
      await expect(
        resolveUser(ctx, { kind: "user", id: user.id, label: "the guest", seenAt: Date.now() }),
      ).rejects.toBeInstanceOf(ReplicationLag);
    } finally {
      sim.directory.replicationLagMs = 3_000;
    }
  }, 30_000);
});
