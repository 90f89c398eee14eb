import { playBack } from "../sim/cloud/playback.js";
import { SIM_APP } from "../sim/cloud/sim-app.js";
import { simTlsFile } from "../sim/cloud/tls.js";
import { startScenarioSim } from "../sim/scenario-sim.js";
import { ATTACKS, type AttackName } from "../sim/scenarios/attacks.js";
import { tenantDay } from "../sim/scenarios/tenant-day.js";
import { seedPostureOfDay } from "../sim/tenant/posture-seed.js";
import type { CommandIo } from "./detect-command.js";
import { type FaultOptions, parseFaultOptions } from "./sim-faults.js";

export interface SimOptions extends FaultOptions {
  port?: string;
  scenario?: string;
  noise?: string;
  duration?: string;
  lateEvery?: string;
}

/**
 * `warden sim`: the simulated Microsoft cloud on https, playing the attack scenarios among benign
 * activity over `--duration` seconds, until stopped. Prints the settings that point Warden at it.
 */
export async function simCommand(options: SimOptions, io: CommandIo): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`warden sim: ${message}\n`);
    return 2;
  };
  const port = Number(options.port ?? "8443");
  const noise = Number(options.noise ?? "2000");
  const duration = Number(options.duration ?? "60");
  const lateEvery = Number(options.lateEvery ?? "10");
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    return fail(`--port must be 0 to 65535, not "${options.port}"`);
  if (!Number.isInteger(noise) || noise < 0)
    return fail(`--noise must be a whole number, not "${options.noise}"`);
  if (!(duration > 0))
    return fail(`--duration must be a positive number of seconds, not "${options.duration}"`);
  const scenario = options.scenario ?? "all";
  const names = scenario === "all" ? [...ATTACKS] : scenario === "none" ? [] : scenario.split(",");
  const unknown = names.filter((n) => !ATTACKS.includes(n as AttackName));
  if (unknown.length > 0)
    return fail(`unknown scenario ${unknown.join(", ")}: use ${ATTACKS.join(", ")}, all or none`);

  const day = tenantDay({ attacks: names as AttackName[], noiseEvents: noise, nearMisses: false });
  const startAt = Date.now() + 1_000;
  const sim = await startScenarioSim(day, { port, seededAt: startAt });
  // The doors `warden posture` reports, opened and nearly opened (docs/posture.md).
  seedPostureOfDay(sim.directory, day.breakGlass);
  const faults = parseFaultOptions(options, Date.now());
  if (typeof faults === "string") {
    await sim.close();
    return fail(faults);
  }
  sim.faults.plan = faults;
  const written = playBack(
    sim.logs,
    day.records,
    { startAt, durationMs: duration * 1_000, lateEvery, lateByMs: 60_000 },
    sim.directory,
  );
  io.stdout.write(
    [
      `Simulated Microsoft cloud on ${sim.url}: tenant ${day.tenant.id}, ${sim.subscriptions.length} subscriptions.`,
      `Playing ${names.length > 0 ? names.join(", ") : "no attack"} among ${noise} benign events: ${written} events over ${duration} s.`,
      "",
      "Point Warden at it (the CA is the simulator's throwaway one, see sim-tls/README.md):",
      `  export NODE_EXTRA_CA_CERTS=${simTlsFile("ca.crt")}`,
      `  export WARDEN_TENANT_ID=${day.tenant.id} AZURE_CLIENT_ID=${SIM_APP.clientId} AZURE_CLIENT_SECRET=${SIM_APP.clientSecret}`,
      `  export WARDEN_GRAPH_URL=${sim.url} WARDEN_ARM_URL=${sim.url} WARDEN_AUTHORITY_URL=${sim.url}`,
      `  export WARDEN_BREAK_GLASS_IDS=${day.breakGlass.map((u) => u.id).join(",")} WARDEN_SERVICE_PRINCIPAL_ID=${SIM_APP.servicePrincipalId}`,
      "  npx warden serve",
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  io.stderr.write(
    `warden sim: ${sim.faults.counts.total} requests served (${sim.faults.counts.throttled} throttled)\n`,
  );
  await sim.close();
  return 0;
}
