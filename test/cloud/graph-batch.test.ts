import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredential } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { SIM_APP, settledTenant } from "../helpers/sim.js";

/**
 * Request ids of `$batch` steps, where Microsoft puts them (issue 18, point 11): a step's answer has no
 * request-id header, so a step that succeeded is known by the batch's own id and a refused one by its
 * error body's innerError. Through the real Graph client against the simulator.
 */

let sim: SimCloud;
let day: TenantDay;
let graph: GraphDirectory;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(29, 0));
  const credential = makeCredential(
    { tenantId: day.tenant.id, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
    { graph: sim.url, arm: sim.url, authority: sim.url },
  );
  graph = new GraphDirectory(credential, sim.url, day.tenant.id, new RateLimiter());
});
afterAll(async () => sim?.close());

describe("a $batch's request ids", () => {
  it("gives a step that succeeded the batch's id, and a refused step its error's id", async () => {
    const user = [...sim.directory.users.values()].find((u) => u.userType === "Member");
    if (user === undefined) throw new Error("no member in the tenant");
    const answers = await graph.batch([
      { id: "read", method: "GET", url: `/users/${user.id}` },
      { id: "gone", method: "DELETE", url: "/roleManagement/directory/roleAssignments/no-such-assignment" },
    ]);
    const read = answers.get("read");
    const gone = answers.get("gone");
    expect(read?.status).toBe(200);
    expect(gone?.status).toBe(404);
    // As Microsoft answers: no request-id on a step.
    expect(read?.headers).not.toHaveProperty("request-id");
    expect(gone?.headers).not.toHaveProperty("request-id");
    const refusal = gone?.body as { error?: { innerError?: { "request-id"?: string } } } | undefined;
    expect(gone?.requestId).toBe(refusal?.error?.innerError?.["request-id"]);
    expect(gone?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(read?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(read?.requestId).not.toBe(gone?.requestId);
  });
});
