import { approvable, offers } from "../respond/lifecycle.js";
import { adaptiveCard, type Element } from "./adaptive-card.js";
import { text } from "./card-parts.js";
import {
  actionLine,
  administratorSteps,
  evidenceLines,
  subjectFacts,
  timelineLines,
  toggled,
} from "./incident-details.js";
import { clip, ifApproved, incidentHeader, stateLine } from "./incident-header.js";
import type { IncidentView } from "./incident-view.js";
import { markdownText as md, plainText } from "./markdown-text.js";

/** The verbs an incident card's buttons send: the bot acts on these and nothing else. */
export const VERBS = [
  "approve",
  "approveSelected",
  "deny",
  "retry",
  "undo",
  "acknowledge",
  "refresh",
  "history",
] as const;
export type Verb = (typeof VERBS)[number];

/**
 * How much of the hidden sections a card carries. Teams refuses a message over about 28 KB (Microsoft
 * Teams platform docs, "Format your bot messages": message size limit), counted here in UTF-16 as the
 * issue measured it; the card is built with the first of these that keeps it under CARD_BUDGET_BYTES,
 * leaving room for the message around it (summary, mention). What a smaller one leaves out is counted on
 * the card and kept whole in the audit trail.
 */
const DETAIL_LEVELS: readonly DetailLevel[] = [
  { firstSteps: 4, lastSteps: 8, evidence: 8, actions: 12, detail: Number.POSITIVE_INFINITY, choices: 12 },
  { firstSteps: 3, lastSteps: 5, evidence: 5, actions: 10, detail: 160, choices: 10 },
  { firstSteps: 2, lastSteps: 3, evidence: 3, actions: 8, detail: 80, choices: 8 },
  { firstSteps: 2, lastSteps: 1, evidence: 1, actions: 5, detail: 0, choices: 5 },
];
interface DetailLevel {
  firstSteps: number;
  lastSteps: number;
  evidence: number;
  actions: number;
  detail: number;
  /** Actions offered one by one under "Approve selected"; beyond them, Approve runs them all. */
  choices: number;
}
export const CARD_BUDGET_BYTES = 26_000;
/** Targets an undo's confirmation names at most, the rest counted. */
const MAX_UNDO_LINES = 6;

/** The data every button carries: which incident, which version of it the clicker saw. Never what to do. */
function data(view: IncidentView): Element {
  return { incidentId: view.id, version: view.version };
}

function execute(view: IncidentView, verb: Verb, title: string, style?: "positive" | "destructive"): Element {
  return { type: "Action.Execute", verb, title, data: data(view), ...(style === undefined ? {} : { style }) };
}

export interface CardOptions {
  /**
   * Who the card is for: an approver gets the decision buttons, anyone else a read-only card that says
   * who decides. Teams shows the version the bot answers each person's refresh with (Universal Actions).
   */
  audience?: "approver" | "reader";
  /** The approvers' Teams ids (MRIs, at most 60): Teams refreshes the card for them as they open it. */
  refreshFor?: readonly string[];
}

/** The timeline, the first steps and the latest, with how many between are left to the trail. */
function timelineSection(view: IncidentView, level: DetailLevel): Element[] {
  const lines = timelineLines(view);
  const { firstSteps, lastSteps } = level;
  if (lines.length <= firstSteps + lastSteps) return lines;
  return [
    ...lines.slice(0, firstSteps),
    text(`(${lines.length - firstSteps - lastSteps} steps between, in the audit trail)`, { isSubtle: true }),
    // slice(-0) would be every line.
    ...(lastSteps === 0 ? [] : lines.slice(-lastSteps)),
  ];
}

function actionsSection(view: IncidentView, level: DetailLevel): Element[] {
  const lines = view.actions.slice(0, level.actions).map((a) => actionLine(a, view, level.detail));
  if (view.actions.length > level.actions) {
    lines.push(
      text(`${view.actions.length - level.actions} more actions: \`history ${view.id}\` lists them`, {
        isSubtle: true,
      }),
    );
  }
  return lines.length > 0 ? lines : [text("No action proposed.", { isSubtle: true })];
}

