import { expect } from "vitest";
import { VERBS } from "../../src/cards/incident-card.js";
import { visibleLength, visibleText } from "../../src/cards/visible-text.js";
import { cardProblems } from "./adaptive-card-check.js";

/**
 * Issue 25's "done when", read from a demo's transcript (`warden demo --transcript`): every incident
 * message has a summary; every incident card has `refresh` with `userIds`, a heading, a tenant fact and
 * (where a subscription is involved) a subscription fact; its text before any toggle is at most 700
 * characters; the guest-admin card shows the invitation and the Global Administrator grant; no message
 * exceeds Teams' 28 KB (counted in UTF-16, as the issue measured it).
 */
export function checkCardsInTranscript(lines: readonly Record<string, unknown>[]): void {
  const TEAMS_LIMIT = 28 * 1024;
  let incidentCards = 0;
  for (const line of lines) {
    expect(JSON.stringify(line).length * 2, `a ${String(line["_op"])} message`).toBeLessThanOrEqual(
      TEAMS_LIMIT,
    );
    const card = cardOf(line);
    if (card === undefined || !isIncidentCard(card)) continue;
    incidentCards += 1;
    // The card as the demo's tenant made it, parsed as Teams' renderer parses it.
    expect(cardProblems(card, VERBS)).toEqual([]);
    if (line["_op"] !== "invokeResponse") expect(typeof line["summary"]).toBe("string");
    const refresh = card["refresh"] as { userIds?: unknown } | undefined;
    expect(Array.isArray(refresh?.userIds) && refresh.userIds.length > 0).toBe(true);
    const shown = visibleText(card);
    expect(JSON.stringify(card)).toContain('"style":"heading"');
    expect(shown.some((t) => t.startsWith("Tenant "))).toBe(true);
    if (/"subscription(s|Ids)?"/i.test(JSON.stringify(card)) || shown.some((t) => /Contoso Lab \d/.test(t)))
      expect(shown.some((t) => /^Subscriptions? /.test(t))).toBe(true);
    expect(visibleLength(card), shown.join("\n")).toBeLessThanOrEqual(700);
  }
  expect(incidentCards).toBeGreaterThan(0);
  // Evidence a sceptic can look up: record ids, and the correlation id where the log gives one.
  const all = lines
    .map((l) => JSON.stringify(cardOf(l) ?? {}))
    .join("\n")
    .replaceAll("\\", "");
  expect(all).toMatch(/Entra audit: [^"]+, record [^,"]+, correlation [0-9a-f-]{36}/);
  expect(all).toMatch(/Azure activity: [^",]+, correlation [0-9a-f-]{36}/);
  // The guest made Global Administrator: its card says who invited it and that it was made one.
  const guestAdmin = lines
    .map(cardOf)
    .filter((c): c is Record<string, unknown> => c !== undefined && isIncidentCard(c))
    .map((c) => visibleText(c).join("\n"))
    .find((t) => t.includes("made it Global Administrator"));
  expect(guestAdmin).toMatch(/ invited \S+@\S+, made it Global Administrator/);
  // Every incident message that opens a thread wakes the configured tag.
  for (const post of lines.filter((l) => l["_op"] === "post" && isIncidentCard(cardOf(l) ?? {})))
    expect(JSON.stringify(post["entities"])).toContain('"type":"tag"');
}

function cardOf(line: Record<string, unknown>): Record<string, unknown> | undefined {
  if (line["_op"] === "invokeResponse") return line["value"] as Record<string, unknown> | undefined;
  const attachments = line["attachments"] as { content?: Record<string, unknown> }[] | undefined;
  return attachments?.[0]?.content;
}

/** An incident card: its buttons carry an incident id (the posture card's do not). */
function isIncidentCard(card: Record<string, unknown>): boolean {
  return JSON.stringify(card).includes('"incidentId":"inc-');
}
