import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { AzureRbac } from "../../src/cloud/arm-rbac.js";
import { makeCredential } from "../../src/cloud/credential.js";
import { GraphDirectory, odata } from "../../src/cloud/graph-directory.js";
import { requestEligibility } from "../../src/cloud/pim.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { SubscriptionPolicy } from "../../src/cloud/subscription-policy.js";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";
import { AZURE_ROLE, ENTRA_ROLE } from "../../src/detect/roles.js";
import { loadSeedQueries, queryForWindow } from "../../src/hunting/seed-queries.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { Csdl } from "../helpers/csdl.js";
import { until } from "../helpers/pipeline.js";
import { SIM_APP, settledTenant } from "../helpers/sim.js";

/**
 * The simulated tenant's state through the real SDK clients: what a write changes is what the next read
 * returns, and each change writes the log record Microsoft writes, which Warden's own normalisers read.
 */

let sim: SimCloud;
let day: TenantDay;
let graph: GraphDirectory;
let rbac: AzureRbac;
let policy: SubscriptionPolicy;
const csdl = new Csdl(new URL("../fixtures/reference/graph-v1.0.csdl", import.meta.url).pathname);

beforeAll(async () => {
  ({ sim, day } = await settledTenant(21));
  const credential = makeCredential(
    { tenantId: day.tenant.id, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
    { graph: sim.url, arm: sim.url, authority: sim.url },
  );
  const limiter = new RateLimiter();
  graph = new GraphDirectory(credential, sim.url, day.tenant.id, limiter);
  rbac = new AzureRbac(credential, sim.url, day.tenant.id, limiter);
  policy = new SubscriptionPolicy(credential, sim.url, day.tenant.id, limiter);
});
afterAll(async () => sim?.close());

const attack = (name: string) => {
  const found = day.attacks.find((a) => a.name === name);
  if (found === undefined) throw new Error(`no ${name} attack`);
  return found;
};

/** Log records published since `since`, normalised as the pollers would. */
function changesSince(since: number) {
  return [...(["directoryAudits", "activity"] as const)].flatMap((stream) =>
    sim.logs.query(stream, since, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY).map((p) => {
      const normalised = normaliseRecord(p.record, { tenantId: day.tenant.id });
      return { record: p.record, event: normalised.ok ? normalised.event : undefined };
    }),
  );
}

describe("users", () => {
  it("lists guests page by page with $filter and $top, as the ground truth has them", async () => {
    const guests = await graph.all<{ id: string; userType: string }>("/users", {
      $filter: "userType eq 'Guest'",
      $select: "id,userType,accountEnabled",
      $top: "3",
    });
    const truth = [...sim.directory.users.values()].filter((u) => u.userType === "Guest");
    expect(truth.length).toBeGreaterThan(3); // more than one page
    expect(guests.map((g) => g.id).sort()).toEqual(truth.map((u) => u.id).sort());
    expect(sim.faults.counts.byEndpoint["GET /v1.0/users"]).toBeGreaterThanOrEqual(
      Math.ceil(truth.length / 3),
    );
  });

  it("returns Graph's default properties without $select (no accountEnabled), and all of them with it", async () => {
    const bare = (await graph.client.api(`/users/${attack("hijack").subjectId}`).get()) as Record<
      string,
      unknown
    >;
    expect(bare).not.toHaveProperty("accountEnabled");
    expect(bare["userPrincipalName"]).toBe(attack("hijack").subjectUpn);
    const user = await graph.user(attack("hijack").subjectId);
    expect(user).toMatchObject({ userType: "Guest", accountEnabled: true, creationType: "Invitation" });
    expect(csdl.check(user, "graph.user")).toEqual([]);
  });

  it("disables an account: the next read shows it, and the audit log says who did it", async () => {
    const since = Date.now();
    const id = attack("guest-admin").subjectId;
    await graph.setAccountEnabled(id, false);
    await graph.setAccountEnabled(id, false); // a second time changes nothing
    expect((await graph.user(id))?.accountEnabled).toBe(false);
    const changes = changesSince(since);
    // Both written by the one call, in the same millisecond or the next: newest first says nothing of order.
    expect(changes.map((c) => c.record["activityDisplayName"]).sort()).toEqual([
      "Disable account",
      "Update user",
    ]);
    for (const c of changes) expect(csdl.check(c.record, "graph.directoryAudit")).toEqual([]);
    expect(changes[0]?.event?.actor).toMatchObject({ type: "servicePrincipal", appId: SIM_APP.clientId });
    await graph.setAccountEnabled(id, true);
    expect((await graph.user(id))?.accountEnabled).toBe(true);
  });

  it("revokes sessions: signInSessionsValidFromDateTime moves and the audit log records it", async () => {
    const id = attack("compromised-admin").subjectId;
    const before = (await graph.user(id))?.signInSessionsValidFromDateTime ?? "";
    const since = Date.now();
    await graph.revokeSessions(id);
    expect(Date.parse((await graph.user(id))?.signInSessionsValidFromDateTime ?? "")).toBeGreaterThan(
      Date.parse(before),
    );
    expect(changesSince(since).map((c) => c.record["activityDisplayName"])).toEqual([
      "Invalidate all refresh tokens for user",
    ]);
  });

  it("answers a missing user with Graph's 404 error body", async () => {
    expect(await graph.user("00000000-0000-0000-0000-00000000dead")).toBeUndefined();
    await expect(
      graph.setAccountEnabled("00000000-0000-0000-0000-00000000dead", false),
    ).rejects.toMatchObject({
      statusCode: 404,
      code: "Request_ResourceNotFound",
    });
  });

  it("refuses an unsupported filter with a 400 that names the property", async () => {
    await expect(graph.all("/users", { $filter: "department eq 'x'" })).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining("department"),
    });
  });
});

