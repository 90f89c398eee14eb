import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { openWarden, startSchedules, startWorker, type Warden } from "../app.js";
import { loadConfig } from "../config.js";
import { createLogger } from "../log.js";
import { createWebApp, listen } from "../server/web.js";
import { BotTokenIssuer } from "../sim/bot/bot-token-issuer.js";
import { FakeConnector } from "../sim/bot/connector.js";
import { playBack } from "../sim/cloud/playback.js";
import { SIM_APP } from "../sim/cloud/sim-app.js";
import { startSimCloud } from "../sim/cloud/sim-server.js";
import { simTlsFile } from "../sim/cloud/tls.js";
import { ATTACKER_RANGE, ATTACKS } from "../sim/scenarios/attacks.js";
import { tenantDay } from "../sim/scenarios/tenant-day.js";
import { seedBaseline } from "../sim/tenant/seed.js";
import { actionsOf } from "../store/actions-repo.js";
import { auditTrail, listIncidents } from "../store/incidents-repo.js";
import type { CommandIo } from "./detect-command.js";

export interface DemoOptions {
  headless?: boolean;
  approveAll?: boolean;
  auto?: boolean;
  json?: boolean;
}

const BOT_APP_ID = "d3e0d3e0-0000-4000-8000-00000000d3e0";
const ANALYST = { id: "a11ce000-0000-4000-8000-0000000a11ce", name: "Demo Analyst" };
const CHANNEL = "19:warden-demo@thread.tacv2";
const FINAL = ["contained", "auto-contained", "partial", "failed", "denied", "expired", "reverted"];

/**
 * `warden demo --headless --approve-all|--auto --json`: the whole story without a tenant or Teams. The
 * simulated cloud plays every attack among benign activity; Warden polls it, posts a card per incident to
 * a simulated Teams channel, and either an approver clicks Approve on each card (real signed invokes to
 * /api/messages) or automatic containment acts. Prints one JSON summary; exits 0 only if every incident
 * ended contained.
 */
