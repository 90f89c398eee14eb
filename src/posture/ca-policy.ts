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
    } | null;
    clientAppTypes?: string[];
    signInRiskLevels?: string[];
    userRiskLevels?: string[];
    locations?: { includeLocations?: string[]; excludeLocations?: string[] } | null;
    platforms?: { includePlatforms?: string[]; excludePlatforms?: string[] } | null;
    devices?: { deviceFilter?: unknown } | null;
    insiderRiskLevels?: string | null;
    authenticationFlows?: unknown;
  };
  grantControls: {
    operator?: string;
    builtInControls?: string[];
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

/** Conditional access's guest type of a user, from what Graph says of it. */
export function externalTypeOf(user: {
  userType: string | null;
  userPrincipalName: string | null;
}): CaSubject["externalType"] {
  const fromElsewhere = (user.userPrincipalName ?? "").toUpperCase().includes("#EXT#");
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
  const excludedGuests = guestsMatch(users.excludeGuestsOrExternalUsers, subject);
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

/**
 * What keeps a policy from applying to every sign-in of the people it takes in, in words; empty when
 * nothing does. A policy that spares some sign-ins (a trusted location, a platform, low risk) is a door
 * an attacker with a password can still walk through.
 */
export function narrowing(policy: CaPolicy): string[] {
  const c = policy.conditions;
  const why: string[] = [];
  const apps = c.applications ?? {};
  const include = lower(apps.includeApplications);
  if (!include.includes("all")) why.push("it covers only some applications, not All resources");
  const spared = lower(apps.excludeApplications)
    .map((a) => ADMIN_SURFACES[a])
    .filter((a) => a !== undefined);
  if (spared.length > 0) why.push(`it excludes ${spared.join(", ")}`);
  if ((c.signInRiskLevels ?? []).length > 0) why.push("it applies only at some sign-in risk levels");
  if ((c.userRiskLevels ?? []).length > 0) why.push("it applies only at some user risk levels");
  const clients = lower(c.clientAppTypes);
  const everyClient =
    clients.length === 0 ||
    clients.includes("all") ||
    (clients.includes("browser") && clients.includes("mobileappsanddesktopclients"));
  if (!everyClient) why.push("it covers only some client apps");
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
  if (c.devices?.deviceFilter != null) why.push("it applies only to some devices");
  if (c.insiderRiskLevels != null) why.push("it applies only at some insider risk levels");
  if (c.authenticationFlows != null) why.push("it applies only to some authentication flows");
  return why;
}

/** Single-factor combinations an authentication strength may allow (Graph authenticationMethodModes). */
const SINGLE_FACTOR = new Set([
  "password",
  "sms",
  "voice",
  "email",
  "federatedsinglefactor",
  "x509certificatesinglefactor",
  "hardwareoath",
  "softwareoath",
]);

/**
 * What the grant controls demand of everyone they apply to: "block", "mfa", or undefined when a sign-in
 * can pass without a second factor (another control in an OR, a strength that allows a single factor).
 */
export function demands(policy: CaPolicy): "block" | "mfa" | undefined {
  const grant = policy.grantControls;
  if (grant == null) return undefined;
  const controls = lower(grant.builtInControls);
  if (controls.includes("block")) return "block";
  const strength = grant.authenticationStrength;
  const strong =
    strength != null &&
    (strength.allowedCombinations === undefined
      ? strength.policyType === "builtIn"
      : strength.allowedCombinations.length > 0 &&
        strength.allowedCombinations.every((c) => c.includes(",") || !SINGLE_FACTOR.has(c.toLowerCase())));
  const mfa = controls.includes("mfa") || strong;
  if (!mfa) return undefined;
  const others = controls.filter((c) => c !== "mfa").length + (strength != null && !strong ? 1 : 0);
  const all = (grant.operator ?? "OR").toUpperCase() === "AND";
  return all || others === 0 ? "mfa" : undefined;
}

/** Whether a policy's grant controls can refuse a sign-in at all (any control can lock someone out). */
export function canRefuse(policy: CaPolicy): boolean {
  const grant = policy.grantControls;
  return grant != null && ((grant.builtInControls ?? []).length > 0 || grant.authenticationStrength != null);
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
