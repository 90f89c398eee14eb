import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";
import { AZURE_ROLE, ENTRA_ROLE } from "../../src/detect/roles.js";
import { removeAzureRole } from "../../src/respond/responders/remove-azure-role.js";
import { removeDirectoryRole } from "../../src/respond/responders/remove-directory-role.js";
import { privilegesHeldBefore } from "../../src/respond/standing-privileges.js";
import type { ActionTarget } from "../../src/respond/types.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import type { DirectoryUser } from "../../src/sim/tenant/model.js";
import { DEFAULT_ROLE_SETTINGS } from "../../src/sim/tenant/pim-settings.js";
import { respondContext } from "../helpers/respond.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * Roles PIM manages (issue 18, point 9): an activated or time-bound Entra role is taken away through an
 * adminRemove schedule request (Graph refuses DELETE on it), an Azure eligibility through an ARM
 * AdminRemove request, and undo gives each back no longer than it had, within what the role's settings
 * allow now, and never with no expiry where they require one.
 */

let sim: SimCloud;
let day: TenantDay;
const GA = ENTRA_ROLE.globalAdministrator;
const DAY_MS = 86_400_000;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(131, 40));
}, 60_000);
afterAll(async () => {
  await sim?.close();
});

/** A member holding no Entra role, Azure role or eligibility, different for each test. */
const taken = new Set<string>();
function freshMember(): DirectoryUser {
  const holds = (id: string) =>
    [...sim.directory.roleAssignments.values(), ...sim.directory.eligibilities.values()].some(
      (a) => a.principalId === id,
    ) || [...sim.directory.azureAssignments.values()].some((a) => a.principalId === id);
  const user = [...sim.directory.users.values()].find(
    (u) =>
      u.userType === "Member" &&
      !taken.has(u.id) &&
      !holds(u.id) &&
      !day.breakGlass.some((b) => b.id === u.id),
  );
  if (user === undefined) throw new Error("no member without roles left");
  taken.add(user.id);
  return user;
}

const target = (user: DirectoryUser): ActionTarget => ({
  kind: "user",
  id: user.id,
  label: user.userPrincipalName,
});
const near = (iso: string | null | undefined, expected: number) =>
  Math.abs(Date.parse(String(iso)) - expected) < 5 * 60_000;

