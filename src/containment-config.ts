import type { RuleId, Severity } from "./detect/finding.js";
import { RULES } from "./detect/finding.js";
import type { AutoContainPolicy } from "./respond/auto-policy.js";
import type { ProtectedPrincipals } from "./respond/guard.js";
import { ACTIONS, type ActionName } from "./respond/types.js";

/** How Warden contains: who is never touched, what may run without a click, and dry-run. */
export interface ContainmentConfig {
  protected: ProtectedPrincipals;
  /** Warden's own service principal (object id): never acted on. */
  ownServicePrincipalId?: string;
  policyState: "enabled" | "enabledForReportingButNotEnforced";
  blockEntering: boolean;
  dryRun: boolean;
  auto: AutoContainPolicy;
  approval: ApprovalPolicy;
}

/** How decisions are taken: how long an incident may wait, and whether critical ones need two approvers. */
export interface ApprovalPolicy {
  /** A pending incident expires after this many hours, by severity (WARDEN_EXPIRE_HOURS). */
  expireHours: Record<Severity, number>;
  /** Critical incidents need two different approvers (WARDEN_CRITICAL_TWO_APPROVERS). */
  twoApproversForCritical: boolean;
}

/** Thrown for a setting that cannot be used; the message names the variable and what to write. */
export class ContainmentConfigError extends Error {}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SEVERITIES: readonly Severity[] = ["low", "medium", "high", "critical"];
const SAFE_AUTO_ACTIONS: readonly ActionName[] = [
  "remove-directory-role",
  "remove-azure-role",
  "disable-account",
  "revoke-sessions",
  "require-mfa",
  "block-subscription-transfer",
];

/** Reads the WARDEN_* containment settings through `value` (config.ts reads the environment). */
export function parseContainmentConfig(value: (name: string) => string | undefined): ContainmentConfig {
  const list = (name: string): string[] =>
    (value(name) ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  const guids = (name: string): string[] => {
    const items = list(name);
    const bad = items.find((i) => !GUID.test(i));
    if (bad !== undefined)
      throw new ContainmentConfigError(
        `${name} takes object ids (GUIDs) separated by commas; "${bad}" is not one`,
      );
    return items.map((i) => i.toLowerCase());
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    if (["1", "true", "on", "yes"].includes(raw.toLowerCase())) return true;
    if (["0", "false", "off", "no"].includes(raw.toLowerCase())) return false;
    throw new ContainmentConfigError(`${name} must be true or false, got "${raw}"`);
  };
  const oneOfEach = <T extends string>(name: string, allowed: readonly T[], fallback: readonly T[]): T[] => {
    const items = list(name);
    if (items.length === 0) return [...fallback];
    const bad = items.find((i) => !(allowed as readonly string[]).includes(i));
    if (bad !== undefined)
      throw new ContainmentConfigError(`${name}: "${bad}" is not one of ${allowed.join(", ")}`);
    return items as T[];
  };
  const state = value("WARDEN_CA_POLICY_STATE") ?? "enabled";
  if (state !== "enabled" && state !== "report-only") {
    throw new ContainmentConfigError(`WARDEN_CA_POLICY_STATE must be enabled or report-only, got "${state}"`);
  }
  const confidenceRaw = value("WARDEN_AUTO_MIN_CONFIDENCE") ?? "0.95";
  const minConfidence = Number(confidenceRaw);
  if (!(minConfidence > 0 && minConfidence <= 1)) {
    throw new ContainmentConfigError(
      `WARDEN_AUTO_MIN_CONFIDENCE must be a number in (0, 1], got "${confidenceRaw}"`,
    );
  }
  const capRaw = value("WARDEN_AUTO_MAX_ACTIONS_PER_HOUR") ?? "20";
  const maxActionsPerHour = Number(capRaw);
  if (!Number.isInteger(maxActionsPerHour) || maxActionsPerHour < 0) {
    throw new ContainmentConfigError(
      `WARDEN_AUTO_MAX_ACTIONS_PER_HOUR must be a whole number, got "${capRaw}"`,
    );
  }
  const own = value("WARDEN_SERVICE_PRINCIPAL_ID");
  if (own !== undefined && !GUID.test(own)) {
    throw new ContainmentConfigError(
      `WARDEN_SERVICE_PRINCIPAL_ID must be the object id of Warden's service principal, got "${own}"`,
    );
  }
  const expireHours: Record<Severity, number> = { critical: 4, high: 12, medium: 24, low: 72 };
  for (const part of list("WARDEN_EXPIRE_HOURS")) {
    const [severity = "", hours = ""] = part.split("=");
    if (!(SEVERITIES as readonly string[]).includes(severity) || !(Number(hours) > 0)) {
      throw new ContainmentConfigError(
        `WARDEN_EXPIRE_HOURS takes severity=hours pairs such as critical=4,high=12; "${part}" is not one`,
      );
    }
    expireHours[severity as Severity] = Number(hours);
  }
  return {
    approval: { expireHours, twoApproversForCritical: bool("WARDEN_CRITICAL_TWO_APPROVERS", false) },
    protected: {
      breakGlassIds: guids("WARDEN_BREAK_GLASS_IDS"),
      users: list("WARDEN_PROTECTED_USERS").map((u) => u.toLowerCase()),
      groupIds: guids("WARDEN_PROTECTED_GROUPS"),
      servicePrincipalIds: [
        ...guids("WARDEN_PROTECTED_SERVICE_PRINCIPALS"),
        ...(own === undefined ? [] : [own.toLowerCase()]),
      ],
    },
    ...(own === undefined ? {} : { ownServicePrincipalId: own.toLowerCase() }),
    policyState: state === "enabled" ? "enabled" : "enabledForReportingButNotEnforced",
    blockEntering: bool("WARDEN_BLOCK_SUBSCRIPTIONS_ENTERING", false),
    dryRun: bool("WARDEN_DRY_RUN", false),
    auto: {
      enabled: bool("WARDEN_AUTO_CONTAIN", false),
      minConfidence,
      severities: oneOfEach("WARDEN_AUTO_SEVERITIES", SEVERITIES, ["critical"]),
      rules: oneOfEach<RuleId>("WARDEN_AUTO_RULES", RULES, []),
      actions: oneOfEach("WARDEN_AUTO_ACTIONS", ACTIONS, SAFE_AUTO_ACTIONS),
      maxActionsPerHour,
    },
  };
}
