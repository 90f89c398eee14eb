import { offers } from "../respond/lifecycle.js";
import { adaptiveCard, type Element } from "./adaptive-card.js";
import { facts, heading, text, time } from "./card-parts.js";
import type { IncidentView } from "./incident-view.js";
import { markdownText as md, plainText, portalLinkText } from "./markdown-text.js";

/** The verbs an incident card's buttons send: the bot acts on these and nothing else. */
export const VERBS = ["approve", "approveSelected", "deny", "retry", "undo", "refresh", "history"] as const;
export type Verb = (typeof VERBS)[number];

const SEVERITY_COLOR: Record<string, string> = {
  critical: "attention",
  high: "attention",
  medium: "warning",
  low: "default",
};

const STATE_LINE: Record<IncidentView["state"], string> = {
  open: "New: being planned",
  pending: "Waiting for approval",
  approved: "Approved: containment starting",
  executing: "Containing",
  contained: "Contained",
  partial: "Partly contained",
  failed: "Containment failed",
  denied: "Denied: nothing was changed",
  expired: "Expired: no decision in time, nothing was changed",
  "auto-contained": "Contained automatically",
  reverted: "Reverted: containment undone",
  merged: "Merged into another incident",
};

/** The state in words; a partial incident that waits for a person says so. */
function stateLine(view: IncidentView): string {
  if (view.state !== "partial" || !view.actions.some((a) => a.state === "awaiting-admin"))
    return STATE_LINE[view.state];
  return view.actions.some((a) => a.state === "done")
    ? "Partly contained: waiting for a Global Administrator"
    : "Waiting for a Global Administrator";
}

/** Timeline steps shown: the first ones (the invitation, the grant) and the latest. */
const FIRST_STEPS = 4;
const LAST_STEPS = 8;

/** The data every button carries: which incident, which version of it the clicker saw. Never what to do. */
function data(view: IncidentView): Element {
  return { incidentId: view.id, version: view.version };
}

function execute(view: IncidentView, verb: Verb, title: string, style?: "positive" | "destructive"): Element {
  return { type: "Action.Execute", verb, title, data: data(view), ...(style === undefined ? {} : { style }) };
}

function actionLines(view: IncidentView): Element[] {
  return view.actions.map((a) => {
    const mark = {
      planned: "○",
      skipped: "–",
      running: "…",
      waiting: "⏳",
      done: "✔",
      failed: "✖",
      "awaiting-admin": "✋",
      undone: "↺",
      "undo-failed": "✖",
      "undo-awaiting-admin": "✋",
    }[a.state];
    // Done but enforcing nothing (a report-only policy, a guest's revocation): not a tick.
    const shown = a.state === "done" && (a.outcome ?? "").startsWith("NOT ENFORCED") ? "⚠" : mark;
    // The action's name is Warden's; its target and what it changes name the tenant's objects.
    const detail = a.state === "planned" ? a.changes.join("; ") : (a.outcome ?? a.changes.join("; "));
    return text(`${shown} **${a.action}** on ${md(a.target)}: ${md(detail)}`, {
      spacing: "Small",
      isSubtle: a.state === "skipped",
    });
  });
}

