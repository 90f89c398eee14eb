import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AzureRbac } from "../../src/cloud/arm-rbac.js";
import { makeCredential } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { collectInventory, homeDomainOf, type InventoryEntry } from "../../src/inventory/collect.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { startSimCloud } from "../../src/sim/cloud/sim-server.js";
import { type InventoryTruth, seedLargeTenant } from "../../src/sim/tenant/large-tenant.js";
import { SIM_APP } from "../helpers/sim.js";

/**
 * The external-admin inventory of a tenant with 10,000 guests (300 privileged externals, every way the
 * inventory must see) and 200 subscriptions, checked against the simulation's ground truth.
 */

const TENANT = "3d9f6c2a-8b1e-4f7a-9c5d-0e2f4a6b8c1d";
let sim: SimCloud;
let truth: InventoryTruth;
let entries: InventoryEntry[];
let gaps: string[];
let graph: GraphDirectory;
let rbac: AzureRbac;
let requests: number;
let endpoints: Record<string, number>;

beforeAll(async () => {
  sim = await startSimCloud({
    tenantId: TENANT,
    domain: "fabrikam-lab.onmicrosoft.com",
    apps: [{ ...SIM_APP }],
    subscriptions: [],
  });
  truth = seedLargeTenant(sim.directory, { guests: 10_000, privilegedGuests: 300, subscriptions: 200 });
  const credential = makeCredential(
    { tenantId: TENANT, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
    { graph: sim.url, arm: sim.url, authority: sim.url },
  );
  const limiter = new RateLimiter();
  graph = new GraphDirectory(credential, sim.url, TENANT, limiter);
  rbac = new AzureRbac(credential, sim.url, TENANT, limiter);
  const before = sim.faults.counts.total;
  // Without last sign-ins: Graph allows 10 user reads selecting signInActivity a minute, so the 22 reads
  // for these 330 admins take two minutes (test/posture reads them, on a small tenant; the bench here).
  ({ entries, gaps } = await collectInventory({
    signIns: false,
    graph,
    rbac,
    subscriptions: async () => sim.directory.subscriptions.map((s) => s.subscriptionId),
    now: Date.now,
  }));
  requests = sim.faults.counts.total - before;
  endpoints = { ...sim.faults.counts.byEndpoint };
}, 120_000);
afterAll(async () => sim?.close());

describe("the external-admin inventory", () => {
  it("lists exactly the privileged external principals, and no member or unprivileged guest", () => {
    expect(truth.privileged.size).toBe(300);
    expect(entries.map((e) => e.id).sort()).toEqual([...truth.privileged.keys()].sort());
  });

  it("gives each its roles with scope and whether eligible or active, directly or through a group", () => {
    for (const entry of entries) {
      const found = entry.roles.map((r) =>
        r.kind === "entra" ? `entra:${r.assignment}:${r.roleId}` : `azure:${r.scope}:${r.roleId}`,
      );
      expect(found.sort(), entry.userPrincipalName ?? entry.id).toEqual(
        [...(truth.privileged.get(entry.id) ?? [])].sort(),
      );
    }
    expect(entries.some((e) => e.roles.some((r) => r.viaGroup === "Tier 0 operators"))).toBe(true);
    expect(entries.some((e) => e.roles.some((r) => r.roleName === "Ops Access Granter (custom)"))).toBe(true);
    expect(entries.some((e) => e.roles.some((r) => r.assignment === "eligible"))).toBe(true);
  });

  it("says who each is: home domain, guest or external member, enabled, and flags the risky first", () => {
    const ext = entries.filter((e) => e.userType === "Member");
    expect(ext).toHaveLength(20); // #EXT# members are external too
    for (const e of entries) {
      expect(e.homeDomain).toMatch(/^partner\d+\.example$/);
      expect(typeof e.accountEnabled).toBe("boolean");
    }
    expect(entries.slice(0, 10).every((e) => e.risk.riskyUser)).toBe(true);
    expect(entries.filter((e) => e.risk.riskyUser)).toHaveLength(10);
  });

  it("keeps the request count close to the minimum the APIs allow", () => {
    // The minimum: 2 Entra role listings, 1 group, 201 ARM listings (200 subscriptions and the root
    // management group), 2 role definitions that are not built-in privileged ones (the custom role and
    // Reader, each read once), a user lookup per 15 principals with privilege (300 externals and 30 member
    // admins), and risky users. The rest are token and metadata requests. Counted by the simulation.
    const minimum = 2 + 1 + 201 + 2 + Math.ceil(330 / 15) + 1 + 1; // and one read of the audit log for inviters
    expect(requests).toBeGreaterThanOrEqual(minimum);
    expect(requests, JSON.stringify(endpoints)).toBeLessThanOrEqual(minimum + 6);
  });

  it("says who invited each guest while the audit log still knows; no last sign-in when not asked for", () => {
    expect(truth.invited.size).toBe(30);
    for (const e of entries) expect(e.invitedBy).toBe(truth.invited.get(e.id) ?? null);
    expect(entries.filter((e) => e.lastSignIn !== null)).toEqual([]);
  });

  it("lists what it can read when the root management group refuses Warden, and says what it could not", async () => {
    // Read with every right, nothing is missing.
    expect(gaps).toEqual([]);
    // An app with rights on subscriptions only: ARM answers 403 at the root (issue 18, point 3).
    sim.directory.appsReadRootScope = false;
    try {
      const partial = await collectInventory({
        signIns: false,
        graph,
        rbac,
        subscriptions: async () => sim.directory.subscriptions.map((s) => s.subscriptionId),
        now: Date.now,
      });
      expect(partial.gaps).toEqual([
        `Azure role assignments at /providers/Microsoft.Management/managementGroups/${TENANT} could not be read (Warden's app has no rights there): roles held there over no subscription Warden can read are not listed`,
      ]);
      // Everything else is still there: roles at the root reach every subscription, whose listings hold them.
      expect(partial.entries.map((e) => e.id).sort()).toEqual(entries.map((e) => e.id).sort());
    } finally {
      sim.directory.appsReadRootScope = true;
    }
  });

  it("finds the same admins when Graph refuses `in` and `$top` on the role lists: the documented read", async () => {
    sim.directory.refusesUndocumentedRoleQueries = true;
    try {
      const before = sim.faults.log.length;
      const documented = await collectInventory({
        signIns: false,
        graph,
        rbac,
        subscriptions: async () => sim.directory.subscriptions.map((s) => s.subscriptionId),
        now: Date.now,
      });
      expect(documented.entries).toEqual(entries);
      // The short way was asked for (refused: without the fallback the inventory fails with that 400),
      // then each whole list read.
      const roleReads = sim.faults.log
        .slice(before)
        .filter((r) => /roleAssignments$|roleEligibilitySchedules$/.test(r.path));
      expect(roleReads.length).toBeGreaterThanOrEqual(4);
    } finally {
      sim.directory.refusesUndocumentedRoleQueries = false;
    }
  });

  it("reads the home domain from the mail, or from the #EXT# UPN when there is no mail", () => {
    expect(homeDomainOf({ mail: "a@Contoso.com", userPrincipalName: null })).toBe("contoso.com");
    expect(homeDomainOf({ mail: null, userPrincipalName: "bob_fabrikam.com#EXT#@x.onmicrosoft.com" })).toBe(
      "fabrikam.com",
    );
  });
});

describe("warden inventory", () => {
  const run = async (format: string, env: Record<string, string>) => {
    const out: string[] = [];
    const err: string[] = [];
    const { inventoryCommand } = await import("../../src/cli/inventory-command.js");
    const code = await inventoryCommand(
      { format, signIns: false },
      {
        stdout: { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream,
        stderr: { write: (s: string) => err.push(s) } as unknown as NodeJS.WritableStream,
        stdinIsTty: false,
        env,
      },
    );
    return { code, out: out.join(""), err: err.join("") };
  };
  const env = () => ({
    WARDEN_TENANT_ID: TENANT,
    AZURE_CLIENT_ID: SIM_APP.clientId,
    AZURE_CLIENT_SECRET: SIM_APP.clientSecret,
    WARDEN_GRAPH_URL: sim.url,
    WARDEN_ARM_URL: sim.url,
    WARDEN_AUTHORITY_URL: sim.url,
  });

  it("prints the same inventory as JSON and as CSV (one row per role, formulas defused)", async () => {
    const json = await run("json", env());
    expect(json.code).toBe(0);
    const listed = (JSON.parse(json.out) as { entries: InventoryEntry[] }).entries;
    expect(listed.map((e) => e.id).sort()).toEqual([...truth.privileged.keys()].sort());
    const csv = await run("csv", env());
    const lines = csv.out.trim().split("\n");
    expect(lines[0]).toMatch(/^id,userPrincipalName,homeDomain/);
    expect(lines.length - 1).toBe([...truth.privileged.values()].reduce((n, roles) => n + roles.length, 0));
    expect(csv.err).toMatch(/300 external admins/);
    const { inventoryCsv } = await import("../../src/inventory/format.js");
    const hostile = { ...listed[0], userPrincipalName: '=HYPERLINK("http://evil")' } as InventoryEntry;
    expect(inventoryCsv([hostile]).split("\n")[1]).toContain(`"'=HYPERLINK(""http://evil"")"`);
  }, 60_000);

  it("refuses a bad format and a missing tenant with what to fix", async () => {
    expect(await run("xml", env())).toMatchObject({
      code: 2,
      err: expect.stringContaining("--format must be table, json or csv"),
    });
    expect(await run("table", {})).toMatchObject({
      code: 2,
      err: expect.stringContaining("WARDEN_TENANT_ID is required"),
    });
  });
});
