import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../src/detect/finding.js";
import { planContainment } from "../../src/respond/plan.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import type { Database } from "../../src/store/database.js";
import { insertFindings } from "../../src/store/findings-repo.js";
import { createIncident, getIncident, updateIncidentContent } from "../../src/store/incidents-repo.js";
import { containmentDeps } from "../helpers/respond.js";
import { freshPglite } from "../helpers/services.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * An incident grows: a guest first known by address alone (the invitation) is later known by object id
 * too (the role grant). Planning again must see one guest, not a second one to disable or revoke twice.
 */

let sim: SimCloud;
let day: TenantDay;
let db: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(73, 100));
  ({ db, drop } = await freshPglite());
}, 60_000);
afterAll(async () => {
  await drop?.();
  await sim?.close();
});

describe("planning an incident that grew", () => {
  it("keeps one action per user when a user known by UPN is later known by id", async () => {
    const deps = containmentDeps(sim, day, db);
    const attack = day.attacks.find((a) => a.name === "guest-admin");
    const upn = sim.directory.users.get(attack?.subjectId ?? "")?.userPrincipalName;
    if (attack === undefined || upn === undefined) throw new Error("no guest-admin attack in the tenant");
    const base = {
      severity: "critical" as const,
      confidence: 0.99,
      tenantId: day.tenant.id,
      time: Date.now(),
      actor: { type: "user" as const, id: attack.actorId },
      subscriptionIds: [],
      evidence: [],
      summary: "test",
    };
    const invited: Finding = {
      ...base,
      id: "f-invited",
      rule: "guest-invited",
      subject: { type: "user", userPrincipalName: upn, external: true },
    };
    const promoted: Finding = {
      ...base,
      id: "f-promoted",
      rule: "guest-privileged-role",
      time: base.time + 1_000,
      subject: { type: "user", id: attack.subjectId, userPrincipalName: upn, external: true },
    };
    await insertFindings(db, [invited, promoted]);
    const content = {
      severity: "critical" as const,
      confidence: 0.99,
      firstTime: invited.time,
      lastTime: invited.time,
      findingIds: [invited.id],
      rules: [invited.rule],
    };
    await createIncident(db, "inc-grew", day.tenant.id, content);
    const first = await planContainment(
      deps,
      (await getIncident(db, "inc-grew")) as NonNullable<Awaited<ReturnType<typeof getIncident>>>,
    );
    expect(first.filter((a) => a.action === "disable-account")).toHaveLength(1);

    await updateIncidentContent(db, "inc-grew", {
      ...content,
      lastTime: promoted.time,
      findingIds: [invited.id, promoted.id],
      rules: [invited.rule, promoted.rule],
    });
    const grown = await planContainment(
      deps,
      (await getIncident(db, "inc-grew")) as NonNullable<Awaited<ReturnType<typeof getIncident>>>,
    );
    const count = (action: string) => grown.filter((a) => a.action === action).length;
    // The guest once for each action, the role removal new; the admin's MFA and revocation once.
    expect(count("disable-account")).toBe(1);
    expect(count("remove-directory-role")).toBe(1);
    expect(count("revoke-sessions")).toBe(1);
    expect(count("require-mfa")).toBe(1);
  }, 60_000);
});
