import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { openWarden, startSchedules, startWorker, type Warden, workflowDeps } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { ENTRA_ROLE } from "../../src/detect/roles.js";
import { QUEUE } from "../../src/jobs/queues.js";
import { executeContainment, undoContainment } from "../../src/respond/containment.js";
import { decide } from "../../src/respond/workflow.js";
import { actionsOf, finishAction } from "../../src/store/actions-repo.js";
import { auditTrail, type IncidentRow, listIncidents } from "../../src/store/incidents-repo.js";
import { quietLogger } from "../helpers/logs.js";
import { type PlayedSim, playingSim, settle, until } from "../helpers/pipeline.js";
import { SIM_APP } from "../helpers/sim.js";
import { tenantState } from "../helpers/tenant-state.js";

/**
 * Issue 5's promise against the simulated tenant, end to end in one process: the scenarios' incidents
 * are planned, approved in the workflow (as the bot will do after its checks), contained, verified,
 * executed again without changing anything, and undone back to the tenant as it was.
 */

const quiet = () => quietLogger("warn");

interface Run {
  played: PlayedSim;
  warden: Warden;
  dataDir: string;
}

async function start(seed: number, env: Record<string, string> = {}): Promise<Run> {
  const played = await playingSim(seed, 6_000);
  const dataDir = `/tmp/warden-contain-${process.pid}-${seed}-${Date.now()}`;
  const config = loadConfig({ env: { ...played.env, WARDEN_DATA_DIR: dataDir, ...env } });
  const warden = await openWarden(config, quiet());
  startWorker(warden);
  await startSchedules(warden);
  return { played, warden, dataDir };
}

async function stop(run: Run | undefined): Promise<void> {
  if (run === undefined) return;
  await run.warden.close();
  await run.played.sim.close();
  rmSync(run.dataDir, { recursive: true, force: true });
}

const incidentsOf = async (run: Run) =>
  (await listIncidents(run.warden.db, run.played.tenantId)).filter((i) => i.state !== "merged");

async function waitForStates(run: Run, states: string[], what: string): Promise<IncidentRow[]> {
  // Detection first, so the incidents are whole (the hijack's chain joins late), then their triage.
  await settle(run.warden.db, run.warden.queue, run.played);
  try {
    await until(
      async () => {
        const incidents = await incidentsOf(run);
        return incidents.length === 4 && incidents.every((i) => states.includes(i.state));
      },
      60_000,
      what,
    );
  } catch (error) {
    const incidents = await incidentsOf(run);
    const detail = await Promise.all(
      incidents.map(
        async (i) =>
          `${i.state} ${i.rules.join(",")}: ${JSON.stringify((await auditTrail(run.warden.db, i.id)).map((e) => [e.action, e.detail]))}`,
      ),
    );
    throw new Error(`${(error as Error).message}\n${detail.join("\n")}`);
  }
  return incidentsOf(run);
}

const attack = (run: Run, name: string) => {
  const found = run.played.day.attacks.find((a) => a.name === name);
  if (found === undefined) throw new Error(name);
  return found;
};

/** Writes Warden's app made to the tenant, as the simulation counted them. */
const wardenWrites = (run: Run) =>
  run.played.sim.directory.changes.filter((c) => c.actor === SIM_APP.clientId);

