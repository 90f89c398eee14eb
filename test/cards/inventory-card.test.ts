import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandOf } from "../../src/bot/commands.js";
import { inventoryAnswer } from "../../src/bot/inventory-answer.js";
import { inventoryCard } from "../../src/cards/inventory-card.js";
import { collectInventory, type Inventory, type InventoryEntry } from "../../src/inventory/collect.js";
import { decide } from "../../src/respond/decide.js";
import { triageIncident } from "../../src/respond/workflow.js";
import { insertFindings } from "../../src/store/findings-repo.js";
import { createIncident, getIncident, type IncidentRow } from "../../src/store/incidents-repo.js";
import { cardTexts, reading } from "../helpers/adaptive-markdown.js";
import { type DetectedTenant, detectedTenant } from "../helpers/detected-tenant.js";

/**
 * The `inventory` chat card on the real store, after live detection read a simulated takeover day and
 * the tenant was read live: each external admin by its home address, kind and domain (never `#EXT#`),
 * its object id to find it by, the time of the read, and the incident not closed about it.
 */

const require = createRequire(import.meta.url);
const AC = require("adaptivecards/dist/adaptivecards.js") as {
  AdaptiveCard: new () => {
    parse(json: unknown): void;
    validateProperties(): { validationEvents: { message: string }[] };
  };
};

let w: DetectedTenant;
let inventory: Inventory;
let guestAdmin: IncidentRow;
let hijack: IncidentRow;
const READ_AT = Date.UTC(2026, 10, 2, 7, 46, 12, 789);

const readLive = () =>
  collectInventory({
    graph: w.workflow.ctx.graph,
    rbac: w.workflow.ctx.rbac,
    subscriptions: w.workflow.ctx.subscriptions,
    now: Date.now,
    signIns: false,
  });

beforeAll(async () => {
  w = await detectedTenant(81);
  guestAdmin = await w.incidentOf("guest-admin");
  hijack = await w.incidentOf("hijack");
  for (const incident of [guestAdmin, hijack]) await triageIncident(w.workflow, incident.id);
  inventory = await readLive();
}, 90_000);
afterAll(async () => w?.close());

const answer = (page = 0, now = READ_AT) =>
  inventoryAnswer(w.db, w.day.tenant.id, inventory, page, () => now);

/** Each account's block on the card, by the address it leads with, as a reader sees its lines. */
function accounts(card: Record<string, unknown>): Map<string, string[]> {
  const blocks = (card["body"] as { type: string; items?: unknown[] }[]).filter(
    (b) => b.type === "Container",
  );
  return new Map(
    blocks.map((b) => {
      const lines = cardTexts(b.items).map((t) => reading(t).shown);
      return [/^\*\*(.*?)\*\*/.exec(lines[0] ?? "")?.[1] ?? "", lines];
    }),
  );
}

function expectValidAndWrapped(card: unknown) {
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card);
  expect(parsed.validateProperties().validationEvents.map((e) => e.message)).toEqual([]);
  const blocks = JSON.stringify(card).match(/"type":"TextBlock"[^}]*/g) ?? [];
  expect(blocks.length).toBeGreaterThan(0);
  for (const block of blocks) expect(block).toContain('"wrap":true');
  expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(28 * 1024);
}

