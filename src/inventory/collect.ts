import type { GraphUser } from "../cloud/graph-directory.js";
import { invitersFromAuditLog } from "./inviters.js";
import {
  collectPrivilegedHolders,
  type HeldRole,
  type HoldersDeps,
  type PrivilegedHolders,
} from "./privileged-holders.js";

export type { HeldRole } from "./privileged-holders.js";

export interface InventoryEntry {
  id: string;
  displayName: string | null;
  userPrincipalName: string | null;
  mail: string | null;
  userType: string | null;
  homeDomain: string | null;
  createdDateTime: string | null;
  invitedBy: string | null;
  accountEnabled: boolean | null;
  /** Last sign-in, when the tenant's licence lets Graph say (signInActivity needs Entra ID P1). */
  lastSignIn: string | null;
  roles: HeldRole[];
  risk: { recentlyCreated: boolean; riskyUser: boolean; promotedSoonAfterCreation: boolean };
}

export interface InventoryDeps extends HoldersDeps {
  now: () => number;
  /** Who invited whom, from the audit log or Warden's store, when known (guest id → inviter label). */
  invitedBy?: (guestIds: readonly string[]) => Promise<Map<string, string>>;
}

const RECENT_MS = 30 * 86_400_000;
const SOON_MS = 2 * 86_400_000;

export function isExternal(
  user: Pick<GraphUser, "userType" | "userPrincipalName"> &
    Partial<Pick<GraphUser, "creationType" | "externalUserState">>,
): boolean {
  // A member from another tenant may carry a clean UPN: invited (creationType) or with an external state.
  return (
    user.userType === "Guest" ||
    (user.userPrincipalName ?? "").toUpperCase().includes("#EXT#") ||
    user.creationType === "Invitation" ||
    (user.externalUserState ?? null) !== null
  );
}

/** The home domain of an external account: from its mail, or from its `alice_fabrikam.com#EXT#@...` UPN. */
export function homeDomainOf(user: Pick<GraphUser, "mail" | "userPrincipalName">): string | null {
  if (user.mail?.includes("@")) return user.mail.split("@")[1]?.toLowerCase() ?? null;
  const local = user.userPrincipalName?.split("#EXT#")[0];
  const at = local?.lastIndexOf("_") ?? -1;
  return local !== undefined && at >= 0 ? local.slice(at + 1).toLowerCase() : null;
}

/** The external admins found, and what could not be read (said with the list, never left out quietly). */
export interface Inventory {
  entries: InventoryEntry[];
  gaps: string[];
}

/**
 * Every external principal (guest or #EXT# member) holding a privileged Entra role (active or eligible,
 * directly or through a role-assignable group) or a privileged Azure role at subscription, management
 * group or root scope (see collectPrivilegedHolders for the calls), with risky users and who invited whom.
 */
export async function collectInventory(deps: InventoryDeps, holders?: PrivilegedHolders): Promise<Inventory> {
  const read = holders ?? (await collectPrivilegedHolders(deps));
  const { held, users } = read;
  const gaps = [...read.gaps];
  const externals = users.filter(isExternal);
  // Risky users need IdentityRiskyUser.Read.All and Entra ID P2: refused, the list still comes, said so.
  let risky = new Set<string>();
  try {
    risky = new Set((await deps.graph.riskyUsers("riskState eq 'atRisk'")).map((r) => r.id.toLowerCase()));
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== 403) throw error;
    gaps.push(
      `risky users could not be read (${status}: ${(error as Error).message}): no account is flagged risky`,
    );
  }
  const inviters =
    deps.invitedBy === undefined
      ? await invitersFromAuditLog(deps.graph, deps.now())
      : await deps.invitedBy(externals.map((u) => u.id));
  const now = deps.now();
  const entries = externals
    .map((user): InventoryEntry => {
      const roles = (held.get(user.id.toLowerCase()) ?? []).sort(
        (a, b) =>
          a.kind.localeCompare(b.kind) ||
          a.roleName.localeCompare(b.roleName) ||
          a.scope.localeCompare(b.scope),
      );
      const created = Date.parse(user.createdDateTime ?? "");
      const firstPromotion = Math.min(...roles.map((r) => Date.parse(r.since ?? "")).filter(Number.isFinite));
      return {
        id: user.id,
        displayName: user.displayName,
        userPrincipalName: user.userPrincipalName,
        mail: user.mail,
        userType: user.userType,
        homeDomain: homeDomainOf(user),
        createdDateTime: user.createdDateTime,
        invitedBy: inviters.get(user.id.toLowerCase()) ?? null,
        accountEnabled: user.accountEnabled,
        lastSignIn: user.signInActivity?.lastSuccessfulSignInDateTime ?? null,
        roles,
        risk: {
          recentlyCreated: Number.isFinite(created) && now - created < RECENT_MS,
          riskyUser: risky.has(user.id.toLowerCase()),
          promotedSoonAfterCreation:
            Number.isFinite(created) && Number.isFinite(firstPromotion) && firstPromotion - created < SOON_MS,
        },
      };
    })
    .sort(
      (a, b) =>
        riskScore(b) - riskScore(a) || (a.userPrincipalName ?? "").localeCompare(b.userPrincipalName ?? ""),
    );
  return { entries, gaps };
}

/** Riskiest first: a risky or new account with privilege is what an admin should look at first. */
function riskScore(e: InventoryEntry): number {
  return (
    (e.risk.riskyUser ? 4 : 0) + (e.risk.promotedSoonAfterCreation ? 2 : 0) + (e.risk.recentlyCreated ? 1 : 0)
  );
}
