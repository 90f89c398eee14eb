import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../src/detect/finding.js";
import { decide } from "../../src/respond/decide.js";
import { expireStale } from "../../src/respond/expiry.js";
import { Guard } from "../../src/respond/guard.js";
import type { RespondContext } from "../../src/respond/types.js";
import type { WorkflowDeps } from "../../src/respond/workflow.js";
import { recordPlannedActions } from "../../src/store/actions-repo.js";
import type { Database } from "../../src/store/database.js";
import { insertFindings } from "../../src/store/findings-repo.js";
import {
  auditTrail,
  createIncident,
  getIncident,
  transitionIncident,
} from "../../src/store/incidents-repo.js";
import { quietLogger } from "../helpers/logs.js";
import { freshPglite } from "../helpers/services.js";

/** Two approvers for critical incidents, and expiry of incidents nobody decided in time. */

const TENANT = "7e7e7e7e-0000-4000-8000-000000000007";
let db: Database;
let drop: () => Promise<void>;
let deps: WorkflowDeps;

beforeAll(async () => {
  ({ db, drop } = await freshPglite());
  deps = {
    db,
    // Deciding reads the store only: no tenant client is called, so none is given.
    ctx: undefined as unknown as RespondContext,
    guard: new Guard(
      { breakGlassIds: [], users: [], groupIds: [], servicePrincipalIds: [] },
      { transitiveMemberIds: async () => [], user: async () => undefined },
    ),
    dryRun: false,
    log: quietLogger(),
    autoPolicy: {
      enabled: false,
      minConfidence: 1,
      severities: [],
      rules: [],
      actions: [],
      maxActionsPerHour: 0,
    },
    twoApproversForCritical: true,
    now: Date.now,
  };
});
afterAll(async () => drop?.());

async function pendingIncident(id: string, severity: "critical" | "high"): Promise<number> {
  const finding: Finding = {
    id: `f-${id}`,
    rule: "guest-privileged-role",
    severity,
    confidence: 0.9,
    tenantId: TENANT,
    time: Date.now(),
    subject: { type: "user", id: "11111111-1111-4111-8111-111111111111" },
    actor: { type: "user", id: "22222222-2222-4222-8222-222222222222" },
    subscriptionIds: [],
    evidence: [],
    summary: "test",
  };
  await insertFindings(db, [finding]);
  await createIncident(db, id, TENANT, {
    severity,
    confidence: 0.9,
    firstTime: finding.time,
    lastTime: finding.time,
    findingIds: [finding.id],
    rules: [finding.rule],
  });
  await recordPlannedActions(db, [
    {
      id: `${id}:disable-account:user:1`,
      tenantId: TENANT,
      incidentId: id,
      action: "disable-account",
      target: { kind: "user", id: "1", label: "guest" },
      state: "planned",
      plan: { changes: ["x"] },
    },
  ]);
  const moved = await transitionIncident(db, id, ["open"], "pending", { action: "awaiting-approval" });
  return moved?.version ?? 0;
}

const alice = { id: "aaaaaaaa-0000-4000-8000-00000000000a", name: "Alice" };
const bob = { id: "bbbbbbbb-0000-4000-8000-00000000000b", name: "Bob" };

describe("two approvers for critical incidents", () => {
  it("takes two different approvers; the first alone changes nothing, nor does the same one twice", async () => {
    let version = await pendingIncident("inc-critical", "critical");
    const first = await decide(deps, "inc-critical", alice, { approve: true, cardVersion: version });
    expect(first.outcome).toBe("first-approval");
    expect((await getIncident(db, "inc-critical"))?.state).toBe("pending");
    version = first.incident?.version ?? 0;
    const again = await decide(deps, "inc-critical", alice, { approve: true, cardVersion: version });
    expect(again).toMatchObject({
      outcome: "refused",
      reason: expect.stringContaining("second, different approver"),
    });
    const second = await decide(deps, "inc-critical", bob, { approve: true, cardVersion: version });
    expect(second.outcome).toBe("approved");
    const trail = (await auditTrail(db, "inc-critical")).map((e) => [e.action, e.actorName]);
    expect(trail).toEqual(
      expect.arrayContaining([
        ["first-approval", "Alice"],
        ["approved", "Bob"],
      ]),
    );
  });

  it("a high incident needs one approver", async () => {
    const version = await pendingIncident("inc-high", "high");
    expect((await decide(deps, "inc-high", alice, { approve: true, cardVersion: version })).outcome).toBe(
      "approved",
    );
  });
});

describe("expiry", () => {
  it("expires incidents that waited past their severity's time, and leaves the others", async () => {
    await pendingIncident("inc-old", "high");
    await pendingIncident("inc-new", "critical");
    const policy = {
      expireHours: { critical: 1, high: 0.0002, medium: 24, low: 72 },
      twoApproversForCritical: false,
    };
    // A second from now, as expiry is told the time: past high's 0.0002 h (0.72 s), within critical's hour.
    expect(await expireStale(db, TENANT, policy, Date.now() + 1_000)).toEqual(["inc-old"]);
    expect((await getIncident(db, "inc-old"))?.state).toBe("expired");
    expect((await getIncident(db, "inc-new"))?.state).toBe("pending");
    const trail = await auditTrail(db, "inc-old");
    expect(trail.at(-1)).toMatchObject({
      action: "expired",
      toState: "expired",
      detail: { afterHours: 0.0002 },
    });
    // Denying an expired incident is refused: nothing was changed, there is nothing to deny.
    const version = (await getIncident(db, "inc-old"))?.version ?? 0;
    const lateDenial = await decide(deps, "inc-old", alice, {
      approve: false,
      cardVersion: version,
      reason: "no",
    });
    expect(lateDenial).toMatchObject({ outcome: "refused", reason: expect.stringContaining("expired") });
    // Approving it is "Approve now" (issue 25): its actions plan again against the tenant as they run.
    const late = await decide(deps, "inc-old", alice, { approve: true, cardVersion: version });
    expect(late).toMatchObject({ outcome: "approved" });
    expect((await getIncident(db, "inc-old"))?.state).toBe("approved");
  });
});

describe("who may approve", () => {
  it("denies on doubt: no identity on the click, or an approver group that cannot be read, with the reason", async () => {
    const { ApproverCheck } = await import("../../src/respond/approvers.js");
    const failing = new ApproverCheck(
      { approverGroupId: "9b9b9b9b-0000-4000-8000-000000000009", approvers: [] },
      {
        transitiveMemberIds: async () => Promise.reject(new Error("Graph answered 503")),
        user: async () => undefined,
      },
    );
    expect(await failing.check(alice.id)).toEqual({
      ok: false,
      reason: expect.stringContaining("could not be checked (Graph answered 503)"),
    });
    expect(await failing.check(undefined)).toEqual({
      ok: false,
      reason: expect.stringContaining("no Entra identity"),
    });
    const listed = new ApproverCheck(
      { approvers: [alice.id] },
      { transitiveMemberIds: async () => [], user: async () => undefined },
    );
    expect(await listed.check(alice.id.toUpperCase())).toEqual({ ok: true });
    expect(await listed.check(bob.id)).toEqual({
      ok: false,
      reason: expect.stringContaining("not an approver"),
    });
    // A refusal a member of the tenant reads names no setting of Warden's.
    expect(JSON.stringify(await listed.check(bob.id))).not.toMatch(/WARDEN_/);
  });
});
