import { homeAddress } from "../detect/identity.js";
import type { HeldRole, InventoryEntry } from "../inventory/collect.js";
import type { IncidentState } from "../store/incidents-repo.js";
import { adaptiveCard, type Element } from "./adaptive-card.js";
import { heading, text, time } from "./card-parts.js";
import { commandFor, incidentRef, STATE_WORDS } from "./incident-words.js";
import { markdownText as md } from "./markdown-text.js";

const PAGE = 8;
/** Roles listed per account; the rest are counted (`warden inventory` lists every one). */
const ROLES_SHOWN = 6;
/** Below Teams' 28 KB for a whole message, leaving room for the activity around the card. */
const MAX_BYTES = 24 * 1024;

/** An incident not closed whose subject is one of the accounts listed: `open <id>` finds its card. */
export interface HolderIncident {
  id: string;
  state: IncidentState;
}

export interface InventoryCardContext {
  /** When the tenant was read: the card says "as of" it, to the second. */
  asOf?: number;
  /** Account object id (lower case) → the incidents not closed that are about it. */
  incidents?: ReadonlyMap<string, readonly HolderIncident[]>;
}

/**
 * The `inventory` chat answer: totals, one page of the riskiest external admins first, and a button
 * for the next page (the verb `inventoryPage` with the page number; nothing else is trusted from it).
 * Each account is named by its home address (`alice@contoso.com`), never its `#EXT#` UPN, with its kind,
 * home domain and object id; an open incident about it is named so that `open <id>` finds its card.
 */
export function inventoryCard(
  entries: readonly InventoryEntry[],
  page: number,
  /** What could not be read: said under the count, so a short list is not taken for a whole one. */
  gaps: readonly string[] = [],
  context: InventoryCardContext = {},
): Element {
  const pages = Math.max(1, Math.ceil(entries.length / PAGE));
  const current = Math.min(Math.max(0, page), pages - 1);
  const onPage = entries.slice(current * PAGE, current * PAGE + PAGE);
  // However long the tenant's names and however many roles, the card stays under Teams' limit: the
  // accounts that do not fit are counted, with where to read them all.
  for (let shown = onPage.length; ; shown--) {
    const card = cardShowing(entries, onPage, shown, current, pages, gaps, context);
    if (shown === 0 || Buffer.byteLength(JSON.stringify(card)) <= MAX_BYTES) return card;
  }
}

function cardShowing(
  entries: readonly InventoryEntry[],
  onPage: readonly InventoryEntry[],
  shown: number,
  current: number,
  pages: number,
  gaps: readonly string[],
  context: InventoryCardContext,
): Element {
  const flagged = entries.filter(
    (e) => e.risk.riskyUser || e.risk.promotedSoonAfterCreation || e.risk.recentlyCreated,
  ).length;
  const inIncidents = entries.filter((e) => incidentsOf(e, context).length > 0).length;
  const body: Element[] = [
    heading("External accounts holding admin roles"),
    text(
      `${entries.length} in all, ${flagged} flagged, ${entries.filter((e) => e.accountEnabled === false).length} disabled. Page ${current + 1} of ${pages}.${inIncidents === 0 ? "" : ` ${inIncidents} named in an incident not closed.`}`,
      { isSubtle: true, spacing: "None" },
    ),
    ...(context.asOf === undefined
      ? []
      : [
          text(`As of ${time(context.asOf)}, when Warden read the tenant.`, {
            isSubtle: true,
            size: "Small",
          }),
        ]),
    ...gaps.map((gap) => text(`⚠ ${md(gap)}`, { color: "Warning" })),
    ...onPage.slice(0, shown).map((e) => account(e, context)),
  ];
  if (shown < onPage.length)
    body.push(
      text(
        `${onPage.length - shown} more on this page, too long for a Teams card: run \`warden inventory\` to list them all.`,
        { isSubtle: true, separator: true },
      ),
    );
  if (entries.length === 0) body.push(text("No external account holds an admin role."));
  const actions =
    current + 1 < pages
      ? [{ type: "Action.Execute", verb: "inventoryPage", title: "Next page", data: { page: current + 1 } }]
      : [];
  return adaptiveCard(body, actions);
}

