import { SubscriptionClient } from "@azure/arm-subscriptions";
import type { TokenCredential } from "@azure/identity";
import { armClientOptions } from "./arm-options.js";
import type { RateLimiter } from "./rate-limiter.js";

export interface TransferPolicy {
  blockSubscriptionsLeavingTenant: boolean;
  blockSubscriptionsIntoTenant: boolean;
  exemptedPrincipals: string[];
}

/** The tenant's subscription transfer policy (`/providers/Microsoft.Subscription/policies/default`). */
export class SubscriptionPolicy {
  private readonly client: SubscriptionClient;

  constructor(credential: TokenCredential, armUrl: string, tenantId: string, limiter: RateLimiter) {
    this.client = new SubscriptionClient(credential, armClientOptions(armUrl, tenantId, limiter));
  }

  async read(): Promise<TransferPolicy> {
    const policy = (await this.client.subscriptionPolicy.getPolicyForTenant()).properties;
    return {
      blockSubscriptionsLeavingTenant: policy?.blockSubscriptionsLeavingTenant ?? false,
      blockSubscriptionsIntoTenant: policy?.blockSubscriptionsIntoTenant ?? false,
      exemptedPrincipals: policy?.exemptedPrincipals ?? [],
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
