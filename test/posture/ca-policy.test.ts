import { describe, expect, it } from "vitest";
import {
  type CaPolicy,
  type CaSubject,
  canRefuse,
  demands,
  externalTypeOf,
  narrowing,
  scopeOf,
  sparesOthers,
  uncoveredClients,
} from "../../src/posture/ca-policy.js";

/**
 * The conditional access evaluation the posture check rests on, case by case: each a way a policy can look
 * as if it held an admin to MFA while a password alone still signs them in. Doubt never counts as covered.
 */

const ADMIN = "a0000000-0000-4000-8000-000000000001";
const GA = "62e90394-69f5-4237-9190-012177145e10";

function policy(
  over: Partial<CaPolicy["conditions"]> = {},
  grant: CaPolicy["grantControls"] = null,
): CaPolicy {
  return {
    id: "p1",
    displayName: "Require MFA for admins",
    state: "enabled",
    conditions: {
      users: { includeRoles: [GA] },
      applications: { includeApplications: ["All"], excludeApplications: [] },
      clientAppTypes: ["all"],
      ...over,
    },
    grantControls: grant ?? { operator: "OR", builtInControls: ["mfa"] },
  };
}

const member: CaSubject = { id: ADMIN, roles: new Set([GA]), groups: new Set(), externalType: null };
const guest: CaSubject = { ...member, externalType: "b2bCollaborationGuest" };

describe("what a policy demands", () => {
  it("MFA alone, or with AND; a block", () => {
    expect(demands(policy())).toBe("mfa");
    expect(demands(policy({}, { operator: "AND", builtInControls: ["mfa", "compliantDevice"] }))).toBe("mfa");
    expect(demands(policy({}, { operator: "OR", builtInControls: ["block"] }))).toBe("block");
  });

  it("not MFA when another control, terms of use or a custom control can stand in for it (OR)", () => {
    expect(
      demands(policy({}, { operator: "OR", builtInControls: ["mfa", "compliantDevice"] })),
    ).toBeUndefined();
    expect(
      demands(policy({}, { operator: "OR", builtInControls: ["mfa"], termsOfUse: ["t1"] })),
    ).toBeUndefined();
    expect(
      demands(policy({}, { operator: "OR", builtInControls: ["mfa"], customAuthenticationFactors: ["Duo"] })),
    ).toBeUndefined();
  });

  it("a strength counts only when every combination it allows is two factors", () => {
    const strength = (allowedCombinations?: string[], policyType = "custom") =>
      policy(
        {},
        { operator: "OR", builtInControls: [], authenticationStrength: { allowedCombinations, policyType } },
      );
    expect(
      demands(strength(["fido2", "windowsHelloForBusiness", "password,microsoftAuthenticatorPush"])),
    ).toBe("mfa");
    expect(demands(strength(["fido2", "qrCodePin"]))).toBeUndefined();
    expect(demands(strength(["fido2", "sms"]))).toBeUndefined();
    expect(demands(strength(["unknownFutureValue"]))).toBeUndefined();
    // Not expanded: a built-in strength is multifactor, a custom one is doubt.
    expect(demands(strength(undefined, "builtIn"))).toBe("mfa");
    expect(demands(strength(undefined, "custom"))).toBeUndefined();
  });

  it("can refuse a break-glass sign-in with any control, terms of use and custom controls included", () => {
    expect(canRefuse(policy({}, { operator: "OR", builtInControls: [], termsOfUse: ["t1"] }))).toBe(true);
    expect(canRefuse(policy({}, { builtInControls: [], customAuthenticationFactors: ["Duo"] }))).toBe(true);
    expect(canRefuse({ ...policy(), grantControls: null })).toBe(false);
  });
});

