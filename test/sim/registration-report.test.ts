import type { Client } from "@microsoft/microsoft-graph-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { Csdl } from "../helpers/csdl.js";
import { errorOf, ids, REPORT, type Row, registrationTenant } from "./registration-tenant.js";

/**
 * Graph's authentication methods registration report (userRegistrationDetails), as the simulator serves
 * it to the real Graph client and to plain https: its shape, its query rules, its paging, and inside
 * $batch. Its refusals are in registration-refusals.test.ts.
 */

const csdl = new Csdl(new URL("../fixtures/reference/graph-v1.0.csdl", import.meta.url).pathname);
let sim: SimCloud;
let client: Client;
let get: (path: string) => Promise<Response>;
let json: (path: string) => Promise<{ status: number; body: Record<string, unknown> }>;

beforeAll(async () => {
  ({ sim, client, get, json } = await registrationTenant("5b5b5b5b-0000-4000-8000-00000000005b"));
});
afterAll(async () => sim?.close());

const list = async (query: string) => {
  const { status, body } = await json(`${REPORT}?${query}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body["value"] as Row[];
};

describe("userRegistrationDetails: the resource", () => {
  it("has Graph's shape: lower-case userType, isAdmin from active roles direct or through a group, MFA from strong methods", async () => {
    const { status, body } = await json(`${REPORT}/${ids.admin}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: ids.admin,
      userPrincipalName: "ada.admin@contoso.example",
      userDisplayName: "Ada Admin",
      userType: "member",
      isAdmin: true,
      isMfaRegistered: true,
      isMfaCapable: true,
      isPasswordlessCapable: false,
      methodsRegistered: ["microsoftAuthenticatorPush", "email"],
      systemPreferredAuthenticationMethods: ["push"],
      userPreferredMethodForSecondaryAuthentication: "push",
    });
    expect(body["@odata.context"]).toBe(
      `${sim.url}/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails/$entity`,
    );
    expect(csdl.check(body, "graph.userRegistrationDetails")).toEqual([]);
    const rows = await list("$top=999");
    const by = new Map(rows.map((r) => [r.id, r]));
    expect(by.get(ids.groupAdmin)).toMatchObject({
      isAdmin: true,
      isMfaRegistered: true,
      isPasswordlessCapable: true,
    });
    // Eligible only: no active role, so not an admin in this report, and nothing registered.
    expect(by.get(ids.eligible)).toMatchObject({
      isAdmin: false,
      isMfaRegistered: false,
      methodsRegistered: [],
    });
    expect(by.get(ids.eligible)?.["userPreferredMethodForSecondaryAuthentication"]).toBe("none");
    // Email alone is for password reset, not a second factor.
    expect(by.get(ids.emailOnly)).toMatchObject({
      isMfaRegistered: false,
      isMfaCapable: false,
      methodsRegistered: ["email"],
    });
    expect(by.get(ids.guest)).toMatchObject({ userType: "guest", isMfaRegistered: true });
    for (const row of rows) expect(csdl.check(row, "graph.userRegistrationDetails")).toEqual([]);
  });

  it("answers an unknown id 404 as Graph does", async () => {
    const { status, body } = await json(`${REPORT}/dddddddd-0000-4000-8000-000000000000`);
    expect(status).toBe(404);
    expect(errorOf(body).code).toBe("Request_ResourceNotFound");
  });
});