/**
 * The incident card, in the version that fits its state and its reader: Approve / Approve selected /
 * Deny while it waits, Retry after a failure a retry can mend, Undo (confirmed, with a reason) once
 * contained. The header says who did what, where, how sure, and what Approve does; the timeline, the
 * evidence and each action sit behind toggles. Adaptive Cards 1.5 with `Action.Execute` and `refresh`,
 * so a click reaches the bot and each approver sees the current card with its buttons.
 */
export function incidentCard(view: IncidentView, options: CardOptions = {}): Element {
  for (const level of DETAIL_LEVELS) {
    const card = cardAt(view, options, level);
    if (utf16Bytes(card) <= CARD_BUDGET_BYTES) return card;
  }
  // Still too large (hundreds of actions, long names): the header, the buttons without the per-action
  // choices, and where the rest is. A card Teams refuses would leave the SOC with no card at all.
  return cardAt(view, options, LAST_RESORT);
}

/** The last resort: nothing behind toggles, no per-action choice. */
const LAST_RESORT = { firstSteps: 0, lastSteps: 0, evidence: 0, actions: 0, detail: 0, choices: 0 } as const;

/** A card's size as the issue measured Teams' limit: UTF-16, two bytes a code unit. */
export const utf16Bytes = (value: unknown): number => JSON.stringify(value).length * 2;

function cardAt(view: IncidentView, options: CardOptions, level: DetailLevel): Element {
  const approver = (options.audience ?? "approver") === "approver";
  const body: Element[] = incidentHeader(view);
  const asked = administratorSteps(view);
  const failedForGood = view.actions.filter((a) => a.state === "failed" && a.retryable === false);
  for (const a of failedForGood.slice(0, 2)) {
    body.push(
      text(`Retry cannot mend ${md(a.action)} on ${md(a.target)}: ${md(clip(a.outcome ?? "", 160))}`, {
        color: "warning",
        spacing: "Small",
      }),
    );
  }
  const sections = [
    toggled("warden-subject", "Who", subjectFacts(view)),
    toggled("warden-timeline", `Timeline (${view.timeline.length})`, timelineSection(view, level)),
    toggled(
      "warden-evidence",
      `Evidence (${view.evidence.length + view.evidenceMore})`,
      evidenceLines(view, level.evidence),
    ),
    toggled("warden-actions", `Actions (${view.actions.length})`, [
      ...(view.waitingBecause !== undefined && view.state === "pending"
        ? [text(`Not contained automatically: ${md(view.waitingBecause)}`, { isSubtle: true })]
        : []),
      ...actionsSection(view, level),
      ...asked,
    ]),
  ];
  if (asked.length > 0) {
    body.push(
      text("A Global Administrator must act: see Actions.", {
        weight: "Bolder",
        color: "warning",
      }),
    );
  }
  body.push({ type: "ActionSet", actions: sections.map((s) => s.button), spacing: "Medium" });
  body.push(...sections.map((s) => s.section));
  if (!approver) {
    body.push(
      text("Only approvers decide.", {
        isSubtle: true,
      }),
    );
  }
  // A reader gets no button: the trail is an approver's to read (every click of a reader would be refused
  // and written in the trail, where a Teams name could pose as a decision).
  const card = adaptiveCard(body, approver ? decisionButtons(view, level) : []);
  return {
    ...card,
    // Read aloud by a screen reader, and what a notification's preview can take from.
    // Speech markup (SSML) and link syntax are the attacker's to write in a name: spoken as words only.
    speak: plainText(`${view.title}. ${stateLine(view)}. ${view.story}`).replace(/[<>[\]()&]/g, " "),
    ...(options.refreshFor === undefined
      ? {}
      : {
          refresh: {
            action: { type: "Action.Execute", verb: "refresh", title: "Refresh", data: data(view) },
            userIds: options.refreshFor.slice(0, 60),
          },
        }),
  };
}

