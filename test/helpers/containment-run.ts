import { rmSync } from "node:fs";
import { openWarden, startSchedules, startWorker, type Warden } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { auditTrail, type IncidentRow, listIncidents } from "../../src/store/incidents-repo.js";
import { quietLogger } from "./logs.js";
import { type PlayedSim, playingSim, settle, until } from "./pipeline.js";
import { SIM_APP } from "./sim.js";

/**
 * One Warden (embedded store, in-process queue) watching a simulated tenant that plays the four attacks:
 * the set-up the containment tests share, each file with runs of its own so the files can run side by side.
 */
export interface Run {
  played: PlayedSim;
  warden: Warden;
  dataDir: string;
}

export async function start(seed: number, env: Record<string, string> = {}): Promise<Run> {
  const played = await playingSim(seed, 6_000);
  const dataDir = `/tmp/warden-contain-${process.pid}-${seed}-${Date.now()}`;
  const config = loadConfig({ env: { ...played.env, WARDEN_DATA_DIR: dataDir, ...env } });
  const warden = await openWarden(config, quietLogger("warn"));
  startWorker(warden);
  await startSchedules(warden);
  return { played, warden, dataDir };
}

export async function stop(run: Run | undefined): Promise<void> {
  if (run === undefined) return;
  await run.warden.close();
  await run.played.sim.close();
  rmSync(run.dataDir, { recursive: true, force: true });
}

export const incidentsOf = async (run: Run) =>
  (await listIncidents(run.warden.db, run.played.tenantId)).filter((i) => i.state !== "merged");

export async function waitForStates(run: Run, states: string[], what: string): Promise<IncidentRow[]> {
  // Detection first, so the incidents are whole (the hijack's chain joins late), then their triage.
  await settle(run.warden.db, run.warden.queue, run.played);
  try {
    await until(
      async () => {
        const incidents = await incidentsOf(run);
        return incidents.length === 4 && incidents.every((i) => states.includes(i.state));
      },
      60_000,
      what,
    );
  } catch (error) {
    const incidents = await incidentsOf(run);
    const detail = await Promise.all(
      incidents.map(
        async (i) =>
          `${i.state} ${i.rules.join(",")}: ${JSON.stringify((await auditTrail(run.warden.db, i.id)).map((e) => [e.action, e.detail]))}`,
      ),
    );
    throw new Error(`${(error as Error).message}\n${detail.join("\n")}`);
  }
  return incidentsOf(run);
}

export const attack = (run: Run, name: string) => {
  const found = run.played.day.attacks.find((a) => a.name === name);
  if (found === undefined) throw new Error(name);
  return found;
};

/** Writes Warden's app made to the tenant, as the simulation counted them. */
export const wardenWrites = (run: Run) =>
  run.played.sim.directory.changes.filter((c) => c.actor === SIM_APP.clientId);
