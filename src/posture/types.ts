/** The doors a takeover walks through, each checked by its own module in `checks/`. */
export const CHECK_IDS = [
  "admin-without-mfa",
  "admin-not-covered-by-mfa-policy",
  "no-risky-signin-policy",
  "security-defaults-off-and-no-policies",
  "cae-disabled",
  "subscription-transfer-open",
  "guest-privileged",
  "break-glass-misconfigured",
  "stale-privileged-external",
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

export type PostureSeverity = "critical" | "high" | "medium" | "low";

export interface PosturePrincipal {
  type: "user" | "servicePrincipal" | "group";
  id: string;
  userPrincipalName: string | null;
}

/** One open door: what is wrong, about whom or which setting, and how to close it. */
export interface PostureFinding {
  check: CheckId;
  severity: PostureSeverity;
  principal: PosturePrincipal | null;
  /** The tenant setting concerned, when the finding is about a setting rather than a person. */
  setting: string | null;
  /** What is wrong, in one sentence. */
  detail: string;
  /** How to close it: a portal path, or the exact Graph or ARM request. */
  fix: string;
}

/** A check Warden could not read, or could read only in part: never reported as a closed door. */
export interface UnreadableCheck {
  check: CheckId;
  /** Whether some findings were still read (part of what the check needs was refused). */
  partial: boolean;
  reason: string;
}

export interface PostureReport {
  findings: PostureFinding[];
  summary: { checks: number; findings: number; unreadable: UnreadableCheck[] };
  /** When the tenant was read. */
  at: string;
}

/** A finding's identity across reports: the same door about the same principal or setting. */
export function findingKey(f: Pick<PostureFinding, "check" | "principal" | "setting">): string {
  return `${f.check}:${f.principal?.id.toLowerCase() ?? f.setting ?? ""}`;
}

const SEVERITY_ORDER: Record<PostureSeverity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Worst first, then by check, then by who: the order every format prints. */
export function byUrgency(a: PostureFinding, b: PostureFinding): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    CHECK_IDS.indexOf(a.check) - CHECK_IDS.indexOf(b.check) ||
    (a.principal?.userPrincipalName ?? a.setting ?? "").localeCompare(
      b.principal?.userPrincipalName ?? b.setting ?? "",
    )
  );
}
