import type { Check } from "./shared.js";
import { cannotRead, enabled, finding } from "./shared.js";

/**
 * `cae-disabled`: an enabled policy that turns continuous access evaluation off (session control
 * `continuousAccessEvaluation.mode: "disabled"`, Graph beta). With CAE, disabling a compromised account
 * or revoking its sessions cuts its tokens within minutes; without it, they live up to an hour or more.
 */
export const caeDisabled: Check = (facts) => {
  if (!facts.policies.ok) return cannotRead("Conditional access policies", facts.policies);
  if (!facts.policiesHaveCae.ok)
    return cannotRead("Continuous access evaluation settings", facts.policiesHaveCae);
  return {
    findings: enabled(facts.policies.value)
      .filter((p) => p.sessionControls?.continuousAccessEvaluation?.mode?.toLowerCase() === "disabled")
      .map((p) =>
        finding(
          "cae-disabled",
          "medium",
          { setting: `conditionalAccess/policies/${p.id}` },
          `The enabled policy "${p.displayName}" turns continuous access evaluation off: revoking a compromised session takes effect only when its token expires.`,
          `Entra admin center > Protection > Conditional Access > "${p.displayName}" > Session > Customize continuous access evaluation: clear "Disable"; or PATCH https://graph.microsoft.com/beta/identity/conditionalAccess/policies/${p.id} with the policy's sessionControls without continuousAccessEvaluation`,
        ),
      ),
  };
};
