import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/detect/finding.js";
import { AZURE_ROLE, ENTRA_ROLE } from "../../src/detect/roles.js";
import { type AutoContainPolicy, countedForAutomatic, decideAction } from "../../src/respond/auto-policy.js";
import { proposeActions, targetKey } from "../../src/respond/proposals.js";
import { ACTIONS } from "../../src/respond/types.js";

/**
 * The automatic policy judges each action on the findings that ask for it, and privilege removals are
 * limited to what those findings name (issue 17, finding 3). Pure: no service, no simulator.
 */

const TENANT = "8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13";
const PARTNER = "aaaaaaaa-1111-4111-8111-111111111111";
const SUB_A = "11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const SUB_B = "22222222-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

const policy: AutoContainPolicy = {
  enabled: true,
  minConfidence: 0.95,
  severities: ["critical"],
  rules: [],
  actions: [...ACTIONS],
  maxActionsPerHour: 20,
};

function finding(over: Partial<Finding> & Pick<Finding, "id" | "rule">): Finding {
  return {
    severity: "high",
    confidence: 0.8,
    tenantId: TENANT,
    time: 1_000,
    subject: { type: "user", id: PARTNER, external: true },
    actor: { type: "user", id: "bbbbbbbb-2222-4222-8222-222222222222" },
    subscriptionIds: [SUB_B],
    evidence: [{ source: "azure-activity", id: `e-${over.id}`, time: 1_000, operation: "x" }],
    summary: "test",
    ...over,
  };
}

const ownerOn = (sub: string) =>
  ({ kind: "azure-role", roleDefinitionId: AZURE_ROLE.owner, scope: `/subscriptions/${sub}` }) as const;

describe("automatic containment, per action", () => {
  it("never counts a move Warden only observed as logged because an alert was attached to it", () => {
    const t = 1_000;
    const observed = finding({
      id: "gone",
      rule: "subscription-directory-changed",
      severity: "critical",
      subject: { type: "subscription", id: SUB_B },
      evidence: [
        { source: "warden", id: "warden:gone", time: t, operation: "Warden/subscriptionNoLongerListed" },
      ],
    });
    const grant = finding({ id: "grant", rule: "guest-azure-privileged-role", grants: [ownerOn(SUB_B)] });
    const chain = finding({
      id: "chain",
      rule: "subscription-hijack-chain",
      severity: "critical",
      confidence: 0.97,
    });
    expect(countedForAutomatic([grant, observed, chain]).counted.has("chain")).toBe(false);
    // An informational Defender for Cloud alert on a blob of the subscription (anyone outside can set
    // one off), attached to the observed move: still no logged move.
    const alerted = {
      ...observed,
      evidence: [
        ...observed.evidence,
        {
          source: "security-alert" as const,
          id: "caTOR",
          time: t - 60_000,
          operation:
            "Access from a Tor exit node to a storage blob container (microsoftDefenderForCloud, informational)",
          alertSeverity: "informational" as const,
        },
      ],
    };
    expect(countedForAutomatic([grant, alerted, chain]).counted.has("chain")).toBe(false);
  });

  it("judges a finding on Warden's own evidence: Microsoft's alerts never tip it into containment", () => {
    const raised = finding({
      id: "raised",
      rule: "guest-privileged-role",
      severity: "critical",
      confidence: 0.99,
      confidenceBeforeAlerts: 0.85,
    });
    expect(decideAction(policy, "disable-account", [raised], new Set(["raised"]))).toEqual({
      auto: false,
      reason:
        "no finding asking for it meets the automatic policy (critical, confidence 0.95 or more): the strongest is guest-privileged-role, critical at 0.85 before Microsoft's alerts",
    });
    // One that meets the policy on its own evidence still does, alerts or not.
    const strong = { ...raised, id: "strong", confidenceBeforeAlerts: 0.95 };
    expect(decideAction(policy, "disable-account", [strong], new Set(["strong"]))).toEqual({ auto: true });
  });

  it("is not carried by a critical finding to the actions a weaker finding asks for", () => {
    const grant = finding({ id: "grant", rule: "guest-azure-privileged-role", grants: [ownerOn(SUB_B)] });
    const chain = finding({
      id: "chain",
      rule: "subscription-hijack-chain",
      severity: "critical",
      confidence: 0.97,
      grants: [ownerOn(SUB_B)],
    });
    const revoke = decideAction(policy, "revoke-sessions", [grant], new Set(["grant", "chain"]));
    expect(revoke).toEqual({
      auto: false,
      reason:
        "no finding asking for it meets the automatic policy (critical, confidence 0.95 or more): the strongest is guest-azure-privileged-role, high at 0.8",
    });
    // The same action asked for by the chain too: one finding that meets the policy is enough.
    expect(decideAction(policy, "remove-azure-role", [grant, chain], new Set(["grant", "chain"]))).toEqual({
      auto: true,
    });
    // An action the policy does not allow waits, whatever asks for it.
    expect(
      decideAction(
        { ...policy, actions: ["block-subscription-transfer"] },
        "disable-account",
        [chain],
        new Set(["chain"]),
      ).auto,
    ).toBe(false);
    // A finding the policy may not count (a chain only an observed departure completes) counts for nothing.
    expect(decideAction(policy, "remove-azure-role", [chain], new Set(["grant"]))).toEqual({
      auto: false,
      reason:
        "only the takeover chain asks for it, and the chain rests on a departure Warden only observed, no logged move",
    });
  });

  it("does not count a chain that only an observed departure completes", () => {
    const grant = finding({ id: "grant", rule: "guest-azure-privileged-role" });
    const observed = finding({
      id: "gone",
      rule: "subscription-directory-changed",
      subject: { type: "subscription", id: SUB_B },
      evidence: [{ source: "warden", id: "warden:gone", time: 2_000, operation: "Warden/subscriptionGone" }],
    });
    const chain = finding({
      id: "chain",
      rule: "subscription-hijack-chain",
      severity: "critical",
      confidence: 0.97,
    });
    const counted = countedForAutomatic([grant, observed, chain]);
    expect([...counted.counted].sort()).toEqual(["gone", "grant"]);
    expect(counted.setAside).toContain("departure Warden only observed");
    const logged = {
      ...observed,
      evidence: [
        {
          source: "azure-activity" as const,
          id: "a",
          time: 2_000,
          operation: "Microsoft.Subscription/updateTenant/action",
        },
      ],
    };
    expect(countedForAutomatic([grant, logged, chain]).counted.has("chain")).toBe(true);
  });
});

