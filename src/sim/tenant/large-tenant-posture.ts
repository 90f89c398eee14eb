import { Rng } from "../ids.js";
import { SIM_ENTRA_ROLE } from "./builtin-roles.js";
import type { SimDirectory } from "./directory.js";
import type { ConditionalAccessPolicy, DirectoryGroup } from "./model.js";
import { isMfaMethod } from "./registration-details.js";

/** What a posture review of the seeded tenant must find. */
export interface PostureTruth {
  /**
   * Users who hold a privileged Entra role and have no multifactor method registered: active directly, active
   * through a role-assignable group, or eligible through PIM; a guest, an external member and a member;
   * one of them with only an email registered, which is not a second factor. Every other user holding any
   * role (Entra or Azure, privileged or not) has one, so the set does not depend on which roles count.
   */
  withoutMfa: string[];
  /** The seeded conditional access policies by state. */
  policies: { enabled: string[]; reportOnly: string[]; disabled: string[] };
  /** The groups the policies name: `nested` is a member of `outer`. */
  groups: { outer: string; nested: string };
}

const DAY = 86_400_000;

/** Strong method sets people register, one picked per user. */
const MFA_SETS: readonly string[][] = [
  ["microsoftAuthenticatorPush", "softwareOneTimePasscode"],
  ["microsoftAuthenticatorPush", "mobilePhone", "email"],
  ["mobilePhone"],
  ["fido2", "microsoftAuthenticatorPush"],
  ["windowsHelloForBusiness", "microsoftAuthenticatorPasswordless"],
  ["hardwareOneTimePasscode", "email"],
];

/** conditionalAccessUsers with every list Graph returns, empty unless given. */
const users = (fields: Record<string, unknown>) => ({
  includeUsers: [],
  excludeUsers: [],
  includeGroups: [],
  excludeGroups: [],
  includeRoles: [],
  excludeRoles: [],
  includeGuestsOrExternalUsers: null,
  excludeGuestsOrExternalUsers: null,
  ...fields,
});

/** conditionalAccessConditionSet as Graph returns it: all applications, all client apps, no risk, unless given. */
const conditions = (fields: Record<string, unknown>) => ({
  applications: {
    includeApplications: ["All"],
    excludeApplications: [],
    includeUserActions: [],
    includeAuthenticationContextClassReferences: [],
    applicationFilter: null,
  },
  clientAppTypes: ["all"],
  userRiskLevels: [],
  signInRiskLevels: [],
  servicePrincipalRiskLevels: [],
  locations: null,
  platforms: null,
  clientApplications: null,
  devices: null,
  ...fields,
});

const grant = (
  operator: "AND" | "OR",
  builtInControls: string[],
  authenticationStrength: unknown = null,
) => ({
  operator,
  builtInControls,
  customAuthenticationFactors: [],
  termsOfUse: [],
  authenticationStrength,
});

/**
 * Adds to a seeded large tenant what a posture review reads: registered authentication methods for the
 * users who hold roles (and most members), and eight conditional access policies, some enabled, some
 * report-only, one disabled, naming roles and two groups, one nested in the other. Runs after the
 * inventory's seed with its own random sequence, so the inventory's tenant and truth stay as they were.
 */