describe("userRegistrationDetails: the list's query rules", () => {
  it("filters with eq on the documented properties, isAdmin, startswith and methodsRegistered/any", async () => {
    expect((await list("$filter=isAdmin eq true&$top=999")).map((r) => r.id).sort()).toEqual([
      ids.admin,
      ids.groupAdmin,
    ]);
    const admins = await list("$filter=isAdmin eq true and isMfaRegistered eq false");
    expect(admins).toEqual([]);
    expect(
      (await list("$filter=isMfaRegistered eq false and startswith(userDisplayName,'E')"))
        .map((r) => r.id)
        .sort(),
    ).toEqual([ids.eligible, ids.emailOnly].sort());
    expect((await list("$filter=methodsRegistered/any(m: m eq 'fido2')")).map((r) => r.id)).toEqual([
      ids.groupAdmin,
    ]);
    expect((await list("$filter=userPrincipalName eq 'ADA.ADMIN@contoso.example'")).map((r) => r.id)).toEqual(
      [ids.admin],
    );
    expect((await list("$filter=userType eq 'guest'")).map((r) => r.id)).toEqual([ids.guest]);
  });

  it("orders by userDisplayName or userPrincipalName, either way", async () => {
    const names = (await list("$orderby=userDisplayName desc&$top=999")).map((r) =>
      String(r["userDisplayName"]),
    );
    expect(names).toEqual([...names].sort((a, b) => b.toLowerCase().localeCompare(a.toLowerCase())));
    expect((await list("$orderBy=userPrincipalName&$top=1"))[0]?.id).toBe(ids.admin);
  });

  it("refuses with 400 what the list does not support", async () => {
    for (const query of [
      "$select=id,isMfaRegistered",
      "$skip=10",
      "$count=true",
      "$filter=methodsRegistered eq 'email'",
      "$filter=isMfaRegistered ne true",
      "$filter=isAdmin eq true or isMfaRegistered eq true",
      "$filter=lastUpdatedDateTime ge 2025-01-01T00:00:00Z",
      "$filter=isAdmin eq 'true'",
      "$orderby=isAdmin",
      "$top=1000",
      "$top=0",
    ]) {
      const { status, body } = await json(`${REPORT}?${query}`);
      expect(status, query).toBe(400);
      expect(errorOf(body).message, query).toBeTruthy();
    }
    // Getting one user takes no query option at all.
    expect((await get(`${REPORT}/${ids.admin}?$select=id`)).status).toBe(400);
  });

  it("pages with $top and an absolute nextLink the Graph client follows, 100 a page without $top", async () => {
    const seen: string[] = [];
    let pages = 0;
    let answer = (await client
      .api("/reports/authenticationMethods/userRegistrationDetails")
      .top(7)
      .get()) as {
      value: Row[];
      "@odata.nextLink"?: string;
    };
    for (;;) {
      pages++;
      expect(answer.value.length).toBeLessThanOrEqual(7);
      seen.push(...answer.value.map((r) => r.id));
      const next = answer["@odata.nextLink"];
      if (next === undefined) break;
      expect(next.startsWith(`${sim.url}/v1.0/reports/authenticationMethods/userRegistrationDetails?`)).toBe(
        true,
      );
      answer = await client.api(next).get();
    }
    expect(pages).toBe(Math.ceil(sim.directory.users.size / 7));
    expect(new Set(seen).size).toBe(sim.directory.users.size);
    const whole = await json(REPORT);
    expect((whole.body["value"] as Row[]).length).toBe(sim.directory.users.size);
    expect(whole.body["@odata.nextLink"]).toBeUndefined();
  });
});

describe("userRegistrationDetails in $batch", () => {
  it("answers 20 single-user reads in one batch, each on its own, a missing user 404", async () => {
    const users = [...sim.directory.users.keys()].slice(0, 19);
    const requests = [...users, "dddddddd-0000-4000-8000-000000000000"].map((id, i) => ({
      id: String(i + 1),
      method: "GET",
      url: `/reports/authenticationMethods/userRegistrationDetails/${id}`,
    }));
    const answer = (await client.api("/$batch").post({ requests })) as {
      responses: { id: string; status: number; body: Record<string, unknown> }[];
    };
    expect(answer.responses).toHaveLength(20);
    const byId = new Map(answer.responses.map((r) => [r.id, r]));
    users.forEach((id, i) => {
      expect(byId.get(String(i + 1))?.status).toBe(200);
      expect(byId.get(String(i + 1))?.body["id"]).toBe(id);
    });
    expect(byId.get("20")?.status).toBe(404);
  });
});
