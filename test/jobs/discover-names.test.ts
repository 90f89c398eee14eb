import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { ArmActivity } from "../../src/cloud/arm-activity.js";
import { credentialFor } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { discoverHandler } from "../../src/jobs/handlers/discover-handler.js";
import { InProcessQueue } from "../../src/jobs/queue/in-process-queue.js";
import type { Job } from "../../src/jobs/queue/job-queue.js";
import { QUEUE } from "../../src/jobs/queues.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { ORGANIZATION_READERS, renameOrganization } from "../../src/sim/tenant/graph-organization-routes.js";
import type { Database } from "../../src/store/database.js";
import { countEvents } from "../../src/store/events-repo.js";
import { displayNames } from "../../src/store/names-repo.js";
import { Csdl } from "../helpers/csdl.js";
import { capturedLogs } from "../helpers/logs.js";
import { freshPglite } from "../helpers/services.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * Discovery keeps the names the incident card shows for where it happened (issue 25): the subscriptions'
 * from ARM's listing and the tenant's from Graph's organization, read over https from the simulator. A
 * subscription that leaves keeps its name; a refused organization read costs the name, never discovery.
 */

const TENANT = "7c2e4a61-0b3d-4f5e-9a8b-1c2d3e4f5a6b";
const STAYS = "21111111-2222-4333-8444-555555555555";
const LEAVES = "26666666-7777-4888-8999-aaaaaaaaaaaa";
const ARRIVES = "2bbbbbbb-cccc-4ddd-8eee-ffffffffffff";
const DISCOVER_JOB: Job = { id: "discover-1", name: "discover", data: { tenantId: TENANT }, attempt: 1 };
const HOUR = 3_600_000;

