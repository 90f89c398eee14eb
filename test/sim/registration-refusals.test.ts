import type { Client } from "@microsoft/microsoft-graph-client";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { errorOf, ids, REPORT, registrationTenant } from "./registration-tenant.js";

/**
 * What Graph refuses around the registration report: the report without an Entra ID P1 or P2 licence or
 * without AuditLog.Read.All (alone and as a $batch step), and `$select=signInActivity` on users likewise.
 */

let sim: SimCloud;
let client: Client;
let get: (path: string) => Promise<Response>;
let json: (path: string) => Promise<{ status: number; body: Record<string, unknown> }>;

beforeAll(async () => {
  ({ sim, client, get, json } = await registrationTenant("5c5c5c5c-0000-4000-8000-00000000005c"));
});
afterAll(async () => sim?.close());

/** Changes the tenant for one test only. */
const set = <T>(change: () => T, undo: () => void) => {
  change();
  onTestFinished(undo);
};

describe("refusals: licence and permission", () => {
  it("refuses the report on a tenant without Entra ID P1 or P2, and serves it on P1", async () => {
    set(
      () => (sim.directory.licence = "free"),
      () => (sim.directory.licence = "P2"),
    );
    for (const path of [REPORT, `${REPORT}/${ids.admin}`]) {
      const { status, body } = await json(path);
      expect(status).toBe(403);
      expect(errorOf(body)).toEqual(
        expect.objectContaining({
          code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
          message: "Neither tenant is B2C or tenant doesn't have premium license",
        }),
      );
    }
    sim.directory.licence = "P1";
    expect((await get(REPORT)).status).toBe(200);
  });

  it("refuses the report without AuditLog.Read.All, before it looks at the licence", async () => {
    set(
      () => sim.directory.deniedPermissions.add("AuditLog.Read.All"),
      () => sim.directory.deniedPermissions.clear(),
    );
    set(
      () => (sim.directory.licence = "free"),
      () => (sim.directory.licence = "P2"),
    );
    for (const path of [REPORT, `${REPORT}/${ids.admin}`]) {
      const { status, body } = await json(path);
      expect(status).toBe(403);
      expect(errorOf(body)).toEqual(
        expect.objectContaining({
          code: "Authentication_MSGraphPermissionMissing",
          message: "Calling principal does not have required MSGraph permissions AuditLog.Read.All",
        }),
      );
    }
  });

  it("refuses $select=signInActivity on users without a licence or without AuditLog.Read.All, and only that", async () => {
    const withActivity = `/v1.0/users?$select=id,signInActivity`;
    expect((await get(withActivity)).status).toBe(200);
    expect((await get(`/v1.0/users/${ids.admin}?$select=signInActivity`)).status).toBe(200);
    sim.directory.licence = "free";
    onTestFinished(() => {
      sim.directory.licence = "P2";
      sim.directory.deniedPermissions.clear();
    });
    for (const path of [withActivity, `/v1.0/users/${ids.admin}?$select=displayName,signInActivity`]) {
      const { status, body } = await json(path);
      expect(status).toBe(403);
      expect(errorOf(body).code).toBe("Authentication_RequestFromNonPremiumTenantOrB2CTenant");
    }
    expect((await get("/v1.0/users?$select=id,displayName")).status).toBe(200);
    sim.directory.licence = "P2";
    sim.directory.deniedPermissions.add("AuditLog.Read.All");
    const { status, body } = await json(withActivity);
    expect(status).toBe(403);
    expect(errorOf(body).code).toBe("Authentication_MSGraphPermissionMissing");
    // methodsRegistered belongs to the report, never to the user resource.
    const plain = await json(`/v1.0/users/${ids.admin}?$select=id,methodsRegistered`);
    expect(plain.body).not.toHaveProperty("methodsRegistered");
  });

  it("refuses each step 403 when the tenant has no premium licence", async () => {
    set(
      () => (sim.directory.licence = "free"),
      () => (sim.directory.licence = "P2"),
    );
    const answer = (await client.api("/$batch").post({
      requests: [
        {
          id: "1",
          method: "GET",
          url: `/reports/authenticationMethods/userRegistrationDetails/${ids.admin}`,
        },
      ],
    })) as { responses: { status: number; body: Record<string, unknown> }[] };
    expect(answer.responses[0]?.status).toBe(403);
    expect(errorOf(answer.responses[0]?.body ?? {}).code).toBe(
      "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
    );
  });
});
