import { ArmActivity } from "../cloud/arm-activity.js";
import { AzureRbac } from "../cloud/arm-rbac.js";
import { credentialFor } from "../cloud/credential.js";
import { GraphDirectory } from "../cloud/graph-directory.js";
import { RateLimiter } from "../cloud/rate-limiter.js";
import { SubscriptionPolicy } from "../cloud/subscription-policy.js";
import { ConfigError, loadConfig, type WardenConfig } from "../config/index.js";
import { refuseSimulatorTrustOffLoopback } from "../simulator-trust.js";
import type { CommandIo } from "./detect-command.js";

/** The clients a one-shot command reads the live tenant through, and the settings they came from. */
export interface LiveTenant {
  config: WardenConfig;
  tenantId: string;
  graph: GraphDirectory;
  rbac: AzureRbac;
  policy: SubscriptionPolicy;
  subscriptions(): Promise<string[]>;
  /** Writes "step: done/total" over itself on a terminal; nothing when stderr is not one. */
  onProgress?: (step: string, done: number, total: number) => void;
}

/**
 * The settings and clients for `warden inventory` and `warden posture`, or the message saying what to
 * fix: one rate limiter for the command, as Microsoft counts per app and tenant.
 */
export function liveTenant(io: CommandIo, what: string): LiveTenant | { error: string } {
  let config: WardenConfig;
  try {
    config = loadConfig({ env: io.env });
    refuseSimulatorTrustOffLoopback(config.runtime);
  } catch (error) {
    if (error instanceof ConfigError) return { error: error.message };
    throw error;
  }
  const { runtime } = config;
  if (runtime.tenantId === undefined)
    return { error: `WARDEN_TENANT_ID is required: the GUID of the tenant to ${what}` };
  const tenantId = runtime.tenantId;
  const credential = credentialFor(tenantId, runtime);
  const limiter = new RateLimiter();
  const arm = new ArmActivity(credential, runtime.endpoints.arm, tenantId, limiter);
  return {
    config,
    tenantId,
    graph: new GraphDirectory(credential, runtime.endpoints.graph, tenantId, limiter),
    rbac: new AzureRbac(credential, runtime.endpoints.arm, tenantId, limiter),
    policy: new SubscriptionPolicy(credential, runtime.endpoints.arm, tenantId, limiter),
    subscriptions: async () => (await arm.subscriptions()).map((s) => s.subscriptionId),
    ...(io.stderr.isTTY === true
      ? {
          onProgress: (step: string, done: number, total: number) =>
            io.stderr.write(`\r${step}: ${done}/${total}\u001b[K`),
        }
      : {}),
  };
}
