import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS, auditLines, auditSentence, type TrailEntry } from "../../src/cards/incident-words.js";
import { markdownText as md } from "../../src/cards/markdown-text.js";
import { reading } from "../helpers/adaptive-markdown.js";

/**
 * Every audit action Warden writes is told in words (the `history` chat answer and the audit card), found
 * by reading the code that writes them, so that a new action without words fails here rather than
 * reaching an analyst as `action-done → contained`.
 */

const SRC = new URL("../../src/", import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/**
 * The `action:` values of every audit row the code writes: string literals, each branch of a ternary,
 * and the two computed forms (decide.ts's `to`, execute.ts's `action-${result.state}`), expanded here.
 * Any other computed value fails, so that it is added to this reading rather than missed.
 */
function writtenActions(): Set<string> {
  const found = new Set<string>();
  for (const path of files(SRC)) {
    const code = readFileSync(path, "utf8");
    if (path.includes("/sim/") || !/\b(appendAudit|transitionIncident)\(/.test(code)) continue;
    if (path.endsWith("store/incidents-repo.ts")) continue;
    for (const [, raw = ""] of code.matchAll(/\baction:\s*([^,\n]+)/g)) {
      const value = raw.replace(/\s*\}*\s*$/, "");
      const literals = [...value.matchAll(/"([a-z-]+)"/g)].map((m) => m[1] ?? "");
      if (literals.length > 0) for (const l of literals) found.add(l);
      else if (value === "to") for (const s of ["approved", "denied"]) found.add(s);
      else if (/^`action-\$\{result\.state\}`$/.test(value))
        for (const s of runStates()) found.add(`action-${s}`);
      // An action's own name inside an audit row's detail (`detail: { action: row.action }`), not a row's.
      else if (!/^(claimed|row)\.action$/.test(value))
        throw new Error(`${path}: an audit action this test cannot read: ${value}`);
    }
  }
  return found;
}

/** The states an action's run ends in (execute.ts): each a literal, or each branch of a ternary. */
function runStates(): string[] {
  const code = readFileSync(join(SRC, "respond/execute.ts"), "utf8");
  return [...code.matchAll(/\bstate: ([^,\n]+)/g)]
    .map(([, value = ""]) => value)
    .filter((value) => value.startsWith('"') || value.includes("?"))
    .flatMap((value) => [...value.matchAll(/"([a-z-]+)"/g)].map((m) => m[1] ?? ""));
}

const AT = Date.UTC(2026, 10, 2, 7, 46, 12);
const say = (entry: Omit<TrailEntry, "at">) => reading(auditSentence({ at: AT, ...entry })).shown;

describe("audit actions in words", () => {
  it("has words for every audit action the code writes, none said as its code", () => {
    const written = writtenActions();
    // The reading finds the actions of each part that writes them, computed ones included.
    for (const a of ["created", "awaiting-approval", "approved", "denied", "action-done", "action-failed"])
      expect(written).toContain(a);
    for (const action of written) {
      expect(AUDIT_ACTIONS, `no words for "${action}"`).toContain(action);
      const sentence = auditSentence({ at: AT, action, detail: {} });
      // Unknown, an action is said as recorded: its code alone, when nothing else is recorded with it.
      expect(sentence, `"${action}" is said as its code`).not.toBe(md(action));
      if (action.includes("-")) expect(sentence).not.toContain(md(action));
    }
  });

  it("tells who did what, with the reason or outcome recorded", () => {
    const lead = { actorId: "1ead", actorName: "Priya Raman" };
    expect(say({ action: "approved", ...lead, detail: { actions: ["a", "b"] } })).toBe(
      "Priya Raman approved 2 actions",
    );
    expect(say({ action: "approved", ...lead, detail: { retry: true } })).toBe(
      "Priya Raman approved a retry",
    );
    expect(say({ action: "denied", ...lead, detail: { reason: "a partner" } })).toBe(
      "Priya Raman denied: a partner",
    );
    expect(say({ action: "first-approval", ...lead, detail: { verb: "approve", actions: ["a"] } })).toBe(
      "Priya Raman approved 1 action, the first of two approvals: a second approver must agree",
    );
    expect(say({ action: "undo-requested", ...lead })).toBe("Priya Raman asked to undo the containment");
    expect(say({ action: "undo-requested", ...lead, detail: { reason: "a partner, verified" } })).toBe(
      "Priya Raman asked to undo the containment: a partner, verified",
    );
    expect(say({ action: "acknowledged", ...lead })).toBe("Priya Raman took the incident on");
    expect(say({ action: "notified", actorName: "Warden", detail: { severity: "critical" } })).toBe(
      "the incident channel was told, at critical severity",
    );
    expect(say({ action: "reverted", ...lead })).toBe("Priya Raman undid the containment");
    expect(say({ action: "reverted", actorName: "administrator steps" })).toBe(
      "the containment was undone (administrator steps)",
    );
    expect(say({ action: "executing", ...lead })).toBe("containment started, as Priya Raman approved");
    expect(say({ action: "executing" })).toBe("containment started");
    expect(
      say({ action: "auto-contain", actorName: "automatic containment", detail: { actions: ["a"] } }),
    ).toBe("automatic containment started on 1 action");
    expect(
      say({
        action: "refused",
        actorName: "Sam Helpdesk",
        detail: { verb: "undo", reason: "not an approver" },
      }),
    ).toBe('refused: undo by "Sam Helpdesk": not an approver');
    expect(say({ action: "expired", actorName: "expiry", detail: { afterHours: 4 } })).toBe(
      "expired: nobody decided within 4 hours; nothing was changed",
    );
    expect(
      say({
        action: "containment-finished",
        toState: "partial",
        detail: { done: 2, failed: 1, skipped: 0, awaitingAdministrator: 1 },
      }),
    ).toBe(
      "containment finished: partly contained (2 done, 1 failed, 0 skipped, 1 waiting for a Global Administrator)",
    );
    expect(say({ action: "alerts-attached", detail: { alerts: ["x", "y"], confidence: 0.97 } })).toBe(
      "Microsoft alerts were attached (2); confidence now 97%",
    );
    expect(say({ action: "grown", detail: { added: ["f1"] } })).toBe("the incident grew: 1 new finding");
    expect(say({ action: "merged", detail: { added: ["f1", "f2"], merged: ["inc-0a"] } })).toBe(
      "the incident grew: 2 new findings, and `inc-0a` merged into it",
    );
    expect(say({ action: "dry-run", detail: { would: ["x", "y", "z"] } })).toBe(
      "dry run: nothing was changed (3 actions would have run)",
    );
  });

  it("says each action run by its words and its target's home address, the outcome without repeating the state", () => {
    const target = "it.support_outlook-helpdesk.net#EXT#@contoso.onmicrosoft.com";
    expect(
      say({
        action: "action-skipped",
        detail: { action: "disable-account", target, outcome: `skipped: ${target} is protected` },
      }),
    ).toBe(
      "disabling the account (it.support@outlook-helpdesk.net): skipped: it.support@outlook-helpdesk.net is protected",
    );
    expect(
      say({
        action: "action-failed",
        detail: { action: "remove-azure-role", target, outcome: "404 not found" },
      }),
    ).toBe("removing Azure roles (it.support@outlook-helpdesk.net): failed: 404 not found");
    // Undone by Warden: the action named in the row's id; by hand: who did it.
    expect(
      say({
        action: "action-undone",
        detail: { actionId: `inc-1:block-sign-in:user:x`, restored: "sign-in allowed" },
      }),
    ).toBe("blocking sign-in: undone: sign-in allowed");
    expect(
      say({
        action: "action-done",
        actorName: "Gloria Admin",
        detail: {
          action: "block-subscription-transfer",
          target: "the tenant",
          outcome: "done by hand",
          by: "an administrator",
        },
      }),
    ).toBe("blocking subscription transfers (the tenant): done, by hand by Gloria Admin: done by hand");
  });

  it("dates the first line and each change of day, and gives the time of day to the second otherwise", () => {
    const lines = auditLines([
      { at: AT, action: "created", detail: { findings: ["f"] } },
      { at: AT + 8_000, action: "executing" },
      { at: AT + 86_400_000, action: "expired", detail: { afterHours: 24 } },
    ]);
    expect(lines).toEqual([
      "2026-11-02 07:46:12 UTC: Warden opened the incident on 1 finding",
      "07:46:20 UTC: containment started",
      "2026-11-03 07:46:12 UTC: expired: nobody decided within 24 hours; nothing was changed",
    ]);
  });
});
