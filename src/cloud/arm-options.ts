import { limitedArmPolicy } from "./limited-transport.js";
import type { RateLimiter } from "./rate-limiter.js";
import { armScopeFor } from "./scopes.js";

/** Options every Azure SDK client in Warden is built with: the endpoint, the token scope and the limiter. */
export function armClientOptions(armUrl: string, tenantId: string, limiter: RateLimiter) {
  return {
    // `$host` alone is not enough: the SDK also needs the scope to ask tokens for.
    endpoint: armUrl,
    credentialScopes: armScopeFor(armUrl),
    // Every attempt, retries included, waits for the limiter (see limited-transport.ts).
    additionalPolicies: [{ policy: limitedArmPolicy(limiter, tenantId), position: "perRetry" as const }],
  };
}
