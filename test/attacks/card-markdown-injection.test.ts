import { createRequire } from "node:module";
import { TestAdapter } from "botbuilder";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WardenBot } from "../../src/bot/warden-bot.js";
import { auditCard } from "../../src/cards/audit-card.js";
import { incidentCard, noticeCard } from "../../src/cards/incident-card.js";
import { inventoryCard } from "../../src/cards/inventory-card.js";
import { ENTRA_ROLE } from "../../src/detect/roles.js";
import type { InventoryEntry } from "../../src/inventory/collect.js";
import { InProcessQueue } from "../../src/jobs/queue/in-process-queue.js";
import type { ApproverCheck } from "../../src/respond/approvers.js";
import { Guard } from "../../src/respond/guard.js";
import type { RespondContext } from "../../src/respond/types.js";
import { incidentView } from "../../src/respond/view-for-card.js";
import type { WorkflowDeps } from "../../src/respond/workflow.js";
import { addMemberToRole, inviteExternalUser } from "../../src/sim/records/graph-records.js";
import type { SimUser } from "../../src/sim/records/people.js";
import { recordPlannedActions } from "../../src/store/actions-repo.js";
import type { Database } from "../../src/store/database.js";
import { insertFindings } from "../../src/store/findings-repo.js";
import {
  appendAudit,
  createIncident,
  getIncident,
  transitionIncident,
} from "../../src/store/incidents-repo.js";
import { cardTexts, consoleMarkdown, reading, unescapedMarkup } from "../helpers/adaptive-markdown.js";
import { detect } from "../helpers/detection.js";
import { quietLogger } from "../helpers/logs.js";
import { freshPglite } from "../helpers/services.js";

/** The fields of a view these tests do not vary. */
const VIEW_DEFAULTS = {
  story: "See the timeline.",
  tenant: { id: "8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13" },
  subscriptions: [],
  confidenceReasons: [],
  evidenceMore: 0,
  notDone: [],
  decisions: [],
};

/**
 * Issue 17, finding 4: text from the logs became links in the SOC's most trusted card. Whoever can write
 * a display name, a UPN, a role name or a scope into the tenant chooses strings that reach Warden's cards
 * and chat replies; Adaptive Cards render markdown there (links, bold, lists, autolinks). Hostile names
 * are logged through real audit records, detected by `warden detect`'s runner, stored, and rendered by
 * the real card builders and the bot: every hostile string must read as the text it is, and no link but
 * Warden's own (to the Entra and Azure portals, from checked ids) may survive.
 */

const TENANT = "5c1e7a3d-2b4f-4e6a-9d8c-7f1a2b3c4d5e";
const FAKE_LINK = "[Verified by Microsoft: review in portal](https://evil.example/aad-login)";
const BOLD_AUTOLINK = "**URGENT** approve at https://evil.example/now or www.evil.example";
const LIST_AFTER_BREAK = "Helpdesk\n\n- [reset MFA](https://evil.example/mfa)\n# Approved";
const ANGLE_AUTOLINK = "<https://evil.example/x> _Microsoft Support_ `code`";
const RIGHT_TO_LEFT = "admin\u202Elinkedin.example\u202C";
const EVIL_MAIL = "it-support@evil.example";
/** One word, as chat commands take one argument. */
const TYPED_LINK = "[open](https://evil.example/login)";

const HOSTILE = [FAKE_LINK, BOLD_AUTOLINK, ANGLE_AUTOLINK] as const;

const actor: SimUser = {
  id: "0b7d2c4e-1a3f-4b5c-8d9e-0f1a2b3c4d5e",
  userPrincipalName: "priya.raman@contoso-lab.onmicrosoft.com",
  displayName: BOLD_AUTOLINK,
  userType: "Member",
  ipAddress: "203.0.113.140",
};
const guest: SimUser = {
  id: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
  userPrincipalName: "it-support_evil.example#EXT#@contoso-lab.onmicrosoft.com",
  displayName: FAKE_LINK,
  mail: EVIL_MAIL,
  userType: "Guest",
};

