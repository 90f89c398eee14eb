import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeAzureRole } from "../../src/respond/responders/remove-azure-role.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { respondContext } from "../helpers/respond.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * Warden's app with rights on subscriptions only (docs/deploy.md allows it): ARM refuses it at the root
 * management group with 403 (issue 18, point 3). Taking an outsider's Azure roles back still works on
 * every subscription it can read, and the card says what it could not see.
 */

let sim: SimCloud;
let day: TenantDay;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(97, 50));
}, 60_000);
afterAll(async () => {
  await sim?.close();
});

describe("an Azure role removal without rights at the root management group", () => {
  it("plans the removals it can see, and says what it could not read", async () => {
    const guest = day.attacks.find((a) => a.name === "guest-admin");
    if (guest === undefined) throw new Error("no guest-admin attack");
    sim.directory.appsReadRootScope = false;
    const ctx = respondContext(sim, day);
    const plan = await removeAzureRole.plan(ctx, { kind: "user", id: guest.subjectId, label: "the guest" });
    expect(plan.needed).toBe(true);
    expect(plan.changes.filter((c) => c.startsWith("Delete "))).not.toEqual([]);
    expect(plan.changes.at(-1)).toBe(
      `Not read: role assignments at /providers/Microsoft.Management/managementGroups/${day.tenant.id} (Warden's app has no rights there); any held there over no readable subscription stay`,
    );
  });

  it("fails, rather than end done, when the grant it must take back is where it cannot read", async () => {
    const guest = day.attacks.find((a) => a.name === "guest-admin");
    if (guest === undefined) throw new Error("no guest-admin attack");
    sim.directory.appsReadRootScope = false;
    const ctx = respondContext(sim, day);
    const atGroup = `/providers/Microsoft.Management/managementGroups/${day.tenant.id}`;
    const target = {
      kind: "user" as const,
      id: guest.subjectId,
      label: "the guest",
      limit: {
        grants: [
          {
            kind: "azure-role" as const,
            roleDefinitionId: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            scope: atGroup,
          },
        ],
      },
    };
    await expect(removeAzureRole.plan(ctx, target)).rejects.toThrow(
      /could not be read .* cannot be confirmed or removed/,
    );
    // Unlimited and nothing found: "holds no Azure role" cannot be said either.
    const member = [...sim.directory.users.values()].find(
      (u) => u.userType === "Member" && !day.breakGlass.some((b) => b.id === u.id),
    );
    if (member === undefined) throw new Error("no member");
    await expect(
      removeAzureRole.plan(ctx, { kind: "user", id: member.id, label: "a member" }),
    ).rejects.toThrow(/cannot be confirmed or removed/);
  });
});
