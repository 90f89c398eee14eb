import { adminNotCoveredByMfaPolicy } from "./checks/admin-not-covered.js";
import { adminWithoutMfa } from "./checks/admin-without-mfa.js";
import { breakGlassMisconfigured } from "./checks/break-glass-misconfigured.js";
import { caeDisabled } from "./checks/cae-disabled.js";
import { guestPrivileged } from "./checks/guest-privileged.js";
import { noRiskySigninPolicy } from "./checks/no-risky-signin-policy.js";
import { securityDefaultsOffAndNoPolicies } from "./checks/security-defaults.js";
import type { Check } from "./checks/shared.js";
import { stalePrivilegedExternal } from "./checks/stale-privileged-external.js";
import { subscriptionTransferOpen } from "./checks/subscription-transfer-open.js";
import { gatherPostureFacts, type PostureDeps, type PostureFacts } from "./gather.js";
import { byUrgency, CHECK_IDS, type CheckId, type PostureReport } from "./types.js";

export const CHECKS: Readonly<Record<CheckId, Check>> = {
  "admin-without-mfa": adminWithoutMfa,
  "admin-not-covered-by-mfa-policy": adminNotCoveredByMfaPolicy,
  "no-risky-signin-policy": noRiskySigninPolicy,
  "security-defaults-off-and-no-policies": securityDefaultsOffAndNoPolicies,
  "cae-disabled": caeDisabled,
  "subscription-transfer-open": subscriptionTransferOpen,
  "guest-privileged": guestPrivileged,
  "break-glass-misconfigured": breakGlassMisconfigured,
  "stale-privileged-external": stalePrivilegedExternal,
};

/** Judges facts already read: every check, worst findings first, and each check that could not read. */
export function judgePosture(facts: PostureFacts): PostureReport {
  const findings = [];
  const unreadable = [];
  for (const check of CHECK_IDS) {
    const result = CHECKS[check](facts);
    findings.push(...result.findings);
    if (result.unreadable !== undefined) unreadable.push({ check, ...result.unreadable });
  }
  findings.sort(byUrgency);
  return {
    findings,
    summary: { checks: CHECK_IDS.length, findings: findings.length, unreadable },
    at: new Date(facts.now).toISOString(),
  };
}

/** Reads the tenant and judges it: the posture report `warden posture`, the chat and the schedule show. */
export async function runPosture(deps: PostureDeps): Promise<PostureReport> {
  return judgePosture(await gatherPostureFacts(deps));
}
