/**
 * Conditional access policies as Graph (beta) returns them, and the evaluation posture needs: does a
 * policy apply to this person, always, and does it require MFA. Microsoft's rules: "Users and groups"
 * and "Conditional Access: Target resources" (learn.microsoft.com/entra/identity/conditional-access/
 * concept-conditional-access-users-groups, concept-conditional-access-cloud-apps): exclusions win over
 * inclusions; guest types are flags; directory role conditions match tenant-wide assignments.
 */

export interface GuestsOrExternalUsers {
  guestOrExternalUserTypes?: string;
  externalTenants?: { membershipKind?: string; members?: string[] } | null;
}

export interface CaUsersCondition {
  includeUsers?: string[];
  excludeUsers?: string[];
  includeGroups?: string[];
  excludeGroups?: string[];
  includeRoles?: string[];
  excludeRoles?: string[];
  includeGuestsOrExternalUsers?: GuestsOrExternalUsers | null;
  excludeGuestsOrExternalUsers?: GuestsOrExternalUsers | null;
}

export interface CaPolicy {
  id: string;
  displayName: string;
  state: string;
  conditions: {
    users?: CaUsersCondition | null;
    applications?: {
      includeApplications?: string[];
      excludeApplications?: string[];
      includeUserActions?: string[];
      includeAuthenticationContextClassReferences?: string[];
      applicationFilter?: unknown;
    } | null;
    clientAppTypes?: string[];
    signInRiskLevels?: string[];
    userRiskLevels?: string[];
    locations?: { includeLocations?: string[]; excludeLocations?: string[] } | null;
    platforms?: { includePlatforms?: string[]; excludePlatforms?: string[] } | null;
    devices?: Record<string, unknown> | null;
    insiderRiskLevels?: string | null;
    authenticationFlows?: unknown;
    /** Any condition Warden does not know: it narrows the policy until proven otherwise. */
    [other: string]: unknown;
  };
  grantControls: {
    operator?: string;
    builtInControls?: string[];
    /** Terms of use and custom controls (Duo...): under OR, each lets a sign-in through without MFA. */
    termsOfUse?: string[];
    customAuthenticationFactors?: string[];
    authenticationStrength?: {
      id?: string;
      displayName?: string;
      policyType?: string;
      allowedCombinations?: string[];
    } | null;
  } | null;
  sessionControls?: { continuousAccessEvaluation?: { mode?: string } | null } | null;
}

/** Who a policy is evaluated for: what the users condition matches on. */
export interface CaSubject {
  id: string;
  /** Entra role template ids held tenant-wide (active, or eligible: evaluated as when activated). */
  roles: ReadonlySet<string>;
  /** Ids of the groups the user is in, directly or nested, among the groups the policies name. */
  groups: ReadonlySet<string>;
  /** Conditional access's guest type for this user, or null for a member of this tenant. */
  externalType: "internalGuest" | "b2bCollaborationGuest" | "b2bCollaborationMember" | null;
}

/**
 * Conditional access's guest type of a user, from what Graph says of it. A user who came from another
 * tenant (invited, or synced across tenants) may have a clean UPN and userType Member: `creationType`
 * "Invitation" and `externalUserState` say so too.
 */
export function externalTypeOf(user: {
  userType: string | null;
  userPrincipalName: string | null;
  creationType?: string | null;
  externalUserState?: string | null;
}): CaSubject["externalType"] {
  const fromElsewhere =
    (user.userPrincipalName ?? "").toUpperCase().includes("#EXT#") ||
    user.creationType === "Invitation" ||
    (user.externalUserState ?? null) !== null;
  if (user.userType === "Guest") return fromElsewhere ? "b2bCollaborationGuest" : "internalGuest";
  return fromElsewhere ? "b2bCollaborationMember" : null;
}

const lower = (list: readonly string[] | undefined) => (list ?? []).map((v) => v.toLowerCase());

/**
 * Whether a guest-types condition names this user: "yes", "no", or "unknown" when it names guests of
 * listed tenants only (a user object does not say which tenant a guest comes from).
 */
function guestsMatch(condition: GuestsOrExternalUsers | null | undefined, subject: CaSubject) {
  if (condition == null || subject.externalType === null) return "no";
  const types = (condition.guestOrExternalUserTypes ?? "").split(",").map((t) => t.trim());
  if (!types.includes(subject.externalType)) return "no";
  const kind = condition.externalTenants?.membershipKind ?? "all";
  return kind === "all" ? "yes" : "unknown";
}

export type Scope = "included" | "excluded" | "not-included";

/**
 * Whether the users condition takes this user in. Doubt counts against coverage: an inclusion Warden
 * cannot confirm is not one, and an exclusion it cannot rule out is one (never claims a door closed).
 */
