import { collectInventory } from "../inventory/collect.js";
import { inventoryCsv, inventoryTable } from "../inventory/format.js";
import type { CommandIo } from "./detect-command.js";
import { liveTenant } from "./live-tenant.js";

/** `warden inventory`: every external account holding an admin role, from the live tenant. */
export async function inventoryCommand(
  options: { format?: string; signIns?: boolean },
  io: CommandIo,
): Promise<number> {
  const fail = (message: string, code = 2) => {
    io.stderr.write(`warden inventory: ${message}\n`);
    return code;
  };
  const format = options.format ?? "table";
  if (format !== "table" && format !== "json" && format !== "csv")
    return fail(`--format must be table, json or csv, not "${format}"`);
  const tenant = liveTenant(io, "list");
  if ("error" in tenant) return fail(tenant.error);
  const started = Date.now();
  try {
    const { entries, gaps } = await collectInventory({
      ...tenant,
      now: Date.now,
      ...(options.signIns === false ? { signIns: false } : {}),
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
