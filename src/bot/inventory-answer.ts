import type { Element } from "../cards/adaptive-card.js";
import { NOT_CLOSED } from "../cards/incident-words.js";
import { type HolderIncident, inventoryCard } from "../cards/inventory-card.js";
import type { FindingSubject } from "../detect/finding.js";
import { principalKeys } from "../detect/identity.js";
import type { Inventory, InventoryEntry } from "../inventory/collect.js";
import type { Queryable } from "../store/database.js";
import { findingsByIds } from "../store/findings-repo.js";
import { listIncidents } from "../store/incidents-repo.js";

/**
 * When each inventory was read, by the object the read gave: the bot keeps one read for a few minutes for
 * paging, and every page must say the time of that read, not of the click. The first sight of a read is
 * when its promise resolved (whoever asked was awaiting it), so that is its time to the second.
 */
const readTimes = new WeakMap<Inventory, number>();

export function inventoryReadAt(inventory: Inventory, now: () => number = Date.now): number {
  const seen = readTimes.get(inventory);
  if (seen !== undefined) return seen;
  const at = now();
  readTimes.set(inventory, at);
  return at;
}

/**
 * The incidents not closed about each listed account (by object id, lower case). Findings name their
 * subject by object id, UPN or invited address depending on the log (identity.ts's principal keys), so an
 * account matches on any of them: an invitation seen by address and a role grant seen by id are one guest.
 */
export async function incidentsAbout(
  db: Queryable,
  tenantId: string,
  entries: readonly InventoryEntry[],
): Promise<Map<string, HolderIncident[]>> {
  const live = (await listIncidents(db, tenantId)).filter((i) => NOT_CLOSED.includes(i.state));
  const stored = await findingsByIds(
    db,
    live.flatMap((i) => i.findingIds),
  );
  const subjects = new Map(stored.map((f) => [f.id, f.subject]));
  const byKey = new Map<string, HolderIncident[]>();
  for (const incident of live) {
    const keys = new Set(incident.findingIds.flatMap((id) => subjectKeys(subjects.get(id))));
    for (const key of keys)
      byKey.set(key, [...(byKey.get(key) ?? []), { id: incident.id, state: incident.state }]);
  }
  const about = new Map<string, HolderIncident[]>();
  for (const e of entries) {
    const keys = principalKeys({
      type: "user",
      id: e.id,
      ...(e.userPrincipalName === null ? {} : { userPrincipalName: e.userPrincipalName }),
      ...(e.mail === null ? {} : { mail: e.mail }),
    });
    const found = new Map(keys.flatMap((k) => byKey.get(k) ?? []).map((i) => [i.id, i]));
    if (found.size > 0) about.set(e.id.toLowerCase(), [...found.values()]);
  }
  return about;
}

/** The keys a finding's subject is known by, when it is a principal (not a subscription or the tenant). */
function subjectKeys(subject: FindingSubject | undefined): string[] {
  if (subject === undefined || subject.type === "subscription" || subject.type === "tenant") return [];
  const keys = principalKeys({
    type: subject.type,
    ...(subject.id === undefined ? {} : { id: subject.id }),
    ...(subject.userPrincipalName === undefined ? {} : { userPrincipalName: subject.userPrincipalName }),
  });
  // An invitation names the guest by the address it was invited with: its home address.
  const upn = subject.userPrincipalName?.toLowerCase();
  return subject.external === true && upn?.includes("@") === true && !upn.includes("#")
    ? [...keys, `mail:${upn}`]
    : keys;
}

/** The inventory card for a page: the read's time, and the open incidents about the accounts listed. */
export async function inventoryAnswer(
  db: Queryable,
  tenantId: string,
  inventory: Inventory,
  page: number,
  now: () => number = Date.now,
): Promise<Element> {
  const asOf = inventoryReadAt(inventory, now);
  const incidents = await incidentsAbout(db, tenantId, inventory.entries);
  return inventoryCard(inventory.entries, page, inventory.gaps, { asOf, incidents });
}
