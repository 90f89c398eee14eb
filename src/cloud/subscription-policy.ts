import { SubscriptionClient } from "@azure/arm-subscriptions";
import type { TokenCredential } from "@azure/identity";
import { armClientOptions } from "./arm-options.js";
import type { RateLimiter } from "./rate-limiter.js";

export interface TransferPolicy {
  blockSubscriptionsLeavingTenant: boolean;
  blockSubscriptionsIntoTenant: boolean;
  exemptedPrincipals: string[];
}

/** The policy as read, with who last wrote it (ARM's systemData), when ARM says. */
export interface ReadTransferPolicy extends TransferPolicy {
  lastModified?: { by: string; byType: string; at: string };
}

/** The tenant's subscription transfer policy (`/providers/Microsoft.Subscription/policies/default`). */
export class SubscriptionPolicy {
  private readonly client: SubscriptionClient;

  constructor(credential: TokenCredential, armUrl: string, tenantId: string, limiter: RateLimiter) {
    this.client = new SubscriptionClient(credential, armClientOptions(armUrl, tenantId, limiter));
  }

  async read(): Promise<ReadTransferPolicy> {
    const response = await this.client.subscriptionPolicy.getPolicyForTenant();
    const policy = response.properties;
    const system = response.systemData;
    return {
      blockSubscriptionsLeavingTenant: policy?.blockSubscriptionsLeavingTenant ?? false,
      blockSubscriptionsIntoTenant: policy?.blockSubscriptionsIntoTenant ?? false,
      exemptedPrincipals: policy?.exemptedPrincipals ?? [],
      ...(system?.lastModifiedBy === undefined || system.lastModifiedAt === undefined
        ? {}
        : {
            lastModified: {
              by: system.lastModifiedBy,
              byType: system.lastModifiedByType ?? "unknown",
              at: new Date(system.lastModifiedAt).toISOString(),
            },
          }),
    };
  }

  /** Writes the policy; reports ARM's request id for the audit trail. */
  async write(policy: TransferPolicy, onRequestId?: (requestId: string) => void): Promise<void> {
    await this.client.subscriptionPolicy.addUpdatePolicyForTenant(policy, {
      onResponse: (raw) => {
        const requestId = raw.headers.get("x-ms-request-id");
        if (requestId !== undefined) onRequestId?.(requestId);
      },
    });
  }
}
