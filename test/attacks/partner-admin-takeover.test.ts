import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { correlate } from "../../src/detect/correlate.js";
import type { Finding } from "../../src/detect/finding.js";
import { AZURE_ROLE, ENTRA_ROLE } from "../../src/detect/roles.js";
import { checkAdministratorSteps } from "../../src/respond/administrator-steps.js";
import { executeContainment } from "../../src/respond/execute.js";
import { containDecision } from "../../src/respond/recorded-decision.js";
import { ACTIONS } from "../../src/respond/types.js";
import { triageIncident, type WorkflowDeps } from "../../src/respond/workflow.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { actionsOf } from "../../src/store/actions-repo.js";
import type { Database } from "../../src/store/database.js";
import { insertFindings } from "../../src/store/findings-repo.js";
import { auditTrail, createIncident, getIncident } from "../../src/store/incidents-repo.js";
import { administratorTakesAskedSteps } from "../helpers/administrator.js";
import { containmentDeps } from "../helpers/respond.js";
import { freshPglite } from "../helpers/services.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * Issue 17, finding 3: automatic containment turned against a legitimate admin. A member who owns a
 * subscription grants Owner on it to a long-standing B2B partner admin (Global Administrator for weeks,
 * Owner of another subscription for a month) and moves it out. The takeover chain makes a critical
 * incident at 0.97, and automatic containment of critical incidents is on.
 *
 * Before: decided per incident, every action ran without a click: the partner admin disabled, and every
 * Azure role it held deleted. Now each action is judged on the findings that ask for it, only the grant
 * the findings name is taken back, and disabling an admin whose privileges predate the incident waits for a
 * person. The findings are made as the detectors make them; the chain by the real correlation; triage and
 * containment run against the simulated tenant through the real SDK clients.
 */

let sim: SimCloud;
let day: TenantDay;
let db: Database;
let drop: () => Promise<void>;

const DAY = 86_400_000;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(89, 100));
  ({ db, drop } = await freshPglite());
}, 60_000);
afterAll(async () => {
  await drop?.();
  await sim?.close();
});

/** The partner admin, as the tenant has known it for weeks: a guest, Global Administrator, Owner of one subscription. */
function partnerAdmin(
  standingSubscription: string,
  upn = "ops_partner-msp.example#EXT#@contoso-lab.onmicrosoft.com",
) {
  const id = randomUUID();
  const weeksAgo = Date.now() - 40 * DAY;
  sim.directory.apply(
    {
      type: "user-created",
      user: { id, userPrincipalName: upn, displayName: "Partner MSP admin", userType: "Guest" },
      enabled: true,
    },
    weeksAgo,
  );
  sim.directory.addRoleAssignment(id, ENTRA_ROLE.globalAdministrator, "/");
  sim.directory.apply(
    {
      type: "azure-role-assigned",
      name: randomUUID(),
      scope: `/subscriptions/${standingSubscription}`,
      roleDefinitionGuid: AZURE_ROLE.owner,
      principalId: id,
      createdBy: day.breakGlass[0]?.id ?? "",
    },
    Date.now() - 30 * DAY,
  );
  return { id, upn };
}

function workflow(): WorkflowDeps {
  return {
    ...containmentDeps(sim, day, db),
    twoApproversForCritical: false,
    now: Date.now,
    autoPolicy: {
      enabled: true,
      minConfidence: 0.95,
      severities: ["critical"],
      rules: [],
      // Every action may run alone: only how each is judged can hold one back.
      actions: [...ACTIONS],
      maxActionsPerHour: 20,
    },
  };
}