describe("privilege removals proposed", () => {
  it("are limited to the grant each finding names, one action per grant", () => {
    const first = finding({ id: "g1", rule: "guest-azure-privileged-role", grants: [ownerOn(SUB_A)] });
    const second = finding({ id: "g2", rule: "guest-azure-privileged-role", grants: [ownerOn(SUB_B)] });
    const removals = proposeActions([first, second], TENANT).filter((p) => p.action === "remove-azure-role");
    expect(removals.map((p) => (p.target.kind === "user" ? p.target.limit : undefined))).toEqual([
      { grants: [ownerOn(SUB_A)] },
      { grants: [ownerOn(SUB_B)] },
    ]);
    expect(new Set(removals.map((p) => targetKey(p.target))).size).toBe(2);
  });

  it("gather every finding that asks for the same action on the same grant", () => {
    const grant = finding({ id: "grant", rule: "guest-azure-privileged-role", grants: [ownerOn(SUB_B)] });
    const chain = finding({
      id: "chain",
      rule: "subscription-hijack-chain",
      severity: "critical",
      confidence: 0.97,
      grants: [ownerOn(SUB_B)],
      time: 2_000,
    });
    const removal = proposeActions([grant, chain], TENANT).filter((p) => p.action === "remove-azure-role");
    expect(removal).toHaveLength(1);
    expect(removal[0]?.askedBy.map((f) => f.id)).toEqual(["grant", "chain"]);
  });

  it("for a VM created, take only the roles inside the subscriptions it names", () => {
    const vm = finding({ id: "vm", rule: "external-vm-created", subscriptionIds: [SUB_A] });
    const removal = proposeActions([vm], TENANT).find((p) => p.action === "remove-azure-role");
    expect(removal?.target.kind === "user" ? removal.target.limit : undefined).toEqual({
      subscriptionIds: [SUB_A],
    });
  });

  it("propose nothing of a kind the chain names nothing of", () => {
    const entraOnly = finding({
      id: "chain",
      rule: "subscription-hijack-chain",
      severity: "critical",
      confidence: 0.97,
      grants: [{ kind: "directory-role", roleTemplateId: ENTRA_ROLE.globalAdministrator }],
    });
    const actions = proposeActions([entraOnly], TENANT).map((p) => p.action);
    expect(actions).toContain("remove-directory-role");
    expect(actions).not.toContain("remove-azure-role");
  });
});
