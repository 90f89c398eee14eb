import type { Finding, FindingActor, FindingSubject, RuleId } from "../detect/finding.js";
import type { ActionName, ActionTarget } from "./types.js";

export interface ProposedAction {
  action: ActionName;
  target: ActionTarget;
  /** The rule that asked for it, for the card. */
  because: RuleId;
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
  "subscription-hijack-chain": [["tenant", "block-subscription-transfer"]],
};

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

/** The key an action is stored under: one action per kind and target, whatever number of findings asked. */
export function targetKey(target: ActionTarget): string {
  return target.kind === "tenant"
    ? `tenant:${target.id}`
    : `user:${(target.id ?? target.userPrincipalName ?? "").toLowerCase()}`;
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
    for (const [who, action] of DEFAULTS[f.rule]) {
      let target: ActionTarget | undefined =
        who === "tenant"
          ? { kind: "tenant", id: tenantId, label: "the tenant" }
          : userTarget(who === "subject" ? f.subject : f.actor);
      if (target === undefined) continue;
      if (target.kind === "user" && target.id === undefined && target.userPrincipalName !== undefined) {
        const id = idByUpn.get(target.userPrincipalName.toLowerCase());
        if (id !== undefined) target = { ...target, id };
      }
      const key = `${action}|${targetKey(target)}`;
      if (!proposed.has(key)) proposed.set(key, { action, target, because: f.rule });
    }
  }
  return [...proposed.values()];
}