describe("what narrows a policy", () => {
  it("nothing, for All resources, all client apps, every location and platform", () => {
    expect(narrowing(policy())).toEqual([]);
    expect(
      narrowing(
        policy({
          locations: { includeLocations: ["All"], excludeLocations: [] },
          servicePrincipalRiskLevels: [],
        }),
      ),
    ).toEqual([]);
  });

  it("any excluded application, an application filter, a trusted location, a risk level, an unknown condition", () => {
    expect(
      narrowing(
        policy({ applications: { includeApplications: ["All"], excludeApplications: ["Office365"] } }),
      ),
    ).toEqual(["it excludes Office365"]);
    expect(
      narrowing(
        policy({
          applications: { includeApplications: ["All"], applicationFilter: { mode: "exclude", rule: "x" } },
        }),
      ),
    ).toEqual(["it applies only to the applications its filter selects"]);
    expect(
      narrowing(policy({ locations: { includeLocations: ["All"], excludeLocations: ["AllTrusted"] } })),
    ).toEqual(["it spares some locations"]);
    expect(narrowing(policy({ signInRiskLevels: ["high"] }))).toEqual([
      "it applies only at some sign-in risk levels",
    ]);
    expect(narrowing(policy({ deviceStates: { excludeStates: ["Compliant"] } }))).toEqual([
      "it has conditions Warden cannot judge (deviceStates)",
    ]);
  });

  it("any device condition, the older device states included, spares some devices", () => {
    expect(
      narrowing(policy({ devices: { includeDeviceStates: ["All"], excludeDeviceStates: ["Compliant"] } })),
    ).toEqual(["it applies only to some devices"]);
    expect(narrowing(policy({ devices: { deviceFilter: null } }))).toEqual([]);
  });

  it("client app types: modern clients alone leave legacy authentication open, unless another policy blocks it", () => {
    const modern = policy({ clientAppTypes: ["browser", "mobileAppsAndDesktopClients"] });
    expect(narrowing(modern)).toEqual([]);
    expect(uncoveredClients([modern])).toEqual(["exchangeActiveSync", "other"]);
    const legacyBlock = policy(
      { clientAppTypes: ["exchangeActiveSync", "other"] },
      { builtInControls: ["block"] },
    );
    expect(uncoveredClients([modern, legacyBlock])).toEqual([]);
  });
});

describe("who a policy takes in", () => {
  it("a role, a nested group, All; an exclusion wins", () => {
    expect(scopeOf(policy(), member)).toBe("included");
    const byGroup = policy({ users: { includeGroups: ["G1"] } });
    expect(scopeOf(byGroup, { ...member, groups: new Set(["g1"]) })).toBe("included");
    expect(scopeOf(policy({ users: { includeUsers: ["All"], excludeRoles: [GA] } }), member)).toBe(
      "excluded",
    );
  });

  it("a guest is excluded by any guest-type exclusion (its type cannot be read for certain), included only by its own", () => {
    const excludesOthers = policy({
      users: {
        includeUsers: ["All"],
        excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: "serviceProvider" },
      },
    });
    expect(scopeOf(excludesOthers, guest)).toBe("excluded");
    expect(scopeOf(excludesOthers, member)).toBe("included");
    const includesListedTenants = policy({
      users: {
        includeGuestsOrExternalUsers: {
          guestOrExternalUserTypes: "b2bCollaborationGuest",
          externalTenants: { membershipKind: "enumerated", members: ["t"] },
        },
      },
    });
    expect(scopeOf(includesListedTenants, guest)).toBe("not-included");
  });

  it("a member from another tenant with a clean UPN is external (invited, or with an external state)", () => {
    const synced = { userType: "Member", userPrincipalName: "ana@contoso.com", creationType: "Invitation" };
    expect(externalTypeOf(synced)).toBe("b2bCollaborationMember");
    expect(externalTypeOf({ ...synced, creationType: null, externalUserState: "Accepted" })).toBe(
      "b2bCollaborationMember",
    );
    expect(externalTypeOf({ ...synced, creationType: null })).toBeNull();
    const excludesMembers = policy({
      users: {
        includeUsers: ["All"],
        excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: "b2bCollaborationMember" },
      },
    });
    expect(scopeOf(excludesMembers, { ...member, externalType: externalTypeOf(synced) })).toBe("excluded");
  });

  it("spares others when it excludes anyone but the break-glass accounts, or a group it cannot see into", () => {
    const breakGlass = new Set(["bg1"]);
    const groups = new Map([["bg-group", new Set(["bg1"])]]);
    const excluding = (users: Record<string, unknown>) =>
      policy({ users: { includeUsers: ["All"], ...users } });
    expect(sparesOthers(excluding({ excludeUsers: ["BG1"] }), breakGlass, groups)).toBe(false);
    expect(sparesOthers(excluding({ excludeGroups: ["bg-group"] }), breakGlass, groups)).toBe(false);
    expect(sparesOthers(excluding({ excludeUsers: ["bg1", "someone"] }), breakGlass, groups)).toBe(true);
    expect(sparesOthers(excluding({ excludeGroups: ["unknown"] }), breakGlass, groups)).toBe(true);
    expect(sparesOthers(excluding({ excludeRoles: [GA] }), breakGlass, groups)).toBe(true);
  });
});
