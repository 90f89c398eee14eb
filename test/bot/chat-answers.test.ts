import { TestAdapter } from "botbuilder";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WardenBot } from "../../src/bot/warden-bot.js";
import { auditCard } from "../../src/cards/audit-card.js";
import { markdownText as md } from "../../src/cards/markdown-text.js";
import { collectInventory } from "../../src/inventory/collect.js";
import { containHandler } from "../../src/jobs/handlers/contain-handler.js";
import { InProcessQueue } from "../../src/jobs/queue/in-process-queue.js";
import { RetryLater } from "../../src/jobs/queue/job-queue.js";
import type { ApproverCheck } from "../../src/respond/approvers.js";
import { decide } from "../../src/respond/decide.js";
import { incidentView } from "../../src/respond/view-for-card.js";
import { triageIncident } from "../../src/respond/workflow.js";
import { actionsOf } from "../../src/store/actions-repo.js";
import { saveIncidentCard } from "../../src/store/conversations-repo.js";
import {
  appendAudit,
  auditTrail,
  getIncident,
  type IncidentRow,
  transitionIncident,
} from "../../src/store/incidents-repo.js";
import { cardTexts, reading } from "../helpers/adaptive-markdown.js";
import { type DetectedTenant, detectedTenant } from "../helpers/detected-tenant.js";
import { quietLogger } from "../helpers/logs.js";

/**
 * The chat's answers about incidents on the real store, after live detection read a simulated takeover
 * day and the real workflow triaged, approved and contained: `open` lists in words, `open <id>` says where
 * the card is and gives it, `history <id>` tells each step as a sentence under the incident's id and title.
 */

const LEAD = { id: "1ead1ead-0000-4000-8000-0000000001ea", name: "SOC Lead" };
let w: DetectedTenant;
let bot: WardenBot;
let adapter: TestAdapter;
let guestAdmin: IncidentRow;
let hijack: IncidentRow;

/** Sends a chat message as an approver; the bot's replies, text and attachments. */
async function say(text: string): Promise<{ text: string; cards: unknown[] }[]> {
  await adapter.send({ type: "message", text, from: { id: "u", name: "u", aadObjectId: LEAD.id } } as never);
  const replies: { text: string; cards: unknown[] }[] = [];
  for (let a = adapter.activeQueue.shift(); a !== undefined; a = adapter.activeQueue.shift())
    replies.push({ text: String(a.text ?? ""), cards: (a.attachments ?? []).map((x) => x.content) });
  return replies;
}

/** Runs the contain job as the worker would, again while an action waits to retry. */
async function containAsTheJob(incidentId: string): Promise<IncidentRow | undefined> {
  const run = containHandler(w.workflow, new InProcessQueue(), async () => undefined);
  const deadline = Date.now() + 30_000;
  for (;;) {
    // A run that leaves an action to retry says so by throwing, for the queue to run it again.
    await run({ id: "1", name: "contain", data: { incidentId }, attempt: 1 }, { log: quietLogger() }).catch(
      (error: unknown) => {
        if (!(error instanceof RetryLater)) throw error;
      },
    );
    const incident = await getIncident(w.db, incidentId);
    if (!["approved", "executing"].includes(incident?.state ?? "") || Date.now() > deadline) return incident;
    await new Promise((r) => setTimeout(r, 300));
  }
}

beforeAll(async () => {
  w = await detectedTenant(81);
  guestAdmin = await w.incidentOf("guest-admin");
  hijack = await w.incidentOf("hijack");
  for (const incident of [guestAdmin, hijack]) await triageIncident(w.workflow, incident.id);
  const approvers = { check: async () => ({ ok: true as const }) } as unknown as ApproverCheck;
  bot = new WardenBot({
    inventory: () =>
      collectInventory({
        graph: w.workflow.ctx.graph,
        rbac: w.workflow.ctx.rbac,
        subscriptions: w.workflow.ctx.subscriptions,
        now: Date.now,
        signIns: false,
      }),
    posture: () => Promise.reject(new Error("this test asks for no posture")),
    workflow: w.workflow,
    queue: new InProcessQueue(),
    approvers,
    tenantId: w.day.tenant.id,
  });
  adapter = new TestAdapter(async (context) => bot.run(context), {
    channelId: "msteams",
    conversation: { id: "a:chat", tenantId: w.day.tenant.id, isGroup: false, conversationType: "personal" },
  } as never);
}, 90_000);
afterAll(async () => w?.close());