export function scopeOf(policy: CaPolicy, subject: CaSubject): Scope {
  const users = policy.conditions.users ?? {};
  const id = subject.id.toLowerCase();
  const external = subject.externalType !== null;
  const inAny = (list: string[] | undefined, set: ReadonlySet<string>) => lower(list).some((v) => set.has(v));
  const excludeUsers = lower(users.excludeUsers);
  // Which guest type Entra gives an external user cannot be read from the user object for certain (a
  // guest's UPN can be renamed), so any guest-type exclusion excludes every external user: doubt.
  const excludedGuests =
    external && users.excludeGuestsOrExternalUsers != null
      ? "yes"
      : guestsMatch(users.excludeGuestsOrExternalUsers, subject);
  if (
    excludeUsers.includes(id) ||
    (external && excludeUsers.includes("guestsorexternalusers")) ||
    inAny(users.excludeGroups, subject.groups) ||
    inAny(users.excludeRoles, subject.roles) ||
    excludedGuests !== "no"
  )
    return "excluded";
  const includeUsers = lower(users.includeUsers);
  const included =
    includeUsers.includes("all") ||
    includeUsers.includes(id) ||
    (external && includeUsers.includes("guestsorexternalusers")) ||
    inAny(users.includeGroups, subject.groups) ||
    inAny(users.includeRoles, subject.roles) ||
    guestsMatch(users.includeGuestsOrExternalUsers, subject) === "yes";
  return included ? "included" : "not-included";
}

/** Microsoft's administration surfaces: a policy that excludes one of them leaves admins a way round. */
export const ADMIN_SURFACES: Readonly<Record<string, string>> = {
  microsoftadminportals: "Microsoft Admin Portals",
  "797f4846-ba00-4fd7-ba43-dac1f8f63013": "Windows Azure Service Management API",
  "00000003-0000-0000-c000-000000000000": "Microsoft Graph",
};

/** The client app types a sign-in can use: a policy must leave none of them out. */
export const CLIENT_APP_TYPES = [
  "browser",
  "mobileAppsAndDesktopClients",
  "exchangeActiveSync",
  "other",
] as const;

/** The client app types a policy applies to. */
export function clientTypesOf(policy: CaPolicy): string[] {
  const clients = lower(policy.conditions.clientAppTypes);
  if (clients.length === 0 || clients.includes("all")) return [...CLIENT_APP_TYPES];
  return CLIENT_APP_TYPES.filter((t) => clients.includes(t.toLowerCase()));
}

const empty = (v: unknown) =>
  v === undefined || v === null || (Array.isArray(v) && v.length === 0) || v === "" || v === "none";

/** Conditions this evaluation reads; any other one set is a condition Warden cannot judge. */
const KNOWN_CONDITIONS = new Set([
  "users",
  "applications",
  "clientAppTypes",
  "signInRiskLevels",
  "userRiskLevels",
  "servicePrincipalRiskLevels",
  "locations",
  "platforms",
  "devices",
  "insiderRiskLevels",
  "authenticationFlows",
  "clientApplications",
]);

/**
 * What keeps a policy from applying to every sign-in of the people it takes in, in words; empty when
 * nothing does. Client app types are left to `clientTypesOf` (two policies may share them: MFA for modern
 * clients, a block for legacy ones). A policy that spares some sign-ins (an application, a location, a
 * platform, a risk level, a condition Warden does not know) is a door an attacker with a password can
 * still walk through.
 */
export function narrowing(policy: CaPolicy): string[] {
  const c = policy.conditions;
  const why: string[] = [];
  const apps = c.applications ?? {};
  if (!lower(apps.includeApplications).includes("all"))
    why.push("it covers only some applications, not All resources");
  const spared = (apps.excludeApplications ?? []).map((a) => ADMIN_SURFACES[a.toLowerCase()] ?? a);
  if (spared.length > 0)
    why.push(
      `it excludes ${spared.slice(0, 3).join(", ")}${spared.length > 3 ? ` and ${spared.length - 3} more` : ""}`,
    );
  if (!empty(apps.applicationFilter)) why.push("it applies only to the applications its filter selects");
  if (!empty(c.signInRiskLevels)) why.push("it applies only at some sign-in risk levels");
  if (!empty(c.userRiskLevels)) why.push("it applies only at some user risk levels");
  if (!empty(c.servicePrincipalRiskLevels) || !empty(c.clientApplications))
    why.push("it applies to workload identities, not people");
  const locations = c.locations;
  if (
    locations != null &&
    ((locations.excludeLocations ?? []).length > 0 || !lower(locations.includeLocations).includes("all"))
  )
    why.push("it spares some locations");
  const platforms = c.platforms;
  if (
    platforms != null &&
    ((platforms.excludePlatforms ?? []).length > 0 || !lower(platforms.includePlatforms).includes("all"))
  )
    why.push("it spares some device platforms");
  // Any device condition (a filter, or the older device states and lists) spares some devices.
  if (Object.values(c.devices ?? {}).some((v) => !empty(v))) why.push("it applies only to some devices");
  if (!empty(c.insiderRiskLevels)) why.push("it applies only at some insider risk levels");
  if (!empty(c.authenticationFlows)) why.push("it applies only to some authentication flows");
  const unknown = Object.entries(c).filter(
    ([key, value]) => !KNOWN_CONDITIONS.has(key) && !empty(value) && !key.startsWith("@"),
  );
  if (unknown.length > 0)
    why.push(`it has conditions Warden cannot judge (${unknown.map(([k]) => k).join(", ")})`);
  return why;
}

