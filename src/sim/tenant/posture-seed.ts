import { Rng } from "../ids.js";
import { SIM_AZURE_ROLE, SIM_ENTRA_ROLE } from "./builtin-roles.js";
import type { SimDirectory } from "./directory.js";
import type { ConditionalAccessPolicy, DirectoryGroup, DirectoryUser } from "./model.js";

const DAY = 86_400_000;
const TRUSTED_LOCATION = "a1b2c3d4-0000-4000-8000-00000000f00d";
/** Reader: a role that cannot grant access, so its holder is not privileged. */
const READER = "acdd72a7-3374-466b-9977-a0d26dd5d9d4";
const AUTHENTICATOR = ["microsoftAuthenticatorPush", "softwareOneTimePasscode"];

/** Who the posture world's people are, for the tests' expectations and the demo's story. */
export interface PostureWorld {
  /** Global Administrator, no MFA method. */
  lee: string;
  /** Owner of a subscription, covered through a group nested in the policy's group. */
  ana: string;
  /** User Access Administrator, covered only by a report-only policy. */
  raj: string;
  /** Security Administrator, covered only by a policy that spares trusted locations. */
  mia: string;
  /** A guest Owner, covered by the guests' policy, last signed in 200 days ago. */
  pat: string;
  /** A guest eligible for Privileged Role Administrator, signed in 10 days ago. */
  sam: string;
  /** A guest with Reader only, 300 days without a sign-in: not privileged, never a finding. */
  vic: string;
  /** The two emergency-access accounts: the first excluded everywhere, the second not from one policy. */
  breakGlass: [string, string];
  /** The enabled policy that turns continuous access evaluation off, and a disabled one that would. */
  caeOffPolicy: string;
  caeOffDisabledPolicy: string;
}

/**
 * The doors the posture check looks at, opened and nearly opened on purpose, so that each check has a
 * finding and a wrong evaluation shows: a nested group, a report-only policy, a policy that spares trusted
 * locations, a guest-types condition, a legacy-auth block for everyone (not an MFA policy), a risk policy
 * for user risk only, a disabled policy that would turn CAE off, an excluded break-glass account and one
 * that is not. `breakGlassIds`: accounts that exist already (the demo's); two are made when not given.
 */
