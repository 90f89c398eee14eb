import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { postureCard } from "../../src/cards/posture-card.js";
import { anythingChanged, carriedForward, postureChanges } from "../../src/posture/changes.js";
import { postureCsv } from "../../src/posture/format.js";
import type { PostureFinding, PostureReport } from "../../src/posture/types.js";
import { cardTexts, unescapedMarkup } from "../helpers/adaptive-markdown.js";

/**
 * The posture card parses as Adaptive Card 1.5, stays under Teams' 28 KB however many doors are open,
 * shows the tenant's strings as text (never as links or markup), and the weekly comparison never calls
 * a door closed when its check could not be read.
 */

const require = createRequire(import.meta.url);
const AC = require("adaptivecards/dist/adaptivecards.js") as {
  AdaptiveCard: new () => {
    parse(json: unknown, context?: unknown): void;
    validateProperties(): { validationEvents: { message: string }[] };
  };
  SerializationContext: new () => { eventCount: number; getEventAt(i: number): { message: string } };
};

function problems(card: unknown): string[] {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  const found: string[] = [];
  for (let i = 0; i < context.eventCount; i++) found.push(`parse: ${context.getEventAt(i).message}`);
  for (const e of parsed.validateProperties().validationEvents) found.push(`validate: ${e.message}`);
  return found;
}

const HOSTILE = "[Approve here](https://evil.example/steal) **urgent** <at>SOC</at>";

function guest(n: number, upn = `guest${n}_partner.example#EXT#@contoso.onmicrosoft.com`): PostureFinding {
  return {
    check: "guest-privileged",
    severity: n % 2 === 0 ? "critical" : "high",
    principal: {
      type: "user",
      id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
      userPrincipalName: upn,
    },
    setting: null,
    detail: `The guest ${upn} holds Global Administrator.`,
    fix: "Remove the roles they do not need: Entra admin center > Roles & admins > the role > Assignments > Remove",
  };
}

function report(
  findings: PostureFinding[],
  unreadable: PostureReport["summary"]["unreadable"] = [],
): PostureReport {
  return {
    findings,
    summary: { checks: 9, findings: findings.length, unreadable },
    at: "2026-12-07T08:00:00.000Z",
  };
}

describe("the posture card", () => {
  it("is valid Adaptive Card 1.5 with a heading, under 28 KB with 500 findings, and says how many are not shown", () => {
    const many = report(
      Array.from({ length: 500 }, (_, n) => guest(n, `${"x".repeat(200)}${n}#EXT#@contoso.com`)),
    );
    const card = postureCard(many, postureChanges(report([]), many));
    expect(problems(card)).toEqual([]);
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(28 * 1024);
    expect(JSON.stringify(card)).toContain('"style":"heading"');
    expect(cardTexts(card).join("\n")).toContain("490 more: `warden posture` lists them all");
  });

  it("shows a hostile UPN and detail as text, not as a link, bold text or a mention", () => {
    const card = postureCard(report([guest(1, HOSTILE)]));
    for (const text of cardTexts(card)) {
      expect(unescapedMarkup(text, "[Approve here](https://evil.example/steal)")).toEqual([]);
      expect(unescapedMarkup(text, "**urgent**")).toEqual([]);
    }
  });

  it("stays under 28 KB when the tenant's names are as long as Graph allows", () => {
    const long = "x".repeat(4_000);
    const findings = Array.from({ length: 12 }, (_, n) => ({
      ...guest(n, `${long}${n}#EXT#@contoso.com`),
      detail: `The guest ${long} holds ${long}.`,
      fix: long,
    }));
    const card = postureCard(
      report(findings, [{ check: "admin-without-mfa", partial: true, reason: long.repeat(20) }]),
    );
    expect(problems(card)).toEqual([]);
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(28 * 1024);
    expect(cardTexts(card).join("\n")).toMatch(/\d+ more: `warden posture` lists them all/);
  });

  it("says what could not be read, so a short list is not taken for a clean tenant", () => {
    const card = postureCard(
      report([], [{ check: "admin-without-mfa", partial: false, reason: "403: Insufficient privileges" }]),
    );
    const texts = cardTexts(card).join("\n");
    expect(texts).toContain("Could not check admin-without-mfa");
    expect(texts).toContain("1 check could not be read");
  });
});

