import type { Finding, FindingActor, FindingSubject, Grant } from "../detect/finding.js";
import { homeAddress } from "../detect/identity.js";
import { AZURE_ROLE_NAMES, ENTRA_ROLE_NAMES } from "../detect/roles.js";

/**
 * The card's one sentence of who did what to whom: "Priya Raman invited it.support@outlook-helpdesk.net,
 * made it Global Administrator and Owner of Contoso Lab 1; it.support@outlook-helpdesk.net opened
 * subscription transfers and moved Contoso Lab 1 to tenant 6b1c2f4e… (not yours)". Built from the
 * findings' structured fields, never by parsing their summaries; names are as logged (the card escapes).
 */

/** Names Warden knows for ids (tenant and subscriptions), lowercase keys. */
export type Names = ReadonlyMap<string, string>;

/** How a person or account reads on a card: display name, else a guest's home address, else the UPN or id. */
export function who(p: FindingActor | FindingSubject | undefined): string {
  if (p === undefined) return "someone";
  // A guest reads by its home address: its display name is whatever it chose at sign-up.
  const home = homeAddress(p.userPrincipalName);
  const external = home !== undefined || ("external" in p && p.external === true);
  if (p.displayName !== undefined && p.displayName !== "" && !external) return p.displayName;
  return home ?? p.userPrincipalName ?? p.displayName ?? p.id ?? "someone";
}

/** A subscription by its name where known, else its id shortened: the facts give the whole id. */
export function subscriptionName(id: string | undefined, names: Names): string {
  if (id === undefined) return "a subscription";
  return names.get(id.toLowerCase()) ?? `subscription ${id.slice(0, 8)}…`;
}

function grantName(g: Grant, names: Names): string {
  if (g.kind === "directory-role") return ENTRA_ROLE_NAMES[g.roleTemplateId] ?? "a privileged Entra role";
  const role = AZURE_ROLE_NAMES[g.roleDefinitionId.toLowerCase()] ?? "a privileged Azure role";
  const sub = /^\/subscriptions\/([0-9a-f-]{36})/i.exec(g.scope)?.[1];
  return sub === undefined ? `${role} at ${g.scope}` : `${role} of ${subscriptionName(sub, names)}`;
}

const VM_RULES = new Set(["external-vm-created", "guest-vm-burst", "risky-ip-vm-created"]);

/** What one finding says its actor did, as a verb phrase, or undefined when a phrase before says it. */
function phrase(f: Finding, names: Names, home: string): string | undefined {
  const sub = f.subscriptionIds[0];
  switch (f.rule) {
    case "guest-invited":
      return `invited ${who(f.subject)}`;
    case "guest-privileged-role":
    case "guest-azure-privileged-role":
      return `made ${who(f.subject)} ${(f.grants ?? []).map((g) => grantName(g, names)).join(" and ") || "privileged"}`;
    case "subscription-created":
      return `created ${subscriptionName(sub, names)}`;
    case "subscription-policy-changed":
      return "opened subscription transfers";
    case "subscription-directory-changed": {
      if (f.actor === undefined) return `lost ${subscriptionName(sub, names)} from the directory`;
      const to = f.destinationTenantId;
      const where =
        to === undefined
          ? "another directory"
          : `tenant ${to.slice(0, 4)}…${to === home ? "" : " (not yours)"}`;
      return `moved ${subscriptionName(sub, names)} to ${where}`;
    }
    case "elevate-access":
      return "elevated to User Access Administrator over every subscription";
    case "risky-signin-resource-group":
      return "signed in at high risk, then wrote resource groups";
    case "containment-tampered":
      return "changed Warden's containment";
    case "subscription-hijack-chain":
      return undefined;
    default:
      return VM_RULES.has(f.rule) ? `created VMs in ${subscriptionName(sub, names)}` : undefined;
  }
}

/** The sentence: each actor's phrases in the order they acted, repeated phrases once. */
export function storyOf(findings: readonly Finding[], names: Names, tenantId: string): string {
  const groups: { actor: string; phrases: string[] }[] = [];
  const byTime = [...findings].sort((a, b) => a.time - b.time);
  for (const f of byTime) {
    const said = phrase(f, names, tenantId.toLowerCase());
    if (said === undefined) continue;
    // A subscription seen gone has no actor: it is said on its own, as what Warden saw.
    const actor = f.actor === undefined ? "Warden" : who(f.actor);
    const last = groups.at(-1);
    const group = last?.actor === actor ? last : { actor, phrases: [] };
    if (group !== last) groups.push(group);
    if (!group.phrases.includes(said)) group.phrases.push(said);
  }
  // A move says transfers were open, and that the subscription left: the policy change and Warden's own
  // sight of the departure stay in the timeline, and the sentence stays short.
  const moved = groups.some((g) => g.phrases.some((p) => p.startsWith("moved ")));
  for (const g of groups)
    if (g.phrases.some((p) => p.startsWith("moved ")))
      g.phrases = g.phrases.filter((p) => p !== "opened subscription transfers");
  const told = moved
    ? groups.filter((g) => !(g.actor === "Warden" && g.phrases.every((p) => p.startsWith("lost "))))
    : groups;
  groups.splice(0, groups.length, ...told);
  const sentence = groups
    .map((g, i) => {
      // The subject named once: "invited X, made X Global Administrator" reads "made it Global...".
      const merged = mergeGrants(g.phrases);
      const phrases = merged.map((p, j) => (j === 0 ? p : pronounAfter(merged[j - 1] ?? "", p)));
      // An account the sentence just named, acting next, is "it".
      const named = i > 0 && (groups[i - 1]?.phrases ?? []).some((p) => p.includes(` ${g.actor}`));
      return `${named ? "it" : g.actor} ${listInWords(phrases)}`;
    })
    .join("; ");
  return sentence === "" ? "See the timeline." : `${sentence}.`;
}

/** "made X Owner" after a phrase that named X becomes "made it Owner". */
function pronounAfter(before: string, p: string): string {
  const named = /(?:invited|made) (\S+)/.exec(before)?.[1];
  return named !== undefined && p.startsWith(`made ${named} `) ? `made it ${p.slice(6 + named.length)}` : p;
}

/** "made X Global Administrator", "made X Owner of S" become "made X Global Administrator and Owner of S". */
function mergeGrants(phrases: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of phrases) {
    const who = /^made (\S+) /.exec(p)?.[1];
    const at = who === undefined ? -1 : out.findIndex((o) => o.startsWith(`made ${who} `));
    if (who !== undefined && at >= 0) out[at] = `${out[at]} and ${p.slice(`made ${who} `.length)}`;
    else out.push(p);
  }
  return out;
}

function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  // "invited X, made it Owner": the pronoun already ties the two.
  if (items.length === 2 && items[1]?.startsWith("made it ")) return items.join(", ");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