export function seedPostureDoors(
  directory: SimDirectory,
  options: { subscriptions: readonly string[]; breakGlassIds?: readonly [string, string]; seed?: number },
): PostureWorld {
  const rng = new Rng(options.seed ?? 2020);
  const now = directory.now();
  const iso = (t: number) => new Date(t).toISOString();
  const domain = directory.tenant.domain;
  const sub = (i: number) =>
    `/subscriptions/${options.subscriptions[i % options.subscriptions.length] ?? ""}`;
  const user = (
    name: string,
    upnOrMail: string,
    kind: "Member" | "Guest",
    extra: Partial<DirectoryUser> = {},
  ): string => {
    const id = rng.guid();
    const guest = kind === "Guest";
    const created = now - 400 * DAY;
    directory.users.set(id, {
      id,
      displayName: name,
      userPrincipalName: guest ? `${upnOrMail.replace("@", "_")}#EXT#@${domain}` : `${upnOrMail}@${domain}`,
      mail: guest ? upnOrMail : null,
      userType: kind,
      accountEnabled: true,
      createdDateTime: iso(created),
      creationType: guest ? "Invitation" : null,
      externalUserState: guest ? "Accepted" : null,
      signInSessionsValidFromDateTime: iso(created),
      lastSignIn: iso(now - DAY),
      methodsRegistered: AUTHENTICATOR,
      ...extra,
    });
    return id;
  };
  const group = (name: string, members: string[]): string => {
    const g: DirectoryGroup = {
      id: rng.guid(),
      displayName: name,
      description: null,
      mailNickname: name.toLowerCase().replace(/[^a-z0-9]/g, "-"),
      mailEnabled: false,
      securityEnabled: true,
      isAssignableToRole: false,
      groupTypes: [],
      createdDateTime: iso(now - 300 * DAY),
      members: new Set(members),
    };
    directory.groups.set(g.id, g);
    return g.id;
  };
  const azure = (principalId: string, scope: string, role: string) => {
    const name = rng.guid();
    directory.azureAssignments.set(
      `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`.toLowerCase(),
      {
        name,
        scope,
        roleDefinitionGuid: role,
        principalId,
        principalType: "User",
        createdOn: iso(now - 200 * DAY),
        createdBy: null,
      },
    );
  };

  const lee = user("Lee Ops", "lee.ops", "Member", { methodsRegistered: [] });
  directory.addRoleAssignment(lee, SIM_ENTRA_ROLE.globalAdministrator, "/");
  const ana = user("Ana Cloud", "ana.cloud", "Member");
  azure(ana, sub(0), SIM_AZURE_ROLE.owner);
  const raj = user("Raj Billing", "raj.billing", "Member");
  azure(raj, sub(0), SIM_AZURE_ROLE.userAccessAdministrator);
  const mia = user("Mia Travel", "mia.travel", "Member");
  directory.addRoleAssignment(mia, SIM_ENTRA_ROLE.securityAdministrator, "/");
  const pat = user("Pat Partner", "pat@partner-consulting.example", "Guest", {
    lastSignIn: iso(now - 200 * DAY),
  });
  azure(pat, sub(1), SIM_AZURE_ROLE.owner);
  const sam = user("Sam Support", "sam@helpdesk-partner.example", "Guest", {
    lastSignIn: iso(now - 10 * DAY),
  });
  directory.addEligibility(sam, SIM_ENTRA_ROLE.privilegedRoleAdministrator, "/", iso(now - 30 * DAY));
  const vic = user("Vic Vendor", "vic@vendor.example", "Guest", { lastSignIn: iso(now - 300 * DAY) });
  azure(vic, sub(0), READER);
  const breakGlass = (options.breakGlassIds ?? [
    user("Emergency Access 1", "emergency1", "Member"),
    user("Emergency Access 2", "emergency2", "Member"),
  ]) as [string, string];
  for (const id of breakGlass) {
    const account = directory.users.get(id);
    if (account !== undefined) account.methodsRegistered = ["fido2"];
    const isGa = [...directory.roleAssignments.values()].some(
      (a) => a.principalId === id && a.roleDefinitionId === SIM_ENTRA_ROLE.globalAdministrator,
    );
    if (!isGa) directory.addRoleAssignment(id, SIM_ENTRA_ROLE.globalAdministrator, "/");
  }
  const cloudOps = group("Cloud Ops", [ana]);
  const itStaff = group("IT Staff", [cloudOps]);
  const kiosk = group("Kiosk users", []);
  directory.namedLocations.push({
    id: TRUSTED_LOCATION,
    displayName: "Head office",
    isTrusted: true,
    ipRanges: ["198.51.100.0/24"],
  });

  const allApps = { includeApplications: ["All"], excludeApplications: [] };
  const users = (u: Record<string, unknown>) => ({
    includeUsers: [],
    excludeUsers: [],
    includeGroups: [],
    excludeGroups: [],
    includeRoles: [],
    excludeRoles: [],
    ...u,
  });
  const mfa = { operator: "OR", builtInControls: ["mfa"] };
  const policy = (
    displayName: string,
    state: ConditionalAccessPolicy["state"],
    conditions: Record<string, unknown>,
    grantControls: Record<string, unknown> | null,
    sessionControls: Record<string, unknown> | null = null,
  ): string => {
    const id = rng.guid();
    directory.caPolicies.set(id, {
      id,
      displayName,
      state,
      createdDateTime: iso(now - 100 * DAY),
      modifiedDateTime: null,
      conditions: { applications: allApps, clientAppTypes: ["all"], ...conditions },
      grantControls,
      sessionControls,
    });
    return id;
  };
  policy(
    "Require MFA for admins",
    "enabled",
    {
      users: users({
        includeRoles: [SIM_ENTRA_ROLE.globalAdministrator, SIM_ENTRA_ROLE.privilegedRoleAdministrator],
        excludeUsers: [breakGlass[0]],
      }),
    },
    mfa,
  );
  policy("MFA for IT staff", "enabled", { users: users({ includeGroups: [itStaff] }) }, mfa);
  policy(
    "MFA for admins off-site",
    "enabled",
    {
      users: users({ includeRoles: [SIM_ENTRA_ROLE.securityAdministrator] }),
      locations: { includeLocations: ["All"], excludeLocations: [TRUSTED_LOCATION] },
    },
    mfa,
  );
  policy(
    "MFA for guests",
    "enabled",
    {
      users: users({
        includeGuestsOrExternalUsers: {
          guestOrExternalUserTypes: "b2bCollaborationGuest,b2bCollaborationMember",
          externalTenants: {
            "@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
            membershipKind: "all",
          },
        },
      }),
    },
    mfa,
  );
  policy(
    "MFA for everyone (report-only)",
    "enabledForReportingButNotEnforced",
    { users: users({ includeUsers: ["All"] }) },
    mfa,
  );
  policy(
    "Block legacy authentication",
    "enabled",
    {
      users: users({ includeUsers: ["All"], excludeUsers: [...breakGlass] }),
      clientAppTypes: ["exchangeActiveSync", "other"],
    },
    { operator: "OR", builtInControls: ["block"] },
  );
  policy(
    "Risky sign-ins: MFA (report-only)",
    "enabledForReportingButNotEnforced",
    {
      users: users({ includeUsers: ["All"], excludeUsers: [...breakGlass] }),
      signInRiskLevels: ["high", "medium"],
    },
    mfa,
  );
  policy(
    "High user risk: change password",
    "enabled",
    { users: users({ includeUsers: ["All"], excludeUsers: [...breakGlass] }), userRiskLevels: ["high"] },
    { operator: "AND", builtInControls: ["mfa", "passwordChange"] },
  );
  const caeOffPolicy = policy(
    "Kiosk sessions",
    "enabled",
    { users: users({ includeGroups: [kiosk] }) },
    null,
    { continuousAccessEvaluation: { mode: "disabled" }, signInFrequency: null },
  );
  const caeOffDisabledPolicy = policy(
    "CAE trial (off)",
    "disabled",
    { users: users({ includeUsers: ["All"] }) },
    null,
    { continuousAccessEvaluation: { mode: "disabled" } },
  );
  return { lee, ana, raj, mia, pat, sam, vic, breakGlass, caeOffPolicy, caeOffDisabledPolicy };
}

/**
 * The posture doors on a tenant day's tenant (the demo's and `warden sim`'s), with the day's own
 * break-glass accounts: one excluded everywhere, the other not from one policy.
 */
export function seedPostureOfDay(
  directory: SimDirectory,
  breakGlass: readonly { id: string }[],
): PostureWorld {
  const [first, second] = breakGlass;
  return seedPostureDoors(directory, {
    subscriptions: directory.subscriptions.map((s) => s.subscriptionId),
    ...(first === undefined || second === undefined ? {} : { breakGlassIds: [first.id, second.id] as const }),
  });
}
