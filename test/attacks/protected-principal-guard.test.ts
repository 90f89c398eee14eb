import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWarden, startSchedules, startWorker, type Warden } from "../../src/app.js";
import { runCommand } from "../../src/cli/run-commands.js";
import { loadConfig } from "../../src/config/index.js";
import { ENTRA_ROLE } from "../../src/detect/roles.js";
import { Guard } from "../../src/respond/guard.js";
import { playBack } from "../../src/sim/cloud/playback.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { SimUser } from "../../src/sim/records/people.js";
import { type ScenarioRecord, TenantScript } from "../../src/sim/scenarios/script.js";
import { seedBaseline } from "../../src/sim/tenant/seed.js";
import { actionsOf } from "../../src/store/actions-repo.js";
import { listIncidents } from "../../src/store/incidents-repo.js";
import { quietLogger } from "../helpers/logs.js";
import { until } from "../helpers/pipeline.js";
import { freshPostgres } from "../helpers/services.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * Issue 17, finding 8: the protected-principal guard could miss people.
 * - Protected groups were read as direct members only: someone in a group nested inside a protected
 *   group was not protected.
 * - Protected UPNs were compared with the UPN a log record gave, never with the account: a protected
 *   admin whom a record names by object id only, or a protected guest named by a differently written
 *   `#EXT#` UPN, was contained like anyone.
 * Through Warden's real path: records in the simulated tenant's audit log, polled, detected, triaged and
 * contained automatically; the simulated tenant counts every write Warden makes.
 */

const TENANT = { id: "a11ce5ed-0000-4000-8000-000000000817", domain: "guarded-lab.onmicrosoft.com" };
const GA = { roleTemplateId: ENTRA_ROLE.globalAdministrator, roleDisplayName: "Global Administrator" };

let sim: SimCloud;
let warden: Warden | undefined;
let env: Record<string, string>;
let database: Awaited<ReturnType<typeof freshPostgres>> | undefined;

const script = new TenantScript(TENANT, Date.now() - 20 * 60_000, 817);
/** In "Tier 0 admins", a group nested inside the protected group "Protected people". */
const alice = script.admin("Alice Nested", ENTRA_ROLE.globalAdministrator);
/** Protected by UPN (WARDEN_PROTECTED_USERS); her own record names her by object id only. */
const carol = script.admin("Carol Listed", ENTRA_ROLE.globalAdministrator);
/** A protected partner (a guest), listed by its `#EXT#` UPN; a record names it in other letters, without id. */
const dave = script.guest("dave@partner.example");
/** The attacker's guest: unprotected, in the same incident as Alice. */
const eve = script.guest("eve@attacker.example");

/** Carol grants Dave a role; Microsoft's record, as an attacker may leave it to be read: names only. */
function namedOtherwise(record: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(record) as {
    initiatedBy: { user: Record<string, unknown> };
    targetResources: Record<string, unknown>[];
  };
  copy.initiatedBy.user["userPrincipalName"] = null;
  for (const target of copy.targetResources) {
    if (target["id"] === dave.id) {
      target["id"] = null;
      target["userPrincipalName"] = dave.userPrincipalName.toUpperCase();
    }
  }
  return copy as unknown as Record<string, unknown>;
}

function records(): ScenarioRecord[] {
  script.at(1).invite(alice, eve).after(2).grantEntraRole(alice, eve, GA);
  script.at(5).grantEntraRole(carol, dave, GA);
  const all = [...script.records];
  const last = all.at(-1);
  if (last !== undefined) last.record = namedOtherwise(last.record);
  return all;
}

beforeAll(async () => {
  // PostgreSQL rather than the embedded store: it opens in a fraction of PGlite's time.
  database = await freshPostgres();
  sim = await simCloud(TENANT.id, []);
  const startAt = Date.now() - 60_000;
  const day = records();
  seedBaseline(sim.directory, script.baseline(), startAt);
  playBack(sim.logs, day, { startAt, durationMs: 30_000 }, sim.directory);
  sim.directory.advance();
  const app = { kind: "user" as const, user: alice };
  const tier0 = sim.directory.createGroup(app, { displayName: "Tier 0 admins", mailNickname: "tier0" });
  tier0.members.add(alice.id);
  const protectedPeople = sim.directory.createGroup(app, {
    displayName: "Protected people",
    mailNickname: "protected-people",
  });
  protectedPeople.members.add(tier0.id);
  env = {
    WARDEN_TENANT_ID: TENANT.id,
    DATABASE_URL: database.url,
    AZURE_CLIENT_ID: SIM_APP.clientId,
    AZURE_CLIENT_SECRET: SIM_APP.clientSecret,
    WARDEN_GRAPH_URL: sim.url,
    WARDEN_ARM_URL: sim.url,
    WARDEN_AUTHORITY_URL: sim.url,
    WARDEN_POLL_INTERVAL_SECONDS: "1",
    // The weekly posture read would run at start and share the limits this measures.
    WARDEN_POSTURE_EVERY_HOURS: "off",
    WARDEN_POLL_OVERLAP_MINUTES: "1",
    WARDEN_INITIAL_LOOKBACK_HOURS: "1",
    WARDEN_PROTECTED_GROUPS: protectedPeople.id,
    // Written as a person would: another case for Carol, the #EXT# form Entra shows for Dave.
    WARDEN_PROTECTED_USERS: `${carol.userPrincipalName.toUpperCase()},${dave.userPrincipalName}`,
    WARDEN_AUTO_CONTAIN: "on",
    WARDEN_AUTO_MIN_CONFIDENCE: "0.01",
    WARDEN_AUTO_SEVERITIES: "low,medium,high,critical",
  };
}, 90_000);

