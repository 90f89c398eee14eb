import type { TransferPolicy } from "../../cloud/subscription-policy.js";

/**
 * What a Global Administrator does to set the tenant's subscription policy, as Microsoft documents it
 * ("Manage Azure subscription policies" and "Elevate access to manage all Azure subscriptions and
 * management groups"): in the portal, or with `az rest` (a path starting with "/" goes to the signed-in
 * cloud's Resource Manager, so the commands work in national clouds too). Elevated access is turned off
 * again at the end: it is the standing access an attacker looks for.
 */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function transferPolicySteps(wanted: TransferPolicy, purpose: "block" | "restore"): string[] {
  const choice = (blocked: boolean) => (blocked ? "Permit no one" : "Allow everyone");
  // The command is pasted into a shell: only object ids go into it, whatever the tenant answered.
  const shellSafe = wanted.exemptedPrincipals.every((id) => GUID.test(id));
  const body = JSON.stringify({
    blockSubscriptionsLeavingTenant: wanted.blockSubscriptionsLeavingTenant,
    blockSubscriptionsIntoTenant: wanted.blockSubscriptionsIntoTenant,
    exemptedPrincipals: wanted.exemptedPrincipals,
  });
  const exempted = wanted.exemptedPrincipals;
  return [
    `A Global Administrator assigned the role directly (not through a group) signs in to the Azure portal${purpose === "restore" ? " to undo Warden's block" : ""}.`,
    "Microsoft Entra ID > Properties > Access management for Azure resources: Yes, then Save (elevated access).",
    `Subscriptions > Manage policies: "Subscription leaving Microsoft Entra ID directory": ${choice(wanted.blockSubscriptionsLeavingTenant)}; "Subscription entering Microsoft Entra ID directory": ${choice(wanted.blockSubscriptionsIntoTenant)}; Save changes.`,
    // An exempted principal may still move subscriptions out: an attacker's own exemption would survive
    // the block. Warden keeps the exemptions it found and counts the block done only with no new one.
    exempted.length === 0
      ? "Exempted users: none; keep it so (an exempted user can still move subscriptions out)."
      : `Exempted users: ${exempted.length} (${exempted.map((id) => (GUID.test(id) ? id : "an entry that is not an object id")).join(", ")}) can still move subscriptions out; remove any you do not recognise. Warden counts the block done only if no one else is exempted.`,
    ...(shellSafe
      ? [
          'Or in a shell signed in as that administrator, first: az rest --method post --url "/providers/Microsoft.Authorization/elevateAccess?api-version=2016-07-01"',
          `Then (sign in again with az login if it is refused: elevation reaches new tokens only): az rest --method put --url "/providers/Microsoft.Subscription/policies/default?api-version=2021-10-01" --body '${body}'`,
        ]
      : ["(No shell command: the policy's exempted principals are not all object ids; use the portal.)"]),
    'Then turn elevated access off again: Access management for Azure resources: No (or az role assignment delete --role "User Access Administrator" --scope "/" --assignee <your object id>).',
    "Warden checks the policy and marks this done, with who changed it and when, once it shows the change. The elevation (and, for an undo, the policy change) will also be raised as findings: dismiss them on their card, naming this incident.",
  ];
}