/** Approve says what it does in states past the first decision: late, or once more after an undo. */
const APPROVE_TITLE: Partial<Record<IncidentView["state"], string>> = {
  denied: "Approve now",
  expired: "Approve now",
  reverted: "Contain again",
};

/** The buttons an approver gets, each only in the states the lifecycle lets it act (respond/lifecycle.ts). */
function decisionButtons(view: IncidentView, level: DetailLevel): Element[] {
  const actions: Element[] = [];
  // Planned actions; after an undo, the undone ones, to contain again (respond/lifecycle.ts).
  const planned = view.actions.filter((a) => approvable(view.state, a));
  if (offers("approve", view.state) && planned.length > 0) {
    actions.push(execute(view, "approve", APPROVE_TITLE[view.state] ?? "Approve", "positive"));
    if (level.choices > 0)
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
              wrap: true,
              label: "Actions to run",
              isRequired: true,
              errorMessage: "Choose at least one action",
              // A choice's title is plain text: the target is shown as logged, nothing hidden.
              choices: planned
                .slice(0, level.choices)
                .map((a) => ({ title: `${a.action} on ${plainText(a.target)}`, value: a.id })),
            },
            ...(planned.length > level.choices
              ? [text(`${planned.length - level.choices} more are not listed here: Approve runs them all.`)]
              : []),
          ],
          actions: [execute(view, "approveSelected", "Approve these", "positive")],
        },
      });
    if (offers("deny", view.state))
      actions.push(reasonCard(view, "deny", "Deny", "Deny: nothing will be changed", "Say why"));
  }
  // The same rule as the bot's (card-verbs.ts mendable): only what a retry can mend gets the button.
  const failed = view.actions.filter((a) => a.state === "failed");
  const retryable =
    failed.length === 0 ||
    view.actions.some(
      (a) =>
        a.state === "planned" ||
        a.state === "waiting" ||
        a.state === "running" ||
        (a.state === "failed" && a.retryable !== false),
    );

  if (offers("retry", view.state) && retryable) actions.push(execute(view, "retry", "Retry"));
  if (offers("undo", view.state)) {
    const given = ifApproved(view.actions.filter((a) => a.state === "done"));
    const consequence = [
      ...given.slice(0, MAX_UNDO_LINES).map((line) => `• ${md(line)}`),
      ...(given.length > MAX_UNDO_LINES ? [`• and ${given.length - MAX_UNDO_LINES} more: see Actions`] : []),
    ].join("\n");
    actions.push(
      reasonCard(
        view,
        "undo",
        "Undo",
        `Undo gives back what containment took, which may re-arm an attacker. It reverses:\n${consequence}`,
        "Why undo",
      ),
    );
  }
  if (view.owner === undefined && !["denied", "expired", "merged", "reverted"].includes(view.state)) {
    actions.push(execute(view, "acknowledge", "Take ownership"));
  }
  // The trail is shown in Teams, to the people of the channel, not on an open web page.
  actions.push(execute(view, "history", "Audit trail"));
  return actions;
}

/** A decision that needs a reason (deny, undo): a sub-card that says what it does and asks why. */
function reasonCard(
  view: IncidentView,
  verb: "deny" | "undo",
  title: string,
  warning: string,
  label: string,
): Element {
  return {
    type: "Action.ShowCard",
    title,
    card: {
      type: "AdaptiveCard",
      body: [
        text(warning, { color: verb === "undo" ? "attention" : "default" }),
        {
          type: "Input.Text",
          id: "reason",
          label,
          isMultiline: true,
          isRequired: true,
          errorMessage: "Say why",
          maxLength: 500,
        },
      ],
      actions: [execute(view, verb, verb === "undo" ? "Undo containment" : "Deny", "destructive")],
    },
  };
}

/** A short card that answers a click: refused, or what happened, always with a reason (plain text, escaped). */
export function noticeCard(title: string, detail: string): Element {
  return adaptiveCard([text(md(title), { weight: "Bolder" }), text(md(detail))]);
}