describe("containment approved in the workflow", () => {
  let run: Run | undefined;
  afterAll(() => stop(run));

  it("plans, contains, re-runs without change, and undoes back to the tenant as it was", async () => {
    run = await start(61);
    const r = run;
    const pending = await waitForStates(r, ["pending"], "four incidents waiting for approval");
    const directory = r.played.sim.directory;
    // The scenario's last effects (the hijacked subscription leaving when its transfer completes) first.
    await until(
      async () => {
        directory.advance();
        return directory.pendingEffects === 0;
      },
      30_000,
      "the simulated tenant to finish the scenario",
    );
    const before = tenantState(directory);

    // Each planned action says exactly what it will change, read from the live tenant.
    const hijack = attack(r, "hijack");
    const hijackIncident = pending.find((i) => i.rules.includes("subscription-hijack-chain"));
    if (hijackIncident === undefined) throw new Error("no hijack incident");
    const planned = await actionsOf(r.warden.db, hijackIncident.id);
    const changesOf = (action: string, target: string) =>
      planned.find((a) => a.action === action && JSON.stringify(a.target).includes(target))?.plan["changes"];
    expect(changesOf("remove-directory-role", hijack.subjectId)).toEqual([
      `Remove ${hijack.subjectUpn} from Global Administrator (active, scope /)`,
    ]);
    expect(changesOf("block-subscription-transfer", r.played.tenantId)).toEqual([
      "Block subscriptions from leaving the directory (was allowed)",
    ]);
    expect(planned.find((a) => a.action === "disable-account")?.plan["changes"]).toContain(
      `Set accountEnabled of ${hijack.subjectUpn} from true to false`,
    );

    // Approved by an analyst who is in none of the incidents.
    const deps = workflowDeps(r.warden);
    const analyst = { id: "5a5a5a5a-0000-4000-8000-00000000a11e", name: "SOC Analyst" };
    for (const incident of pending) {
      const decision = await decide(deps, incident.id, analyst, {
        approve: true,
        cardVersion: incident.version,
      });
      expect(decision.outcome).toBe("approved");
      await r.warden.queue.add(
        QUEUE.contain,
        "contain",
        { incidentId: incident.id },
        { dedupeKey: `contain:${incident.id}` },
      );
    }
    const contained = await waitForStates(r, ["contained"], "every incident contained");
    expect(contained.map((i) => i.state)).toEqual(["contained", "contained", "contained", "contained"]);

    // The seed's three attacks end with the guest disabled and stripped, the admin under MFA, transfers blocked.
    for (const name of ["guest-admin", "hijack"] as const) {
      const guest = attack(r, name).subjectId;
      expect(directory.users.get(guest)?.accountEnabled).toBe(false);
      expect([...directory.roleAssignments.values()].filter((a) => a.principalId === guest)).toEqual([]);
      expect([...directory.azureAssignments.values()].filter((a) => a.principalId === guest)).toEqual([]);
    }
    const mfaGroup = [...directory.groups.values()].find((g) => g.mailNickname === "warden-contained-mfa");
    for (const name of ["compromised-admin", "guest-admin", "hijack", "risky-signin"] as const) {
      expect(mfaGroup?.members.has(attack(r, name).actorId)).toBe(true);
    }
    const policy = [...directory.caPolicies.values()].find(
      (p) => p.displayName === "Warden containment: require MFA",
    );
    expect(policy?.state).toBe("enabled");
    // Exactly one policy, however many incidents were contained at once.
    expect(
      [...directory.caPolicies.values()].filter((p) => p.displayName === policy?.displayName),
    ).toHaveLength(1);
    const users = policy?.conditions["users"] as { excludeUsers: string[] } | undefined;
    expect([...(users?.excludeUsers ?? [])].sort()).toEqual(r.played.day.breakGlass.map((u) => u.id).sort());
    expect(directory.policy.blockSubscriptionsLeavingTenant).toBe(true);
    // Break-glass accounts are untouched.
    for (const b of r.played.day.breakGlass) {
      expect(wardenWrites(r).some((w) => w.target.includes(b.id))).toBe(false);
      expect(directory.users.get(b.id)?.accountEnabled).toBe(true);
    }

    // Every executed action recorded what it changed, its request ids, and who approved it.
    const executed = (await Promise.all(contained.map((i) => actionsOf(r.warden.db, i.id)))).flat();
    const changedSomething = executed.filter((a) => a.state === "done" && a.changed !== null);
    expect(changedSomething.length).toBeGreaterThan(5);
    for (const a of changedSomething) expect(a.approvedBy).toBe(analyst.id);
    // Graph's request-id or ARM's x-ms-request-id for every action that wrote.
    expect(changedSomething.filter((a) => a.requestIds.length === 0).map((a) => a.action)).toEqual([]);

    // Running containment again changes nothing in the tenant.
    const writes = wardenWrites(r).length;
    for (const incident of contained) {
      await executeContainment(deps, incident.id, { kind: "approver", id: analyst.id, name: analyst.name });
    }
    expect(wardenWrites(r).length).toBe(writes);

    // Warden's own changes come back through the pollers as events, and make no incident.
    await until(
      async () => {
        const { rows } = await r.warden.db.query<{ n: string }>(
          "SELECT count(*) AS n FROM events WHERE tenant_id = $1 AND body::text LIKE $2",
          [r.played.tenantId, `%${SIM_APP.clientId}%`],
        );
        return Number(rows[0]?.n) > 0;
      },
      30_000,
      "Warden's own changes to come back as events",
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await incidentsOf(r)).length).toBe(4);

    // Undo: the tenant is as it was (sessions stay revoked; the containment group and policy stay, empty).
    for (const incident of contained) {
      const undone = await undoContainment(deps, incident.id, {
        kind: "approver",
        id: analyst.id,
        name: analyst.name,
      });
      expect(undone.incident?.state, JSON.stringify(undone.outcomes)).toBe("reverted");
    }
    const after = tenantState(directory);
    expect({ ...after, groupMembers: undefined }).toEqual({ ...before, groupMembers: undefined });
    expect(after.groupMembers["warden-contained-mfa"]).toEqual([]);
    const trail = await auditTrail(r.warden.db, hijackIncident.id);
    expect(trail.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        "awaiting-approval",
        "approved",
        "executing",
        "action-done",
        "containment-finished",
        "action-undone",
        "reverted",
      ]),
    );
  }, 150_000);
});

