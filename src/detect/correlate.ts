import { createHash } from "node:crypto";
import type { DetectConfig } from "./detect-config.js";
import type { Principal } from "./event.js";
import {
  type EvidenceRef,
  type Finding,
  findingId,
  type Grant,
  type RuleId,
  SEVERITY_RANK,
  type Severity,
} from "./finding.js";
import { principalKeys, principalLabel } from "./identity.js";

/** Findings about one attack, grouped: what the SOC decides on, and what one card shows. */
export interface Incident {
  id: string;
  tenantId: string;
  findingIds: string[];
  rules: RuleId[];
  severity: Severity;
  confidence: number;
  firstTime: number;
  lastTime: number;
}

export interface Correlation {
  incidents: Incident[];
  /** subscription-hijack-chain findings made from the incidents; also listed in their incident. */
  chains: Finding[];
  incidentOf: Map<string, string>;
}

/** Steps of attacks 2 and 3 that hand the directory to an outsider. */
const GRANTS_TO_OUTSIDER = new Set<RuleId>([
  "guest-invited",
  "guest-privileged-role",
  "guest-azure-privileged-role",
]);

/**
 * Groups findings that share a principal (subject, or a user acting) or a subscription within the
 * correlation window, then names the takeover chain where an incident holds both an invitation or grant
 * to an outsider and a subscription leaving the directory. Pure and order-independent: the same findings
 * give the same incidents and ids.
 */
export function correlate(
  findings: readonly Finding[],
  config: Pick<DetectConfig, "correlationWindowHours">,
): Correlation {
  const windowMs = config.correlationWindowHours * 3_600_000;
  const sorted = [...findings].sort((a, b) => a.time - b.time || a.id.localeCompare(b.id));
  const parent = sorted.map((_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] as number;
    while (parent[i] !== root) {
      const next = parent[i] as number;
      parent[i] = root;
      i = next;
    }
    return root;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };

  // Findings are in time order, so linking each to the previous one with the same key within the window
  // links every chain of findings no two of which are further apart than the window.
  const lastWithKey = new Map<string, number>();
  sorted.forEach((finding, index) => {
    for (const key of correlationKeys(finding)) {
      const previous = lastWithKey.get(key);
      if (previous !== undefined && finding.time - (sorted[previous] as Finding).time <= windowMs)
        union(previous, index);
      lastWithKey.set(key, index);
    }
  });

  const groups = new Map<number, Finding[]>();
  sorted.forEach((finding, index) => {
    const root = find(index);
    const group = groups.get(root) ?? [];
    group.push(finding);
    groups.set(root, group);
  });

  const incidents: Incident[] = [];
  const chains: Finding[] = [];
  const incidentOf = new Map<string, string>();
  for (const group of groups.values()) {
    const chain = chainOf(group);
    chains.push(...chain);
    const members = [...group, ...chain].sort((a, b) => a.time - b.time || a.id.localeCompare(b.id));
    const first = members[0] as Finding;
    const id = `inc-${createHash("sha256").update(`${first.tenantId}\u0000${group[0]?.id}`).digest("hex").slice(0, 16)}`;
    for (const member of members) incidentOf.set(member.id, id);
    incidents.push({
      id,
      tenantId: first.tenantId,
      findingIds: members.map((m) => m.id),
      rules: [...new Set(members.map((m) => m.rule))],
      severity: members.reduce<Severity>(
        (worst, m) => (SEVERITY_RANK[m.severity] > SEVERITY_RANK[worst] ? m.severity : worst),
        "low",
      ),
      confidence: Math.max(...members.map((m) => m.confidence)),
      firstTime: first.time,
      lastTime: Math.max(...members.map((m) => m.time)),
    });
  }
  incidents.sort((a, b) => a.firstTime - b.firstTime || a.id.localeCompare(b.id));
  return { incidents, chains, incidentOf };
}

