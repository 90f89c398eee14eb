import { ArmActivity } from "../cloud/arm-activity.js";
import { AzureRbac } from "../cloud/arm-rbac.js";
import { credentialFor } from "../cloud/credential.js";
import { GraphDirectory } from "../cloud/graph-directory.js";
import { RateLimiter } from "../cloud/rate-limiter.js";
import { ConfigError, loadConfig } from "../config/index.js";
import { collectInventory } from "../inventory/collect.js";
import { inventoryCsv, inventoryTable } from "../inventory/format.js";
import { refuseSimulatorTrustOffLoopback } from "../simulator-trust.js";
import type { CommandIo } from "./detect-command.js";

/** `warden inventory`: every external account holding an admin role, from the live tenant. */
export async function inventoryCommand(options: { format?: string }, io: CommandIo): Promise<number> {
  const fail = (message: string, code = 2) => {
    io.stderr.write(`warden inventory: ${message}\n`);
    return code;
  };
  const format = options.format ?? "table";
  if (format !== "table" && format !== "json" && format !== "csv")
    return fail(`--format must be table, json or csv, not "${format}"`);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ env: io.env });
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
  const { runtime } = config;
  if (runtime.tenantId === undefined)
    return fail("WARDEN_TENANT_ID is required: the GUID of the tenant to list");
  try {
    refuseSimulatorTrustOffLoopback(runtime);
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
  const tenantId = runtime.tenantId;
  const credential = credentialFor(tenantId, runtime);
  const limiter = new RateLimiter();
  const arm = new ArmActivity(credential, runtime.endpoints.arm, tenantId, limiter);
  const started = Date.now();
  try {
    const { entries, gaps } = await collectInventory({
      graph: new GraphDirectory(credential, runtime.endpoints.graph, tenantId, limiter),
      rbac: new AzureRbac(credential, runtime.endpoints.arm, tenantId, limiter),
      subscriptions: async () => (await arm.subscriptions()).map((s) => s.subscriptionId),
      now: Date.now,
      ...(io.stderr.isTTY === true
        ? {
            onProgress: (step: string, done: number, total: number) =>
              io.stderr.write(`\r${step}: ${done}/${total}\u001b[K`),
          }
        : {}),
    });
    if (io.stderr.isTTY === true) io.stderr.write(`\r\u001b[K`);
    io.stdout.write(
      format === "json"
        ? `${JSON.stringify({ entries, gaps }, null, 2)}\n`
        : format === "csv"
          ? inventoryCsv(entries)
          : inventoryTable(entries),
    );
    for (const gap of gaps) io.stderr.write(`warden inventory: not complete: ${gap}\n`);
    io.stderr.write(
      `warden inventory: ${entries.length} external admins in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return 0;
  } catch (error) {
    return fail(`could not read the tenant: ${(error as Error).message}`, 1);
  }
}
