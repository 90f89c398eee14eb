import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AzureAssignment } from "../../src/cloud/arm-rbac.js";
import { RESPONDERS } from "../../src/respond/responders/index.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import type { Database } from "../../src/store/database.js";
import { containmentDeps } from "../helpers/respond.js";
import { freshPglite } from "../helpers/services.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * A takeover's move can complete while Warden is containing it: the plan read the guest's Owner
 * assignment on the subscription, and by the delete the subscription is another tenant's (ARM: 404
 * SubscriptionNotFound). A loaded run of the automatic demo ended the takeover `partial` on it. The
 * assignment went with the subscription: nothing is left here to remove, or for Undo to restore.
 */

let sim: SimCloud;
let day: TenantDay;
let db: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(89, 100));
  ({ db, drop } = await freshPglite());
}, 60_000);
afterAll(async () => {
  await drop?.();
  await sim?.close();
});

describe("removing an Azure role whose subscription left mid-containment", () => {
  it("is done, says so, and records nothing to restore", async () => {
    const deps = containmentDeps(sim, day, db);
    const attack = day.attacks.find((a) => a.name === "guest-admin");
    const subscription = attack?.subscriptionIds[0];
    if (attack === undefined || subscription === undefined) throw new Error("no guest-admin attack");
    const target = { kind: "user" as const, id: attack.subjectId, label: "the guest" };
    const responder = RESPONDERS["remove-azure-role"];
    const plan = await responder.plan(deps.ctx, target);
    const planned = plan.data["assignments"] as AzureAssignment[];
    expect(planned.some((a) => a.scope.toLowerCase() === `/subscriptions/${subscription}`)).toBe(true);

    sim.directory.apply({
      type: "subscription-moved",
      subscriptionId: subscription,
      toTenantId: "a77ac4e5-0000-4000-8000-000000000001",
    });
    const executed = await responder.execute(deps.ctx, target, plan);
    expect(executed.changed["leftWithSubscription"]).toEqual(
      planned
        .filter((a) => a.scope.toLowerCase().startsWith(`/subscriptions/${subscription}`))
        .map((a) => a.id),
    );
    expect(executed.changed["assignments"]).toEqual(
      planned.filter((a) => !a.scope.toLowerCase().startsWith(`/subscriptions/${subscription}`)),
    );
    expect(executed.note).toContain("left the directory with their subscription");
    expect(await responder.verify(deps.ctx, target, plan)).toBe(true);
  }, 60_000);
});