/** What Warden asks of a person because Microsoft lets no app do it: each step numbered, nothing hidden. */
function administratorSteps(view: IncidentView): Element[] {
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

/**
 * The incident card, in the version that fits its state: Approve / Approve selected / Deny while it
 * waits, Retry after a failure, Undo once contained, the outcome of each action always. Adaptive Cards
 * 1.5 with `Action.Execute`, so a click reaches the bot and the card is refreshed for everyone.
 */
export function incidentCard(view: IncidentView): Element {
  const body: Element[] = [
    {
      type: "Container",
      style: view.severity === "critical" || view.severity === "high" ? "attention" : "emphasis",
      items: [
        text(md(view.title), { size: "Medium", weight: "Bolder", style: "heading" }),
        // The id `history` and `open` take, so the card and the chat meet.
        text(`Incident ${md(view.id)}`, { isSubtle: true, spacing: "None", size: "Small" }),
        text(
          `${stateLine(view)} · ${view.severity} severity · confidence ${Math.round(view.confidence * 100)}%`,
          {
            color: SEVERITY_COLOR[view.severity] ?? "default",
            spacing: "Small",
          },
        ),
      ],
    },
  ];
  if (view.decision !== undefined) {
    const verb =
      view.state === "denied"
        ? "Denied"
        : view.state === "reverted"
          ? "Undone"
          : view.state === "auto-contained"
            ? "Decided"
            : "Approved";
    body.push(
      text(
        `${verb} by ${md(view.decision.by)} at ${time(view.decision.at)}${view.decision.reason === undefined ? "" : `: ${md(view.decision.reason)}`}`,
        { weight: "Bolder" },
      ),
    );
  }
  if (view.firstApprovalBy !== undefined) {
    const what = { approve: "Approved", deny: "Denied", retry: "Retry approved", undo: "Undo approved" }[
      view.firstApprovalOf ?? "approve"
    ];
    body.push(
      text(`${what} by ${md(view.firstApprovalBy)}; a critical incident needs a second, different approver`, {
        weight: "Bolder",
      }),
    );
  }
  if (view.waitingBecause !== undefined && view.state === "pending") {
    body.push(
      text(`Not contained automatically: ${md(view.waitingBecause)}`, { isSubtle: true, spacing: "Small" }),
    );
  }
  if (view.subject !== undefined) {
    const s = view.subject;
    body.push(heading("Subject"));
    body.push(
      facts([
        ["Name", s.name],
        ["UPN", s.userPrincipalName],
        ["Kind", s.kind],
        ["Home tenant", s.homeTenant],
        ["Account", s.enabled === undefined ? undefined : s.enabled ? "enabled" : "disabled"],
      ]),
    );
  }
  if (view.actor !== undefined) {
    body.push(
      facts([
        ["Actor", view.actor.userPrincipalName ?? view.actor.name],
        ["From", view.actor.ipAddress],
      ]),
    );
  }
  if (view.timeline.length > 0) {
    body.push(heading("What happened"));
    // The first steps say how it began (the invitation, the grant), the last where it stands: a long
    // incident keeps both, and says how many between are in the audit trail.
    const steps = view.timeline;
    const cut = steps.length > FIRST_STEPS + LAST_STEPS;
    const line = (step: { time: number; text: string }) =>
      text(`${time(step.time)}: ${md(step.text)}`, { spacing: "Small" });
    for (const step of cut ? steps.slice(0, FIRST_STEPS) : steps) body.push(line(step));
    if (cut) {
      body.push(
        text(`(${steps.length - FIRST_STEPS - LAST_STEPS} steps between, in the audit trail)`, {
          isSubtle: true,
        }),
      );
      for (const step of steps.slice(-LAST_STEPS)) body.push(line(step));
    }
  }
  if (view.evidence.length > 0) {
    body.push(heading("Evidence"));
    for (const e of view.evidence.slice(0, 8))
      body.push(text(portalLinkText(e.text, e.url), { spacing: "Small" }));
  }
  body.push(heading(view.state === "pending" ? "Planned actions (what each will change)" : "Actions"));
  body.push(
    ...(view.actions.length > 0 ? actionLines(view) : [text("No action proposed.", { isSubtle: true })]),
  );
  body.push(...administratorSteps(view));

  const actions: Element[] = [];
  const planned = view.actions.filter((a) => a.state === "planned");
  if (offers("approve", view.state) && planned.length > 0) {
    actions.push(execute(view, "approve", "Approve", "positive"));
    actions.push({
      type: "Action.ShowCard",
      title: "Approve selected",
      card: {
        type: "AdaptiveCard",
        body: [
          {
            type: "Input.ChoiceSet",
            id: "actions",
            isMultiSelect: true,
            style: "expanded",
            label: "Actions to run",
            isRequired: true,
            errorMessage: "Choose at least one action",
            // A choice's title is plain text: the target is shown as logged, on one line, nothing hidden.
            choices: planned.map((a) => ({ title: `${a.action} on ${plainText(a.target)}`, value: a.id })),
          },
        ],
        actions: [execute(view, "approveSelected", "Approve these", "positive")],
      },
    });
    actions.push({
      type: "Action.ShowCard",
      title: "Deny",
      card: {
        type: "AdaptiveCard",
        body: [
          {
            type: "Input.Text",
            id: "reason",
            label: "Why",
            isMultiline: true,
            isRequired: true,
            errorMessage: "Say why",
            maxLength: 500,
          },
        ],
        actions: [execute(view, "deny", "Deny", "destructive")],
      },
    });
  }
  if (offers("retry", view.state)) actions.push(execute(view, "retry", "Retry"));
  if (offers("undo", view.state)) actions.push(execute(view, "undo", "Undo", "destructive"));
  // The trail is shown in Teams, to the people of the channel, not on an open web page.
  actions.push(execute(view, "history", "Audit trail"));
  return adaptiveCard(body, actions);
}

/** A short card that answers a click: refused, or what happened, always with a reason (plain text, escaped). */
export function noticeCard(title: string, detail: string): Element {
  return adaptiveCard([text(md(title), { weight: "Bolder" }), text(md(detail))]);
}
