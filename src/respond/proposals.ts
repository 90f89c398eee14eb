import type { Finding, FindingActor, FindingSubject, Grant, RuleId } from "../detect/finding.js";
import { isExternalUpn } from "../detect/identity.js";
import type { ActionName, ActionTarget, PrivilegeLimit } from "./types.js";

export interface ProposedAction {
  action: ActionName;
  target: ActionTarget;
  /** The rule that asked for it first, for the card. */
  because: RuleId;
  /** Every finding that asks for it: the automatic policy judges an action by these (auto-policy.ts). */
  askedBy: Finding[];
}

type Who = "subject" | "actor" | "tenant";

/**
 * What each rule proposes, and on whom. A promoted guest: strip its roles and disable it, and put the
 * admin who promoted it under MFA with sessions revoked. A directory change: block transfers and disable
 * whoever moved the subscription. A risky sign-in followed by resource groups: MFA and revoked sessions.
 */
const DEFAULTS: Readonly<Record<RuleId, readonly [Who, ActionName][]>> = {
  "guest-invited": [
    ["subject", "disable-account"],
    ["actor", "require-mfa"],
    ["actor", "revoke-sessions"],
  ],
  "guest-privileged-role": [
    ["subject", "remove-directory-role"],
    ["subject", "disable-account"],
    ["actor", "require-mfa"],
    ["actor", "revoke-sessions"],
  ],
  "guest-azure-privileged-role": [
    ["subject", "remove-azure-role"],
    ["subject", "disable-account"],
    ["actor", "require-mfa"],
    ["actor", "revoke-sessions"],
  ],
  "external-vm-created": [
    ["actor", "remove-azure-role"],
    ["actor", "disable-account"],
  ],
  "guest-vm-burst": [
    ["subject", "remove-azure-role"],
    ["subject", "disable-account"],
  ],
  "subscription-created": [
    ["actor", "require-mfa"],
    ["actor", "revoke-sessions"],
  ],
  "risky-ip-vm-created": [
    ["actor", "require-mfa"],
    ["actor", "revoke-sessions"],
  ],
  "risky-signin-resource-group": [
    ["subject", "require-mfa"],
    ["subject", "revoke-sessions"],
  ],
  "elevate-access": [
    ["subject", "require-mfa"],
    ["subject", "revoke-sessions"],
  ],
  "subscription-policy-changed": [
    ["tenant", "block-subscription-transfer"],
    ["actor", "disable-account"],
  ],
  "subscription-directory-changed": [
    ["tenant", "block-subscription-transfer"],
    ["actor", "disable-account"],
  ],
  // Whoever undid Warden's containment (its policy or group changed) is treated as whoever loosened the
  // transfer policy: disabled, on approval. The account let out of Warden's group (the subject of a
  // member removal) is contained again the surest way, disabled: its group may no longer be trusted.
  "containment-tampered": [
    ["actor", "disable-account"],
    ["subject", "disable-account"],
  ],
  // The chain names the outsider and what it was given: take that back and disable it. Whether that runs
  // without a click is decided per action (a principal privileged before the incident waits for a person).
  "subscription-hijack-chain": [
    ["tenant", "block-subscription-transfer"],
    ["subject", "remove-azure-role"],
    ["subject", "remove-directory-role"],
    ["subject", "disable-account"],
  ],
};

/** Actions that take privileges back: each is limited to what its finding names. */
const TAKES_PRIVILEGES: ReadonlySet<ActionName> = new Set(["remove-azure-role", "remove-directory-role"]);

/**
 * What a privilege-removing action may take for this finding, one limit per action: each grant of the
 * action's kind it names; for a finding about the use of an Azure role (a VM created), each subscription
 * it names. None when it names nothing of that kind: the action is not proposed for it. A finding stored
 * before findings named their grants proposes it unlimited, as it did then.
 */
function limitsFor(action: ActionName, f: Finding): (PrivilegeLimit | undefined)[] {
  if (!TAKES_PRIVILEGES.has(action)) return [undefined];
  const kind = action === "remove-azure-role" ? "azure-role" : "directory-role";
  // One action per grant (per subscription for a VM finding): the same grant named by two findings (a
  // grant and the chain made from it) is one action, and a chain joining later adds none.
  if (f.grants !== undefined) return f.grants.filter((g) => g.kind === kind).map((g) => ({ grants: [g] }));
  if (f.rule === "external-vm-created" || f.rule === "guest-vm-burst")
    return f.subscriptionIds.map((id) => ({ subscriptionIds: [id] }));
  return f.rule === "subscription-hijack-chain" ? [] : [undefined];
}

