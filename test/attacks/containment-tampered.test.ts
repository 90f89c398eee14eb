import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArmActivity } from "../../src/cloud/arm-activity.js";
import { credentialFor } from "../../src/cloud/credential.js";
import { ReplicationLag } from "../../src/cloud/errors.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { GraphLogs } from "../../src/cloud/graph-logs.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { DEFAULT_DETECT_CONFIG } from "../../src/detect/detect-config.js";
import type { Finding } from "../../src/detect/finding.js";
import { ENTRA_ROLE } from "../../src/detect/roles.js";
import { detectHandler } from "../../src/jobs/handlers/detect-handler.js";
import { pollHandler } from "../../src/jobs/handlers/poll-handler.js";
import { liveDetectConfig } from "../../src/jobs/live-detect-config.js";
import { InProcessQueue } from "../../src/jobs/queue/in-process-queue.js";
import { requireMfa } from "../../src/respond/responders/require-mfa.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import type { ChangeActor } from "../../src/sim/tenant/model.js";
import { keptObjects } from "../../src/store/containment-objects-repo.js";
import type { Database } from "../../src/store/database.js";
import { eventsAfter } from "../../src/store/events-repo.js";
import { findingsSince } from "../../src/store/findings-repo.js";
import { quietLogger } from "../helpers/logs.js";
import { respondContext } from "../helpers/respond.js";
import { freshPglite } from "../helpers/services.js";
import { SIM_APP, settledTenant } from "../helpers/sim.js";

/**
 * Issue 18, point 10: a Global Administrator turned attacker undoes Warden's containment in the tenant
 * itself. They take a contained account out of Warden's group, hollow Warden's conditional access policy,
 * or unblock the subscription transfer policy. Each is a finding at the next poll, read from the logs
 * Microsoft writes, through the live poll and detect handlers with the settings the worker gives them.
 * Warden's own changes, in the same logs and the same windows, are none.
 */

let sim: SimCloud;
let day: TenantDay;
let db: Database;
let drop: () => Promise<void>;
const queue = new InProcessQueue();
const log = quietLogger();
let poll: ReturnType<typeof pollHandler>;
let detect: ReturnType<typeof detectHandler>;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(89, 50));
  ({ db, drop } = await freshPglite());
  const tenantId = day.tenant.id;
  const credential = credentialFor(tenantId, {
    clientId: SIM_APP.clientId,
    clientSecret: SIM_APP.clientSecret,
    endpoints: { graph: sim.url, arm: sim.url, authority: sim.url },
  });
  const limiter = new RateLimiter();
  poll = pollHandler(
    {
      db,
      graph: new GraphLogs(credential, sim.url, tenantId, limiter),
      arm: new ArmActivity(credential, sim.url, tenantId, limiter),
      directory: new GraphDirectory(credential, sim.url, tenantId, limiter),
      huntingQueries: new Map(),
      tenantId,
      settings: { overlapMs: 60_000, initialLookbackMs: 3_600_000 },
      log,
      now: Date.now,
    },
    queue,
  );
  // As startWorker builds it: Warden's own app named by client id and by service principal.
  const config = liveDetectConfig(DEFAULT_DETECT_CONFIG, {
    tenantId,
    clientId: SIM_APP.clientId,
    servicePrincipalId: SIM_APP.servicePrincipalId,
  });
  detect = detectHandler(db, config, queue);
}, 60_000);
afterAll(async () => {
  await queue.close();
  await drop?.();
  await sim?.close();
});

/** One poll of `source`, then the detection it asks for; every finding stored so far. */
async function nextPoll(source: "directoryAudits" | "activity", scope = ""): Promise<Finding[]> {
  const data = { tenantId: day.tenant.id, source, scope };
  await poll({ id: randomUUID(), name: "poll", data, attempt: 1 }, { log });
  await detect({ id: randomUUID(), name: "detect", data: { tenantId: day.tenant.id }, attempt: 1 }, { log });
  return (await findingsSince(db, day.tenant.id, new Date(0))).map((s) => s.finding);
}

const members = () =>
  [...sim.directory.users.values()].filter(
    (u) => u.userType === "Member" && !day.breakGlass.some((b) => b.id === u.id),
  );

/** A member made Global Administrator: the attacker, acting as themselves. */
function attacker(): ChangeActor & { kind: "user" } {
  const user = members().at(-2);
  if (user === undefined) throw new Error("the tenant lacks members");
  sim.directory.addRoleAssignment(user.id, ENTRA_ROLE.globalAdministrator, "/");
  const { id, userPrincipalName, displayName, userType } = user;
  return { kind: "user", user: { id, userPrincipalName, displayName, userType } };
}

