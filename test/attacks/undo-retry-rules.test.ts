import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWarden, startWorker, type Warden } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import type { Finding } from "../../src/detect/finding.js";
import { createWebApp, listen } from "../../src/server/web.js";
import { BotTokenIssuer } from "../../src/sim/bot/bot-token-issuer.js";
import { FakeConnector } from "../../src/sim/bot/connector.js";
import { actionsOf, finishAction, recordPlannedActions } from "../../src/store/actions-repo.js";
import { insertFindings } from "../../src/store/findings-repo.js";
import {
  auditTrail,
  createIncident,
  getIncident,
  type IncidentState,
  transitionIncident,
  updateIncidentContent,
} from "../../src/store/incidents-repo.js";
import { quietLogger } from "../helpers/logs.js";
import { until } from "../helpers/pipeline.js";
import { freshPostgres } from "../helpers/services.js";

/**
 * Issue 17, finding 2: Undo and Retry skipped the approval rules. Approve refused the incident's subject
 * and actor and took two approvers for a critical incident, but Undo and Retry checked only the
 * approvers' group and the state: the compromised Global Admin who was an incident's actor (and an
 * approver) could not approve it, yet undid it alone.
 * Finding 5: the two-approver rule covered the incident, not the actions: the first approver chose one
 * action, the second clicked plain Approve, and all of them ran; a first approval also survived the
 * incident's growth.
 * Through /api/messages, with invokes signed by the simulated Bot Framework token service.
 */

const BOT_APP_ID = "b07ba5e1-0000-4000-8000-0000000000f2";
const TENANT = "f2f2f2f2-0000-4000-8000-0000000000f2";
const ANALYST = { id: "5a5a5a5a-0000-4000-8000-0000000000f2", name: "SOC Analyst" };
const BOB = { id: "b0b0b0b0-0000-4000-8000-0000000000f2", name: "Bob" };
/** A Global Admin and approver, compromised: the actor of every incident below. */
const ADMIN = { id: "ad000000-0000-4000-8000-0000000000f2", name: "Priya Raman" };
const GUEST = "9e000000-0000-4000-8000-0000000000f2";

const issuer = new BotTokenIssuer();
const connector = new FakeConnector();
let warden: Warden;
let server: Server;
let drop: () => Promise<void>;
let url: string;

beforeAll(async () => {
  await issuer.start();
  await connector.start();
  // PostgreSQL rather than the embedded store: it opens in a fraction of PGlite's time.
  const database = await freshPostgres();
  drop = database.drop;
  warden = await openWarden(
    loadConfig({
      env: {
        WARDEN_TENANT_ID: TENANT,
        DATABASE_URL: database.url,
        MICROSOFT_APP_ID: BOT_APP_ID,
        WARDEN_BOT_OPENID_METADATA_URL: issuer.openIdMetadataUrl,
        WARDEN_APPROVERS: [ANALYST.id, BOB.id, ADMIN.id].join(","),
        WARDEN_CRITICAL_TWO_APPROVERS: "true",
      },
    }),
    quietLogger("error"),
  );
  startWorker(warden);
  server = await listen(createWebApp(warden), 0, "127.0.0.1");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
}, 60_000);

afterAll(async () => {
  server?.close();
  await warden?.close();
  await drop?.();
  await connector.close();
  await issuer.close();
});

/** A critical incident about the guest, done by the admin, taken through `states` with its trail. */
async function incident(id: string, states: IncidentState[], actions: string[] = []): Promise<void> {
  const finding: Finding = {
    id: `f-${id}`,
    rule: "guest-privileged-role",
    severity: "critical",
    confidence: 0.97,
    tenantId: TENANT,
    time: Date.now(),
    subject: { type: "user", id: GUEST, external: true },
    actor: { type: "user", id: ADMIN.id },
    subscriptionIds: [],
    evidence: [],
    summary: "test",
  };
  await insertFindings(warden.db, [finding]);
  await createIncident(warden.db, id, TENANT, {
    severity: "critical",
    confidence: 0.97,
    firstTime: finding.time,
    lastTime: finding.time,
    findingIds: [finding.id],
    rules: [finding.rule],
  });
  await recordPlannedActions(
    warden.db,
    actions.map((action) => ({
      id: `${id}:${action}:user:${GUEST}`,
      tenantId: TENANT,
      incidentId: id,
      action,
      target: { kind: "user", id: GUEST, label: "the guest" },
      state: "planned" as const,
      plan: { changes: [action] },
    })),
  );
  let from: IncidentState = "open";
  for (const to of states) {
    await transitionIncident(warden.db, id, [from], to, {
      action: to === "approved" ? "approved" : to,
      ...(to === "approved" ? { actorId: ANALYST.id, actorName: ANALYST.name } : {}),
    });
    from = to;
  }
}

