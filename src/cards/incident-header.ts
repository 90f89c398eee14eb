import { approvable } from "../respond/lifecycle.js";
import type { Element } from "./adaptive-card.js";
import { clock, facts, heading, text, time } from "./card-parts.js";
import type { IncidentView } from "./incident-view.js";
import { markdownText as md, portalLinkText } from "./markdown-text.js";

/**
 * The top of the incident card: what an analyst woken at 3 a.m. reads before deciding, on one phone
 * screen. The title and state, one sentence of who did what to whom, where (tenant, subscriptions),
 * how sure and why, what Approve will do, and what it will not. Everything else sits behind toggles.
 */

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
  reverted: "Undone: containment reverted",
  merged: "Merged into another incident",
};

/** The state in words; a partial incident that waits for a person says so. */
export function stateLine(view: IncidentView): string {
  if (view.state !== "partial" || !view.actions.some((a) => a.state === "awaiting-admin"))
    return STATE_LINE[view.state];
  return view.actions.some((a) => a.state === "done")
    ? "Partly contained: waiting for a Global Administrator"
    : "Waiting for a Global Administrator";
}

/** "Contoso Lab (8f2c6a1e-…)": the name where Warden knows it, the id always (it is what the portal takes). */
const named = (id: string, name: string | undefined) => (name === undefined ? id : `${name} (${id})`);

/** The facts that say where and how sure: tenant, subscriptions, confidence and its first reason, owner. */
function whereAndHowSure(view: IncidentView): Element {
  const sign = view.signIn;
  return facts([
    ["Tenant", named(view.tenant.id, view.tenant.name)],
    [
      view.subscriptions.length > 1 ? "Subscriptions" : "Subscription",
      [
        ...view.subscriptions.slice(0, MAX_SUBSCRIPTIONS).map((s) => named(s.id, s.name)),
        ...(view.subscriptions.length > MAX_SUBSCRIPTIONS
          ? [`and ${view.subscriptions.length - MAX_SUBSCRIPTIONS} more (see Who)`]
          : []),
      ].join("; "),
    ],
    [
      "Confidence",
      `${Math.round(view.confidence * 100)}%${view.confidenceReasons[0] === undefined ? "" : `: ${view.confidenceReasons[0]}`}`,
    ],
    [
      "Sign-in",
      sign === undefined
        ? undefined
        : [
            sign.ipAddress === undefined
              ? undefined
              : `${sign.ipAddress}${sign.country === undefined ? "" : ` (${sign.country})`}`,
            sign.riskLevel === undefined ? undefined : `risk ${sign.riskLevel}`,
            sign.detections.slice(0, 2).join(", ") || undefined,
          ]
            .filter((p) => p !== undefined)
            .join(", "),
    ],
    ["Owner", view.owner === undefined ? undefined : `${view.owner.name} since ${clock(view.owner.at)} UTC`],
  ]);
}

/** Short words per action, so that each target takes one line: "it.support@…: disable, remove Owner". */
function shortVerb(a: IncidentView["actions"][number]): string {
  const changes = a.changes.join(" ");
  switch (a.action) {
    case "disable-account":
      return "disable";
    case "revoke-sessions":
      return "end sessions";
    case "require-mfa":
      return "require MFA";
    case "block-sign-in":
      return "block sign-in";
    case "block-subscription-transfer":
      return "Block subscription transfers";
    case "remove-directory-role":
      return `remove ${/ from (.+?) \(/.exec(changes)?.[1] ?? "Entra roles"}`;
    case "remove-azure-role":
      return `remove ${/'s (.+?) assignment/.exec(changes)?.[1] ?? "Azure roles"}`;
    default:
      return a.action;
  }
}

/** One line per target: what Approve does to it, in a few words. */
export function ifApproved(actions: IncidentView["actions"]): string[] {
  const byTarget = new Map<string, string[]>();
  for (const a of actions) {
    const verbs = byTarget.get(a.target) ?? [];
    const verb = shortVerb(a);
    if (!verbs.includes(verb)) verbs.push(verb);
    byTarget.set(a.target, verbs);
  }
  return [...byTarget].map(([target, all]) => {
    const removals = all.filter((v) => v.startsWith("remove "));
    const verbs = [
      ...all.filter((v) => !v.startsWith("remove ")),
      ...(removals.length === 0 ? [] : [`remove ${removals.map((v) => v.slice(7)).join(" and ")}`]),
    ];
    return target === "the tenant" ? verbs.join(", ") : `${target}: ${verbs.join(", ")}`;
  });
}