function grantKey(g: Grant): string {
  return g.kind === "azure-role"
    ? `azure:${g.roleDefinitionId.toLowerCase()}@${g.scope.toLowerCase()}`
    : `entra:${g.roleTemplateId.toLowerCase()}`;
}

/**
 * Whether the finding's subject or actor is an external user (a guest, or a #EXT# member). Revoking an
 * external user's sessions does not end them: they sign in through their home tenant (Microsoft Graph,
 * "user: revokeSignInSessions"). Their account here is disabled instead (issue 18, point 6).
 */
function external(who: "subject" | "actor" | "tenant", f: Finding): boolean {
  if (who === "subject") return f.subject.external === true || isExternalUpn(f.subject.userPrincipalName);
  return who === "actor" && isExternalUpn(f.actor?.userPrincipalName);
}

function userTarget(who: FindingSubject | FindingActor | undefined): ActionTarget | undefined {
  if (who === undefined) return undefined;
  const type = "type" in who ? who.type : undefined;
  if (type !== undefined && type !== "user" && type !== "unknown") return undefined;
  if (who.id === undefined && who.userPrincipalName === undefined) return undefined;
  return {
    kind: "user",
    ...(who.id === undefined ? {} : { id: who.id.toLowerCase() }),
    ...(who.userPrincipalName === undefined ? {} : { userPrincipalName: who.userPrincipalName }),
    label: who.userPrincipalName ?? who.displayName ?? who.id ?? "unknown user",
  };
}

/**
 * The key an action is stored under: one action per kind and target (and, for one that takes privileges
 * back, per set of privileges named), whatever number of findings asked.
 */
export function targetKey(target: ActionTarget): string {
  if (target.kind === "tenant") return `tenant:${target.id}`;
  const user = `user:${(target.id ?? target.userPrincipalName ?? "").toLowerCase()}`;
  return user + limitKey(target.limit);
}

/** The part of an action's key that says which privileges it is limited to ("" when unlimited). */
export function limitKey(limit: PrivilegeLimit | undefined): string {
  if (limit === undefined) return "";
  const parts = [
    ...(limit.grants ?? []).map(grantKey),
    ...(limit.subscriptionIds ?? []).map((id) => `sub:${id.toLowerCase()}`),
  ].sort();
  return `|${parts.join(",")}`;
}

/** The actions an incident's findings propose, each once; a user known by UPN in one finding and id in another is one user. */
export function proposeActions(findings: readonly Finding[], tenantId: string): ProposedAction[] {
  const idByUpn = new Map<string, string>();
  for (const f of findings) {
    for (const who of [f.subject, f.actor]) {
      if (who?.id !== undefined && who.userPrincipalName !== undefined)
        idByUpn.set(who.userPrincipalName.toLowerCase(), who.id.toLowerCase());
    }
  }
  const proposed = new Map<string, ProposedAction>();
  for (const f of [...findings].sort((a, b) => a.time - b.time || a.id.localeCompare(b.id))) {
    for (const [who, asked] of DEFAULTS[f.rule]) {
      const action = asked === "revoke-sessions" && external(who, f) ? "disable-account" : asked;
      let target: ActionTarget | undefined =
        who === "tenant"
          ? { kind: "tenant", id: tenantId, label: "the tenant" }
          : userTarget(who === "subject" ? f.subject : f.actor);
      if (target === undefined) continue;
      if (target.kind === "user" && target.id === undefined && target.userPrincipalName !== undefined) {
        const id = idByUpn.get(target.userPrincipalName.toLowerCase());
        if (id !== undefined) target = { ...target, id };
      }
      for (const limit of limitsFor(action, f)) {
        const limited: ActionTarget =
          target.kind === "user"
            ? { ...target, ...(limit === undefined ? {} : { limit }), seenAt: f.time }
            : target;
        const key = `${action}|${targetKey(limited)}`;
        const known = proposed.get(key);
        if (known === undefined)
          proposed.set(key, { action, target: limited, because: f.rule, askedBy: [f] });
        else {
          known.askedBy.push(f);
          // Findings come in time order: the target carries the latest one's time.
          if (known.target.kind === "user") known.target = { ...known.target, seenAt: f.time };
        }
      }
    }
  }
  return [...proposed.values()];
}