export async function demoCommand(options: DemoOptions, io: CommandIo): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`warden demo: ${message}\n`);
    return 2;
  };
  if (options.headless !== true) {
    return fail(
      "the browser SOC console is not built yet: run `warden demo --headless --approve-all --json` (or --auto)",
    );
  }
  if ((options.approveAll === true) === (options.auto === true))
    return fail("choose one of --approve-all and --auto");
  // The SDKs trust the simulator's throwaway CA only through NODE_EXTRA_CA_CERTS, read at process start:
  // run the demo in a child process that has it, never by turning TLS checks off.
  if (io.env["NODE_EXTRA_CA_CERTS"] !== simTlsFile("ca.crt")) {
    const child = spawn(process.execPath, process.argv.slice(1), {
      env: { ...io.env, NODE_EXTRA_CA_CERTS: simTlsFile("ca.crt") },
      stdio: "inherit",
    });
    return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  }
  const progress = (line: string) => {
    if (options.json !== true || io.stderr.isTTY === true) io.stderr.write(`${line}\n`);
  };
  const issuer = new BotTokenIssuer();
  const connector = new FakeConnector();
  await issuer.start();
  await connector.start();
  const day = tenantDay({ attacks: ATTACKS, noiseEvents: 500, seed: 2026, nearMisses: false });
  const subscriptions = [
    ...new Set(day.records.flatMap((r) => (r.subscriptionId === undefined ? [] : [r.subscriptionId]))),
  ];
  const sim = await startSimCloud({
    tenantId: day.tenant.id,
    domain: day.tenant.domain,
    apps: [{ ...SIM_APP }],
    subscriptions: subscriptions.map((id, i) => ({
      subscriptionId: id,
      displayName: `Contoso Lab ${i + 1}`,
      tenantId: day.tenant.id,
      state: "Enabled",
    })),
  });
  const startAt = Date.now() + 1_000;
  seedBaseline(sim.directory, day.baseline, startAt);
  playBack(
    sim.logs,
    day.records,
    { startAt, durationMs: 15_000, lateEvery: 9, lateByMs: 2_000 },
    sim.directory,
  );
  const dataDir = join(tmpdir(), `warden-demo-${process.pid}-${Date.now()}`);
  let warden: Warden | undefined;
  let server: import("node:http").Server | undefined;
  try {
    const config = loadConfig({
      env: {
        WARDEN_TENANT_ID: day.tenant.id,
        AZURE_CLIENT_ID: SIM_APP.clientId,
        AZURE_CLIENT_SECRET: SIM_APP.clientSecret,
        WARDEN_GRAPH_URL: sim.url,
        WARDEN_ARM_URL: sim.url,
        WARDEN_AUTHORITY_URL: sim.url,
        WARDEN_DATA_DIR: dataDir,
        WARDEN_POLL_INTERVAL_SECONDS: "1",
        WARDEN_POLL_OVERLAP_MINUTES: "1",
        WARDEN_INITIAL_LOOKBACK_HOURS: "1",
        WARDEN_RISKY_IP_RANGES: ATTACKER_RANGE,
        WARDEN_BREAK_GLASS_IDS: day.breakGlass.map((u) => u.id).join(","),
        WARDEN_SERVICE_PRINCIPAL_ID: SIM_APP.servicePrincipalId,
        MICROSOFT_APP_ID: BOT_APP_ID,
        WARDEN_BOT_OPENID_METADATA_URL: issuer.openIdMetadataUrl,
        WARDEN_APPROVERS: ANALYST.id,
        ...(options.auto === true
          ? {
              WARDEN_AUTO_CONTAIN: "true",
              WARDEN_AUTO_MIN_CONFIDENCE: "0.5",
              WARDEN_AUTO_SEVERITIES: "medium,high,critical",
            }
          : {}),
      },
    });
    warden = await openWarden(
      config,
      createLogger({ level: "warn", destination: new Writable({ write: (_c, _e, done) => done() }) }),
    );
    startWorker(warden);
    server = await listen(createWebApp(warden), 0, "127.0.0.1");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
    const send = (activity: Record<string, unknown>) =>
      fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${issuer.channelToken(BOT_APP_ID, connector.url)}`,
        },
        body: JSON.stringify({
          channelId: "msteams",
          serviceUrl: connector.url,
          recipient: { id: `28:${BOT_APP_ID}`, name: "Warden" },
          conversation: { id: CHANNEL, conversationType: "channel", tenantId: day.tenant.id, isGroup: true },
          channelData: { tenant: { id: day.tenant.id }, channel: { id: CHANNEL } },
          from: { id: `29:${ANALYST.id}`, aadObjectId: ANALYST.id, name: ANALYST.name },
          id: String(Date.now()),
          ...activity,
        }),
      });
    await send({ type: "conversationUpdate", membersAdded: [{ id: `28:${BOT_APP_ID}` }] });
    await startSchedules(warden);
    progress(`warden demo: simulated tenant ${day.tenant.id}; the attacks play over 15 s`);
    const w = warden;
    const deadline = Date.now() + 150_000;
    const clicked = new Set<string>();
    for (;;) {
      const incidents = (await listIncidents(w.db, day.tenant.id)).filter((i) => i.state !== "merged");
      const settled =
        Date.now() > startAt + 20_000 &&
        incidents.length >= ATTACKS.length &&
        incidents.every((i) => FINAL.includes(i.state));
      if (settled || Date.now() > deadline) break;
      if (options.approveAll === true && Date.now() > startAt + 20_000) {
        for (const incident of incidents.filter(
          (i) => i.state === "pending" && !clicked.has(`${i.id}:${i.version}`),
        )) {
          clicked.add(`${incident.id}:${incident.version}`);
          progress(`warden demo: approving ${incident.id} (${incident.rules.join(", ")})`);
          await send({
            type: "invoke",
            name: "adaptiveCard/action",
            value: {
              action: {
                type: "Action.Execute",
                verb: "approve",
                data: { incidentId: incident.id, version: incident.version },
              },
            },
          });
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const summary = await summarise(w, day.tenant.id, sim.directory);
    io.stdout.write(`${JSON.stringify(summary, null, options.json === true ? undefined : 2)}\n`);
    const wanted = options.auto === true ? "auto-contained" : "contained";
    const ok =
      summary.incidents.length === ATTACKS.length && summary.incidents.every((i) => i.state === wanted);
    progress(ok ? `warden demo: every incident ${wanted}` : "warden demo: not every incident was contained");
    return ok ? 0 : 1;
  } finally {
    server?.close();
    await warden?.close();
    await sim.close();
    await connector.close();
    await issuer.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function summarise(
  warden: Warden,
  tenantId: string,
  directory: import("../sim/tenant/directory.js").SimDirectory,
) {
  const incidents = (await listIncidents(warden.db, tenantId)).filter((i) => i.state !== "merged");
  const subjects = new Set<string>();
  const rows = [];
  for (const incident of incidents) {
    const trail = await auditTrail(warden.db, incident.id);
    const approval = [...trail].reverse().find((e) => e.action === "approved");
    const actions = await actionsOf(warden.db, incident.id);
    const { rows: findings } = await warden.db.query<{ body: unknown }>(
      "SELECT body FROM findings WHERE id = ANY($1::text[])",
      [incident.findingIds],
    );
    const subject = findings
      .map(
        (r) =>
          (typeof r.body === "string" ? JSON.parse(r.body) : r.body) as {
            subject: { type: string; id?: string; userPrincipalName?: string; external?: boolean };
          },
      )
      .map((f) => f.subject)
      .sort((a, b) => Number(b.external === true) - Number(a.external === true))
      .find((s) => s.type === "user");
    if (subject?.id !== undefined) subjects.add(subject.id);
    rows.push({
      id: incident.id,
      rules: incident.rules,
      subject: {
        type: subject?.type ?? "unknown",
        id: subject?.id ?? null,
        userPrincipalName: subject?.userPrincipalName ?? null,
      },
      state: incident.state,
      approvedBy: approval?.actorName ?? null,
      actions: actions.map((a) => ({ action: a.action, outcome: a.state, detail: a.outcome })),
    });
  }
  const tenant = {
    users: Object.fromEntries(
      [...subjects].map((id) => {
        const user = directory.users.get(id);
        return [
          id,
          {
            userPrincipalName: user?.userPrincipalName ?? null,
            accountEnabled: user?.accountEnabled ?? null,
            entraRoles: [...directory.roleAssignments.values()]
              .filter((a) => a.principalId === id)
              .map((a) => a.roleDefinitionId),
            azureRoles: [...directory.azureAssignments.values()]
              .filter((a) => a.principalId === id)
              .map((a) => `${a.roleDefinitionGuid}@${a.scope}`),
          },
        ];
      }),
    ),
    mfaContained:
      [...directory.groups.values()].find((g) => g.mailNickname === "warden-contained-mfa")?.members.size ??
      0,
    transfersBlocked: directory.policy.blockSubscriptionsLeavingTenant,
  };
  return { incidents: rows, tenant };
}
