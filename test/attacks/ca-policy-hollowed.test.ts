import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReplicationLag } from "../../src/cloud/errors.js";
import { policyBody, policyIsRight } from "../../src/respond/responders/ca-policy.js";
import { requireMfa } from "../../src/respond/responders/require-mfa.js";
import type { RespondContext } from "../../src/respond/types.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { respondContext } from "../helpers/respond.js";
import { freshPglite } from "../helpers/services.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * An attacker who is Global Administrator hollows out Warden's MFA policy without disabling it: an
 * excluded group of their own, a location the policy no longer applies in, or terms of use to accept in
 * place of MFA (issue 18, point 10). Comparing a few fields, Warden found the policy "right" and verified
 * containment on it. It must see any change and put the policy back whole.
 */

let sim: SimCloud;
let day: TenantDay;
let store: Awaited<ReturnType<typeof freshPglite>>;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(89, 50));
  // Where Warden keeps the ids of the group and policy it creates.
  store = await freshPglite();
}, 60_000);
afterAll(async () => {
  await store?.drop();
  await sim?.close();
});

const hollowings: [string, (policy: Record<string, unknown>) => void][] = [
  [
    "a group excluded",
    (p) => {
      const conditions = p["conditions"] as { users: Record<string, unknown> };
      conditions.users["excludeGroups"] = ["dddddddd-0000-4000-8000-00000000000d"];
    },
  ],
  [
    "only one location",
    (p) => {
      (p["conditions"] as Record<string, unknown>)["locations"] = {
        includeLocations: ["eeeeeeee-0000-4000-8000-00000000000e"],
        excludeLocations: [],
      };
    },
  ],
  [
    "a weak authentication strength instead of MFA",
    (p) => {
      const grant = p["grantControls"] as Record<string, unknown>;
      grant["authenticationStrength"] = { id: "00000000-0000-0000-0000-000000000002" };
    },
  ],
  [
    "terms of use instead of MFA",
    (p) => {
      const grant = p["grantControls"] as Record<string, unknown>;
      grant["termsOfUse"] = ["ffffffff-0000-4000-8000-00000000000f"];
    },
  ],
];

const intent = { policyName: "Warden containment: require MFA", control: "mfa" as const };
const GROUP = "9a9a9a9a-0000-4000-8000-00000000009a";

describe("Warden's conditional access policy compared whole", () => {
  const ctx = {
    settings: { graphUrl: "https://graph.microsoft.com", breakGlassIds: ["b1"], policyState: "enabled" },
  } as unknown as RespondContext;
  const asWritten = () =>
    structuredClone(policyBody(ctx, intent, GROUP)) as unknown as Record<string, unknown>;

  it("takes the policy as Graph returns it (empty values, annotations) for the one Warden wrote", () => {
    const returned = asWritten();
    (returned["conditions"] as Record<string, unknown>)["locations"] = null;
    (returned["conditions"] as Record<string, unknown>)["signInRiskLevels"] = [];
    returned["grantControls"] = {
      ...(returned["grantControls"] as Record<string, unknown>),
      termsOfUse: [],
      "authenticationStrength@odata.context": "https://graph.microsoft.com/v1.0/$metadata#...",
      authenticationStrength: null,
    };
    expect(policyIsRight(ctx, intent, returned as never, GROUP)).toBe(true);
  });

  for (const [how, hollow] of hollowings) {
    it(`sees it changed: ${how}`, () => {
      const edited = asWritten();
      hollow(edited);
      expect(policyIsRight(ctx, intent, edited as never, GROUP)).toBe(false);
    });
  }
});

describe("Warden's conditional access policy, hollowed out by an administrator", () => {
  it("is put back whole at the next containment, every hollowing undone", async () => {
    const ctx = respondContext(sim, day, { db: store.db });
    const members = [...sim.directory.users.values()].filter(
      (u) => u.userType === "Member" && !day.breakGlass.some((b) => b.id === u.id),
    );
    const [first, second] = members.slice(-2);
    if (first === undefined || second === undefined) throw new Error("the tenant lacks two members");
    const target = (id: string) => ({ kind: "user" as const, id, label: id });
    // Warden's policy exists: the first containment made it. Entra is eventually consistent: the new
    // group is not on every replica yet, so the first attempt waits (ReplicationLag) and, as the contain
    // job would, is tried again until the tenant shows the member in the group under the policy.
    let lagged = 0;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const plan = await requireMfa.plan(ctx, target(first.id));
      const done = await requireMfa
        .execute(ctx, target(first.id), plan)
        .then(() => requireMfa.verify(ctx, target(first.id), plan))
        .catch((error: unknown) => {
          if (!(error instanceof ReplicationLag)) throw error;
          lagged += 1;
          return false;
        });
      if (done) break;
      if (Date.now() > deadline) throw new Error("the first containment did not complete in 30 s");
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(lagged).toBeGreaterThan(0);
    // One group and one policy, however many attempts: their ids were kept at creation.
    expect(
      [...sim.directory.groups.values()].filter((g) => g.mailNickname === "warden-contained-mfa"),
    ).toHaveLength(1);
    expect([...sim.directory.caPolicies.values()].filter((p) => p.displayName.includes("MFA"))).toHaveLength(
      1,
    );
    const policy = [...sim.directory.caPolicies.values()].find((p) => p.displayName.includes("MFA"));
    if (policy === undefined) throw new Error("Warden made no MFA policy");
    const made = structuredClone({ conditions: policy.conditions, grantControls: policy.grantControls });

    // The attacker edits it in place, every way at once; its state stays "enabled".
    const edited = structuredClone({ conditions: policy.conditions, grantControls: policy.grantControls });
    for (const [, hollow] of hollowings) hollow(edited);
    const attacker = {
      kind: "app" as const,
      appId: "a77ac3e2-0000-4000-8000-0000000a77ac",
      servicePrincipalId: "a77ac3e2-0000-4000-8000-0000000a77ac",
      displayName: "the attacker's admin session",
    };
    sim.directory.updateCaPolicy(attacker, policy.id, edited);

    // The next containment sees the change and restores the policy as Warden wrote it.
    const next = await requireMfa.plan(ctx, target(second.id));
    expect(next.changes.join("\n")).toMatch(/Put ".*" back as Warden wrote it/);
    const executed = await requireMfa.execute(ctx, target(second.id), next);
    expect(await requireMfa.verify(ctx, target(second.id), next)).toBe(true);
    expect(executed.changed).toBeDefined();
    const restored = sim.directory.caPolicies.get(policy.id);
    if (restored === undefined) throw new Error("the policy is gone");
    const users = (restored.conditions["users"] ?? {}) as Record<string, unknown>;
    expect(users["excludeGroups"] ?? []).toEqual([]);
    expect(restored.conditions["locations"] ?? null).toBeNull();
    expect(restored.grantControls?.["termsOfUse"] ?? []).toEqual([]);
    expect(restored.grantControls?.["authenticationStrength"] ?? null).toBeNull();
    expect(users["includeGroups"]).toEqual(
      (made.conditions["users"] as Record<string, unknown>)["includeGroups"],
    );
  });
});