describe("decisions checked against the store", () => {
  let run: Run | undefined;
  afterAll(() => stop(run));

  it("refuses an old card version, the incident's own subject or actor, and actions that were not planned", async () => {
    run = await start(62);
    const r = run;
    const pending = await waitForStates(r, ["pending"], "incidents waiting");
    const deps = workflowDeps(r.warden);
    const incident = pending.find(
      (i) => i.rules.includes("guest-privileged-role") && !i.rules.includes("subscription-hijack-chain"),
    );
    if (incident === undefined) throw new Error("no guest-admin incident");
    const admin = attack(r, "guest-admin");
    const analyst = { id: "5a5a5a5a-0000-4000-8000-00000000a11e", name: "SOC Analyst" };
    const stale = await decide(deps, incident.id, analyst, {
      approve: true,
      cardVersion: incident.version - 1,
    });
    expect(stale).toMatchObject({ outcome: "refused", reason: expect.stringContaining("version") });
    const self = await decide(
      deps,
      incident.id,
      { id: admin.actorId, name: "Marcus" },
      { approve: true, cardVersion: incident.version },
    );
    expect(self).toMatchObject({
      outcome: "refused",
      reason: expect.stringContaining("subject or the actor"),
    });
    const forged = await decide(deps, incident.id, analyst, {
      approve: true,
      cardVersion: incident.version,
      actionIds: ["other-incident:disable-account:user:x"],
    });
    expect(forged).toMatchObject({ outcome: "refused", reason: expect.stringContaining("not among") });
    // Approve only removing the Entra role: the rest is skipped, said so, and only that runs.
    const roleAction = (await actionsOf(r.warden.db, incident.id)).find(
      (a) => a.action === "remove-directory-role",
    );
    if (roleAction === undefined) throw new Error("no role action");
    const chosen = await decide(deps, incident.id, analyst, {
      approve: true,
      cardVersion: incident.version,
      actionIds: [roleAction.id],
    });
    expect(chosen.outcome).toBe("approved");
    const twice = await decide(deps, incident.id, analyst, {
      approve: true,
      cardVersion: incident.version + 1,
    });
    expect(twice).toMatchObject({ outcome: "refused" });
    await r.warden.queue.add(QUEUE.contain, "contain", { incidentId: incident.id });
    await r.warden.queue.add(QUEUE.contain, "contain", { incidentId: incident.id }); // a double click
    await until(
      async () => (await incidentsOf(r)).find((i) => i.id === incident.id)?.state === "contained",
      30_000,
      "contained",
    );
    const rows = await actionsOf(r.warden.db, incident.id);
    expect(rows.filter((a) => a.state === "done").map((a) => a.action)).toEqual(["remove-directory-role"]);
    expect(
      rows.filter((a) => a.state === "skipped").every((a) => a.outcome === "not selected by SOC Analyst"),
    ).toBe(true);
    expect(r.played.sim.directory.users.get(admin.subjectId)?.accountEnabled).toBe(true);
    expect(wardenWrites(r).filter((w) => w.what === "remove-directory-role").length).toBe(1);
    expect(
      [...r.played.sim.directory.roleAssignments.values()].some(
        (a) => a.principalId === admin.subjectId && a.roleDefinitionId === ENTRA_ROLE.globalAdministrator,
      ),
    ).toBe(false);
  }, 120_000);

  it("keeps an incident executing while an action waits to retry: a run that ends meanwhile does not settle it", async () => {
    const r = run;
    if (r === undefined) throw new Error("runs after the test above");
    const deps = workflowDeps(r.warden);
    const incident = (await incidentsOf(r)).find((i) => i.rules.includes("subscription-hijack-chain"));
    if (incident === undefined || incident.state !== "pending") throw new Error("no pending hijack incident");
    const analyst = { id: "5a5a5a5a-0000-4000-8000-00000000a11e", name: "SOC Analyst" };
    expect(
      (await decide(deps, incident.id, analyst, { approve: true, cardVersion: incident.version })).outcome,
    ).toBe("approved");
    const by = { kind: "approver" as const, id: analyst.id, name: analyst.name };
    const [first, ...rest] = await actionsOf(r.warden.db, incident.id);
    if (first === undefined || rest.length === 0) throw new Error("the hijack plans several actions");
    // Another worker's run met an outage on the first action: it waits for that job's retry...
    await finishAction(r.warden.db, first.id, {
      state: "waiting",
      outcome: "waiting to retry: HTTP503 (Service unavailable, try again later.)",
    });
    // ...while this run does the rest and ends: the incident must not be settled as partial.
    const meanwhile = await executeContainment(deps, incident.id, by, new Set(rest.map((a) => a.id)));
    expect(meanwhile.incident?.state).toBe("approved");
    expect(meanwhile.outcomes.find((o) => o.id === first.id)?.state).toBe("waiting");
    // The retry then finishes it.
    const retried = await executeContainment(deps, incident.id, by);
    expect(retried.incident?.state).toBe("contained");
    expect((await actionsOf(r.warden.db, incident.id)).map((a) => a.state)).not.toContain("waiting");
  }, 60_000);
});

