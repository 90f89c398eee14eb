import { describe, expect, it } from "vitest";
import { DEFAULT_DETECT_CONFIG } from "../../src/detect/detect-config.js";
import type { InputItem } from "../../src/detect/input/input-item.js";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";
import { runDetection } from "../../src/detect/run-detection.js";
import * as shapes from "../../src/sim/records/export-shapes.js";

/**
 * Issue 19, point 5: Microsoft writes elevate access to the Entra audit log too ("Elevate access to manage
 * all Azure subscriptions and management groups", View elevate access log entries: category
 * AzureRBACRoleManagementElevateAccess, activity "User has elevated their access to User Access
 * Administrator for their Azure Resources", service "Azure RBAC (Elevated Access)"). A team that exports
 * only Entra audit logs must still get `elevate-access`, in every shape the audit log comes in.
 */

const TENANT = "d2af6ef7-a00c-438f-903b-65592cfddc48";
const ADMIN = { id: "30a6c29d-de7c-4830-815f-9b3bb366e975", upn: "attacker@securathesis.onmicrosoft.com" };

const graphRecord = {
  id: "Directory_8f3c1a2b-4d5e-4f60-8a7b-9c0d1e2f3a4b_ELEVATE_7Q2XK",
  category: "AzureRBACRoleManagementElevateAccess",
  correlationId: "6e2f4a8c-0b1d-4e3f-9a5b-7c9d1e3f5a7b",
  result: "success",
  resultReason: "",
  activityDisplayName:
    "User has elevated their access to User Access Administrator for their Azure Resources",
  activityDateTime: "2026-11-30T10:12:44.5012345Z",
  loggedByService: "Azure RBAC (Elevated Access)",
  operationType: "Assign",
  initiatedBy: {
    app: null,
    user: { id: ADMIN.id, displayName: null, userPrincipalName: ADMIN.upn, ipAddress: "203.0.113.77" },
  },
  targetResources: [],
  additionalDetails: [],
};

const inEveryShape: [string, Record<string, unknown>][] = [
  ["Graph directoryAudit", graphRecord],
  ["diagnostic-settings AuditLogs", shapes.diagnosticAudit(graphRecord, TENANT)],
  ["Log Analytics AuditLogs", shapes.logAnalyticsAudit(graphRecord, TENANT)],
  ["Defender CloudAppEvents (unified audit log)", shapes.cloudAppEvent(graphRecord, TENANT)],
];

describe("elevate access in the Entra audit log", () => {
  it.each(inEveryShape)("is read as elevate-access from %s", (_shape, record) => {
    const read = normaliseRecord(record, { tenantId: TENANT });
    expect(read).toMatchObject({
      ok: true,
      event: {
        kind: "elevate-access",
        actor: { id: ADMIN.id },
        time: Date.parse("2026-11-30T10:12:44.501Z"),
      },
    });
  });

  it("raises the elevate-access finding from the audit log alone", async () => {
    async function* items(): AsyncGenerator<InputItem> {
      yield { kind: "record", record: graphRecord, place: "audit.json:1" };
    }
    const report = await runDetection(items(), { ...DEFAULT_DETECT_CONFIG, defaultTenantId: TENANT });
    expect(report.findings.map((f) => [f.rule, f.actor?.userPrincipalName])).toEqual([
      ["elevate-access", ADMIN.upn],
    ]);
  });

  it("is known by its category even when the wording differs", () => {
    const reworded = { ...graphRecord, activityDisplayName: "Elevated access for Azure resources" };
    expect(normaliseRecord(reworded, { tenantId: TENANT })).toMatchObject({
      ok: true,
      event: { kind: "elevate-access" },
    });
  });
});
