import type { GraphDirectory } from "../cloud/graph-directory.js";

interface InviteRecord {
  targetResources?: { id?: string }[];
  initiatedBy?: {
    user?: { userPrincipalName?: string | null } | null;
    app?: { displayName?: string | null } | null;
  };
}

/**
 * Who invited each guest, as far as the audit log still knows (30 days): one filtered read of the log,
 * whatever the number of guests. A log that cannot be read leaves every inviter unknown, never fails.
 */
export async function invitersFromAuditLog(graph: GraphDirectory, now: number): Promise<Map<string, string>> {
  const since = new Date(now - 30 * 86_400_000).toISOString();
  const inviters = new Map<string, string>();
  try {
    const records = await graph.all<InviteRecord>("/auditLogs/directoryAudits", {
      $filter: `activityDateTime ge ${since} and activityDisplayName eq 'Invite external user'`,
      $top: "1000",
    });
    for (const r of records) {
      const target = r.targetResources?.[0]?.id?.toLowerCase();
      const by = r.initiatedBy?.user?.userPrincipalName ?? r.initiatedBy?.app?.displayName ?? undefined;
      if (target !== undefined && by !== undefined && by !== null) inviters.set(target, by);
    }
  } catch {
    // Without AuditLog.Read.All, or past the log's retention, the inviter stays unknown.
  }
  return inviters;
}