describe("a member grants a long-standing partner admin Owner, then moves the subscription out", () => {
  it("asks a Global Administrator to block transfers, takes back only that grant without a click; disabling the partner waits for a person", async () => {
    const [standing, moved] = sim.directory.subscriptions.map((s) => s.subscriptionId);
    if (standing === undefined || moved === undefined) throw new Error("the tenant needs two subscriptions");
    const partner = partnerAdmin(standing);
    const member = [...sim.directory.users.values()].find((u) => u.userType === "Member");
    if (member === undefined) throw new Error("no member in the tenant");

    // The member's grant, as ARM applies it and guest-azure-privileged-role names it.
    const grantedAt = Date.now() - 60_000;
    const grantName = randomUUID();
    sim.directory.apply(
      {
        type: "azure-role-assigned",
        name: grantName,
        scope: `/subscriptions/${moved}`,
        roleDefinitionGuid: AZURE_ROLE.owner,
        principalId: partner.id,
        createdBy: member.id,
      },
      grantedAt,
    );
    const actor = { type: "user" as const, id: member.id, userPrincipalName: member.userPrincipalName };
    const grant: Finding = {
      id: "f-partner-grant",
      rule: "guest-azure-privileged-role",
      severity: "high",
      confidence: 0.8,
      tenantId: day.tenant.id,
      time: grantedAt,
      subject: { type: "user", id: partner.id, userPrincipalName: partner.upn, external: true },
      actor,
      subscriptionIds: [moved],
      evidence: [
        {
          source: "azure-activity",
          id: "azure-activity:partner-grant",
          time: grantedAt,
          operation: "Microsoft.Authorization/roleAssignments/write",
        },
      ],
      summary: `Owner at subscription scope /subscriptions/${moved} to external ${partner.upn}`,
      grants: [{ kind: "azure-role", roleDefinitionId: AZURE_ROLE.owner, scope: `/subscriptions/${moved}` }],
    };
    const move: Finding = {
      id: "f-partner-move",
      rule: "subscription-directory-changed",
      severity: "high",
      confidence: 0.8,
      tenantId: day.tenant.id,
      time: Date.now(),
      subject: { type: "subscription", id: moved },
      actor,
      subscriptionIds: [moved],
      evidence: [
        {
          source: "azure-activity",
          id: "azure-activity:partner-move",
          time: Date.now(),
          operation: "Microsoft.Subscription/updateTenant/action",
        },
      ],
      summary: `${member.userPrincipalName} moved subscription ${moved} to another directory`,
    };
    const { chains } = correlate([grant, move], { correlationWindowHours: 72 });
    expect(chains.map((c) => [c.rule, c.severity, c.confidence])).toEqual([
      ["subscription-hijack-chain", "critical", 0.97],
    ]);
    const findings = [grant, move, ...chains];
    await insertFindings(db, findings);
    await createIncident(db, "inc-partner", day.tenant.id, {
      severity: "critical",
      confidence: 0.97,
      firstTime: grant.time,
      lastTime: move.time,
      findingIds: findings.map((f) => f.id),
      rules: findings.map((f) => f.rule),
    });

    const deps = workflow();
    const triaged = await triageIncident(deps, "inc-partner");
    expect(triaged.outcome).toBe("auto");
    const decision = await containDecision(db, (await getIncident(db, "inc-partner")) as never);
    if (!decision.ok) throw new Error(decision.reason);
    const ran = await executeContainment(
      deps,
      "inc-partner",
      decision.decision.by,
      decision.decision.actionIds,
    );
    const byAction = new Map(ran.outcomes.map((o) => [o.action, o]));

    // Without a click: the one grant the findings name taken back, and the transfer block asked of a
    // Global Administrator (Microsoft refuses it to apps).
    expect(byAction.get("block-subscription-transfer")?.state).toBe("awaiting-admin");
    expect(sim.directory.policy.blockSubscriptionsLeavingTenant).toBe(false);
    const removal = (await actionsOf(db, "inc-partner")).filter((a) => a.action === "remove-azure-role");
    expect(removal.map((a) => [a.state, a.automatic])).toEqual([["done", true]]);
    const partnerRoles = [...sim.directory.azureAssignments.values()].filter(
      (a) => a.principalId === partner.id,
    );
    expect(partnerRoles.map((a) => a.scope)).toEqual([`/subscriptions/${standing}`]);
    expect(partnerRoles.some((a) => a.name === grantName)).toBe(false);

    // The partner admin is not disabled: its Global Administrator role predates the incident.
    expect(sim.directory.users.get(partner.id)?.accountEnabled).toBe(true);
    const disable = (await actionsOf(db, "inc-partner")).find((a) => a.action === "disable-account");
    expect(disable?.state).toBe("planned");
    expect([...sim.directory.roleAssignments.values()].some((a) => a.principalId === partner.id)).toBe(true);

    // Once the automatic part has run, the rest is put to a person, and the card says why.
    const again = await triageIncident(deps, "inc-partner");
    expect(again.outcome).toBe("pending");
    expect((await getIncident(db, "inc-partner"))?.state).toBe("pending");
    const asked = (await auditTrail(db, "inc-partner")).findLast((e) => e.action === "awaiting-approval");
    expect(String(asked?.detail?.["reason"])).toContain(
      `disable-account on ${partner.upn}: ${partner.upn} held Global Administrator (Entra role)`,
    );
    expect(String(asked?.detail?.["reason"])).toContain("before this incident began");

    // The administrator blocks transfers as the card asks; Warden sees it and records who, while the
    // disable still waits for its own decision.
    const admin = day.breakGlass[0];
    if (admin === undefined) throw new Error("no Global Administrator in the seed");
    expect(await administratorTakesAskedSteps(db, sim.directory, admin.id)).toBe(1);
    expect(await checkAdministratorSteps(deps, "inc-partner")).toMatchObject({ taken: 1, waiting: 0 });
    const block = (await actionsOf(db, "inc-partner")).find(
      (a) => a.action === "block-subscription-transfer",
    );
    expect([block?.state, block?.changed?.["appliedBy"]]).toEqual(["done", admin.userPrincipalName]);
    expect((await getIncident(db, "inc-partner"))?.state).toBe("pending");
  }, 90_000);

  it("takes back without a click no assignment older than the incident, even one a finding names", async () => {
    const [standing] = sim.directory.subscriptions.map((s) => s.subscriptionId);
    if (standing === undefined) throw new Error("the tenant needs a subscription");
    const partner = partnerAdmin(standing, "ops2_partner-msp.example#EXT#@contoso-lab.onmicrosoft.com");
    // A record naming the partner's month-old Owner as if it had just been granted (a forged or replayed
    // log line: ARM refuses a second identical assignment, so no real grant can name it).
    const now = Date.now();
    const named: Finding = {
      id: "f-partner-named-old",
      rule: "subscription-hijack-chain",
      severity: "critical",
      confidence: 0.97,
      tenantId: day.tenant.id,
      time: now,
      subject: { type: "user", id: partner.id, userPrincipalName: partner.upn, external: true },
      subscriptionIds: [standing],
      evidence: [{ source: "azure-activity", id: "azure-activity:named-old", time: now, operation: "x" }],
      summary: "a chain naming the partner's standing Owner",
      grants: [
        { kind: "azure-role", roleDefinitionId: AZURE_ROLE.owner, scope: `/subscriptions/${standing}` },
      ],
    };
    const move: Finding = {
      ...named,
      id: "f-partner-named-old-move",
      rule: "subscription-directory-changed",
      severity: "high",
      confidence: 0.8,
      subject: { type: "subscription", id: standing },
      evidence: [
        {
          source: "azure-activity",
          id: "azure-activity:named-old-move",
          time: now,
          operation: "Microsoft.Subscription/updateTenant/action",
        },
      ],
      summary: "moved",
    };
    delete move.grants;
    await insertFindings(db, [named, move]);
    await createIncident(db, "inc-named-old", day.tenant.id, {
      severity: "critical",
      confidence: 0.97,
      firstTime: now,
      lastTime: now,
      findingIds: [named.id, move.id],
      rules: [named.rule, move.rule],
    });
    await triageIncident(workflow(), "inc-named-old");
    const removal = (await actionsOf(db, "inc-named-old")).find((a) => a.action === "remove-azure-role");
    expect(removal?.state).toBe("planned");
    const trail = await auditTrail(db, "inc-named-old");
    // The automatic decision (blocking transfers) does not cover the removal.
    const automatic = trail
      .filter((e) => e.action === "auto-contain")
      .flatMap((e) => e.detail?.["actions"] ?? []);
    expect(automatic).not.toContain(removal?.id);
    const reasons = trail.map((e) => String(e.detail?.["reason"] ?? e.detail?.["asked"] ?? "")).join(" | ");
    expect(reasons).toContain("made before this incident began");
    expect(
      [...sim.directory.azureAssignments.values()].some(
        (a) => a.principalId === partner.id && a.scope === `/subscriptions/${standing}`,
      ),
    ).toBe(true);
    expect(sim.directory.users.get(partner.id)?.accountEnabled).toBe(true);
  }, 90_000);
});