afterAll(async () => {
  await warden?.close();
  await database?.drop();
  await sim?.close();
});

/** What Warden's app wrote to the tenant that touched this person (their account, or a role they held). */
function writesTo(person: SimUser, roleAssignmentIds: ReadonlySet<string>) {
  return sim.directory.changes.filter(
    (c) => c.actor === SIM_APP.clientId && (c.target.includes(person.id) || roleAssignmentIds.has(c.target)),
  );
}

describe("the protected-principal guard", () => {
  it("never acts on a nested member or on a protected user however a record names them; still contains the attacker", async () => {
    const rolesOf = (person: SimUser) =>
      new Set(
        [...sim.directory.roleAssignments.values()]
          .filter((a) => a.principalId === person.id)
          .map((a) => a.id),
      );
    const held = { alice: rolesOf(alice), carol: rolesOf(carol), dave: rolesOf(dave), eve: rolesOf(eve) };
    expect(held.dave.size).toBe(1);
    expect(held.eve.size).toBe(1);
    warden = await openWarden(loadConfig({ env }), quietLogger("error"));
    startWorker(warden);
    await startSchedules(warden);
    const w = warden;
    const actionsNow = async () => {
      const incidents = (await listIncidents(w.db, TENANT.id)).filter((i) => i.state !== "merged");
      const perIncident = await Promise.all(incidents.map((i) => actionsOf(w.db, i.id)));
      return { incidents, perIncident, actions: perIncident.flat() };
    };
    const lines = (actions: Awaited<ReturnType<typeof actionsNow>>["actions"], person: SimUser) =>
      actions
        .filter((a) => {
          const t = a.target as { id?: string; userPrincipalName?: string };
          return (
            t.id?.toLowerCase() === person.id.toLowerCase() ||
            t.userPrincipalName?.toLowerCase() === person.userPrincipalName.toLowerCase()
          );
        })
        .map((a) => `${a.action} ${a.state}: ${a.outcome}`);
    // Both incidents (Alice's promotion of Eve; Carol's of Dave) planned, and the attacker's guest
    // contained: a protected person's actions are skipped when planned, so they are final by then.
    await until(
      async () => {
        const { incidents, perIncident, actions } = await actionsNow();
        return (
          incidents.length === 2 &&
          perIncident.every((a) => a.length > 0) &&
          lines(actions, eve).length === 2 &&
          lines(actions, eve).every((l) => / done: /.test(l))
        );
      },
      20_000,
      "both incidents planned and the attacker's guest contained",
    ).catch(async (error: Error) => {
      const { incidents, actions } = await actionsNow();
      throw new Error(
        `${error.message}: ${JSON.stringify({ incidents: incidents.map((i) => i.state), actions: [alice, carol, dave, eve].map((p) => lines(actions, p)) })}`,
      );
    });
    const { actions } = await actionsNow();
    const skippedAs = (reason: string) =>
      expect.stringMatching(new RegExp(`^[a-z-]+ skipped: .* is ${reason}`));
    expect({
      alice: lines(actions, alice),
      carol: lines(actions, carol),
      dave: lines(actions, dave),
    }).toEqual({
      alice: [skippedAs("a member of the protected group"), skippedAs("a member of the protected group")],
      carol: [skippedAs("a protected user"), skippedAs("a protected user")],
      dave: [skippedAs("a protected user"), skippedAs("a protected user")],
    });
    expect(writesTo(alice, held.alice)).toEqual([]);
    expect(writesTo(carol, held.carol)).toEqual([]);
    expect(writesTo(dave, held.dave)).toEqual([]);
    expect(sim.directory.users.get(dave.id)?.accountEnabled).toBe(true);
    // Not vacuous: the attacker's guest, in Alice's incident, is disabled and stripped of the role.
    expect(sim.directory.users.get(eve.id)?.accountEnabled).toBe(false);
    expect(rolesOf(eve).size).toBe(0);
  }, 60_000);

  it("refuses to start when a protected UPN names nobody, and says which and what to write", async () => {
    let stderr = "";
    const io = {
      stdout: new Writable({ write: (_c, _e, done) => done() }),
      stderr: new Writable({
        write(chunk: Buffer, _e, done) {
          stderr += chunk.toString();
          done();
        },
      }),
      stdinIsTty: false,
      env: {
        ...env,
        WARDEN_METRICS_PORT: "0",
        WARDEN_PROTECTED_USERS: `${carol.userPrincipalName},ghost.admin@${TENANT.domain}`,
      },
    };
    expect(await runCommand("worker", {}, io)).toBe(2);
    expect(stderr).toContain(`WARDEN_PROTECTED_USERS names "ghost.admin@${TENANT.domain}"`);
    expect(stderr).toContain("#EXT#");
  }, 60_000);
  it("denies on doubt when Graph cannot say who the protected users or the target are", async () => {
    const unreachable = async () => Promise.reject(new Error("Graph answered 503"));
    const guard = new Guard(
      { breakGlassIds: [], users: [carol.userPrincipalName], groupIds: [], servicePrincipalIds: [] },
      { transitiveMemberIds: async () => [], user: unreachable },
    );
    // Named by id: the protected UPN cannot be turned into its id, so nobody is known to be unprotected.
    expect(await guard.check({ kind: "user", id: eve.id, label: "eve" })).toEqual({
      protected: true,
      reason: expect.stringContaining("the protected users could not be read (Graph answered 503)"),
    });
    // Named by UPN only: the account itself cannot be read.
    expect(
      await guard.check({ kind: "user", userPrincipalName: eve.userPrincipalName, label: "eve" }),
    ).toEqual({
      protected: true,
      reason: expect.stringContaining("its account could not be read (Graph answered 503)"),
    });
  });
});