describe("what changed since the last card", () => {
  const a = guest(1);
  const b = guest(2);
  const mfa: PostureFinding = { ...guest(3), check: "admin-without-mfa" };

  it("names doors opened and closed, and counts those still open", () => {
    const changes = postureChanges(report([a, b]), report([b, guest(4)]));
    expect(changes.opened.map((f) => f.principal?.id)).toEqual([guest(4).principal?.id]);
    expect(changes.closed.map((f) => f.principal?.id)).toEqual([a.principal?.id]);
    expect(changes.still).toBe(1);
    expect(anythingChanged(changes)).toBe(true);
    expect(anythingChanged(postureChanges(report([a]), report([a])))).toBe(false);
  });

  it("never calls a door closed when its check could not be read, and keeps it for next time", () => {
    const before = report([a, mfa]);
    const now = report([a], [{ check: "admin-without-mfa", partial: false, reason: "403" }]);
    const changes = postureChanges(before, now);
    expect(changes.closed).toEqual([]);
    expect(changes.readability).toEqual([{ check: "admin-without-mfa", now: "unreadable" }]);
    const kept = carriedForward(before, now);
    expect(kept.findings).toContainEqual(mfa);
    // Readable again and still open: not news as a new door.
    expect(postureChanges(kept, report([a, mfa])).opened).toEqual([]);
  });

  it("a check read only in part closes nothing: its doors are kept, and the partial read is the news", () => {
    const before = report([a, b]);
    const now = report(
      [b],
      [{ check: "guest-privileged", partial: true, reason: "the root management group refused" }],
    );
    const changes = postureChanges(before, now);
    expect(changes.closed).toEqual([]);
    expect(changes.readability).toEqual([{ check: "guest-privileged", now: "partly read" }]);
    expect(carriedForward(before, now).findings).toContainEqual(a);
  });

  it("a door that widens is news: a higher severity, another exempted principal; a day count is not", () => {
    const worse = { ...a, severity: "critical" as const };
    expect(postureChanges(report([{ ...a, severity: "high" }]), report([worse])).changed).toEqual([worse]);
    const exempt = (who: string): PostureFinding => ({
      check: "subscription-transfer-open",
      severity: "medium",
      principal: null,
      setting: "subscriptionPolicy.exemptedPrincipals",
      detail: `Subscriptions may not leave this directory, except by 1 exempted principal: ${who}.`,
      fix: "…",
    });
    expect(postureChanges(report([exempt("ops")]), report([exempt("evil")])).changed).toHaveLength(1);
    // Six exempted principals become seven: only a count in the words changes, and that is news.
    expect(
      postureChanges(report([exempt("a, b and 1 more")]), report([exempt("a, b and 2 more")])).changed,
    ).toHaveLength(1);
    const stale = (days: number): PostureFinding => ({
      ...a,
      check: "stale-privileged-external",
      detail: `last signed in ${days} days ago`,
    });
    expect(anythingChanged(postureChanges(report([stale(200)]), report([stale(207)])))).toBe(false);
  });

  it("the first report is news even with nothing open", () => {
    expect(anythingChanged(postureChanges(undefined, report([])))).toBe(true);
  });
});

describe("the CSV", () => {
  it("turns a cell that would run as a spreadsheet formula into text", () => {
    const csv = postureCsv(report([guest(1, '=HYPERLINK("https://evil.example")')]));
    expect(csv).toContain(`"'=HYPERLINK(""https://evil.example"")"`);
  });
});