const incidentsOf = (e: InventoryEntry, context: InventoryCardContext) =>
  context.incidents?.get(e.id.toLowerCase()) ?? [];

/**
 * The address an admin knows the account by: its home address, taken from the `#EXT#` UPN, else its mail;
 * a clean UPN (an external member's) as it is; never the `#EXT#` form, which is the tenant's own mangling.
 */
function addressOf(e: InventoryEntry): string {
  const upn = e.userPrincipalName ?? undefined;
  const home = homeAddress(upn);
  if (home !== undefined) return home;
  if (e.mail !== null && e.mail !== "") return e.mail;
  if (upn !== undefined && !/#ext#/i.test(upn)) return upn;
  return e.displayName ?? e.id;
}

/** One account: address and kind, its roles, then the facts an admin looks it up by. */
function account(e: InventoryEntry, context: InventoryCardContext): Element {
  const address = addressOf(e);
  const kind = e.userType === "Guest" ? "guest" : "external member";
  const domain = e.homeDomain ?? (address.includes("@") ? address.slice(address.indexOf("@") + 1) : null);
  const flags = [
    e.risk.riskyUser ? "risky user" : "",
    e.risk.promotedSoonAfterCreation ? "promoted soon after creation" : "",
    e.risk.recentlyCreated ? "new" : "",
  ].filter((f) => f !== "");
  const roles = e.roles.slice(0, ROLES_SHOWN).map(roleWords);
  const moreRoles = e.roles.length - roles.length;
  // Every value here is the tenant's (names, domains, scopes, groups): escaped, one by one.
  const about = [
    e.accountEnabled === false ? "disabled" : "enabled",
    e.displayName === null || e.displayName === address ? "" : `named ${md(e.displayName)}`,
    e.invitedBy === null ? "" : `invited by ${md(e.invitedBy)}`,
    e.lastSignIn === null ? "" : `last sign-in ${md(e.lastSignIn.slice(0, 10))}`,
    `object id ${md(e.id)}`,
  ].filter((part) => part !== "");
  return {
    type: "Container",
    separator: true,
    items: [
      text(
        `**${md(address)}**, ${kind} from ${domain === null ? "an unknown domain" : md(domain)}${flags.length === 0 ? "" : ` (${flags.join(", ")})`}`,
      ),
      ...incidentsOf(e, context).map((i) =>
        text(
          `Incident ${incidentRef(i.id)} about this account is ${STATE_WORDS[i.state] ?? md(String(i.state))}: ${commandFor("open", i.id)} shows its card.`,
          { color: "Attention", spacing: "Small" },
        ),
      ),
      text(
        `${roles.join("; ")}${moreRoles > 0 ? `; and ${moreRoles} more (\`warden inventory\` lists them)` : ""}`,
        { spacing: "Small" },
      ),
      text(about.join(" · "), { spacing: "Small", isSubtle: true, size: "Small" }),
    ],
  };
}

/** "Global Administrator, tenant-wide", "Owner of subscription 0f3c…, eligible, via group Tier 0". */
function roleWords(r: HeldRole): string {
  return `${md(r.roleName)} ${scopeWords(r)}${r.assignment === "eligible" ? ", eligible" : ""}${r.viaGroup === undefined ? "" : `, via group ${md(r.viaGroup)}`}`;
}

function scopeWords(r: HeldRole): string {
  if (r.scope === "/") return r.kind === "entra" ? "tenant-wide" : "at the root (every subscription)";
  const unit = /^\/administrativeUnits\/([^/]+)$/i.exec(r.scope);
  if (unit !== null) return `in administrative unit ${md(unit[1] ?? "")}`;
  const group = /^\/providers\/Microsoft\.Management\/managementGroups\/([^/]+)$/i.exec(r.scope);
  if (group !== null) return `on management group ${md(group[1] ?? "")}`;
  const sub = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?$/i.exec(r.scope);
  if (sub?.[2] !== undefined) return `on resource group ${md(sub[2])} of subscription ${md(sub[1] ?? "")}`;
  if (sub !== null) return `on subscription ${md(sub[1] ?? "")}`;
  return `at ${md(r.scope)}`;
}