/** The log records an attacker who can name a guest and a role writes: an invitation, then Global Administrator. */
function hostileRecords(): Record<string, unknown>[] {
  const base = (n: number) => ({
    id: `Directory_${TENANT.slice(0, 8)}_${n}`,
    time: `2026-11-02T11:${10 + n}:00Z`,
    actor,
    correlationId: `c0ffee00-0000-4000-8000-00000000000${n}`,
  });
  return [
    inviteExternalUser(base(1), guest),
    addMemberToRole(base(2), guest, {
      roleTemplateId: ENTRA_ROLE.globalAdministrator,
      roleDisplayName: `Global Administrator${ANGLE_AUTOLINK}`,
    }),
  ];
}

/** Every hostile string that reaches a card must show as itself, with every markdown character inert. */
function expectInert(texts: readonly string[], payloads: readonly string[]) {
  const shown = texts.map((t) => reading(t).shown).join("\n");
  for (const payload of payloads) {
    expect(shown, `the card still reads "${payload}"`).toContain(payload);
    for (const text of texts) expect(unescapedMarkup(text, payload), `in: ${text}`).toEqual([]);
  }
}

/** The only links a card may carry: Warden's, to the portals. None may go anywhere an attacker chose. */
function expectOnlyPortalLinks(texts: readonly string[]) {
  const render = consoleMarkdown();
  for (const text of texts) {
    const html = render(text);
    for (const [, href] of html.matchAll(/href="([^"]*)"/g)) {
      expect(href).toMatch(/^https:\/\/(entra\.microsoft\.com|portal\.azure\.com)\//);
    }
    expect(html).not.toMatch(/<a [^>]*evil/);
  }
}

const require = createRequire(import.meta.url);
const AC = require("adaptivecards/dist/adaptivecards.js") as {
  AdaptiveCard: new () => {
    parse(json: unknown): void;
    validateProperties(): { validationEvents: { message: string }[] };
  };
};
function expectValidCard(card: unknown) {
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card);
  expect(parsed.validateProperties().validationEvents.map((e) => e.message)).toEqual([]);
}

let db: Database;
let drop: () => Promise<void>;
let incidentId: string;

beforeAll(async () => {
  ({ db, drop } = await freshPglite());
  const report = await detect(hostileRecords(), { defaultTenantId: TENANT });
  expect(report.counts.skipped).toBe(0);
  const incident = report.incidents[0];
  if (incident === undefined) throw new Error("the hostile records raised no incident");
  incidentId = incident.id;
  await insertFindings(db, report.findings);
  await createIncident(db, incident.id, incident.tenantId, incident);
  // What triage plans names the guest as the tenant calls it; a failed action carries Graph's message.
  await recordPlannedActions(db, [
    {
      id: `${incident.id}:disable-account:user:${guest.id}`,
      tenantId: incident.tenantId,
      incidentId: incident.id,
      action: "disable-account",
      target: { kind: "user", id: guest.id, label: FAKE_LINK },
      state: "planned",
      plan: { changes: [`Set accountEnabled of ${FAKE_LINK} from true to false`] },
    },
  ]);
  await transitionIncident(db, incident.id, ["open"], "pending", {
    action: "awaiting-approval",
    detail: { reason: `the subject ${ANGLE_AUTOLINK} is new` },
  });
  // A Teams display name and a typed reason are someone's choice too.
  await appendAudit(db, {
    incidentId: incident.id,
    action: "refused",
    actorName: BOLD_AUTOLINK,
    detail: { reason: FAKE_LINK, outcome: ANGLE_AUTOLINK },
  });
}, 90_000);
afterAll(async () => drop?.());