describe("Entra roles that PIM made", () => {
  it("takes an activated role back by schedule request and gives it back only until it would have ended", async () => {
    const ctx = respondContext(sim, day);
    const user = freshMember();
    const now = Date.now();
    sim.directory.addEligibility(user.id, GA, "/", new Date(now).toISOString(), {
      type: "afterDateTime",
      endDateTime: new Date(now + 60 * DAY_MS).toISOString(),
    });
    const activated = sim.directory.activateEligibility(user.id, GA, 2);
    // The simulator is as strict as Graph: DELETE does not take a PIM activation away.
    await expect(ctx.graph.deleteRoleAssignment(activated.id)).rejects.toMatchObject({ statusCode: 400 });

    const plan = await removeDirectoryRole.plan(ctx, target(user));
    expect(plan.changes).toContainEqual(
      expect.stringMatching(/Global Administrator \(activated through PIM until /),
    );
    const outcome = await removeDirectoryRole.execute(ctx, target(user), plan);
    expect(await removeDirectoryRole.verify(ctx, target(user), plan)).toBe(true);
    const held = () => [...sim.directory.roleAssignments.values()].filter((a) => a.principalId === user.id);
    const eligible = () => [...sim.directory.eligibilities.values()].filter((e) => e.principalId === user.id);
    expect(held()).toEqual([]);
    expect(eligible()).toEqual([]);

    // Since then the tenant's admins shortened eligibility for the role to 30 days.
    sim.directory.entraRoleSettings.set(GA, {
      ...DEFAULT_ROLE_SETTINGS,
      eligibility: { isExpirationRequired: true, maximumDuration: "P30D" },
    });
    try {
      const said = await removeDirectoryRole.undo(ctx, target(user), outcome.changed);
      expect(said).toBe("restored 1 role assignment(s) and 1 eligibility(ies)");
    } finally {
      sim.directory.entraRoleSettings.delete(GA);
    }
    // Active again until the activation would have ended, through PIM (so it still ends by itself) ...
    expect(held()).toHaveLength(1);
    expect(held()[0]?.schedule).toMatchObject({
      assignmentType: "Assigned",
      endDateTime: activated.schedule?.endDateTime,
    });
    // ... and eligible for 30 days, not the 60 it had: the settings allow no more now.
    const [back] = eligible();
    expect(back?.scheduleInfo.expiration.type).toBe("afterDateTime");
    expect(
      near(
        back?.scheduleInfo.expiration.type === "afterDateTime"
          ? back.scheduleInfo.expiration.endDateTime
          : null,
        Date.now() + 30 * DAY_MS,
      ),
    ).toBe(true);
  });

  it("restores a permanent eligibility with the expiry the role's settings require", async () => {
    const ctx = respondContext(sim, day);
    const user = freshMember();
    sim.directory.addEligibility(user.id, GA, "/", new Date().toISOString());
    const plan = await removeDirectoryRole.plan(ctx, target(user));
    const outcome = await removeDirectoryRole.execute(ctx, target(user), plan);
    sim.directory.entraRoleSettings.set(GA, {
      ...DEFAULT_ROLE_SETTINGS,
      eligibility: { isExpirationRequired: true, maximumDuration: "P90D" },
    });
    try {
      await removeDirectoryRole.undo(ctx, target(user), outcome.changed);
    } finally {
      sim.directory.entraRoleSettings.delete(GA);
    }
    const [back] = [...sim.directory.eligibilities.values()].filter((e) => e.principalId === user.id);
    expect(back?.scheduleInfo.expiration).toMatchObject({ type: "afterDateTime" });
    const end =
      back?.scheduleInfo.expiration.type === "afterDateTime"
        ? back.scheduleInfo.expiration.endDateTime
        : null;
    expect(near(end, Date.now() + 90 * DAY_MS)).toBe(true);
  });

  it("does not give back an activation that would have ended by now, and says so", async () => {
    const ctx = respondContext(sim, day);
    const user = freshMember();
    sim.directory.addEligibility(user.id, GA, "/", new Date().toISOString());
    sim.directory.activateEligibility(user.id, GA, 30 / 3600);
    const plan = await removeDirectoryRole.plan(ctx, target(user));
    const outcome = await removeDirectoryRole.execute(ctx, target(user), plan);
    const said = await removeDirectoryRole.undo(ctx, target(user), outcome.changed);
    expect(said).toMatch(
      /^restored 0 role assignment\(s\) and 1 eligibility\(ies\); not restored, they would have ended by now: Global Administrator \(active until /,
    );
    expect([...sim.directory.roleAssignments.values()].filter((a) => a.principalId === user.id)).toEqual([]);
  });
});

describe("Azure PIM eligibilities", () => {
  it("removes the eligibility the incident names and restores it within the role's settings", async () => {
    const ctx = respondContext(sim, day);
    const user = freshMember();
    const subscription = sim.directory.subscriptions[0]?.subscriptionId ?? "";
    const scope = `/subscriptions/${subscription}`;
    // The compromised admin of the tenant's first attack makes the account eligible for Owner.
    const admin = sim.directory.users.get(day.attacks[0]?.actorId ?? "");
    if (admin === undefined) throw new Error("no attacking admin");
    const actor = {
      kind: "user" as const,
      user: {
        id: admin.id,
        userPrincipalName: admin.userPrincipalName,
        displayName: admin.displayName,
        userType: admin.userType,
      },
    };
    const since = Date.now() - 1000;
    sim.directory.requestAzureEligibility(actor, {
      name: "6f1e1c8e-2d3b-4c5a-9e7f-0a1b2c3d4e5f",
      scope,
      requestType: "AdminAssign",
      roleDefinitionGuid: AZURE_ROLE.owner,
      principalId: user.id,
      principalType: "User",
      endDateTime: null,
    });
    // ARM logs the request; Warden reads it as a grant like an assignment, marked eligible.
    const logged = sim.logs
      .query("activity", since, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)
      .map((p) => normaliseRecord(p.record, { tenantId: day.tenant.id }))
      .flatMap((n) => (n.ok && n.event.kind === "azure-role-assigned" ? [n.event] : []));
    expect(logged).toContainEqual(
      expect.objectContaining({
        eligible: true,
        scope,
        roleDefinitionId: AZURE_ROLE.owner,
        subject: expect.objectContaining({ id: user.id }),
        actor: expect.objectContaining({ id: admin.id }),
      }),
    );
    const limited: ActionTarget = {
      ...target(user),
      kind: "user",
      limit: { grants: [{ kind: "azure-role", roleDefinitionId: AZURE_ROLE.owner, scope }] },
    } as ActionTarget;
    const plan = await removeAzureRole.plan(ctx, limited);
    expect(plan.needed).toBe(true);
    expect(plan.changes).toContain(
      `Remove ${user.userPrincipalName}'s eligibility for Owner at ${scope} (PIM)`,
    );
    const outcome = await removeAzureRole.execute(ctx, limited, plan);
    expect(await removeAzureRole.verify(ctx, limited, plan)).toBe(true);
    const eligible = () =>
      [...sim.directory.azureEligibilities.values()].filter((e) => e.principalId === user.id);
    expect(eligible()).toEqual([]);

    sim.directory.azureRoleSettings.set(AZURE_ROLE.owner, {
      ...DEFAULT_ROLE_SETTINGS,
      eligibility: { isExpirationRequired: true, maximumDuration: "P180D" },
    });
    try {
      const said = await removeAzureRole.undo(ctx, limited, outcome.changed);
      expect(said).toMatch(/and 1 eligibility\(ies\)$/);
    } finally {
      sim.directory.azureRoleSettings.delete(AZURE_ROLE.owner);
    }
    const [back] = eligible();
    expect(back?.scope).toBe(scope);
    expect(near(back?.endDateTime, Date.now() + 180 * DAY_MS)).toBe(true);
  });

  it("counts an Azure eligibility held before the incident as a standing privilege (no click-less disable)", async () => {
    const ctx = respondContext(sim, day);
    const user = freshMember();
    const scope = `/subscriptions/${sim.directory.subscriptions[0]?.subscriptionId ?? ""}`;
    const admin = [...sim.directory.users.values()].find((u) => u.userType === "Member" && u.id !== user.id);
    if (admin === undefined) throw new Error("no admin");
    const { id, userPrincipalName, displayName, userType } = admin;
    sim.directory.requestAzureEligibility(
      { kind: "user", user: { id, userPrincipalName, displayName, userType } },
      {
        name: "0b7f0c52-7d0e-4d53-8a43-1f0a2b3c4d5e",
        scope,
        requestType: "AdminAssign",
        roleDefinitionGuid: AZURE_ROLE.owner,
        principalId: user.id,
        principalType: "User",
        endDateTime: null,
      },
    );
    // An incident that begins an hour from now: the eligibility is from before it.
    const held = await privilegesHeldBefore(ctx, target(user), Date.now() + 3_600_000, []);
    expect(held).toEqual([`Owner at ${scope} (eligible through PIM)`]);
  });

  it("does not give back on undo what someone else removed before Warden came (an attacker's grant)", async () => {
    const ctx = respondContext(sim, day);
    const user = freshMember();
    const scope = `/subscriptions/${sim.directory.subscriptions[0]?.subscriptionId ?? ""}`;
    const { id, userPrincipalName, displayName, userType } = [...sim.directory.users.values()].find(
      (u) => u.userType === "Member" && u.id !== user.id,
    ) ?? { id: "", userPrincipalName: "", displayName: "", userType: "Member" as const };
    const admin = { kind: "user" as const, user: { id, userPrincipalName, displayName, userType } };
    const grant = {
      scope,
      roleDefinitionGuid: AZURE_ROLE.owner,
      principalId: user.id,
      principalType: "User" as const,
      endDateTime: null,
    };
    sim.directory.requestAzureEligibility(admin, {
      ...grant,
      name: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
      requestType: "AdminAssign",
    });
    sim.directory.addEligibility(user.id, GA, "/", new Date().toISOString());
    const limited: ActionTarget = {
      ...target(user),
      kind: "user",
      limit: { grants: [{ kind: "azure-role", roleDefinitionId: AZURE_ROLE.owner, scope }] },
    } as ActionTarget;
    const azurePlan = await removeAzureRole.plan(ctx, limited);
    const entraPlan = await removeDirectoryRole.plan(ctx, target(user));
    // A quicker admin takes both away between Warden's plan and its execution.
    sim.directory.requestAzureEligibility(admin, {
      ...grant,
      name: "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a",
      requestType: "AdminRemove",
    });
    sim.directory.changeEligibility(admin, "adminRemove", user.id, GA, "/");
    const azure = await removeAzureRole.execute(ctx, limited, azurePlan);
    const entra = await removeDirectoryRole.execute(ctx, target(user), entraPlan);
    expect(azure.note).toBe("1 grant(s) were already gone when Warden came: undo will not give them back");
    expect(entra.note).toBe("1 grant(s) were already gone when Warden came: undo will not give them back");
    expect(await removeAzureRole.undo(ctx, limited, azure.changed)).toMatch(/and 0 eligibility\(ies\)$/);
    expect(await removeDirectoryRole.undo(ctx, target(user), entra.changed)).toBe(
      "restored 0 role assignment(s) and 0 eligibility(ies)",
    );
    expect([...sim.directory.azureEligibilities.values()].filter((e) => e.principalId === user.id)).toEqual(
      [],
    );
    expect([...sim.directory.eligibilities.values()].filter((e) => e.principalId === user.id)).toEqual([]);
  });

  it("removes a permanent role assigned through PIM by schedule request, and gives it back permanent", async () => {
    const ctx = respondContext(sim, day);
    const user = freshMember();
    const { id, userPrincipalName, displayName, userType } = [...sim.directory.users.values()].find(
      (u) => u.userType === "Member" && u.id !== user.id,
    ) ?? { id: "", userPrincipalName: "", displayName: "", userType: "Member" as const };
    const assigned = sim.directory.requestActiveAssignment(
      { kind: "user", user: { id, userPrincipalName, displayName, userType } },
      "adminAssign",
      { principalId: user.id, roleDefinitionId: GA, directoryScopeId: "/" },
      null,
    );
    // Graph refuses DELETE on it: PIM made it.
    await expect(ctx.graph.deleteRoleAssignment(assigned?.id ?? "")).rejects.toMatchObject({
      statusCode: 400,
    });
    const plan = await removeDirectoryRole.plan(ctx, target(user));
    expect(plan.changes).toEqual([
      `Remove ${user.userPrincipalName} from Global Administrator (active, scope /)`,
    ]);
    const outcome = await removeDirectoryRole.execute(ctx, target(user), plan);
    expect(await removeDirectoryRole.verify(ctx, target(user), plan)).toBe(true);
    expect(await removeDirectoryRole.undo(ctx, target(user), outcome.changed)).toBe(
      "restored 1 role assignment(s) and 0 eligibility(ies)",
    );
    const back = [...sim.directory.roleAssignments.values()].filter((a) => a.principalId === user.id);
    expect(back).toHaveLength(1);
    expect(back[0]?.schedule?.endDateTime ?? null).toBeNull();
  });

  it("removes an Azure eligibility set to start later, which instances do not list yet", async () => {
    const ctx = respondContext(sim, day);
    const user = freshMember();
    const scope = `/subscriptions/${sim.directory.subscriptions[0]?.subscriptionId ?? ""}`;
    const { id, userPrincipalName, displayName, userType } = [...sim.directory.users.values()].find(
      (u) => u.userType === "Member" && u.id !== user.id,
    ) ?? { id: "", userPrincipalName: "", displayName: "", userType: "Member" as const };
    sim.directory.requestAzureEligibility(
      { kind: "user", user: { id, userPrincipalName, displayName, userType } },
      {
        name: "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b",
        scope,
        requestType: "AdminAssign",
        roleDefinitionGuid: AZURE_ROLE.owner,
        principalId: user.id,
        principalType: "User",
        endDateTime: null,
        startDateTime: new Date(Date.now() + 3_600_000).toISOString(),
      },
    );
    const limited: ActionTarget = {
      ...target(user),
      kind: "user",
      limit: { grants: [{ kind: "azure-role", roleDefinitionId: AZURE_ROLE.owner, scope }] },
    } as ActionTarget;
    const plan = await removeAzureRole.plan(ctx, limited);
    expect(plan.needed).toBe(true);
    await removeAzureRole.execute(ctx, limited, plan);
    expect(await removeAzureRole.verify(ctx, limited, plan)).toBe(true);
    expect([...sim.directory.azureEligibilities.values()].filter((e) => e.principalId === user.id)).toEqual(
      [],
    );
  });
});