describe("Entra roles", () => {
  it("the hijack guest holds Global Administrator; removing it is read back and logged", async () => {
    const guest = attack("hijack").subjectId;
    const held = await graph.roleAssignments(`principalId eq ${odata(guest)}`, true);
    expect(held.map((a) => a.roleDefinitionId)).toEqual([ENTRA_ROLE.globalAdministrator]);
    expect(held[0]?.principal).toMatchObject({ "@odata.type": "#microsoft.graph.user", id: guest });
    expect(csdl.check({ ...held[0], principal: undefined }, "graph.unifiedRoleAssignment")).toEqual([]);
    const since = Date.now();
    await graph.deleteRoleAssignment(held[0]?.id ?? "");
    expect(await graph.roleAssignments(`principalId eq ${odata(guest)}`)).toEqual([]);
    const [logged] = changesSince(since);
    expect(logged?.record["activityDisplayName"]).toBe("Remove member from role");
    // Restoring it (an undo) is logged as the grant it is.
    const restored = await graph.createRoleAssignment({
      principalId: guest,
      roleDefinitionId: ENTRA_ROLE.globalAdministrator,
      directoryScopeId: "/",
    });
    expect(restored.principalId).toBe(guest);
    expect(changesSince(since).map((c) => c.event?.kind)).toContain("directory-role-added");
  });

  it("PIM eligibilities: assigned, listed, removed; removing one that is not there is Graph's 400", async () => {
    const user = attack("risky-signin").subjectId;
    const e = { principalId: user, roleDefinitionId: ENTRA_ROLE.userAdministrator, directoryScopeId: "/" };
    await requestEligibility(graph, "adminAssign", e, "test");
    const listed = await graph.eligibilities(`principalId eq ${odata(user)}`);
    expect(listed.map((x) => x.roleDefinitionId)).toEqual([ENTRA_ROLE.userAdministrator]);
    expect(csdl.check({ ...listed[0] }, "graph.unifiedRoleEligibilitySchedule")).toEqual([]);
    await requestEligibility(graph, "adminRemove", e, "test");
    expect(await graph.eligibilities(`principalId eq ${odata(user)}`)).toEqual([]);
    await expect(requestEligibility(graph, "adminRemove", e, "test")).rejects.toMatchObject({
      statusCode: 400,
      code: "RoleAssignmentDoesNotExist",
    });
  });
});

