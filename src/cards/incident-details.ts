import type { Element } from "./adaptive-card.js";
import { clock, facts, text, time } from "./card-parts.js";
import type { IncidentView } from "./incident-view.js";
import { markdownText as md, portalLinkText } from "./markdown-text.js";

/**
 * The parts of the incident card behind toggles: the timeline, the evidence, and each action with its
 * state in words. Hidden until asked for, so the header fits a phone; still in the card, so a toggle
 * needs no round trip to the bot.
 */

type Action = IncidentView["actions"][number];

/** Each state as a word an analyst reads without a legend; the symbol only repeats it. */
function stateWords(a: Action, view: IncidentView): string {
  const at = a.at === undefined ? "" : ` ${clock(a.at)}`;
  switch (a.state) {
    case "planned":
      if (view.state === "denied") return "○ Not run: denied";
      if (view.state === "expired") return "○ Not run: expired";
      if (view.state === "approved" || view.state === "executing") return "○ Approved, starting";
      return "○ Planned";
    case "skipped":
      return "– Skipped";
    case "running":
      return "… Running";
    case "waiting":
      return `⏳ Waiting to retry${at}`;
    case "done":
      // Done but enforcing nothing (a report-only policy): not a tick.
      return (a.outcome ?? "").startsWith("NOT ENFORCED") ? `⚠ Done, not enforced${at}` : `✔ Done${at}`;
    case "failed":
      return `✖ Failed${at}`;
    case "awaiting-admin":
      return "✋ Waiting for a Global Administrator";
    case "undone":
      return `↺ Undone${at}`;
    case "undo-failed":
      return `⚠ Undo failed${at}`;
    case "undo-awaiting-admin":
      return "✋ Undo waits for a Global Administrator";
  }
}

export function actionLine(a: Action, view: IncidentView, maxDetail = Number.POSITIVE_INFINITY): Element {
  // The action's name and state words are Warden's; its target and what it changes name the tenant's objects.
  const whole = a.state === "planned" ? a.changes.join("; ") : (a.outcome ?? a.changes.join("; "));
  // Cut only when the card would outgrow Teams' message size: the trail keeps every word.
  const detail = whole.length > maxDetail ? `${[...whole].slice(0, maxDetail).join("")}…` : whole;
  return text(`**${stateWords(a, view)}** · ${a.action} on ${md(a.target)}: ${md(detail)}`, {
    spacing: "Small",
    isSubtle: a.state === "skipped",
  });
}

/** What Warden asks of a person because Microsoft lets no app do it: each step numbered, nothing hidden. */
export function administratorSteps(view: IncidentView): Element[] {
  return view.actions.flatMap((a) =>
    a.administratorSteps === undefined
      ? []
      : [
          text(`A Global Administrator must do this (${md(a.action)}; Warden may not):`, {
            weight: "Bolder",
            color: "warning",
            spacing: "Medium",
          }),
          ...a.administratorSteps.map((step, i) => text(`${i + 1}. ${md(step)}`, { spacing: "Small" })),
        ],
  );
}

export function timelineLines(view: IncidentView): Element[] {
  return view.timeline.map((step) => {
    const span = step.until === undefined || step.until === step.time ? "" : `–${clock(step.until)}`;
    return text(`${time(step.time).replace(" UTC", "")}${span}: ${md(step.text)}`, { spacing: "Small" });
  });
}

export function evidenceLines(view: IncidentView, max = Number.POSITIVE_INFINITY): Element[] {
  const shown = view.evidence.slice(0, max);
  // Every reason for the confidence: the header has room for the first only.
  const why =
    view.confidenceReasons.length === 0
      ? []
      : [text(`Why ${Math.round(view.confidence * 100)}%: ${md(view.confidenceReasons.join("; "))}`)];
  const lines = [...why, ...shown.map((e) => text(portalLinkText(e.text, e.url), { spacing: "Small" }))];
  const more = view.evidenceMore + view.evidence.length - shown.length;
  if (more > 0) {
    lines.push(text(`${more} more records: \`history ${view.id}\` lists the trail`, { isSubtle: true }));
  }
  return lines;
}

/** A hidden section and the button that shows it. */
export function toggled(id: string, title: string, items: Element[]): { section: Element; button: Element } {
  return {
    section: { type: "Container", id, isVisible: false, items },
    button: { type: "Action.ToggleVisibility", title, targetElements: [id] },
  };
}

/** The subject whole, for finding it in the portal: its name as held, address, UPN, object id, kind. */
export function subjectFacts(view: IncidentView): Element[] {
  const s = view.subject;
  if (s === undefined) return [];
  return [
    facts([
      ["Name", s.name],
      ["Address", s.address],
      ["UPN", s.userPrincipalName],
      ["Object id", s.id],
      ["Kind", s.kind],
      ["Home tenant", s.homeTenant],
      ["Account", s.enabled === false ? "disabled by Warden" : undefined],
    ]),
    ...(view.signIn === undefined
      ? []
      : [
          facts([
            ["Sign-in from", view.signIn.ipAddress],
            ["Placed in", [view.signIn.city, view.signIn.country].filter((p) => p !== undefined).join(", ")],
            ["Risk", view.signIn.riskLevel],
            ["Detections", view.signIn.detections.join(", ")],
          ]),
        ]),
    ...(view.actor === undefined
      ? []
      : [
          facts([
            ["Actor", view.actor.userPrincipalName ?? view.actor.name],
            ["From", view.actor.ipAddress],
          ]),
        ]),
  ];
}
