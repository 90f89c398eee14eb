import type { Finding, FindingActor, FindingSubject, Grant } from "../detect/finding.js";
import { homeAddress } from "../detect/identity.js";
import { AZURE_ROLE_NAMES, ENTRA_ROLE_NAMES } from "../detect/roles.js";

/**
 * The card's one sentence of who did what to whom: "Priya Raman invited it.support@outlook-helpdesk.net,
 * made it Global Administrator and Owner of Contoso Lab 1; it moved Contoso Lab 1 to tenant 6b1c… (not
 * yours)". Built from the findings' structured fields, never by parsing their summaries; accounts are
 * told apart by their ids, never by their names (which an attacker chooses); the card escapes the text.
 */

/** Names Warden knows for ids (tenant and subscriptions), lowercase keys. */
export type Names = ReadonlyMap<string, string>;

/** Letters and digits only, lowercase: "Priya Raman" and "priya.raman" read the same. */
const bare = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");

/**
 * How an account reads on a card. A guest by its home address (its display name is its own choice); an
 * app as an app; a member by its display name when that name is its UPN's in other words ("Priya Raman",
 * priya.raman@…), else by both, so an account someone named after an admin does not pass for them.
 */
export function who(p: FindingActor | FindingSubject | undefined): string {
  if (p === undefined) return "someone";
  const home = homeAddress(p.userPrincipalName);
  const external = home !== undefined || ("external" in p && p.external === true);
  if (p.type === "servicePrincipal") return `app "${p.displayName ?? p.id ?? "unknown"}"`;
  const upn = home ?? p.userPrincipalName;
  const name = p.displayName ?? "";
  if (name === "" || external) return upn ?? (name || p.id || "someone");
  if (upn === undefined) return name;
  const local = upn.slice(0, upn.indexOf("@") < 0 ? undefined : upn.indexOf("@"));
  return bare(local) === bare(name) ? name : `${name} (${upn})`;
}

/** The key an account is known by across findings: its object id, else its UPN. */
const keyOf = (p: FindingActor | FindingSubject | undefined): string | undefined =>
  (p?.id ?? p?.userPrincipalName)?.toLowerCase();

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

/** One thing an actor did: a verb, the account it was done to (by key), and the words after it. */
interface Phrase {
  verb: string;
  object?: { key: string | undefined; label: string };
  rest?: string;
}

/** What one finding says its actor did, or undefined when another phrase says it. */
function phrase(f: Finding, names: Names, home: string): Phrase | undefined {
  const sub = f.subscriptionIds[0];
  const object = { key: keyOf(f.subject), label: who(f.subject) };
  switch (f.rule) {
    case "guest-invited":
      return { verb: "invited", object };
    case "guest-privileged-role":
    case "guest-azure-privileged-role":
      return {
        verb: "made",
        object,
        rest: (f.grants ?? []).map((g) => grantName(g, names)).join(" and ") || "privileged",
      };
    case "subscription-created":
      return { verb: "created", rest: subscriptionName(sub, names) };
    case "subscription-policy-changed":
      return { verb: "opened", rest: "subscription transfers" };
    case "subscription-directory-changed": {
      if (f.actor === undefined)
        return { verb: "lost", rest: `${subscriptionName(sub, names)} from the directory` };
      const to = f.destinationTenantId;
      const where =
        to === undefined
          ? "another directory"
          : `tenant ${to.slice(0, 4)}…${to === home ? "" : " (not yours)"}`;
      return { verb: "moved", rest: `${subscriptionName(sub, names)} to ${where}` };
    }
    case "elevate-access":
      return { verb: "elevated", rest: "to User Access Administrator over every subscription" };
    case "risky-signin-resource-group":
      return { verb: "signed", rest: "in at high risk, then wrote resource groups" };
    case "containment-tampered":
      return { verb: "changed", rest: "Warden's containment" };
    case "subscription-hijack-chain":
      return undefined;
    default:
      return VM_RULES.has(f.rule)
        ? { verb: "created", rest: `VMs in ${subscriptionName(sub, names)}` }
        : undefined;
  }
}

const sameAs = (a: Phrase, b: Phrase): boolean =>
  a.verb === b.verb &&
  a.object?.key === b.object?.key &&
  a.object?.label === b.object?.label &&
  a.rest === b.rest;

/** The sentence: each actor's phrases in the order they acted, repeated phrases once. */
export function storyOf(findings: readonly Finding[], names: Names, tenantId: string): string {
  const groups: { actor: string; actorKey: string | undefined; phrases: Phrase[] }[] = [];
  for (const f of [...findings].sort((a, b) => a.time - b.time)) {
    const said = phrase(f, names, tenantId.toLowerCase());
    if (said === undefined) continue;
    // A subscription seen gone has no actor: what Warden saw is said on its own.
    const actorKey = f.actor === undefined ? "warden" : keyOf(f.actor);
    const last = groups.at(-1);
    const group =
      last !== undefined && last.actorKey === actorKey && actorKey !== undefined
        ? last
        : { actor: f.actor === undefined ? "Warden" : who(f.actor), actorKey, phrases: [] };
    if (group !== last) groups.push(group);
    if (!group.phrases.some((p) => sameAs(p, said))) group.phrases.push(said);
  }
  // A move says transfers were open, and that the subscription left: the policy change and Warden's own
  // sight of the departure stay in the timeline, and the sentence stays short.
  const moved = groups.some((g) => g.phrases.some((p) => p.verb === "moved"));
  if (moved) {
    for (const g of groups) g.phrases = g.phrases.filter((p) => p.verb !== "opened" && p.verb !== "lost");
  }
  const told = groups.filter((g) => g.phrases.length > 0);
  const sentence = told
    .map((g, i) => {
      // An account the sentence just named (by its id), acting next, is "it".
      const named =
        i > 0 &&
        (told[i - 1]?.phrases ?? []).some((p) => p.object?.key !== undefined && p.object.key === g.actorKey);
      return `${named ? "it" : g.actor} ${inWords(mergeGrants(g.phrases))}`;
    })
    .join("; ");
  return sentence === "" ? "See the timeline." : `${sentence}.`;
}

/** "made X Global Administrator", "made X Owner of S" become one: "made X Global Administrator and Owner of S". */
function mergeGrants(phrases: readonly Phrase[]): Phrase[] {
  const out: Phrase[] = [];
  for (const p of phrases) {
    const earlier =
      p.verb === "made" ? out.find((o) => o.verb === "made" && o.object?.key === p.object?.key) : undefined;
    if (earlier !== undefined && p.object?.key !== undefined) earlier.rest = `${earlier.rest} and ${p.rest}`;
    else out.push({ ...p });
  }
  return out;
}

/** The phrases in words: an account named by the phrase before is "it"; two phrases tied by "it" take a comma. */
function inWords(phrases: readonly Phrase[]): string {
  const words = phrases.map((p, i) => {
    const before = phrases[i - 1]?.object?.key;
    const object =
      p.object === undefined
        ? ""
        : before !== undefined && before === p.object.key
          ? " it"
          : ` ${p.object.label}`;
    return `${p.verb}${object}${p.rest === undefined ? "" : ` ${p.rest}`}`;
  });
  if (words.length <= 1) return words.join("");
  if (words.length === 2 && words[1]?.includes(" it ")) return words.join(", ");
  return `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}
