import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { type Finding, RULES, type RuleId } from "../../src/detect/finding.js";
import { executeContainment } from "../../src/respond/execute.js";
import { Guard, type ProtectedPrincipals } from "../../src/respond/guard.js";
import { planContainment } from "../../src/respond/plan.js";
import type { RespondContext } from "../../src/respond/types.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { actionsOf } from "../../src/store/actions-repo.js";
import type { Database } from "../../src/store/database.js";
import { insertFindings } from "../../src/store/findings-repo.js";
import { createIncident, getIncident } from "../../src/store/incidents-repo.js";
import { quietLogger } from "../helpers/logs.js";
import { until } from "../helpers/pipeline.js";
import { respondContext } from "../helpers/respond.js";
import { freshPglite } from "../helpers/services.js";
import { SIM_APP, settledTenant } from "../helpers/sim.js";

/**
 * Protected principals are never acted on, whatever the incident and the configuration: random incidents
 * (any rules, any users as subject and actor, protected ones among them) under random protection lists
 * are planned and executed against the simulated tenant, and the simulation counts what Warden changed.
 */

let sim: SimCloud;
let day: TenantDay;
let db: Database;
let ctx: RespondContext;
let graph: GraphDirectory;
let closeDb: () => Promise<void>;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(71, 200));
  const pg = await freshPglite();
  db = pg.db;
  closeDb = pg.drop;
  ctx = respondContext(sim, day, { db, breakGlassIds: day.breakGlass.map((u) => u.id) });
  graph = ctx.graph;
}, 60_000);
afterAll(async () => {
  await closeDb?.();
  await sim?.close();
});

describe("protected principals", () => {
  it("are never changed, whatever the incident, the rules and the protection lists", async () => {
    const people = [...sim.directory.users.values()].slice(0, 30);
    const breakGlass = day.breakGlass.map((u) => u.id);
    const candidates = [...new Set([...breakGlass, ...people.map((u) => u.id)])];
    const protectionGroup = await graph.createGroup({
      displayName: "Protected admins",
      mailNickname: "protected-admins",
      description: "test",
    });
    // An administrator's protection group exists long before an incident: past Entra's replication lag.
    await until(async () => sim.directory.replicated(protectionGroup.id), 30_000, "the group to replicate");
    let run = 0;
    let writesSeen = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            rule: fc.constantFrom(...RULES),
            subject: fc.constantFrom(...candidates),
            actor: fc.constantFrom(...candidates),
            byUpn: fc.boolean(),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.subarray(
          people.map((u) => u.id),
          { maxLength: 5 },
        ),
        fc.subarray(
          people.map((u) => u.id),
          { maxLength: 5 },
        ),
        fc.boolean(),
        async (findingSpecs, protectedUsers, groupMembers, byUpnConfig) => {
          run += 1;
          // The protected group's members as this run configures them.
          const group = sim.directory.groups.get(protectionGroup.id);
          group?.members.clear();
          for (const id of groupMembers) group?.members.add(id);
          const upnOf = (id: string) => sim.directory.users.get(id)?.userPrincipalName ?? id;
          const principals: ProtectedPrincipals = {
            breakGlassIds: breakGlass,
            users: byUpnConfig ? protectedUsers.map(upnOf) : protectedUsers,
            groupIds: [protectionGroup.id],
            servicePrincipalIds: [SIM_APP.servicePrincipalId],
          };
          const protectedIds = new Set([...breakGlass, ...protectedUsers, ...groupMembers]);
          const incidentId = `inc-property-${run}`;
          const findings: Finding[] = findingSpecs.map((spec, i) => ({
            id: `f-property-${run}-${i}`,
            rule: spec.rule as RuleId,
            severity: "critical",
            confidence: 0.99,
            tenantId: day.tenant.id,
            time: Date.now() - i * 1_000,
            // A finding may know a person by UPN only: protection must still hold.
            subject: spec.byUpn
              ? { type: "user", userPrincipalName: upnOf(spec.subject) }
              : { type: "user", id: spec.subject },
            actor: { type: "user", id: spec.actor, userPrincipalName: upnOf(spec.actor) },
            subscriptionIds: [],
            evidence: [],
            summary: "property test",
          }));
          await insertFindings(db, findings);
          await createIncident(db, incidentId, day.tenant.id, {
            severity: "critical",
            confidence: 0.99,
            firstTime: Date.now(),
            lastTime: Date.now(),
            findingIds: findings.map((f) => f.id),
            rules: findings.map((f) => f.rule),
          });
          await db.query("UPDATE incidents SET state = 'executing' WHERE id = $1", [incidentId]);
          const deps = {
            db,
            ctx,
            guard: new Guard(principals, graph),
            dryRun: false,
            log: quietLogger(),
          };
          const incident = await getIncident(db, incidentId);
          if (incident === undefined) throw new Error("no incident");
          const writesBefore = sim.directory.changes.length;
          await planContainment(deps, incident);
          await executeContainment(deps, incidentId, { kind: "automatic" });
          const writes = sim.directory.changes.slice(writesBefore);
          writesSeen += writes.length;
          for (const write of writes) {
            for (const id of protectedIds)
              expect(write.target, `${write.what} touched protected ${id}`).not.toContain(id);
          }
          const rows = await actionsOf(db, incidentId);
          for (const row of rows) {
            const target = row.target as { id?: string; userPrincipalName?: string };
            const id =
              target.id ??
              [...sim.directory.users.values()].find((u) => u.userPrincipalName === target.userPrincipalName)
                ?.id;
            if (id !== undefined && protectedIds.has(id)) {
              expect(row.state, JSON.stringify(row)).toBe("skipped");
              expect(row.outcome).toMatch(/^skipped: .* is /);
            }
          }
          // Put the tenant back for the next run: re-enable everyone, empty the containment groups.
          for (const user of sim.directory.users.values()) user.accountEnabled = true;
          for (const g of sim.directory.groups.values()) if (g.id !== protectionGroup.id) g.members.clear();
        },
      ),
      { numRuns: 15, seed: 20261125 },
    );
    expect(run).toBe(15);
    // Not vacuous: unprotected people were contained along the way.
    expect(writesSeen).toBeGreaterThan(10);
  }, 240_000);

  it("denies on doubt: when the protected group cannot be read, no user is acted on", async () => {
    const failing = {
      transitiveMemberIds: async () => Promise.reject(new Error("Graph answered 503")),
      user: async () => undefined,
    };
    const guard = new Guard(
      {
        breakGlassIds: [],
        users: [],
        groupIds: ["00000000-0000-0000-0000-0000000000aa"],
        servicePrincipalIds: [],
      },
      failing,
    );
    const verdict = await guard.check({
      kind: "user",
      id: "11111111-1111-4111-8111-111111111111",
      label: "someone",
    });
    expect(verdict).toEqual({
      protected: true,
      reason: expect.stringContaining("could not be checked (Graph answered 503)"),
    });
    expect(await guard.check({ kind: "tenant", id: day.tenant.id, label: "the tenant" })).toEqual({
      protected: false,
    });
  });
});
