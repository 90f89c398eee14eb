import type { Check } from "./shared.js";
import { cannotRead, finding, listInWords } from "./shared.js";

const POLICY_URL =
  "https://management.azure.com/providers/Microsoft.Subscription/policies/default?api-version=2021-10-01";

/**
 * `subscription-transfer-open`: the tenant's subscription policy lets subscriptions leave (the last step
 * of the takeover, after which the victim cannot see them) or enter the directory, or blocks them but
 * exempts principals who can still move them. Only a Global Administrator with elevated access can write
 * it: no app can, Warden included.
 */
export const subscriptionTransferOpen: Check = (facts) => {
  if (!facts.transferPolicy.ok) return cannotRead("The subscription transfer policy", facts.transferPolicy);
  const policy = facts.transferPolicy.value;
  const exempted =
    policy.exemptedPrincipals.length === 0
      ? ""
      : ` Exempted principals: ${policy.exemptedPrincipals.join(", ")}.`;
  const fix = `A Global Administrator with "Access management for Azure resources" on: Azure portal > Subscriptions > Manage policies > "Subscription leaving Microsoft Entra tenant": Deny, "Subscription entering": Deny, and exempt no one; or PUT ${POLICY_URL} {"properties":{"blockSubscriptionsLeavingTenant":true,"blockSubscriptionsIntoTenant":true,"exemptedPrincipals":[]}}`;
  const findings = [];
  if (!policy.blockSubscriptionsLeavingTenant)
    findings.push(
      finding(
        "subscription-transfer-open",
        "high",
        { setting: "subscriptionPolicy.blockSubscriptionsLeavingTenant" },
        `Subscriptions may leave this directory: whoever owns one can move it to a tenant they control, out of your sight.${exempted}`,
        fix,
      ),
    );
  else if (policy.exemptedPrincipals.length > 0)
    findings.push(
      finding(
        "subscription-transfer-open",
        "medium",
        { setting: "subscriptionPolicy.exemptedPrincipals" },
        `Subscriptions may not leave this directory, except by ${policy.exemptedPrincipals.length} exempted ${policy.exemptedPrincipals.length === 1 ? "principal" : "principals"}: ${listInWords(policy.exemptedPrincipals, 5)}.`,
        fix,
      ),
    );
  if (!policy.blockSubscriptionsIntoTenant)
    findings.push(
      finding(
        "subscription-transfer-open",
        "medium",
        { setting: "subscriptionPolicy.blockSubscriptionsIntoTenant" },
        `Subscriptions may enter this directory: an attacker's subscription can be brought in and billed or used from here.${exempted}`,
        fix,
      ),
    );
  return { findings };
};