describe("groups and conditional access", () => {
  it("creates a group, missing from replicas for a moment; adds a member once (again is Graph's 400), lists and removes it", async () => {
    const group = await graph.createGroup({
      displayName: "Test containment",
      mailNickname: "test-containment",
      description: "test",
    });
    const member = attack("risky-signin").subjectId;
    // Entra is eventually consistent: right after the create the group is not found, not listed, and
    // adding a member answers 400 "do not exist" (group-post-members, Note).
    expect(await graph.group(group.id)).toBeUndefined();
    expect(await graph.groupByNickname("test-containment")).toBeUndefined();
    await expect(graph.addGroupMember(group.id, member, sim.url)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining("do not exist"),
    });
    await until(async () => (await graph.group(group.id)) !== undefined, 30_000, "the group to replicate");
    expect((await graph.groupByNickname("test-containment"))?.id).toBe(group.id);
    await graph.addGroupMember(group.id, member, sim.url);
    await expect(graph.addGroupMember(group.id, member, sim.url)).rejects.toMatchObject({ statusCode: 400 });
    expect(await graph.groupMemberIds(group.id)).toEqual([member]);
    await graph.removeGroupMember(group.id, member);
    expect(await graph.groupMemberIds(group.id)).toEqual([]);
  });

  it("creates and updates a conditional access policy, refusing one without conditions", async () => {
    const lag = sim.directory.replicationLagMs;
    sim.directory.replicationLagMs = 8_000;
    onTestFinished(() => {
      sim.directory.replicationLagMs = lag;
    });
    const created = await graph.createCaPolicy({
      displayName: "Test MFA",
      state: "enabledForReportingButNotEnforced",
      conditions: {
        users: { includeGroups: ["g"], excludeUsers: [] },
        applications: { includeApplications: ["All"] },
        clientAppTypes: ["all"],
      },
      grantControls: { operator: "OR", builtInControls: ["mfa"] },
    });
    expect(csdl.check({ ...created, "@odata.context": undefined }, "graph.conditionalAccessPolicy")).toEqual(
      [],
    );
    // Just created: not updatable, not found, not listed until it has replicated (each request here
    // waits its turn at conditional access's 1 request/s, so the lag is made long enough to see it).
    await expect(graph.updateCaPolicy(created.id, { state: "enabled" })).rejects.toMatchObject({
      statusCode: 404,
    });
    expect(await graph.caPolicy(created.id)).toBeUndefined();
    expect((await graph.caPolicies()).some((p) => p.id === created.id)).toBe(false);
    await until(
      async () => (await graph.caPolicy(created.id)) !== undefined,
      30_000,
      "the policy to replicate",
    );
    await graph.updateCaPolicy(created.id, { state: "enabled" });
    expect((await graph.caPolicies()).find((p) => p.id === created.id)?.state).toBe("enabled");
    await expect(
      graph.createCaPolicy({ displayName: "bad", state: "enabled", conditions: {}, grantControls: null }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it("lists the attack's compromised admins among risky users", async () => {
    const risky = await graph.riskyUsers("riskLevel eq 'high'");
    for (const name of ["compromised-admin", "risky-signin"]) {
      expect(risky.map((r) => r.id)).toContain(attack(name).actorId);
    }
    for (const r of risky) expect(csdl.check(r, "graph.riskyUser")).toEqual([]);
  });
});

describe("$batch", () => {
  it("runs several writes in one request, and retries the steps throttled inside an answered batch", async () => {
    const ids = [attack("guest-admin").subjectId, attack("hijack").subjectId];
    const before = sim.faults.counts.byEndpoint["POST /v1.0/$batch"] ?? 0;
    // Half of all requests refused for a while: the batch itself and its inner steps.
    sim.faults.plan = { throttle: { fraction: 0.5, until: Date.now() + 1_500, retryAfterSeconds: 1 } };
    const answers = await graph.batch(
      ids.flatMap((id) => [
        {
          id: `disable-${id}`,
          method: "PATCH" as const,
          url: `/users/${id}`,
          body: { accountEnabled: false },
        },
        {
          id: `revoke-${id}`,
          method: "POST" as const,
          url: `/users/${id}/revokeSignInSessions`,
          body: {},
          dependsOn: [`disable-${id}`],
        },
      ]),
    );
    sim.faults.plan = {};
    expect([...answers.values()].map((a) => a.status).sort()).toEqual([200, 200, 204, 204]);
    for (const id of ids) expect(sim.directory.users.get(id)?.accountEnabled).toBe(false);
    expect((sim.faults.counts.byEndpoint["POST /v1.0/$batch"] ?? 0) - before).toBeGreaterThan(1);
    for (const id of ids) await graph.setAccountEnabled(id, true);
  });
});

describe("Azure roles and the transfer policy", () => {
  it("finds the guest's Owner assignment, deletes it (logged), and recreates it with the same name", async () => {
    const guest = attack("guest-admin").subjectId;
    const [subscription] = attack("guest-admin").subscriptionIds;
    const held = await rbac.assignments(
      sim.directory.subscriptions.map((s) => s.subscriptionId),
      guest,
    );
    expect(held.map((a) => [a.scope, a.roleDefinitionId.split("/").pop()])).toEqual([
      [`/subscriptions/${subscription}`, AZURE_ROLE.owner],
    ]);
    const owner = held[0];
    if (owner === undefined) throw new Error("no assignment");
    expect((await rbac.roleDefinition(owner.roleDefinitionId))?.roleName).toBe("Owner");
    const since = Date.now();
    await rbac.deleteAssignment(owner.id);
    await rbac.deleteAssignment(owner.id); // deleting what is gone is ARM's 204, not an error
    expect(await rbac.assignment(owner.id)).toBeUndefined();
    const deleted = changesSince(since).filter((c) => c.record["operationName"] !== undefined);
    expect(deleted).toHaveLength(1);
    expect(deleted[0]?.record["operationName"]).toHaveProperty(
      "value",
      "Microsoft.Authorization/roleAssignments/delete",
    );
    const { id: _id, ...rest } = owner;
    await rbac.createAssignment(rest);
    expect(await rbac.assignment(owner.id)).toMatchObject({ principalId: guest, name: owner.name });
  });

  it("refuses Warden's app the transfer policy, as Microsoft does; a Global Administrator who elevated sets it", async () => {
    const since = Date.now();
    expect((await policy.read()).blockSubscriptionsLeavingTenant).toBe(false); // the hijack loosened it
    const block = {
      blockSubscriptionsLeavingTenant: true,
      blockSubscriptionsIntoTenant: false,
      exemptedPrincipals: [],
    };
    // "Only directory global administrators with direct role assignment [who elevated access] can edit
    // subscription policies": an app never can.
    await expect(policy.write(block)).rejects.toMatchObject({ statusCode: 403, code: "AuthorizationFailed" });
    expect((await policy.read()).blockSubscriptionsLeavingTenant).toBe(false);
    // A user who is no Global Administrator cannot elevate; one who is, can, and then writes it.
    const member = [...sim.directory.users.values()].find(
      (u) =>
        u.userType === "Member" &&
        !day.breakGlass.some((b) => b.id === u.id) &&
        ![...sim.directory.roleAssignments.values()].some((a) => a.principalId === u.id),
    );
    expect(() => sim.directory.administratorSetsTransferPolicy(member?.id ?? "", true, false)).toThrow(
      /not a Global Administrator/,
    );
    const admin = day.breakGlass[0];
    if (admin === undefined) throw new Error("no Global Administrator in the seed");
    sim.directory.administratorSetsTransferPolicy(admin.id, true, false);
    const read = await policy.read();
    expect(read).toMatchObject({ ...block, lastModified: { by: admin.userPrincipalName, byType: "User" } });
    expect(Date.parse(read.lastModified?.at ?? "")).toBeGreaterThanOrEqual(since - 1_000);
    const written = changesSince(since).map((c) => c.event);
    expect(written).toEqual([
      expect.objectContaining({
        kind: "subscription-policy-written",
        blockLeaving: true,
        actor: expect.objectContaining({ type: "user", userPrincipalName: admin.userPrincipalName }),
      }),
    ]);
  });

  it("no longer lists the subscription the hijack moved out, and answers 404 for its assignments", async () => {
    const [moved] = attack("hijack").subscriptionIds;
    expect(sim.directory.subscriptions.map((s) => s.subscriptionId)).not.toContain(moved);
    await expect(rbac.assignments([moved ?? ""])).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe("Defender advanced hunting", () => {
  /** The kinds of event a seed query's rows are read as, all rows readable. */
  async function hunted(name: string): Promise<{ kinds: Set<string>; shapes: Set<string> }> {
    const query = loadSeedQueries().find((q) => q.name === name);
    if (query === undefined) throw new Error(`no seed query ${name}`);
    const rows = await graph.runHuntingQuery(queryForWindow(query, new Date(0), new Date()));
    const events = rows.map((r) => normaliseRecord(r, { tenantId: day.tenant.id }));
    expect(events.filter((e) => !e.ok)).toEqual([]);
    const read = events.flatMap((e) => (e.ok ? [e.event] : []));
    return { kinds: new Set(read.map((e) => e.kind)), shapes: new Set(read.map((e) => e.shape)) };
  }

  it("answers the seed query from the tenant's audit records, as rows the normalisers read", async () => {
    const { kinds } = await hunted("entra-directory-changes");
    expect(kinds).toContain("user-invited");
    expect(kinds).toContain("directory-role-added");
    await expect(graph.runHuntingQuery("DeviceEvents | take 10")).rejects.toMatchObject({ statusCode: 400 });
  });

  it("answers the Azure activity and sign-in queries with CloudAppEvents and EntraIdSignInEvents rows", async () => {
    const azure = await hunted("azure-activity");
    expect(azure.shapes).toEqual(new Set(["defender-cloud-app-event"]));
    expect(azure.kinds).toContain("vm-created");
    expect(azure.kinds).toContain("azure-role-assigned");
    expect(azure.kinds).toContain("subscription-tenant-changed");
    const signIns = await hunted("entra-sign-ins");
    expect(signIns.shapes).toEqual(new Set(["defender-sign-in"]));
    expect(signIns.kinds).toEqual(new Set(["sign-in"]));
  });
});

describe("certificate credential", () => {
  it("gets tokens with a signed assertion for a registered certificate, and is refused with another", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-cert-"));
    const make = (name: string) => {
      const pem = join(dir, `${name}.pem`);
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          `/CN=${name}`,
          "-keyout",
          pem,
          "-out",
          join(dir, `${name}.crt`),
        ],
        { stdio: "ignore" },
      );
      // The credential wants key and certificate in one PEM file.
      const both = join(dir, `${name}-both.pem`);
      execFileSync("sh", ["-c", `cat ${pem} ${join(dir, `${name}.crt`)} > ${both}`]);
      return { both, cert: readFileSync(join(dir, `${name}.crt`), "utf8") };
    };
    const registered = make("registered");
    const other = make("other");
    const app = { clientId: "7d9e1f2a-3b4c-4d5e-8f60-718293a4b5c6", certificatePem: registered.cert };
    const certSim = await import("../../src/sim/cloud/sim-server.js").then((m) =>
      m.startSimCloud({ tenantId: day.tenant.id, apps: [app], subscriptions: [] }),
    );
    try {
      const endpoints = { graph: certSim.url, arm: certSim.url, authority: certSim.url };
      const good = makeCredential(
        { tenantId: day.tenant.id, clientId: app.clientId, clientCertificatePath: registered.both },
        endpoints,
      );
      const bad = makeCredential(
        { tenantId: day.tenant.id, clientId: app.clientId, clientCertificatePath: other.both },
        endpoints,
      );
      const limiter = new RateLimiter();
      expect(await new GraphDirectory(good, certSim.url, day.tenant.id, limiter).all("/users")).toEqual([]);
      await expect(
        new GraphDirectory(bad, certSim.url, day.tenant.id, limiter).all("/users"),
      ).rejects.toThrow(/invalid_client|AADSTS/);
    } finally {
      await certSim.close();
    }
  });
});