describe("log and tenant text in Warden's cards and chat", () => {
  it("a guest named like a link is shown by name in the incident card, as text, never as a link", async () => {
    const incident = await getIncident(db, incidentId);
    if (incident === undefined) throw new Error("incident missing");
    const card = incidentCard(await incidentView(db, incident));
    expectValidCard(card);
    const texts = cardTexts(card);
    // The subject's facts sit behind the "Who" toggle, in a container of the body.
    const facts: { title: string; value: string }[] = [];
    JSON.stringify(card, (key, value) => {
      if (key === "facts") facts.push(...(value as { title: string; value: string }[]));
      return value;
    });
    const nameFact = facts.find((f) => f.title === "Name");
    expect(reading(nameFact?.value ?? "").shown).toBe(FAKE_LINK);
    // The guest's name, the address it was invited with (an autolink), the reason it waits.
    expectInert(texts, [FAKE_LINK, ANGLE_AUTOLINK, EVIL_MAIL, actor.userPrincipalName]);
    expectOnlyPortalLinks(texts);
    // Warden's own evidence links survive: the portal, built from checked GUIDs.
    expect(texts.join("\n")).toContain(`](https://entra.microsoft.com/${TENANT}/#view/`);
  });

  it("a line break cannot start a list or heading, and direction overrides do not reorder the text", () => {
    const card = incidentCard({
      ...VIEW_DEFAULTS,
      id: "inc-1",
      version: 1,
      state: "pending",
      severity: "high",
      confidence: 0.9,
      title: "A guest was given a privileged Entra role",
      subject: { name: LIST_AFTER_BREAK, userPrincipalName: RIGHT_TO_LEFT, kind: "guest" },
      timeline: [{ time: 0, text: LIST_AFTER_BREAK }],
      evidence: [{ text: "evidence", url: "https://evil.example/(x)" }],
      actions: [],
    });
    const texts = cardTexts(card);
    for (const text of texts) {
      expect(text).not.toMatch(/[\n\r\u202A-\u202E\u2066-\u2069]/);
      expect(text).not.toMatch(/^\s*(-|#|\d+[.)])\s/);
    }
    expectInert(texts, ["Helpdesk  - [reset MFA](https://evil.example/mfa) # Approved"]);
    // A link Warden would not build is dropped; its label stays as text.
    expectOnlyPortalLinks(texts);
    expect(texts.map((t) => reading(t).shown)).toContain("evidence");
  });

  it("tenant, subscription and account names from ARM and Graph are text in the header, its facts and speak", () => {
    const card = incidentCard({
      ...VIEW_DEFAULTS,
      id: "inc-names",
      version: 1,
      state: "pending",
      severity: "critical",
      confidence: 0.9,
      title: "A new admin guest moved a subscription out",
      story: `${FAKE_LINK} invited ${ANGLE_AUTOLINK}; <at>SOC on call</at> moved it.`,
      tenant: { id: "8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13", name: FAKE_LINK },
      subscriptions: [{ id: "df42ad1f-40c1-43f4-a389-80a49ee24ecf", name: ANGLE_AUTOLINK }],
      confidenceReasons: [FAKE_LINK],
      notDone: [{ text: `Recovering ${FAKE_LINK} needs a support case` }],
      timeline: [],
      evidence: [],
      actions: [
        {
          id: "a1",
          action: "disable-account",
          target: FAKE_LINK,
          changes: [ANGLE_AUTOLINK],
          state: "planned",
        },
      ],
    });
    const texts = cardTexts(card);
    expectInert(texts, [FAKE_LINK, ANGLE_AUTOLINK]);
    expectOnlyPortalLinks(texts);
    // A mention is Teams' markup too: in card text it must stay text, never notify anyone.
    for (const text of texts) expect(text).not.toMatch(/<at>/);
    // Read aloud as words: no speech markup, no link syntax.
    expect(String(card["speak"])).not.toMatch(/[<>[\]]|\]\(/);
  });

  it("no invisible or direction-changing character survives, in markdown text or in a choice's title", () => {
    // Each hides or reorders text the way U+202E does, but is outside the first list of them: the Arabic
    // letter mark (bidi), a soft hyphen, a Hangul filler (a blank letter), a deprecated format character,
    // and tag characters, which carry a whole hidden ASCII text ("ignore" here) invisibly.
    const hidden = [
      "\u061C",
      "\u00AD",
      "\u3164",
      "\u206A",
      "\u{E0069}\u{E0067}\u{E006E}\u{E006F}\u{E0072}\u{E0065}",
    ];
    const name = `admin${hidden.join("x")}@contoso-lab.onmicrosoft.com`;
    const card = incidentCard({
      ...VIEW_DEFAULTS,
      id: "inc-2",
      version: 1,
      state: "pending",
      severity: "high",
      confidence: 0.9,
      title: "A guest was given a privileged Entra role",
      subject: { name, kind: "guest" },
      timeline: [{ time: 0, text: name }],
      evidence: [],
      actions: [
        {
          id: "a1",
          action: "disable-account",
          target: `${name}\u202Eevil`,
          changes: [`Set accountEnabled of ${name} from true to false`],
          state: "planned",
        },
      ],
    });
    const choices = JSON.stringify(card).match(/"title":"disable-account on [^"]*"/g) ?? [];
    expect(choices).toHaveLength(1);
    const invisible = /[\u061C\u00AD\u3164\u206A\u202E]|\u{E0069}/u;
    for (const text of [...cardTexts(card), ...choices]) expect(text).not.toMatch(invisible);
    // A choice's title is plain text: shown without markdown's backslashes.
    expect(choices[0]).not.toContain("\\\\");
  });

  it("the audit trail and notice cards show names, reasons and outcomes as text", async () => {
    const { auditTrail } = await import("../../src/store/incidents-repo.js");
    const texts = [
      ...cardTexts(auditCard(incidentId, await auditTrail(db, incidentId))),
      ...cardTexts(noticeCard("Refused", `Only Warden's approvers can see this: ${FAKE_LINK}.`)),
    ];
    expectInert(texts, HOSTILE);
    expectOnlyPortalLinks(texts);
  });

  it("the inventory card shows every tenant-chosen field as text", () => {
    const entry: InventoryEntry = {
      id: guest.id,
      displayName: FAKE_LINK,
      userPrincipalName: `${FAKE_LINK}#EXT#@contoso-lab.onmicrosoft.com`,
      mail: EVIL_MAIL,
      userType: "Guest",
      homeDomain: "evil.example](https://evil.example)",
      createdDateTime: "2026-11-02T11:00:00Z",
      invitedBy: BOLD_AUTOLINK,
      accountEnabled: true,
      lastSignIn: "[x](https://evil.example)",
      roles: [
        {
          kind: "azure",
          roleId: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
          roleName: ANGLE_AUTOLINK,
          scope: "/subscriptions/x/resourceGroups/[rg](https://evil.example)",
          assignment: "active",
          viaGroup: FAKE_LINK,
        },
      ],
      risk: { recentlyCreated: true, riskyUser: false, promotedSoonAfterCreation: false },
    };
    const card = inventoryCard([entry], 0);
    expectValidCard(card);
    const texts = cardTexts(card);
    expectInert(texts, [
      ...HOSTILE,
      "evil.example](https://evil.example)",
      "/subscriptions/x/resourceGroups/[rg](https://evil.example)",
    ]);
    expectOnlyPortalLinks(texts);
  });

  it("the bot's chat replies echo typed text and the audit trail's names as text", async () => {
    const approvers = { check: async () => ({ ok: true as const }) } as unknown as ApproverCheck;
    const workflow: WorkflowDeps = {
      db,
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
    const bot = new WardenBot({
      inventory: async () => ({ entries: [], gaps: [] }),
      posture: () => Promise.reject(new Error("this test asks for no posture")),
      workflow,
      queue: new InProcessQueue(),
      approvers,
      tenantId: TENANT,
    });
    const adapter = new TestAdapter(async (context) => bot.run(context), {
      channelId: "msteams",
      conversation: {
        id: "a:chat",
        tenantId: TENANT,
        isGroup: false,
        conversationType: "personal",
        name: "",
      },
    } as never);
    const replies: string[] = [];
    for (const text of [`incident ${TYPED_LINK}`, `history ${incidentId}`]) {
      await adapter.send({
        type: "message",
        text,
        from: { id: "u", name: "u", aadObjectId: actor.id },
      } as never);
      for (let a = adapter.activeQueue.shift(); a !== undefined; a = adapter.activeQueue.shift())
        if (typeof a.text === "string") replies.push(a.text);
    }
    expect(replies).toHaveLength(2);
    expectInert(replies, [TYPED_LINK, BOLD_AUTOLINK]);
    expectOnlyPortalLinks(replies);
  });
});
