import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../src/detect/finding.js";
import { ENTRA_ROLE } from "../../src/detect/roles.js";
import type { Guard } from "../../src/respond/guard.js";
import { triageIncident, type WorkflowDeps } from "../../src/respond/workflow.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { actionsOf } from "../../src/store/actions-repo.js";
import type { Database } from "../../src/store/database.js";
import { insertFindings } from "../../src/store/findings-repo.js";
import { auditTrail, createIncident, updateIncidentContent } from "../../src/store/incidents-repo.js";
import { containmentDeps } from "../helpers/respond.js";
import { freshPglite } from "../helpers/services.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * Detection grows an incident while triage is planning it: the automatic decision, taken against the
 * version it planned from, is lost and triage runs again. The first pass's reservation under the circuit
 * breaker must not be counted against the second (a loaded CI run saw the takeover wait for approval with
 * "15 automatic actions in the last hour" where the other incidents had run 9).
 */

let sim: SimCloud;
let day: TenantDay;
let db: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(79, 100));
  ({ db, drop } = await freshPglite());
}, 60_000);
afterAll(async () => {
  await drop?.();
  await sim?.close();
});

describe("triage of an incident that grows meanwhile", () => {
  it("decides once, and counts its own actions once against the circuit breaker", async () => {
    const attack = day.attacks.find((a) => a.name === "guest-admin");
    const upn = sim.directory.users.get(attack?.subjectId ?? "")?.userPrincipalName;
    if (attack === undefined || upn === undefined) throw new Error("no guest-admin attack in the tenant");
    // The findings are dated from the guest's invitation, as detection dates them: the guest's account
    // is the incident's (created during it), so disabling it is not held back as a standing admin's.
    const invitedAt = Date.parse(sim.directory.users.get(attack.subjectId)?.createdDateTime ?? "");
    const base = {
      severity: "critical" as const,
      confidence: 0.99,
      tenantId: day.tenant.id,
      time: invitedAt,
      actor: { type: "user" as const, id: attack.actorId },
      subscriptionIds: [],
      evidence: [],
      summary: "test",
    };
    const subject = { type: "user" as const, id: attack.subjectId, userPrincipalName: upn, external: true };
    const invited: Finding = { ...base, id: "f-race-invited", rule: "guest-invited", subject };
    const promoted: Finding = {
      ...base,
      id: "f-race-promoted",
      rule: "guest-privileged-role",
      time: base.time + 1_000,
      subject,
      // What the detector names (guest-privileged-role.ts): the role this incident saw granted, so
      // disabling the guest is not held back as a privilege it held before.
      grants: [{ kind: "directory-role", roleTemplateId: ENTRA_ROLE.globalAdministrator }],
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
    await createIncident(db, "inc-race", day.tenant.id, content);

    const deps = containmentDeps(sim, day, db);
    // The first look at a target is when detection adds the promotion: the version triage planned from is gone.
    let grown = false;
    const guard = {
      check: async (...args: Parameters<Guard["check"]>) => {
        if (!grown) {
          grown = true;
          await updateIncidentContent(db, "inc-race", {
            ...content,
            lastTime: promoted.time,
            findingIds: [invited.id, promoted.id],
            rules: [invited.rule, promoted.rule],
          });
        }
        return deps.guard.check(...args);
      },
    } as unknown as Guard;
    const workflow: WorkflowDeps = {
      ...deps,
      guard,
      twoApproversForCritical: false,
      now: Date.now,
      autoPolicy: {
        enabled: true,
        minConfidence: 0.5,
        severities: ["medium", "high", "critical"],
        rules: [],
        actions: [
          "disable-account",
          "remove-directory-role",
          "remove-azure-role",
          "require-mfa",
          "revoke-sessions",
          "block-sign-in",
          "block-subscription-transfer",
        ],
        // Exactly the grown incident's four actions: disable the guest, strip its role, MFA and
        // revoked sessions for the admin who invited it.
        maxActionsPerHour: 4,
      },
    };

    const result = await triageIncident(workflow, "inc-race");
    expect(grown).toBe(true);
    const trail = await auditTrail(db, "inc-race");
    expect(result.outcome, JSON.stringify(trail.map((e) => [e.action, e.detail]))).toBe("auto");
    expect(trail.filter((e) => e.action === "auto-contain")).toHaveLength(1);
    const actions = await actionsOf(db, "inc-race");
    expect(actions.map((a) => a.action).sort()).toEqual([
      "disable-account",
      "remove-directory-role",
      "require-mfa",
      "revoke-sessions",
    ]);
    expect(actions.every((a) => a.automatic)).toBe(true);
  }, 60_000);
});
