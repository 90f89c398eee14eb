import type { SimTenant, SimUser } from "../records/people.js";
import { SIM_ENTRA_ROLE } from "../tenant/builtin-roles.js";
import type { DirectoryEffect } from "../tenant/model.js";
import { type AttackName, type PlayedAttack, playAttack } from "./attacks.js";
import { castOfNoise, playNoise } from "./noise.js";
import { type ScenarioRecord, TenantScript } from "./script.js";

export const DEMO_TENANT: SimTenant = {
  id: "8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13",
  domain: "contoso-lab.onmicrosoft.com",
};

export interface TenantDay {
  tenant: SimTenant;
  records: ScenarioRecord[];
  attacks: PlayedAttack[];
  /** The tenant before the day starts: its people and the roles they hold. */
  baseline: DirectoryEffect[];
  /** The emergency-access accounts (Global Administrators Warden must never touch). */
  breakGlass: SimUser[];
}

export interface TenantDayOptions {
  attacks: readonly AttackName[];
  noiseEvents: number;
  seed?: number;
  start?: number;
  tenant?: SimTenant;
  /**
   * Benign near misses that rely on long gaps (a resource group 13 h after a risky sign-in). Played back
   * compressed into seconds they would stop being near misses, so live playback leaves them out.
   */
  nearMisses?: boolean;
}

/**
 * A day in a tenant: benign noise spread over 24 h, and each chosen attack started at its own hour so the
 * attacks do not touch one another. Records come back in time order.
 */
export function tenantDay(options: TenantDayOptions): TenantDay {
  const tenant = options.tenant ?? DEMO_TENANT;
  const script = new TenantScript(tenant, options.start ?? Date.UTC(2026, 10, 2, 0, 0, 0), options.seed ?? 7);
  const cast = castOfNoise(script);
  playNoise(script, cast, options.noiseEvents, 0, 24 * 60, { nearMisses: options.nearMisses ?? true });
  const attacks = options.attacks.map((name, index) => playAttack(name, script, 60 + index * 300));
  const records = [...script.records].sort((a, b) => a.time - b.time);
  // Made last, so the day's records and ids stay the same with or without them.
  const breakGlass = [1, 2].map((n) =>
    script.admin(`Emergency Access ${n}`, SIM_ENTRA_ROLE.globalAdministrator, "20.190.128.2"),
  );
  return { tenant, records, attacks, baseline: script.baseline(), breakGlass };
}