// "•", not "- ": a markdown list is what a name in a log must never start, and the tests hold all text to that.
const bullet = (line: string): Element => text(`• ${line}`, { spacing: "None" });

/** "12-08 04:34 UTC": an expiry is hours away, its year and seconds tell nothing. */
const shortTime = (t: number): string => `${new Date(t).toISOString().slice(5, 16).replace("T", " ")} UTC`;

/** Decision lines, subscriptions and story characters shown at most: the header fits whatever happened. */
const MAX_DECISIONS = 3;
const MAX_SUBSCRIPTIONS = 3;
const MAX_STORY = 320;

/** Text cut to `max` code points, with an ellipsis when cut. */
export const clip = (value: string, max: number): string =>
  [...value].length > max ? `${[...value].slice(0, max - 1).join("")}…` : value;

/** Bullets shown at most per list: the header fits one phone screen whatever the incident. */
const MAX_BULLETS = 3;

/** At most `max` bullets, the rest counted on one more line. */
function capped(lines: readonly string[], max: number, rest: string): Element[] {
  const shown = lines.length > max ? lines.slice(0, max - 1) : lines;
  return [
    ...shown.map(bullet),
    ...(shown.length < lines.length ? [bullet(`${lines.length - shown.length} ${rest}`)] : []),
  ];
}

/** The header: read in ten seconds, at most about 700 characters for any incident of the demo. */
export function incidentHeader(view: IncidentView): Element[] {
  const body: Element[] = [
    {
      type: "Container",
      style: view.severity === "critical" || view.severity === "high" ? "attention" : "emphasis",
      items: [
        text(md(view.title), { size: "Medium", weight: "Bolder", style: "heading" }),
        // The id `history` and `open` take, so the card and the chat meet; the expiry where one runs.
        text(
          `**${view.severity.toUpperCase()}** · ${stateLine(view)}${view.expiresAt === undefined ? "" : ` until ${shortTime(view.expiresAt)}`} · ${md(view.id)}`,
          {
            color: SEVERITY_COLOR[view.severity] ?? "default",
            spacing: "Small",
          },
        ),
        text(md(clip(view.story, MAX_STORY)), { spacing: "Small" }),
      ],
    },
    whereAndHowSure(view),
  ];
  // The latest decisions, each approver line kept; a long history (undo, contain again, undo...) is
  // counted, and whole in the trail: the card stays one card whatever happened to the incident.
  const earlier = view.decisions.length - MAX_DECISIONS;
  if (earlier > 0)
    body.push(
      text(`${earlier} earlier decisions: \`history ${md(view.id)}\``, { isSubtle: true, spacing: "Small" }),
    );
  for (const d of view.decisions.slice(-MAX_DECISIONS)) {
    body.push(
      text(
        `${d.verb} by ${md(d.by)}, ${time(d.at)}${d.reason === undefined ? "" : `: ${md(clip(d.reason, 200))}`}`,
        {
          weight: "Bolder",
          spacing: "Small",
        },
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
        color: "warning",
      }),
    );
  }
  const planned = view.actions.filter((a) => approvable(view.state, a));
  const late = {
    denied: "If you approve now",
    expired: "If you approve now",
    reverted: "If you contain again",
  };
  const asks = view.state === "pending" ? "If you approve" : late[view.state as keyof typeof late];
  if (asks !== undefined && planned.length > 0) {
    // Approving late is checked against the tenant as it is then: each action plans again as it runs.
    body.push(heading(asks));
    body.push(...capped(ifApproved(planned).map(md), MAX_BULLETS, "more targets: see Actions"));
  }
  if (view.notDone.length > 0 && !["denied", "expired", "merged", "reverted"].includes(view.state)) {
    body.push(heading("Not done by Warden"));
    body.push(
      ...capped(
        view.notDone.map((n) => portalLinkText(n.text, n.url)),
        MAX_BULLETS - 1,
        "more: see the timeline",
      ),
    );
  }
  return body;
}