describe("the inventory card", () => {
  it("names each external admin by its home address, kind and home domain, with its object id", async () => {
    const card = await answer();
    expectValidAndWrapped(card);
    const guest = (name: string) => w.day.attacks.find((a) => a.name === name)?.subjectId ?? "";
    const ops = accounts(card).get("opsbackup@protonmail.com");
    expect(ops?.[0]).toBe(
      "**opsbackup@protonmail.com**, guest from protonmail.com (promoted soon after creation, new)",
    );
    const owner = inventory.entries
      .find((e) => e.id === guest("guest-admin"))
      ?.roles.find((r) => r.roleName === "Owner")?.scope;
    expect(owner).toMatch(/^\/subscriptions\/[0-9a-f-]{36}$/);
    expect(ops).toContain(
      `Owner on subscription ${owner?.slice("/subscriptions/".length)}; Global Administrator tenant-wide`,
    );
    expect(ops?.at(-1)).toBe(
      `enabled · named opsbackup · invited by marcus.lindqvist@contoso-lab.onmicrosoft.com · object id ${guest("guest-admin")}`,
    );
    expect(accounts(card).get("it.support@outlook-helpdesk.net")?.at(-1)).toContain(
      `object id ${guest("hijack")}`,
    );
    // The tenant's `#EXT#` form is nowhere on the card, not even escaped.
    expect(
      cardTexts(card)
        .map((t) => reading(t).shown)
        .join("\n"),
    ).not.toMatch(/#EXT#/i);
  });

  it("says when the tenant was read, to the second, the same on every page of that read", async () => {
    const card = await answer();
    const asOf = "As of 2026-11-02 07:46:12 UTC, when Warden read the tenant.";
    expect(cardTexts(card).map((t) => reading(t).shown)).toContain(asOf);
    // The bot keeps a read for paging: a later page of the same read says the same time, a new read its own.
    expect(cardTexts(await answer(1, READ_AT + 90_000)).map((t) => reading(t).shown)).toContain(asOf);
    const again = await inventoryAnswer(w.db, w.day.tenant.id, await readLive(), 0, () => READ_AT + 90_000);
    expect(cardTexts(again).map((t) => reading(t).shown)).toContain(
      "As of 2026-11-02 07:47:42 UTC, when Warden read the tenant.",
    );
  });

  it("names the incident not closed about each account, so that `open <id>` finds its card", async () => {
    const card = await answer();
    const named = (incident: IncidentRow) =>
      `Incident \`${incident.id}\` about this account is waiting for a decision: \`open ${incident.id}\` shows its card.`;
    expect(accounts(card).get("opsbackup@protonmail.com")).toContain(named(guestAdmin));
    expect(accounts(card).get("it.support@outlook-helpdesk.net")).toContain(named(hijack));
    // Each incident by its own account only.
    expect(accounts(card).get("opsbackup@protonmail.com")).not.toContain(named(hijack));
    expect(cardTexts(card)[1]).toContain("Page 1 of 1. 2 named in an incident not closed.");
    // The id as shown is the one `open` takes: it answers with that incident's card.
    const sent: unknown[] = [];
    const { command, arg } = commandOf(`open ${guestAdmin.id}`);
    await command.run(
      {
        send: async (m) => sent.push(m),
        db: w.db,
        tenantId: w.day.tenant.id,
        inventory: async () => inventory,
        posture: () => Promise.reject(new Error("no posture here")),
        later: () => undefined,
      },
      arg,
    );
    expect(JSON.stringify(sent)).toContain(`"incidentId":"${guestAdmin.id}"`);
  });

  it("no longer names an incident once it is closed (denied here)", async () => {
    const pending = await getIncident(w.db, guestAdmin.id);
    const denied = await decide(
      w.workflow,
      guestAdmin.id,
      { id: "1ead1ead-0000-4000-8000-0000000001ea", name: "SOC Lead" },
      { approve: false, cardVersion: pending?.version ?? -1, reason: "a partner's admin, expected" },
    );
    expect(denied.outcome).toBe("denied");
    const card = await answer();
    expect(JSON.stringify(card)).not.toContain(guestAdmin.id);
    expect(JSON.stringify(card)).toContain(hijack.id);
    expect(cardTexts(card)[1]).toContain("1 named in an incident not closed.");
  });

  it("finds an account that a finding names by its invited address only, with no object id", async () => {
    const invited = {
      id: "f-invited-by-address",
      rule: "guest-invited" as const,
      severity: "low" as const,
      confidence: 0.55,
      tenantId: w.day.tenant.id,
      time: Date.now(),
      subject: { type: "user" as const, userPrincipalName: "OpsBackup@protonmail.com", external: true },
      subscriptionIds: [],
      evidence: [],
      summary: "invited",
    };
    await insertFindings(w.db, [invited]);
    await createIncident(w.db, "inc-by-address", w.day.tenant.id, {
      severity: "low",
      confidence: 0.55,
      firstTime: invited.time,
      lastTime: invited.time,
      findingIds: [invited.id],
      rules: [invited.rule],
    });
    const lines = accounts(await answer()).get("opsbackup@protonmail.com");
    expect(lines).toContain(
      "Incident `inc-by-address` about this account is new, its containment being planned: `open inc-by-address` shows its card.",
    );
  });
});

describe("the inventory card's size", () => {
  const LONG = `[${"*_".repeat(120)}](https://evil.example)`;
  const heavy = (i: number): InventoryEntry => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    displayName: LONG,
    userPrincipalName: `user${i}_${"a".repeat(60)}.example#EXT#@contoso.onmicrosoft.com`,
    mail: null,
    userType: i % 2 === 0 ? "Guest" : "Member",
    homeDomain: `${"a".repeat(60)}.example`,
    createdDateTime: null,
    invitedBy: LONG,
    accountEnabled: true,
    lastSignIn: null,
    roles: Array.from({ length: 40 }, (_, r) => ({
      kind: "azure" as const,
      roleId: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
      roleName: "Owner",
      scope: `/subscriptions/${"f".repeat(36)}/resourceGroups/rg-${r}-${"x".repeat(200)}`,
      assignment: "eligible" as const,
      viaGroup: LONG,
    })),
    risk: { recentlyCreated: false, riskyUser: false, promotedSoonAfterCreation: false },
  });

  it("stays under Teams' 28 KB however long the names, counting what it leaves out and where to read it", () => {
    const entries = Array.from({ length: 20 }, (_, i) => heavy(i));
    const card = inventoryCard(entries, 0, [], { asOf: READ_AT });
    expectValidAndWrapped(card);
    const shown = cardTexts(card).map((t) => reading(t).shown);
    const blocks = accounts(card).size;
    expect(blocks).toBeGreaterThan(0);
    expect(blocks).toBeLessThan(8);
    expect(shown).toContain(
      `${8 - blocks} more on this page, too long for a Teams card: run \`warden inventory\` to list them all.`,
    );
    // Each account's roles are capped too, the rest counted.
    expect(shown.some((t) => t.endsWith("; and 34 more (`warden inventory` lists them)"))).toBe(true);
    expect(accounts(card).get(`user0@${"a".repeat(60)}.example`)?.[0]).toMatch(/, guest from a+\.example$/);
    expect(accounts(card).get(`user1@${"a".repeat(60)}.example`)?.[0]).toMatch(
      /, external member from a+\.example$/,
    );
    // A page that fits shows every account on it, and no such line.
    const light = inventoryCard(
      entries.map((e) => ({ ...e, displayName: "Alice", invitedBy: null, roles: e.roles.slice(0, 2) })),
      0,
      [],
      {},
    );
    expect(accounts(light).size).toBe(8);
    expect(JSON.stringify(light)).not.toContain("too long for a Teams card");
  });
});