export function correlationKeys(finding: Finding): string[] {
  const tenant = finding.tenantId;
  const keys = new Set<string>();
  const subject = finding.subject;
  if (subject.type === "subscription") {
    if (subject.id !== undefined) keys.add(`sub:${subject.id}`);
  } else if (subject.type !== "tenant") {
    for (const key of principalKeys(subject as Principal)) keys.add(key);
  }
  // Applications acting (PIM, automation) would glue unrelated incidents together: only users link.
  if (finding.actor !== undefined && finding.actor.type === "user") {
    for (const key of principalKeys({ ...finding.actor, type: "user" })) keys.add(key);
  }
  for (const id of finding.subscriptionIds) keys.add(`sub:${id}`);
  return [...keys].map((k) => `${tenant}|${k}`);
}

/** The takeover chain: an outsider let in, then a subscription moved out. One chain per move. */
function chainOf(group: readonly Finding[]): Finding[] {
  const grants = group.filter((f) => GRANTS_TO_OUTSIDER.has(f.rule));
  const moves = oneMovePerSubscription(group.filter((f) => f.rule === "subscription-directory-changed"));
  if (grants.length === 0 || moves.length === 0) return [];
  const outsider =
    grants.find((f) => f.rule === "guest-privileged-role" || f.rule === "guest-azure-privileged-role") ??
    (grants[0] as Finding);
  const evidence = new Map<string, EvidenceRef>();
  // Microsoft's alerts stay on the findings they are about (where a later version can take them back):
  // the chain is made of what was logged and observed.
  for (const f of group)
    for (const e of f.evidence)
      if (e.source !== "security-alert" && !evidence.has(e.id)) evidence.set(e.id, e);
  const steps = [...evidence.values()].sort((a, b) => a.time - b.time || a.id.localeCompare(b.id));
  return moves.map((move) => ({
    id: findingId("subscription-hijack-chain", move.id),
    rule: "subscription-hijack-chain",
    severity: "critical",
    confidence: 0.97,
    tenantId: move.tenantId,
    time: move.time,
    subject: outsider.subject,
    ...(move.actor === undefined ? {} : { actor: move.actor }),
    subscriptionIds: [...new Set(group.flatMap((f) => f.subscriptionIds))],
    evidence: steps,
    // What the outsider was given in this incident: what the chain's containment may take back.
    ...(grantsToOutsider(grants, outsider).length === 0
      ? {}
      : { grants: grantsToOutsider(grants, outsider) }),
    summary: `Subscription takeover: ${principalLabel(outsider.subject as Principal)} was let in (${[
      ...new Set(grants.map((g) => g.rule)),
    ].join(", ")}), then ${move.summary.charAt(0).toLowerCase()}${move.summary.slice(1)}`,
  }));
}

/** The privileges the grant findings gave the chain's outsider (the same principal, by id or UPN). */
function grantsToOutsider(grants: readonly Finding[], outsider: Finding): Grant[] {
  const same = (f: Finding) =>
    (outsider.subject.id !== undefined &&
      f.subject.id?.toLowerCase() === outsider.subject.id.toLowerCase()) ||
    (outsider.subject.userPrincipalName !== undefined &&
      f.subject.userPrincipalName?.toLowerCase() === outsider.subject.userPrincipalName.toLowerCase());
  const seen = new Map<string, Grant>();
  for (const g of grants.filter(same).flatMap((f) => f.grants ?? [])) seen.set(JSON.stringify(g), g);
  return [...seen.values()];
}

/**
 * A move logged by Azure and Warden's observation that the subscription is gone are one move: the chain
 * is made from the logged one, which names who moved it. (Were the log read only after the chain was made
 * from the observation, the incident would hold both chains.)
 */
function oneMovePerSubscription(moves: readonly Finding[]): Finding[] {
  const logged = new Set(
    moves.filter((m) => !observedOnly(m)).flatMap((m) => m.subscriptionIds.map((id) => id.toLowerCase())),
  );
  return moves.filter(
    (m) => !observedOnly(m) || !m.subscriptionIds.some((id) => logged.has(id.toLowerCase())),
  );
}

/**
 * A finding whose evidence is only what Warden observed (a departure), never a record Microsoft logged.
 * An alert attached to it is no log of the move: it says nothing of who moved what (and anyone outside
 * can set one off on a resource of the subscription), so it never makes an observed move a logged one.
 */
export function observedOnly(finding: Finding): boolean {
  return finding.evidence.every((e) => e.source === "warden" || e.source === "security-alert");
}