describe("the chat's answers about incidents", () => {
  it("`open` lists those waiting for a decision, then the others not closed, by id and title", async () => {
    const [reply, ...more] = await say("open");
    expect(more).toEqual([]);
    const lines = reply?.text.split("\n") ?? [];
    expect(lines[0]).toBe("**2 incidents are waiting for a decision:**");
    const title = (await incidentView(w.db, guestAdmin)).title;
    expect(lines).toContain(`- \`${guestAdmin.id}\` high, 99% sure: ${md(title)}`);
    expect(lines.some((l) => l.startsWith(`- \`${hijack.id}\` critical`))).toBe(true);
    // The two incidents nobody triaged here are open, not waiting: listed apart, their state in words.
    expect(lines).toContain("**2 more not closed:**");
    expect(lines.filter((l) => l.includes(" new, its containment being planned, "))).toHaveLength(2);
  });

  it("`open <id>` says the incident's state and where its card is, and gives the card", async () => {
    const title = (await incidentView(w.db, guestAdmin)).title;
    const [first] = await say(`open ${guestAdmin.id}`);
    expect(first?.text).toBe(
      `Incident \`${guestAdmin.id}\`: ${md(title)}. It is waiting for a decision. Warden has not posted its card to the incident channel yet; here it is.`,
    );
    expect(JSON.stringify(first?.cards)).toContain('"verb":"approve"');
    await saveIncidentCard(w.db, {
      incidentId: guestAdmin.id,
      conversationId: "19:soc@thread.tacv2",
      activityId: "1",
      cardVersion: guestAdmin.version,
    });
    // `incident <id>` is the same answer, for those who type the older command.
    const [posted] = await say(`incident ${guestAdmin.id}`);
    expect(posted?.text).toContain("It is waiting for a decision. Its card is in the incident channel");
    expect(posted?.cards).toHaveLength(1);
    const [unknown] = await say("open inc-nothing-here");
    expect(unknown?.text).toBe("No incident inc\\-nothing\\-here here. `open` lists those not closed.");
  });

  it("`history <id>` tells each step as a sentence, with the time to the second, under the id and title", async () => {
    const pending = await getIncident(w.db, guestAdmin.id);
    const approved = await decide(w.workflow, guestAdmin.id, LEAD, {
      approve: true,
      cardVersion: pending?.version ?? -1,
    });
    expect(approved.outcome).toBe("approved");
    expect((await containAsTheJob(guestAdmin.id))?.state).toBe("contained");
    const title = (await incidentView(w.db, guestAdmin)).title;
    const [reply, ...more] = await say(`history ${guestAdmin.id}`);
    expect(more).toEqual([]);
    const lines = reply?.text.split("\n") ?? [];
    expect(lines[0]).toBe(`**History of incident \`${guestAdmin.id}\`**: ${md(title)}. It is contained.`);
    const trail = await auditTrail(w.db, guestAdmin.id);
    expect(lines).toHaveLength(trail.length + 1);
    const said = lines.slice(1).map((l) => l.replace(/^- (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d UTC: /, ""));
    // Each line starts with its time: the date on the first, then the time of day.
    expect(lines[1]).toMatch(
      /^- \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: Warden opened the incident on \d+ findings$/,
    );
    expect(lines.slice(2).every((l) => /^- (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d UTC: /.test(l))).toBe(true);
    const n = (await actionsOf(w.db, guestAdmin.id)).length;
    expect(n).toBeGreaterThan(3);
    expect(said).toContain(`SOC Lead approved ${n} actions`);
    expect(said).toContain("containment started, as SOC Lead approved");
    expect(said).toContain(`containment finished: contained (${n} done, 0 failed, 0 skipped)`);
    expect(said.some((s) => s.startsWith(`waiting for approval of ${n} actions: `))).toBe(true);
    // The guest is named by its home address, in Warden's words and in the recorded outcome alike.
    const done = said.find((s) => s.startsWith("disabling the account ("));
    expect(done).toMatch(
      /^disabling the account \(opsbackup\\@protonmail\\\.com\): done: Set accountEnabled of opsbackup\\@protonmail\\\.com from true to false/,
    );
    // No raw code is left for the reader to decode.
    for (const code of ["action-done", "awaiting-approval", "containment-finished", "→", "**approved**"])
      expect(reply?.text).not.toContain(code);
    expect(reading(reply?.text ?? "").shown).not.toMatch(/#EXT#/i);
    // The audit card (the card's History button) says the same sentences, under the id and the title.
    const card = auditCard({ id: guestAdmin.id, title }, trail);
    const texts = cardTexts(card);
    expect(texts.slice(0, 2)).toEqual([`History of incident ${md(guestAdmin.id)}`, md(title)]);
    expect(texts.slice(2)).toEqual(lines.slice(1).map((l) => l.slice(2)));
    expect((card["body"] as { style?: string }[])[0]?.style).toBe("heading");
  });

  it("a merged incident's `open` points to the one that goes on", async () => {
    const others = [await w.incidentOf("compromised-admin"), await w.incidentOf("risky-signin")];
    const [gone, survivor] = others as [IncidentRow, IncidentRow];
    // As detection folds an undecided incident into another (tenant-detector.ts).
    await transitionIncident(w.db, gone.id, ["open"], "merged", {
      action: "merged-into",
      detail: { into: survivor.id },
    });
    const [reply] = await say(`open ${gone.id}`);
    expect(reply?.text).toBe(
      `Incident \`${gone.id}\` was merged into incident \`${survivor.id}\`, which goes on with its findings: \`open ${survivor.id}\` shows its card.`,
    );
    const [history] = await say(`history ${gone.id}`);
    expect(history?.text).toContain(`UTC: merged into incident \`${survivor.id}\`, which goes on from here`);
  });

  it("a trail too long for one Teams message comes in parts, each under the limit, none left out", async () => {
    for (let i = 0; i < 300; i++)
      await appendAudit(w.db, {
        incidentId: hijack.id,
        action: "refused",
        actorName: `Analyst ${i}`,
        detail: { verb: "approve", reason: `the card was out of date ${"x".repeat(80)}` },
      });
    const replies = await say(`history ${hijack.id}`);
    expect(replies.length).toBeGreaterThan(1);
    for (const [n, r] of replies.entries()) {
      expect(Buffer.byteLength(r.text)).toBeLessThan(28 * 1024);
      expect(r.text.split("\n")[0]).toContain(`(part ${n + 1} of ${replies.length})`);
    }
    const lines = replies.flatMap((r) => r.text.split("\n").slice(1));
    expect(lines).toHaveLength((await auditTrail(w.db, hijack.id)).length);
    expect(lines.at(-1)).toMatch(/UTC: refused: approval by "Analyst 299": the card was out of date x+$/);
  });
});
