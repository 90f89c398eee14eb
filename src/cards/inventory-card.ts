import type { InventoryEntry } from "../inventory/collect.js";
import { adaptiveCard } from "./adaptive-card.js";
import { markdownText as md } from "./markdown-text.js";

const PAGE = 8;

/**
 * The `inventory` chat answer: totals, one page of the riskiest external admins first, and a button
 * for the next page (the verb `inventoryPage` with the page number; nothing else is trusted from it).
 */
export function inventoryCard(
  entries: readonly InventoryEntry[],
  page: number,
  /** What could not be read: said under the count, so a short list is not taken for a whole one. */
  gaps: readonly string[] = [],
): Record<string, unknown> {
  const pages = Math.max(1, Math.ceil(entries.length / PAGE));
  const current = Math.min(Math.max(0, page), pages - 1);
  const shown = entries.slice(current * PAGE, current * PAGE + PAGE);
  const flagged = entries.filter(
    (e) => e.risk.riskyUser || e.risk.promotedSoonAfterCreation || e.risk.recentlyCreated,
  ).length;
  const body: Record<string, unknown>[] = [
    {
      type: "TextBlock",
      text: "External accounts holding admin roles",
      size: "Medium",
      weight: "Bolder",
      wrap: true,
    },
    {
      type: "TextBlock",
      text: `${entries.length} in all, ${flagged} flagged, ${entries.filter((e) => e.accountEnabled === false).length} disabled. Page ${current + 1} of ${pages}.`,
      wrap: true,
      isSubtle: true,
    },
    ...gaps.map((gap) => ({ type: "TextBlock", text: `⚠ ${md(gap)}`, wrap: true, color: "Warning" })),
  ];
  for (const e of shown) {
    const flags = [
      e.risk.riskyUser ? "risky user" : "",
      e.risk.promotedSoonAfterCreation ? "promoted soon after creation" : "",
      e.risk.recentlyCreated ? "new" : "",
    ]
      .filter((f) => f !== "")
      .join(", ");
    body.push({
      type: "Container",
      separator: true,
      items: [
        {
          type: "TextBlock",
          text: `**${md(e.userPrincipalName ?? e.id)}**${flags === "" ? "" : ` (${flags})`}`,
          wrap: true,
        },
        {
          type: "TextBlock",
          // Every value here is the tenant's (names, domains, scopes, groups): escaped, one by one.
          text: `${e.homeDomain === null ? "unknown domain" : md(e.homeDomain)} · ${e.accountEnabled === false ? "disabled" : "enabled"}${e.invitedBy === null ? "" : ` · invited by ${md(e.invitedBy)}`}${e.lastSignIn === null ? "" : ` · last sign-in ${md(e.lastSignIn.slice(0, 10))}`} · ${e.roles
            .map(
              (r) =>
                `${md(r.roleName)} @ ${md(r.scope)}${r.assignment === "eligible" ? " (eligible)" : ""}${r.viaGroup === undefined ? "" : ` via ${md(r.viaGroup)}`}`,
            )
            .join("; ")}`,
          wrap: true,
          spacing: "Small",
          isSubtle: true,
        },
      ],
    });
  }
  if (entries.length === 0)
    body.push({ type: "TextBlock", text: "No external account holds an admin role.", wrap: true });
  const actions =
    current + 1 < pages
      ? [{ type: "Action.Execute", verb: "inventoryPage", title: "Next page", data: { page: current + 1 } }]
      : [];
  return adaptiveCard(body, actions);
}
