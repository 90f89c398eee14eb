import type { SimDirectory } from "./directory.js";
import type { DirectoryEffect } from "./model.js";

const LONG_AGO_MS = 180 * 24 * 3_600_000;

/** Puts the tenant as it stood before a scenario day into the directory: created half a year earlier. */
export function seedBaseline(
  directory: SimDirectory,
  baseline: readonly DirectoryEffect[],
  dayStart: number,
): void {
  for (const effect of baseline) directory.apply(effect, dayStart - LONG_AGO_MS);
}