describe("automatic containment", () => {
  let run: Run | undefined;
  afterAll(() => stop(run));

  it("contains every scenario without a click when the policy's threshold is met", async () => {
    run = await start(63, {
      WARDEN_AUTO_CONTAIN: "on",
      WARDEN_AUTO_MIN_CONFIDENCE: "0.5",
      WARDEN_AUTO_SEVERITIES: "medium,high,critical",
    });
    const r = run;
    const incidents = await waitForStates(r, ["auto-contained"], "every incident contained automatically");
    expect(incidents.every((i) => i.state === "auto-contained")).toBe(true);
    const directory = r.played.sim.directory;
    expect(directory.users.get(attack(r, "hijack").subjectId)?.accountEnabled).toBe(false);
    expect(directory.policy.blockSubscriptionsLeavingTenant).toBe(true);
    const actions = (await Promise.all(incidents.map((i) => actionsOf(r.warden.db, i.id)))).flat();
    expect(actions.filter((a) => a.state === "done").every((a) => a.automatic && a.approvedBy === null)).toBe(
      true,
    );
  }, 120_000);

  it("stops at the circuit breaker: past the hourly cap, incidents wait for approval and say why", async () => {
    await stop(run);
    run = await start(64, {
      WARDEN_AUTO_CONTAIN: "on",
      WARDEN_AUTO_MIN_CONFIDENCE: "0.5",
      WARDEN_AUTO_SEVERITIES: "medium,high,critical",
      WARDEN_AUTO_MAX_ACTIONS_PER_HOUR: "4",
    });
    const r = run;
    const incidents = await waitForStates(r, ["auto-contained", "pending"], "every incident decided");
    const waiting = incidents.filter((i) => i.state === "pending");
    expect(waiting.length).toBeGreaterThan(0);
    const { rows } = await r.warden.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM actions WHERE automatic AND executed_at IS NOT NULL",
    );
    expect(Number(rows[0]?.n)).toBeLessThanOrEqual(4);
    const trail = await auditTrail(r.warden.db, waiting[0]?.id ?? "");
    expect(JSON.stringify(trail)).toContain("circuit breaker");
  }, 120_000);
});