describe("discovery keeps names", () => {
  let sim: SimCloud;
  let db: Database;
  let drop: () => Promise<void>;
  let graph: GraphDirectory;
  let arm: ArmActivity;
  const queue = new InProcessQueue();
  const { log, lines } = capturedLogs();
  let clock = Date.parse("2026-12-01T10:00:00Z");
  const discover = (directory: Pick<GraphDirectory, "organization"> = graph) =>
    discoverHandler({ arm, directory, db, queue, tenantId: TENANT, pollEveryMs: HOUR, now: () => clock })(
      DISCOVER_JOB,
      { log },
    );
  const names = () => displayNames(db, TENANT, [TENANT, STAYS, LEAVES, ARRIVES]);

  beforeAll(async () => {
    // The scenarios' domain: the simulated tenant is then "Contoso Lab", as in the demo.
    sim = await simCloud(TENANT, [STAYS, LEAVES], "contoso-lab.onmicrosoft.com");
    ({ db, drop } = await freshPglite());
    const credential = credentialFor(TENANT, {
      clientId: SIM_APP.clientId,
      clientSecret: SIM_APP.clientSecret,
      endpoints: { graph: sim.url, arm: sim.url, authority: sim.url },
    });
    graph = new GraphDirectory(credential, sim.url, TENANT, new RateLimiter());
    arm = new ArmActivity(credential, sim.url, TENANT, new RateLimiter());
  });
  afterAll(async () => {
    await queue.close();
    await sim.close();
    await drop?.();
  });

  it("the simulator lists the organization in Graph's shape", async () => {
    const all = (await graph.client.api("/organization").get()) as Record<string, unknown>;
    expect(all["@odata.context"]).toBe(`${sim.url}/v1.0/$metadata#organization`);
    const [org] = all["value"] as Record<string, unknown>[];
    expect(all["value"]).toHaveLength(1);
    // Every property one Graph v1.0 defines for an organization, of its type.
    const csdl = new Csdl(new URL("../fixtures/reference/graph-v1.0.csdl", import.meta.url).pathname);
    expect(csdl.check(org, "graph.organization")).toEqual([]);
    expect(csdl.check({ ...org, tenantName: "x" }, "graph.organization")).toHaveLength(1);
    expect(org).toMatchObject({
      id: TENANT,
      displayName: "Contoso Lab",
      tenantType: "AAD",
      verifiedDomains: [
        {
          capabilities: "Email, OfficeCommunicationsOnline",
          isDefault: true,
          isInitial: true,
          name: "contoso-lab.onmicrosoft.com",
          type: "Managed",
        },
      ],
    });
    const selected = (await graph.client.api("/organization").select("id,displayName").get()) as Record<
      string,
      unknown
    >;
    expect(selected).toEqual({
      "@odata.context": `${sim.url}/v1.0/$metadata#organization(id,displayName)`,
      value: [{ id: TENANT, displayName: "Contoso Lab" }],
    });
    expect(await graph.organization()).toEqual({ id: TENANT, displayName: "Contoso Lab" });
  });

  it("of the subscriptions listed and of the tenant", async () => {
    await discover();
    expect(await names()).toEqual(
      new Map([
        [TENANT, "Contoso Lab"],
        [STAYS, "Subscription 0"],
        [LEAVES, "Subscription 1"],
      ]),
    );
  });

  it("keeps a departed subscription's name, and takes a renamed one's, controls dropped", async () => {
    clock += HOUR;
    sim.subscriptions.splice(
      sim.subscriptions.findIndex((s) => s.subscriptionId === LEAVES),
      1,
    );
    const stays = sim.subscriptions.find((s) => s.subscriptionId === STAYS);
    if (stays === undefined) throw new Error("the test's subscription is missing");
    stays.displayName = "Finance\r\nProd";
    renameOrganization(sim.directory, "Contoso\u202E Lab\u0007 (renamed)");
    await discover();
    // The departure is recorded and its poller ended, as before; its name stays for the card.
    expect(await countEvents(db, TENANT, "observations")).toBe(1);
    expect(await queue.repeats(QUEUE.poll)).not.toContain(`poll:${TENANT}:activity:${LEAVES}`);
    expect(await names()).toEqual(
      new Map([
        [TENANT, "Contoso Lab (renamed)"],
        [STAYS, "FinanceProd"],
        [LEAVES, "Subscription 1"],
      ]),
    );
  });

  it("goes on when Graph refuses the organization (403): subscriptions polled and named, the tenant's name kept", async () => {
    clock += HOUR;
    renameOrganization(sim.directory, "Never read");
    // Graph grants the read to any one of these permissions: Directory.Read.All alone missing is no refusal.
    sim.directory.deniedPermissions.add("Directory.Read.All");
    onTestFinished(() => sim.directory.deniedPermissions.clear());
    expect((await graph.organization())?.displayName).toBe("Never read");
    for (const permission of ORGANIZATION_READERS) sim.directory.deniedPermissions.add(permission);
    await expect(graph.organization()).rejects.toMatchObject({
      statusCode: 403,
      code: "Authorization_RequestDenied",
    });
    renameOrganization(sim.directory, "Contoso Lab (renamed)");

    sim.subscriptions.push({
      subscriptionId: ARRIVES,
      displayName: "Created by the attacker",
      tenantId: TENANT,
      state: "Enabled",
    });
    const before = lines.length;
    await expect(discover()).resolves.toBeUndefined();
    expect(await queue.repeats(QUEUE.poll)).toContain(`poll:${TENANT}:activity:${ARRIVES}`);
    expect(await names()).toEqual(
      new Map([
        [TENANT, "Contoso Lab (renamed)"],
        [STAYS, "FinanceProd"],
        [LEAVES, "Subscription 1"],
        [ARRIVES, "Created by the attacker"],
      ]),
    );
    const warnings = lines.slice(before).filter((l) => l["level"] === 40);
    expect(warnings).toEqual([
      expect.objectContaining({
        msg: "the tenant's name could not be read or kept: the names kept before stay, and discovery goes on",
        status: 403,
        code: "Authorization_RequestDenied",
        remedy: expect.stringContaining("Organization.Read.All or Directory.Read.All"),
      }),
    ]);
    expect(lines.slice(before).at(-1)?.["msg"]).toBe("subscriptions discovered");
  });

  it("takes no name from an organization that is not this tenant's", async () => {
    clock += HOUR;
    const before = lines.length;
    await discover({
      organization: async () => ({ id: "0f0f0f0f-0000-4000-8000-000000000000", displayName: "Evil" }),
    });
    expect((await names()).get(TENANT)).toBe("Contoso Lab (renamed)");
    expect(lines.slice(before).map((l) => l["msg"])).toContain(
      "Graph listed no organization for this tenant",
    );
  });
});
