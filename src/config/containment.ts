import type { RuleId, Severity } from "../detect/finding.js";
import { RULES } from "../detect/finding.js";
import type { AutoContainPolicy } from "../respond/auto-policy.js";
import type { ProtectedPrincipals } from "../respond/guard.js";
import { ACTIONS, type ActionName } from "../respond/types.js";
import { bool, ConfigError, type EnvValue, guid, guids, list, oneOfEach } from "./readers.js";

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

const SEVERITIES: readonly Severity[] = ["low", "medium", "high", "critical"];
const SAFE_AUTO_ACTIONS: readonly ActionName[] = [
  "remove-directory-role",
  "remove-azure-role",
  "disable-account",
  "revoke-sessions",
  "require-mfa",
  "block-subscription-transfer",
];

/** Reads the WARDEN_* containment settings. */
export function parseContainmentConfig(value: EnvValue): ContainmentConfig {
  const state = value("WARDEN_CA_POLICY_STATE") ?? "enabled";
  if (state !== "enabled" && state !== "report-only") {
    throw new ConfigError(`WARDEN_CA_POLICY_STATE must be enabled or report-only, got "${state}"`);
  }
  const confidenceRaw = value("WARDEN_AUTO_MIN_CONFIDENCE") ?? "0.95";
  const minConfidence = Number(confidenceRaw);
  if (!(minConfidence > 0 && minConfidence <= 1)) {
    throw new ConfigError(`WARDEN_AUTO_MIN_CONFIDENCE must be a number in (0, 1], got "${confidenceRaw}"`);
  }
  const capRaw = value("WARDEN_AUTO_MAX_ACTIONS_PER_HOUR") ?? "20";
  const maxActionsPerHour = Number(capRaw);
  if (!Number.isInteger(maxActionsPerHour) || maxActionsPerHour < 0) {
    throw new ConfigError(`WARDEN_AUTO_MAX_ACTIONS_PER_HOUR must be a whole number, got "${capRaw}"`);
  }
  const own = guid(value, "WARDEN_SERVICE_PRINCIPAL_ID", "the object id of Warden's service principal");
  const expireHours: Record<Severity, number> = { critical: 4, high: 12, medium: 24, low: 72 };
  for (const part of list(value, "WARDEN_EXPIRE_HOURS")) {
    const [severity = "", hours = ""] = part.split("=");
    if (!(SEVERITIES as readonly string[]).includes(severity) || !(Number(hours) > 0)) {
      throw new ConfigError(
        `WARDEN_EXPIRE_HOURS takes severity=hours pairs such as critical=4,high=12; "${part}" is not one`,
      );
    }
    expireHours[severity as Severity] = Number(hours);
  }
  return {
    approval: { expireHours, twoApproversForCritical: bool(value, "WARDEN_CRITICAL_TWO_APPROVERS", false) },
    protected: {
      breakGlassIds: guids(value, "WARDEN_BREAK_GLASS_IDS"),
      users: list(value, "WARDEN_PROTECTED_USERS").map((u) => u.toLowerCase()),
      groupIds: guids(value, "WARDEN_PROTECTED_GROUPS"),
      servicePrincipalIds: [
        ...guids(value, "WARDEN_PROTECTED_SERVICE_PRINCIPALS"),
        ...(own === undefined ? [] : [own]),
      ],
    },
    ...(own === undefined ? {} : { ownServicePrincipalId: own }),
    policyState: state === "enabled" ? "enabled" : "enabledForReportingButNotEnforced",
    blockEntering: bool(value, "WARDEN_BLOCK_SUBSCRIPTIONS_ENTERING", false),
    dryRun: bool(value, "WARDEN_DRY_RUN", false),
    auto: {
      enabled: bool(value, "WARDEN_AUTO_CONTAIN", false),
      minConfidence,
      severities: oneOfEach(value, "WARDEN_AUTO_SEVERITIES", SEVERITIES, ["critical"]),
      rules: oneOfEach<RuleId>(value, "WARDEN_AUTO_RULES", RULES, []),
      actions: oneOfEach(value, "WARDEN_AUTO_ACTIONS", ACTIONS, SAFE_AUTO_ACTIONS),
      maxActionsPerHour,
    },
  };
}
