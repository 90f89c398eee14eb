/**
 * PIM's role settings as the simulator enforces them: each role's expiration rules for eligible and for
 * active assignments made by an administrator (`Expiration_Admin_Eligibility`,
 * `Expiration_Admin_Assignment`). Graph's `unifiedRoleManagementPolicyExpirationRule` and ARM's
 * `RoleManagementPolicyExpirationRule` (RoleManagementPolicy.json, 2020-10-01) carry the same two fields.
 */

export interface ExpirationRule {
  isExpirationRequired: boolean;
  /** ISO 8601 duration, as PIM writes it: `P365D`, `P180D`, `PT8H`. */
  maximumDuration: string;
}

export interface RoleSettings {
  eligibility: ExpirationRule;
  assignment: ExpirationRule;
}

/**
 * A new tenant's settings: permanent eligible and active assignments allowed, otherwise at most a year
 * eligible and six months active ("Configure Microsoft Entra role settings in PIM", Assignment tab
 * defaults). Tests make a role require an expiry to prove Warden's undo keeps within the settings.
 */
export const DEFAULT_ROLE_SETTINGS: RoleSettings = {
  eligibility: { isExpirationRequired: false, maximumDuration: "P365D" },
  assignment: { isExpirationRequired: false, maximumDuration: "P180D" },
};

/** A request's expiration in either API's spelling (Graph: camelCase, ARM: PascalCase). */
export interface RequestedExpiration {
  type?: unknown;
  endDateTime?: unknown;
  duration?: unknown;
}

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Milliseconds in an ISO 8601 duration (a year as 365 days, a month as 30); undefined if malformed. */
export function isoDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (m === null || text === "P" || text.endsWith("T")) return undefined;
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as number[];
  const days = (y ?? 0) * 365 + (mo ?? 0) * 30 + (w ?? 0) * 7 + (d ?? 0);
  return ((days * 24 + (h ?? 0)) * 60 + (mi ?? 0)) * 60_000 + (s ?? 0) * 1000;
}

/**
 * When a requested schedule ends (null: never), or why the request is malformed. `start` is the
 * schedule's start in ms.
 */
export function requestedEnd(
  expiration: RequestedExpiration | undefined,
  start: number,
  api: "graph" | "arm",
): { end: number | null } | { malformed: string } {
  // Each API spells the type its own way, and takes only its own: Graph's expirationPatternType
  // (noExpiration, afterDateTime, afterDuration), ARM's Type enum (NoExpiration, AfterDateTime,
  // AfterDuration; RoleEligibilityScheduleRequest.json).
  const spelled =
    api === "graph"
      ? ["noExpiration", "afterDateTime", "afterDuration"]
      : ["NoExpiration", "AfterDateTime", "AfterDuration"];
  const given = expiration?.type ?? spelled[0];
  if (typeof given !== "string" || !spelled.includes(given))
    return { malformed: `expiration.type '${String(given)}' is not one of ${spelled.join(", ")}` };
  const type = given.toLowerCase();
  if (type === "noexpiration") return { end: null };
  if (type === "afterdatetime") {
    const end = Date.parse(String(expiration?.endDateTime ?? ""));
    return Number.isNaN(end) ? { malformed: "expiration.endDateTime is not a date" } : { end };
  }
  if (type === "afterduration") {
    const ms = isoDurationMs(String(expiration?.duration ?? ""));
    return ms === undefined
      ? { malformed: "expiration.duration is not an ISO 8601 duration" }
      : { end: start + ms };
  }
  return {
    malformed: `expiration.type '${String(given)}' is not one of ${spelled.join(", ")}`,
  };
}

/**
 * Whether a schedule ending at `end` breaks the rule: no end where one is required, or an end past the
 * maximum. PIM refuses such a request as a whole: Graph and ARM answer 400
 * `RoleAssignmentRequestPolicyValidationFailed`, "The following policy rules failed: ["ExpirationRule"]".
 */
export function breaksExpirationRule(rule: ExpirationRule, start: number, end: number | null): boolean {
  if (end === null) return rule.isExpirationRequired;
  const max = isoDurationMs(rule.maximumDuration);
  // A minute's grace: the caller computed its end from its own clock, a little before ours.
  return max !== undefined && end - start > max + 60_000;
}

export const POLICY_REFUSAL = {
  code: "RoleAssignmentRequestPolicyValidationFailed",
  message: 'The following policy rules failed: ["ExpirationRule"]',
} as const;
