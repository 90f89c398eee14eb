import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredential } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { graphScopeFor } from "../../src/cloud/scopes.js";
import { identityFromToken } from "../../src/cloud/token-identity.js";
import { DEFAULT_DETECT_CONFIG, isWarden } from "../../src/detect/detect-config.js";
import { withOwnServicePrincipal } from "../../src/jobs/live-detect-config.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * Core Directory logs Warden's own group changes by its service principal alone (appId null). When the
 * deployment does not name it (WARDEN_SERVICE_PRINCIPAL_ID), Warden reads it from Graph by its client id,
 * so that its own containment is not raised as tampering with its group.
 */

const TENANT = "5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
let sim: SimCloud;
let graph: GraphDirectory;
let credential: ReturnType<typeof makeCredential>;
const warnings: string[] = [];
const log = { warn: (_fields: unknown, message: string) => void warnings.push(message) };

beforeAll(async () => {
  sim = await simCloud(TENANT, []);
  credential = makeCredential(
    { tenantId: TENANT, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
    { graph: sim.url, arm: sim.url, authority: sim.url },
  );
  graph = new GraphDirectory(credential, sim.url, TENANT, new RateLimiter());
});
afterAll(async () => {
  await sim?.close();
});

describe("Warden's own service principal", () => {
  it("is read from Graph by client id when not configured, so a change logged by it alone is Warden's", async () => {
    const config = { ...DEFAULT_DETECT_CONFIG, ownAppIds: [SIM_APP.clientId] };
    const resolved = await withOwnServicePrincipal(config, graph, SIM_APP.clientId, log)();
    expect(resolved.ownServicePrincipalIds).toEqual([SIM_APP.servicePrincipalId]);
    const byServicePrincipalOnly = { type: "servicePrincipal" as const, id: SIM_APP.servicePrincipalId };
    expect(isWarden(byServicePrincipalOnly, resolved)).toBe(true);
    expect(isWarden(byServicePrincipalOnly, config)).toBe(false);
    // A user is never Warden, whatever it is called.
    expect(
      isWarden({ type: "user", id: SIM_APP.servicePrincipalId, appId: SIM_APP.clientId }, resolved),
    ).toBe(false);
  });

  it("keeps what is configured, and goes on without one for an app with no service principal here", async () => {
    const configured = {
      ...DEFAULT_DETECT_CONFIG,
      ownServicePrincipalIds: ["11111111-2222-4333-8444-555555555555"],
    };
    expect(await withOwnServicePrincipal(configured, graph, SIM_APP.clientId, log)()).toBe(configured);
    const unknown = await withOwnServicePrincipal(
      DEFAULT_DETECT_CONFIG,
      graph,
      "99999999-8888-4777-8666-555555555555",
      log,
    )();
    expect(unknown.ownServicePrincipalIds).toEqual([]);
    expect(warnings).toContain("Warden's app has no service principal in this tenant");
  });

  it("learns its app and service principal from its own token when neither is configured (a system-assigned identity)", async () => {
    const fromToken = async () => {
      const token = await credential.getToken(graphScopeFor(sim.url));
      return identityFromToken(token?.token ?? "");
    };
    const lookups = () => sim.faults.log.filter((r) => r.path.includes("servicePrincipals")).length;
    const before = lookups();
    const resolved = await withOwnServicePrincipal(DEFAULT_DETECT_CONFIG, graph, undefined, log, fromToken)();
    expect(resolved.ownAppIds).toEqual([SIM_APP.clientId]);
    expect(resolved.ownServicePrincipalIds).toEqual([SIM_APP.servicePrincipalId]);
    // Read from the token: no Graph permission asked for.
    expect(lookups()).toBe(before);
  });

  it("takes its ids only from an app's token, never a user's", () => {
    const token = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;
    const oid = "30a6c29d-de7c-4830-815f-9b3bb366e975";
    const appid = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";
    expect(identityFromToken(token({ idtyp: "app", appid, oid }))).toEqual({
      appId: appid,
      servicePrincipalId: oid,
    });
    // A user's token (az login) names the client the user signed in with: never taken for Warden's.
    expect(identityFromToken(token({ idtyp: "user", appid, oid, scp: "User.Read" }))).toEqual({});
    expect(identityFromToken(token({ azp: appid, oid, scp: "User.Read" }))).toEqual({});
    expect(identityFromToken(token({ idtyp: "app", appid: "not-a-guid", oid: "x" }))).toEqual({});
    expect(identityFromToken("opaque")).toEqual({});
  });
});
