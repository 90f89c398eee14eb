import { homeAddress } from "../detect/identity.js";
import type { IncidentState } from "../store/incidents-repo.js";
import { clock, time } from "./card-parts.js";
import { markdownText as md } from "./markdown-text.js";

/**
 * An incident's state and audit trail in sentences, for the chat answers (`open`, `history`) and the audit
 * card: an analyst reads "07:46:12 UTC: SOC Lead approved 4 actions", not `approved → approved`. Every
 * string from a record, a click or the tenant (names, reasons, targets, outcomes) goes through `md`; the
 * words around them are Warden's own.
 */

/** Each state as a phrase that completes "The incident is …". */
export const STATE_WORDS: Readonly<Record<IncidentState, string>> = {
  open: "new, its containment being planned",
  pending: "waiting for a decision",
  approved: "approved, containment starting",
  executing: "being contained",
  contained: "contained",
  partial: "partly contained",
  failed: "not contained: containment failed",
  denied: "denied: nothing was changed",
  expired: "expired: nobody decided in time, nothing was changed",
  "auto-contained": "contained automatically",
  reverted: "reverted: its containment was undone",
  merged: "merged into another incident",
};

/**
 * States that still ask something of someone: a decision, a run to finish, a failure to retry. The others
 * are closed (contained, denied, expired, undone, merged): nothing waits on them.
 */
export const NOT_CLOSED: readonly IncidentState[] = [
  "open",
  "pending",
  "approved",
  "executing",
  "partial",
  "failed",
];

/** An audit row as the store returns it (incidents-repo's `auditTrail`). */
export interface TrailEntry {
  at: number;
  action: string;
  actorId?: string;
  actorName?: string;
  toState?: string;
  detail?: Record<string, unknown>;
}

/** What each containment action does, as the middle of a sentence ("disabling the account of …"). */
const ACTION_WORDS: Readonly<Record<string, string>> = {
  "disable-account": "disabling the account",
  "revoke-sessions": "revoking the sign-in sessions",
  "remove-directory-role": "removing Entra roles",
  "remove-azure-role": "removing Azure roles",
  "require-mfa": "requiring MFA",
  "block-sign-in": "blocking sign-in",
  "block-subscription-transfer": "blocking subscription transfers",
};

/** How an action's run ended, after its `action-<state>` audit row. */
const RUN_WORDS: Readonly<Record<string, string>> = {
  done: "done",
  skipped: "skipped",
  running: "running",
  waiting: "failed for now, to be retried",
  failed: "failed",
  "awaiting-admin": "waiting for a Global Administrator",
};

/** A first of two approvals, by its verb: "SOC Lead approved 4 actions, the first of two". */
const FIRST_WORDS: Readonly<Record<string, string>> = {
  approve: "approved",
  deny: "denied",
  retry: "approved a retry",
  undo: "approved an undo",
};

/** A click refused, by its verb: "SOC Analyst's approval was refused: …". */
const CLICK_WORDS: Readonly<Record<string, string>> = {
  approve: "approval",
  approveSelected: "approval of some actions",
  deny: "denial",
  retry: "retry",
  undo: "undo",
  refresh: "refresh",
  history: "request for the history",
};

/**
 * Every audit action Warden writes (the store's `incident_audit.action`), each with its sentence. A test
 * reads the code for the actions it writes and fails on one missing here.
 */