export function seedPosture(directory: SimDirectory, members: readonly string[], seed: number): PostureTruth {
  const rng = new Rng(seed);
  const now = Date.now();
  const iso = (t: number) => new Date(t).toISOString();
  const user = (id: string) => directory.users.get(id);
  const isExternal = (id: string) => /#ext#/i.test(user(id)?.userPrincipalName ?? "");

  // Who holds a role, and how: the four privileged users left without a second factor are picked from these.
  const assignments = [...directory.roleAssignments.values()];
  const activeGa = (match: (id: string) => boolean) =>
    assignments.find(
      (a) =>
        a.roleDefinitionId === SIM_ENTRA_ROLE.globalAdministrator &&
        user(a.principalId) &&
        match(a.principalId),
    )?.principalId;
  const viaGroup = assignments
    .map((a) => directory.groups.get(a.principalId))
    .flatMap((g) => [...(g?.members ?? [])].filter((id) => user(id) !== undefined))[0];
  const eligible = [...directory.eligibilities.values()].find((e) => user(e.principalId))?.principalId;
  const noMethods = [
    activeGa((id) => user(id)?.userType === "Guest"),
    activeGa((id) => user(id)?.userType === "Member" && isExternal(id)),
    viaGroup,
    eligible,
  ].filter((id): id is string => id !== undefined);
  const emailOnly = activeGa((id) => user(id)?.userType === "Member" && !isExternal(id) && id !== members[0]);

  const holders = new Set<string>();
  const hold = (id: string) => {
    if (user(id) !== undefined) holders.add(id);
    for (const member of directory.groups.get(id)?.members ?? []) hold(member);
  };
  for (const a of assignments) hold(a.principalId);
  for (const e of directory.eligibilities.values()) hold(e.principalId);
  for (const a of directory.azureAssignments.values()) hold(a.principalId);
  for (const id of [...holders, ...members.filter(() => rng.int(10) < 7)]) {
    const u = user(id);
    if (u !== undefined) u.methodsRegistered = [...rng.pick(MFA_SETS)];
  }
  for (const id of noMethods) delete user(id)?.methodsRegistered;
  const withEmail = emailOnly === undefined ? undefined : user(emailOnly);
  if (withEmail !== undefined) withEmail.methodsRegistered = ["email"];

  // Two plain security groups for the policies: "Cloud operators" nested in "Privileged access".
  const group = (displayName: string, mailNickname: string, ids: Iterable<string>): DirectoryGroup => {
    const g: DirectoryGroup = {
      id: rng.guid(),
      displayName,
      description: null,
      mailNickname,
      mailEnabled: false,
      securityEnabled: true,
      isAssignableToRole: false,
      groupTypes: [],
      createdDateTime: iso(now - 200 * DAY),
      members: new Set(ids),
    };
    directory.groups.set(g.id, g);
    return g;
  };
  const nested = group("Cloud operators", "cloud-operators", members.slice(30, 36));
  const outer = group("Privileged access", "privileged-access", [...members.slice(1, 6), nested.id]);
  const breakGlass = members[29];

  const adminRoles = [
    SIM_ENTRA_ROLE.globalAdministrator,
    SIM_ENTRA_ROLE.privilegedRoleAdministrator,
    SIM_ENTRA_ROLE.securityAdministrator,
    SIM_ENTRA_ROLE.userAdministrator,
    SIM_ENTRA_ROLE.conditionalAccessAdministrator,
  ];
  // Built-in authentication strength "Phishing-resistant MFA" ("Built-in authentication strengths").
  const phishingResistant = {
    id: "00000000-0000-0000-0000-000000000004",
    displayName: "Phishing-resistant MFA",
    description:
      "Phishing-resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key",
    policyType: "builtIn",
    requirementsSatisfied: "mfa",
    allowedCombinations: ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"],
  };
  const specs: [string, ConditionalAccessPolicy["state"], Record<string, unknown>, unknown, unknown][] = [
    [
      "Require MFA for administrators",
      "enabled",
      conditions({
        users: users({ includeRoles: adminRoles, excludeUsers: breakGlass ? [breakGlass] : [] }),
      }),
      grant("OR", ["mfa"]),
      { continuousAccessEvaluation: { mode: "strictEnforcement" } },
    ],
    [
      "Require MFA for all users",
      "enabledForReportingButNotEnforced",
      conditions({ users: users({ includeUsers: ["All"], excludeGroups: [outer.id] }) }),
      grant("OR", ["mfa"]),
      { continuousAccessEvaluation: { mode: "disabled" } },
    ],
    [
      "Block legacy authentication",
      "enabled",
      conditions({
        users: users({ includeUsers: ["All"] }),
        clientAppTypes: ["exchangeActiveSync", "other"],
      }),
      grant("OR", ["block"]),
      null,
    ],
    [
      "Phishing-resistant MFA for privileged access",
      "enabled",
      conditions({
        users: users({ includeGroups: [outer.id], includeRoles: [SIM_ENTRA_ROLE.globalAdministrator] }),
      }),
      grant("OR", [], phishingResistant),
      { continuousAccessEvaluation: { mode: "strictLocation" } },
    ],
    [
      "Guests and external users require MFA",
      "enabled",
      conditions({
        users: users({
          includeGuestsOrExternalUsers: {
            guestOrExternalUserTypes: "internalGuest,b2bCollaborationGuest,b2bCollaborationMember",
            externalTenants: {
              "@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
              membershipKind: "all",
            },
          },
        }),
      }),
      grant("OR", ["mfa"]),
      null,
    ],
    [
      "High user risk requires password change",
      "enabled",
      conditions({
        users: users({ includeUsers: ["All"], excludeGroups: [nested.id] }),
        userRiskLevels: ["high"],
      }),
      grant("AND", ["mfa", "passwordChange"]),
      {
        signInFrequency: {
          value: null,
          type: null,
          authenticationType: "primaryAndSecondaryAuthentication",
          frequencyInterval: "everyTime",
          isEnabled: true,
        },
      },
    ],
    [
      "Risky sign-ins require MFA",
      "enabledForReportingButNotEnforced",
      conditions({ users: users({ includeUsers: ["All"] }), signInRiskLevels: ["high", "medium"] }),
      grant("OR", ["mfa"]),
      null,
    ],
    [
      "Old: block admin portals outside trusted locations",
      "disabled",
      conditions({
        users: users({ includeRoles: adminRoles.slice(0, 2) }),
        locations: { includeLocations: ["All"], excludeLocations: ["AllTrusted"] },
        platforms: { includePlatforms: ["all"], excludePlatforms: [] },
      }),
      grant("OR", ["block"]),
      null,
    ],
  ];
  const policies: PostureTruth["policies"] = { enabled: [], reportOnly: [], disabled: [] };
  for (const [displayName, state, conds, grantControls, sessionControls] of specs) {
    const id = rng.guid();
    directory.caPolicies.set(id, {
      id,
      displayName,
      state,
      createdDateTime: iso(now - (30 + rng.int(300)) * DAY),
      modifiedDateTime: iso(now - rng.int(30) * DAY),
      conditions: conds,
      grantControls: grantControls as Record<string, unknown>,
      sessionControls: sessionControls as Record<string, unknown> | null,
    });
    const key = state === "enabled" ? "enabled" : state === "disabled" ? "disabled" : "reportOnly";
    policies[key].push(id);
  }

  const withoutMfa = [...noMethods, ...(emailOnly === undefined ? [] : [emailOnly])].filter(
    (id) => !(user(id)?.methodsRegistered ?? []).some(isMfaMethod),
  );
  return { withoutMfa, policies, groups: { outer: outer.id, nested: nested.id } };
}