/**
 * Authentication method modes that are a second factor on their own (Graph authenticationMethodModes).
 * Any other mode alone (password, sms, voice, email, OATH codes, single-factor certificates or federation,
 * qrCodePin, a value Graph adds later) is one factor; a combination ("password,sms") is two.
 */
const MULTIFACTOR_ALONE = new Set([
  "fido2",
  "windowshelloforbusiness",
  "x509certificatemultifactor",
  "devicebasedpush",
  "federatedmultifactor",
  "temporaryaccesspassonetime",
  "temporaryaccesspassmultiuse",
]);

/** Whether every combination an authentication strength allows is multifactor. */
function strengthIsMultifactor(
  strength: NonNullable<NonNullable<CaPolicy["grantControls"]>["authenticationStrength"]>,
) {
  const combinations = strength.allowedCombinations;
  // Not expanded: the built-in strengths are all multifactor; a custom one Warden cannot see is doubt.
  if (combinations === undefined) return strength.policyType === "builtIn";
  return (
    combinations.length > 0 &&
    combinations.every((c) => c.includes(",") || MULTIFACTOR_ALONE.has(c.trim().toLowerCase()))
  );
}

/**
 * What the grant controls demand of everyone they apply to: "block", "mfa", or undefined when a sign-in
 * can pass without a second factor (another control in an OR, terms of use, a custom control, a strength
 * that allows a single factor).
 */
export function demands(policy: CaPolicy): "block" | "mfa" | undefined {
  const grant = policy.grantControls;
  if (grant == null) return undefined;
  const controls = lower(grant.builtInControls);
  if (controls.includes("block")) return "block";
  const strength = grant.authenticationStrength;
  const strong = strength != null && strengthIsMultifactor(strength);
  const mfa = controls.includes("mfa") || strong;
  if (!mfa) return undefined;
  const others =
    controls.filter((c) => c !== "mfa").length +
    (strength != null && !strong ? 1 : 0) +
    (grant.termsOfUse ?? []).length +
    (grant.customAuthenticationFactors ?? []).length;
  const all = (grant.operator ?? "OR").toUpperCase() === "AND";
  return all || others === 0 ? "mfa" : undefined;
}

/** Whether a policy's grant controls can refuse a sign-in at all (any control can lock someone out). */
export function canRefuse(policy: CaPolicy): boolean {
  const grant = policy.grantControls;
  return (
    grant != null &&
    ((grant.builtInControls ?? []).length > 0 ||
      grant.authenticationStrength != null ||
      (grant.termsOfUse ?? []).length > 0 ||
      (grant.customAuthenticationFactors ?? []).length > 0)
  );
}

/** The groups a policy names, included or excluded. */
export function groupsNamed(policy: CaPolicy): string[] {
  const users = policy.conditions.users ?? {};
  return [...(users.includeGroups ?? []), ...(users.excludeGroups ?? [])];
}

/** The directory roles a policy names, included or excluded. */
export function rolesNamed(policy: CaPolicy): string[] {
  const users = policy.conditions.users ?? {};
  return [...(users.includeRoles ?? []), ...(users.excludeRoles ?? [])];
}

/**
 * Whether a policy's exclusions spare anyone but the break-glass accounts (Microsoft's guidance excludes
 * those from every policy): excluded users, members of excluded groups, excluded roles or guest types.
 * A group whose members are not known counts as sparing others (doubt).
 */
export function sparesOthers(
  policy: CaPolicy,
  breakGlass: ReadonlySet<string>,
  groupMembers: ReadonlyMap<string, ReadonlySet<string>>,
): boolean {
  const users = policy.conditions.users ?? {};
  if (lower(users.excludeUsers).some((u) => !breakGlass.has(u))) return true;
  if ((users.excludeRoles ?? []).length > 0 || users.excludeGuestsOrExternalUsers != null) return true;
  return lower(users.excludeGroups).some((g) => {
    const members = groupMembers.get(g);
    return members === undefined || [...members].some((m) => !breakGlass.has(m));
  });
}

/** The client app types no policy of these covers: empty when, together, they cover every sign-in. */
export function uncoveredClients(policies: readonly CaPolicy[]): string[] {
  return CLIENT_APP_TYPES.filter((t) => !policies.some((p) => clientTypesOf(p).includes(t)));
}