/** Contains `userId` with require-mfa, retried while the new group replicates, as the contain job would. */
async function contain(userId: string): Promise<void> {
  const ctx = respondContext(sim, day, { db });
  const target = { kind: "user" as const, id: userId, label: userId };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const plan = await requireMfa.plan(ctx, target);
    const done = await requireMfa
      .execute(ctx, target, plan)
      .then(() => requireMfa.verify(ctx, target, plan))
      .catch((error: unknown) => {
        if (!(error instanceof ReplicationLag)) throw error;
        return false;
      });
    if (done) return;
    if (Date.now() > deadline) throw new Error("containment did not complete in 30 s");
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe("Warden's containment undone by a Global Administrator", () => {
  it("is a finding at the next poll: the account freed from Warden's group, the policy hollowed", async () => {
    // Detection runs before Warden has contained anyone: it knows no group or policy of Warden's yet.
    const before = await nextPoll("directoryAudits");
    expect(before.filter((f) => f.rule === "containment-tampered")).toEqual([]);

    const contained = members().at(-1);
    if (contained === undefined) throw new Error("the tenant lacks members");
    await contain(contained.id);
    const kept = await keptObjects(db, day.tenant.id, "mfa");
    const { groupId, policyId } = kept;
    if (groupId === undefined || policyId === undefined) throw new Error("Warden kept no group or policy");

    const admin = attacker();
    expect(sim.directory.setGroupMember(admin, groupId, contained.id, false)).toBe(true);
    const policy = sim.directory.caPolicies.get(policyId);
    if (policy === undefined) throw new Error("Warden's policy is not in the tenant");
    const conditions = structuredClone(policy.conditions);
    (conditions["users"] as Record<string, unknown>)["excludeGroups"] = [
      "dddddddd-0000-4000-8000-00000000000d",
    ];
    sim.directory.updateCaPolicy(admin, policyId, { conditions });

    const after = await nextPoll("directoryAudits");
    // Warden's own creation of the group and policy and its adding of the member were read in this same
    // window (so their silence is the rule's, not a window that missed them).
    const read = (await eventsAfter(db, day.tenant.id, 0, 100_000)).map((e) => e.event);
    const own = read.filter(
      (e) =>
        (e.kind === "group-changed" && e.groupId === groupId) ||
        (e.kind === "ca-policy-changed" && e.policyId === policyId),
    );
    expect(
      own
        .filter((e) => e.actor?.appId === SIM_APP.clientId)
        .map((e) => e.operation)
        .sort(),
    ).toEqual(["Add conditional access policy", "Add member to group"]);

    const tampered = after.filter((f) => f.rule === "containment-tampered");
    expect(tampered).toHaveLength(2);
    const freed = tampered.find((f) => f.evidence[0]?.operation === "Remove member from group");
    const hollowed = tampered.find((f) => f.evidence[0]?.operation === "Update conditional access policy");
    expect(freed).toMatchObject({
      severity: "high",
      subject: { type: "user", id: contained.id },
      actor: { type: "user", id: admin.user.id },
    });
    expect(freed?.summary).toContain(
      `removed ${contained.userPrincipalName} from Warden's containment group ${groupId}`,
    );
    expect(hollowed).toMatchObject({ subject: { type: "user", id: admin.user.id } });
    expect(hollowed?.summary).toContain(`changed Warden's conditional access policy ${policyId}`);
    // Both name the attacker: one incident.
    const stored = await findingsSince(db, day.tenant.id, new Date(0));
    const incidents = new Set(
      stored.filter((s) => s.finding.rule === "containment-tampered").map((s) => s.incidentId),
    );
    expect([...incidents]).toHaveLength(1);
    expect([...incidents][0]).toEqual(expect.any(String));
  });

  it("is a finding when the transfer policy an administrator blocked is unblocked by another", async () => {
    const policyFindings = (findings: Finding[]) =>
      findings.filter((f) => f.rule === "subscription-policy-changed").map((f) => f.id);
    const earlier = new Set(policyFindings(await nextPoll("activity", "tenant")));

    // The protective setting, as Warden asks a Global Administrator to apply it: leaving blocked, no one exempt.
    const breakGlass = day.breakGlass[0];
    if (breakGlass === undefined) throw new Error("the tenant has no break-glass account");
    sim.directory.administratorSetsTransferPolicy(breakGlass.id, true, false, []);
    // The attacker, Global Administrator too, lets subscriptions leave again.
    const admin = attacker();
    sim.directory.administratorSetsTransferPolicy(admin.user.id, false, false);

    const after = await nextPoll("activity", "tenant");
    const raised = after.filter((f) => f.rule === "subscription-policy-changed" && !earlier.has(f.id));
    expect(raised.map((f) => [f.actor?.userPrincipalName, f.summary])).toEqual([
      [
        admin.user.userPrincipalName,
        `The subscription transfer policy now lets subscriptions leave the directory (by ${admin.user.userPrincipalName})`,
      ],
    ]);
  });
});