export const AUDIT_ACTIONS = [
  "created",
  "grown",
  "merged",
  "merged-into",
  "alerts-attached",
  "awaiting-approval",
  "grew",
  "auto-contain",
  "first-approval",
  "approved",
  "denied",
  "undo-requested",
  "executing",
  ...Object.keys(RUN_WORDS).map((state) => `action-${state}`),
  "action-undone",
  "dry-run",
  "containment-finished",
  "expired",
  "reverted",
  "refused",
  "acknowledged",
  "notified",
] as const;

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const num = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** A guest's `#EXT#` UPN anywhere in Warden's own sentences (reasons, outcomes): bounded by spaces, quotes, brackets. */
const EXT_UPN = /[^\s"'()<>,;]+#EXT#@[^\s"'()<>,;]+/gi;

/**
 * Recorded text (a reason, an outcome, a target) for reading: each guest's `#EXT#` UPN said as its home
 * address, as the inventory and the cards say it, then escaped like any data.
 */
const say = (value: string): string => md(value.replace(EXT_UPN, (upn) => homeAddress(upn) ?? upn));

/** `: reason`, escaped, or nothing. */
const colon = (value: unknown) => (str(value) === undefined || value === "" ? "" : `: ${say(String(value))}`);

/** The action a row is about: its detail's `action`, or the kind inside its id (`<incident>:<action>:<target>`). */
function actionOf(detail: Record<string, unknown>): string {
  const named = str(detail["action"]) ?? str(detail["actionId"])?.split(":")[1] ?? "";
  return ACTION_WORDS[named] ?? (named === "" ? "an action" : md(named));
}

/**
 * `disabling the account (alice@contoso.com)`: the target is the tenant's label (a UPN), escaped, and a
 * guest's `#EXT#` UPN is said as its home address, as everywhere else in the chat.
 */
function actionOn(detail: Record<string, unknown>): string {
  const target = str(detail["target"]);
  if (target === undefined || target === "") return actionOf(detail);
  return `${actionOf(detail)} (${say(target)})`;
}

/** The outcome Warden recorded, without a first word that only repeats the state ("skipped: …"). */
function outcomeAfter(state: string, detail: Record<string, unknown>): string {
  const outcome = str(detail["outcome"]);
  if (outcome === undefined || outcome === "") return "";
  const rest = outcome.startsWith(`${state}: `) ? outcome.slice(state.length + 2) : outcome;
  return rest === "" || rest === state ? "" : `: ${say(rest)}`;
}

/** One audit row as a sentence, without its time. */
export function auditSentence(e: TrailEntry): string {
  const d = e.detail ?? {};
  const who = e.actorName === undefined || e.actorName === "" ? undefined : md(e.actorName);
  // A person decided when the row names their object id; "automatic containment", "expiry" and
  // "administrator steps" are Warden's own parts, named as such.
  const person = e.actorId !== undefined && who !== undefined ? who : undefined;
  const by = who === undefined ? "" : ` (${who})`;
  const state = (s: unknown) => STATE_WORDS[s as IncidentState] ?? md(String(s ?? "unknown"));
  const actions = (n: number) => plural(n, "action");
  if (e.action.startsWith("action-") && RUN_WORDS[e.action.slice(7)] !== undefined) {
    const run = e.action.slice(7);
    const hand = d["by"] === "an administrator" && who !== undefined ? `, by hand by ${who}` : "";
    return `${actionOn(d)}: ${RUN_WORDS[run]}${hand}${outcomeAfter(run, d)}`;
  }
  switch (e.action) {
    case "created":
      return `Warden opened the incident on ${plural(list(d["findings"]).length, "finding")}`;
    case "grown":
      return `the incident grew: ${plural(list(d["added"]).length, "new finding")}`;
    case "merged": {
      const merged = list(d["merged"]).map((id) => incidentRef(String(id)));
      return `the incident grew: ${plural(list(d["added"]).length, "new finding")}${merged.length === 0 ? "" : `, and ${merged.join(", ")} merged into it`}`;
    }
    case "merged-into":
      return `merged into incident ${incidentRef(String(d["into"] ?? "unknown"))}, which goes on from here`;
    case "alerts-attached": {
      const confidence = num(d["confidence"]);
      return `Microsoft alerts were attached (${list(d["alerts"]).length})${confidence === undefined ? "" : `; confidence now ${Math.round(confidence * 100)}%`}`;
    }
    case "awaiting-approval":
      return `waiting for approval of ${actions(list(d["actions"]).length)}${colon(d["reason"])}`;
    case "grew":
      return `the incident grew after a decision; waiting for approval of ${actions(list(d["actions"]).length)}${colon(d["reason"])}`;
    case "auto-contain":
      return `automatic containment started on ${actions(list(d["actions"]).length)}${str(d["asked"]) === undefined ? "" : `; asked of a person: ${say(String(d["asked"]))}`}`;
    case "first-approval": {
      const verb = FIRST_WORDS[String(d["verb"])] ?? md(String(d["verb"] ?? "decided"));
      const n = list(d["actions"]).length;
      return `${who ?? "someone"} ${verb}${n === 0 ? "" : ` ${actions(n)}`}, the first of two approvals: a second approver must agree`;
    }
    case "approved":
      return d["retry"] === true
        ? `${who ?? "someone"} approved a retry`
        : `${who ?? "someone"} approved ${actions(list(d["actions"]).length)}`;
    case "denied":
      return `${who ?? "someone"} denied${colon(d["reason"])}`;
    case "undo-requested":
      return `${who ?? "someone"} asked to undo the containment${colon(d["reason"])}`;
    case "acknowledged":
      return `${who ?? "someone"} took the incident on`;
    case "notified":
      return `the incident channel was told${str(d["severity"]) === undefined ? "" : `, at ${md(String(d["severity"]))} severity`}`;
    case "executing":
      return `containment started${person === undefined ? "" : `, as ${person} approved`}`;
    case "action-undone":
      return d["by"] === "an administrator"
        ? `${actionOn(d)}: undone by hand${who === undefined ? "" : ` by ${who}`}${outcomeAfter("undone", d)}`
        : `${actionOn(d)}: undone${colon(d["restored"])}`;
    case "dry-run":
      return `dry run: nothing was changed (${actions(list(d["would"]).length)} would have run)`;
    case "containment-finished":
      return `containment finished: ${state(e.toState)} (${finishedCounts(d)})`;
    case "expired":
      return `expired: nobody decided within ${num(d["afterHours"]) ?? "the allowed"} hours; nothing was changed`;
    case "reverted":
      return person === undefined ? `the containment was undone${by}` : `${person} undid the containment`;
    case "refused": {
      const click = CLICK_WORDS[String(d["verb"])] ?? "click";
      // Warden's words first, the clicker's Teams name quoted after: a name must not read as a decision.
      return `refused: ${click}${who === undefined ? "" : ` by "${who}"`}${colon(d["reason"])}${outcomeAfter("refused", d)}`;
    }
    default:
      // An action this list does not know yet (AUDIT_ACTIONS' test names it): said as recorded.
      return `${md(e.action)}${by}${e.toState === undefined ? "" : `, now ${state(e.toState)}`}${colon(d["reason"])}${outcomeAfter("", d)}`;
  }
}

function finishedCounts(d: Record<string, unknown>): string {
  const parts = [
    `${num(d["done"]) ?? 0} done`,
    `${num(d["failed"]) ?? 0} failed`,
    `${num(d["skipped"]) ?? 0} skipped`,
  ];
  const notEnforced = num(d["notEnforced"]);
  const awaiting = num(d["awaitingAdministrator"]);
  if (notEnforced !== undefined) parts.push(`${notEnforced} not enforced`);
  if (awaiting !== undefined) parts.push(`${awaiting} waiting for a Global Administrator`);
  return parts.join(", ");
}

/**
 * The trail as lines "07:46:12 UTC: SOC Lead approved 4 actions", oldest first; the date is said on the
 * first line and whenever it changes, so a trail over several days is never misread.
 */
export function auditLines(trail: readonly TrailEntry[]): string[] {
  let day = "";
  return trail.map((e) => {
    const date = new Date(e.at).toISOString().slice(0, 10);
    const when = date === day ? `${clock(e.at)} UTC` : time(e.at);
    day = date;
    return `${when}: ${auditSentence(e)}`;
  });
}

/** Warden's incident ids (`inc-` and hex): safe in a code span, where escapes would show as typed. */
const INCIDENT_ID = /^inc-[0-9a-z-]{1,64}$/;

/**
 * A chat command about an incident, to be typed as shown: `open inc-…` in a code span when the id is one
 * of Warden's; any other id (a stored row is not trusted to hold one) escaped as text instead.
 */
export const commandFor = (command: string, id: string): string =>
  INCIDENT_ID.test(id) ? `\`${command} ${id}\`` : `${command} ${md(id)}`;

/** An incident's id for reading: in a code span when it is one of Warden's, so it is copied whole. */
export const incidentRef = (id: string): string => (INCIDENT_ID.test(id) ? `\`${id}\`` : md(id));