async function click(id: string, verb: string, who: { id: string; name: string }, data = {}) {
  const current = await getIncident(warden.db, id);
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${issuer.channelToken(BOT_APP_ID, connector.url)}`,
    },
    body: JSON.stringify({
      type: "invoke",
      name: "adaptiveCard/action",
      channelId: "msteams",
      serviceUrl: connector.url,
      id: String(Date.now()),
      recipient: { id: `28:${BOT_APP_ID}`, name: "Warden" },
      from: { id: `29:${who.id}`, aadObjectId: who.id, name: who.name },
      conversation: { id: "19:soc@thread.tacv2", conversationType: "channel", tenantId: TENANT },
      channelData: { tenant: { id: TENANT } },
      value: {
        action: {
          type: "Action.Execute",
          verb,
          data: { incidentId: id, version: current?.version, ...data },
        },
      },
    }),
  });
  expect(res.status).toBe(200);
  return JSON.stringify(await res.json());
}

/** Undo asks why: it may give an attacker back what containment took. */
const WHY = { reason: "the guest is a contractor, confirmed by phone" };

const trailOf = async (id: string) =>
  (await auditTrail(warden.db, id)).map((e) => `${e.action} ${e.actorName ?? ""}`.trim());

describe("undo and retry pass the same rules as approve", () => {
  it("refuses the incident's own actor, and takes two different people for a critical incident", async () => {
    await incident("inc-undo", ["pending", "approved", "executing", "contained"]);
    expect(await click("inc-undo", "undo", ADMIN, WHY)).toContain("subject or the actor");
    expect(await trailOf("inc-undo")).not.toContain(`undo-requested ${ADMIN.name}`);

    expect(await click("inc-undo", "undo", ANALYST, WHY)).toContain("Undo approved by SOC Analyst");
    expect(await click("inc-undo", "undo", ANALYST, WHY)).toContain("second, different approver");
    expect((await getIncident(warden.db, "inc-undo"))?.state).toBe("contained");
    await click("inc-undo", "undo", BOB, WHY);
    await until(
      async () => (await getIncident(warden.db, "inc-undo"))?.state === "reverted",
      20_000,
      "the undo to run",
    );
    expect(await trailOf("inc-undo")).toEqual(
      expect.arrayContaining([`first-approval ${ANALYST.name}`, `undo-requested ${BOB.name}`]),
    );
  }, 30_000);

  it("refuses a retry by the incident's own actor, and runs one two people agreed on", async () => {
    await incident("inc-retry", ["pending", "approved", "executing", "failed"]);
    expect(await click("inc-retry", "retry", ADMIN)).toContain("subject or the actor");
    expect((await getIncident(warden.db, "inc-retry"))?.state).toBe("failed");
    expect(await click("inc-retry", "retry", ANALYST)).toContain("Retry approved by SOC Analyst");
    expect((await getIncident(warden.db, "inc-retry"))?.state).toBe("failed");
    await click("inc-retry", "retry", BOB);
    await until(
      async () => (await getIncident(warden.db, "inc-retry"))?.state === "contained",
      20_000,
      "the retry to run",
    );
    const retried = (await auditTrail(warden.db, "inc-retry")).find(
      (e) => e.action === "approved" && e.detail?.["retry"] === true,
    );
    expect(retried?.actorName).toBe(BOB.name);
  }, 30_000);
});

describe("second thoughts need a reason, and a retry something it can mend", () => {
  it("refuses an undo without a reason, and records the reason of one given", async () => {
    await incident("inc-why", ["pending", "approved", "executing", "contained"]);
    expect(await click("inc-why", "undo", ANALYST)).toContain("an undo needs a reason");
    expect(await click("inc-why", "undo", ANALYST, { reason: "   " })).toContain("an undo needs a reason");
    expect(await trailOf("inc-why")).not.toContain(`first-approval ${ANALYST.name}`);
    await click("inc-why", "undo", ANALYST, WHY);
    await click("inc-why", "undo", BOB, WHY);
    const asked = (await auditTrail(warden.db, "inc-why")).find((e) => e.action === "undo-requested");
    expect(asked?.detail?.["reason"]).toBe(WHY.reason);
  }, 30_000);

  it("refuses a retry when every failure is one a retry cannot mend (a 404)", async () => {
    await incident("inc-gone", ["pending", "approved", "executing", "failed"], ["disable-account"]);
    await finishAction(warden.db, `inc-gone:disable-account:user:${GUEST}`, {
      state: "failed",
      outcome:
        "failed: Not found (Request_ResourceNotFound): the object no longer exists or was never there.",
    });
    expect(await click("inc-gone", "retry", ANALYST)).toContain("nothing here can succeed on a retry");
    expect(await trailOf("inc-gone")).not.toContain(`first-approval ${ANALYST.name}`);
  });
});

describe("taking ownership", () => {
  it("gives an incident one owner, never its own actor, and says so in the trail", async () => {
    await incident("inc-own", ["pending"]);
    expect(await click("inc-own", "acknowledge", ADMIN)).toContain("subject or the actor");
    await click("inc-own", "acknowledge", ANALYST);
    expect(await click("inc-own", "acknowledge", BOB)).toContain("SOC Analyst already owns it");
    const owners = (await auditTrail(warden.db, "inc-own")).filter((e) => e.action === "acknowledged");
    expect(owners.map((e) => e.actorName)).toEqual([ANALYST.name]);
  });
});

describe("the second approval of a critical incident", () => {
  it("must approve the actions the first approved, on the same version", async () => {
    await incident("inc-subset", ["pending"], ["block-sign-in", "disable-account"]);
    const block = `inc-subset:block-sign-in:user:${GUEST}`;
    await click("inc-subset", "approveSelected", ANALYST, { actions: block });
    // Plain Approve would run both: refused.
    expect(await click("inc-subset", "approve", BOB)).toContain("approve the same ones");
    expect((await getIncident(warden.db, "inc-subset"))?.state).toBe("pending");
    await click("inc-subset", "approveSelected", BOB, { actions: block });
    expect((await getIncident(warden.db, "inc-subset"))?.state).not.toBe("pending");
    const states = Object.fromEntries(
      (await actionsOf(warden.db, "inc-subset")).map((a) => [a.action, a.state]),
    );
    expect(states["disable-account"]).toBe("skipped");
  }, 30_000);

  it("lapses when the incident grows: the next approval is a first one again", async () => {
    await incident("inc-grows", ["pending"], ["disable-account"]);
    expect(await click("inc-grows", "approve", ANALYST)).toContain("Approved by SOC Analyst");
    const now = await getIncident(warden.db, "inc-grows");
    if (now === undefined) throw new Error("no incident");
    // Detection adds a finding: the version moves on.
    await updateIncidentContent(warden.db, "inc-grows", {
      severity: now.severity,
      confidence: now.confidence,
      firstTime: now.firstTime,
      lastTime: now.lastTime + 1,
      findingIds: now.findingIds,
      rules: now.rules,
    });
    expect(await click("inc-grows", "approve", BOB)).toContain("Approved by Bob");
    expect((await getIncident(warden.db, "inc-grows"))?.state).toBe("pending");
    expect((await trailOf("inc-grows")).filter((e) => e.startsWith("first-approval"))).toEqual([
      `first-approval ${ANALYST.name}`,
      `first-approval ${BOB.name}`,
    ]);
  }, 30_000);
});
