import { describe, expect, it } from "vitest";
import { DEFAULT_DETECT_CONFIG } from "../../src/detect/detect-config.js";
import type { InputItem } from "../../src/detect/input/input-item.js";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";
import { runDetection } from "../../src/detect/run-detection.js";

/**
 * Issue 19, point 7: out of scope is not unreadable. Records of a shape Warden knows but from a log or
 * table no rule reads are counted as ignored, apart from records that could not be read (skipped), and
 * the reasons say which is which. The shapes below are those of the real exports in ../shared/external
 * (Elastic's Event Hub Activity Log test records, the SimuLand lab's Defender hunting export, msticpy's
 * Log Analytics query result).
 */

// An Event Hub Activity Log record of category ResourceHealth (Elastic's test-activitylogs-raw.log).
const resourceHealth = {
  time: "2020-11-30T10:28:04.0000000Z",
  resourceId:
    "/SUBSCRIPTIONS/8A4DE8B5-3F4A-4B5C-9D6E-7F8A9B0C1D2E/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/VM1",
  operationName: "Microsoft.Resourcehealth/healthevent/Activated/action",
  category: "ResourceHealth",
  resultType: "Active",
  correlationId: "2a5c7e9b-1d3f-4a6b-8c0d-2e4f6a8b0c1d",
  level: "Critical",
  properties: { title: "Virtual Machine health status changed", currentHealthStatus: "Unavailable" },
};
// A category "Action" record with no `properties` at all (the same file's listKeys, and Beats' own): in
// the storage and Event Hub export an Administrative event's category is Write, Delete or Action, so
// this one is read, not ignored.
const action = {
  time: "2020-11-30T10:30:04.0000000Z",
  resourceId:
    "/SUBSCRIPTIONS/8A4DE8B5-3F4A-4B5C-9D6E-7F8A9B0C1D2E/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/SA1",
  operationName: "MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION",
  category: "Action",
  resultType: "Start",
  correlationId: "3b6d8f0a-2e4a-4b7c-9d1e-3f5a7b9c1d2e",
};
// A DeviceEvents row from a Defender hunting union export (SimuLand's Microsoft365DefenderEvents.json).
const deviceEvent = {
  Timestamp: "2021-08-03T17:22:43.1234567Z",
  DeviceId: "8b2c4d6e8f0a1b3c5d7e9f1a3b5c7d9e1f3a5b7c",
  DeviceName: "workstation5.simulandlabs.com",
  ActionType: "LdapSearch",
  InitiatingProcessFileName: "powershell.exe",
  AdditionalFields: '{"AttributeList":"[\\"objectSid\\"]"}',
  RawEventData: null,
};
// A SecurityAlert row from a Log Analytics query result (msticpy's az_mon_raw_query.json).
const securityAlert = {
  TenantId: "52b1ab41-869e-4138-9e40-2a4457f09bf0",
  TimeGenerated: "2019-01-15T10:34:12.0000000Z",
  AlertName: "Detected potentially suspicious use of Telegram",
  AlertSeverity: "Medium",
  Type: "SecurityAlert",
};
// A REST EventData of category ServiceHealth (the Activity Log API's shape).
const serviceHealth = {
  eventTimestamp: "2026-11-30T10:00:00.0000000Z",
  operationName: { value: "Microsoft.ServiceHealth/incident/action", localizedValue: "Incident" },
  category: { value: "ServiceHealth", localizedValue: "Service Health" },
  correlationId: "4c7e9a1b-3f5b-4c8d-8e2f-4a6b8c0d2e4f",
  eventDataId: "5d8f0b2c-4a6c-4d9e-9f3a-5b7c9d1e3f5a",
  status: { value: "Active" },
};

describe("records out of scope", () => {
  it("are ignored, with a reason that names the category or table", () => {
    const reasons = [resourceHealth, deviceEvent, securityAlert, serviceHealth].map((r) =>
      normaliseRecord(r, { tenantId: "t" }),
    );
    expect(reasons).toEqual([
      { ok: false, ignored: true, reason: "diagnostic category ResourceHealth is not one Warden reads" },
      {
        ok: false,
        ignored: true,
        reason: "a Defender device table row (DeviceEvents or alike), not a table Warden reads",
      },
      { ok: false, ignored: true, reason: "Log Analytics table SecurityAlert is not one Warden reads" },
      { ok: false, ignored: true, reason: "Activity Log category ServiceHealth is not one Warden reads" },
    ]);
  });

  it("are counted apart from unreadable records in the summary", async () => {
    async function* items(): AsyncGenerator<InputItem> {
      for (const [i, record] of [resourceHealth, deviceEvent, securityAlert, serviceHealth, action].entries())
        yield { kind: "record", record, place: `x:${i + 1}` };
      yield { kind: "record", record: { hello: "world" }, place: "x:6" };
      yield { kind: "problem", place: "x:7", reason: "not valid JSON" };
    }
    const report = await runDetection(items(), DEFAULT_DETECT_CONFIG);
    expect(report.counts).toMatchObject({ records: 7, events: 1, skipped: 2, ignored: 4 });
    expect(report.problems).toEqual([
      { place: "x:6", reason: "fits no known log shape" },
      { place: "x:7", reason: "not valid JSON" },
    ]);
    expect(report.ignoredBecause).toContainEqual({
      reason: "diagnostic category ResourceHealth is not one Warden reads",
      count: 1,
    });
  });

  it("reads the storage and Event Hub export's Write, Delete and Action categories, which are Administrative", () => {
    expect(normaliseRecord(action, { tenantId: "t" })).toMatchObject({ ok: true, event: { kind: "other" } });
    const roleWrite = {
      ...action,
      operationName: "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE",
      category: "Write",
      resultType: "Success",
      resourceId:
        "/SUBSCRIPTIONS/8A4DE8B5-3F4A-4B5C-9D6E-7F8A9B0C1D2E/PROVIDERS/MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/0E5B7D2C-1F3A-4B6C-8D9E-0A1B2C3D4E5F",
      properties: {
        requestbody: JSON.stringify({
          Properties: {
            PrincipalId: "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e",
            RoleDefinitionId:
              "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            Scope: "/subscriptions/8a4de8b5-3f4a-4b5c-9d6e-7f8a9b0c1d2e",
          },
        }),
      },
    };
    expect(normaliseRecord(roleWrite, { tenantId: "t" })).toMatchObject({
      ok: true,
      event: { kind: "azure-role-assigned", roleDefinitionId: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635" },
    });
    const elevate = {
      ...action,
      operationName: "MICROSOFT.AUTHORIZATION/ELEVATEACCESS/ACTION",
      resultType: "Success",
    };
    expect(normaliseRecord(elevate, { tenantId: "t" })).toMatchObject({
      ok: true,
      event: { kind: "elevate-access" },
    });
  });

  it("reads Sentinel's CloudAppEvents rows (a Type column) as Defender's, not as a table it ignores", () => {
    const row = {
      Type: "CloudAppEvents",
      TimeGenerated: "2026-11-30T10:00:00Z",
      Timestamp: "2026-11-30T10:00:00Z",
      ActionType: "Add member to role.",
      Application: "Microsoft 365",
      ReportId: "r1",
      RawEventData: { Id: "ual-1", Operation: "Add member to role.", CreationTime: "2026-11-30T10:00:00" },
    };
    expect(normaliseRecord(row, { tenantId: "t" })).toMatchObject({
      ok: true,
      event: { kind: "directory-role-added" },
    });
  });
});
