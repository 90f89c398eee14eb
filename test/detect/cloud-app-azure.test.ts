import { describe, expect, it } from "vitest";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";

/**
 * Issue 19, point 8: Azure activity in Defender XDR's CloudAppEvents (Application "Microsoft Azure",
 * ApplicationId 12260), mapped to the events ARM records give. The first row is Elastic's test record of
 * such a row (elastic/integrations m365_defender pipeline test, trimmed there); the others carry the
 * Activity Log event in RawEventData as Defender writes it (operationName, status, httpRequest as text).
 */

const TENANT = "8df34af3-2b1c-4d5e-9f6a-7b8c9d0e1f2a";
const SUB = "7a1d2f3e-4b5c-4d6e-8f90-a1b2c3d4e5f6";

describe("CloudAppEvents rows of Microsoft Azure", () => {
  it("reads Elastic's real row (RawEventData without the event) as the operation its ActionType names", () => {
    const row = {
      AccountDisplayName: "name",
      AccountId: "007c979b-47e7-4747-b9a3-58de6bd12345",
      AccountObjectId: "007c979b-47e7-4747-b9a3-58de6bdb275a",
      AccountType: "Admin",
      ActionType: "Write Deployments",
      ActivityObjects: "",
      ActivityType: "Basic",
      AdditionalFields: '{"IsSatelliteProvider":false}',
      Application: "Microsoft Azure",
      ApplicationId: 12260,
      IPAddress: "81.2.69.142",
      IsAdminOperation: 0,
      ObjectName: "",
      ObjectType: "Resource",
      RawEventData: '{"AccountMoniker":"MdsResourceStackRPFCentralUS","AccountMonikerLocation":"centralus"}',
      ReportId: "366c7d2f-0000-4000-8000-000000012345",
      Timestamp: "2022-12-08T12:48:45.833Z",
    };
    expect(normaliseRecord(row, { tenantId: TENANT })).toMatchObject({
      ok: true,
      event: {
        kind: "other",
        source: "azure-activity",
        shape: "defender-cloud-app-event",
        operation: "Microsoft.Resources/deployments/write",
        actor: {
          type: "user",
          id: "007c979b-47e7-4747-b9a3-58de6bdb275a",
          displayName: "name",
          ipAddress: "81.2.69.142",
        },
      },
    });
  });

  it("builds the resource from ActivityObjects and ObjectName when RawEventData holds no event", () => {
    const row = {
      Timestamp: "2022-12-08T12:52:00.000Z",
      ActionType: "Write VirtualMachines",
      Application: "Microsoft Azure",
      ApplicationId: 12260,
      AccountObjectId: "71f0a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b",
      AccountType: "Regular",
      IsExternalUser: 1,
      IPAddress: "198.51.100.23",
      ObjectName: "miner-01",
      ObjectType: "Resource",
      ActivityObjects: JSON.stringify([
        { Type: "Azure Subscription", Id: SUB, Name: "Contoso Lab 1" },
        { Type: "Azure Resource Group", Name: "miners" },
      ]),
      ReportId: "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e",
      RawEventData: '{"AccountMoniker":"MdsResourceStackRPFCentralUS","AccountMonikerLocation":"centralus"}',
    };
    expect(normaliseRecord(row, { tenantId: TENANT })).toMatchObject({
      ok: true,
      event: {
        kind: "vm-created",
        subscriptionId: SUB,
        resourceId: `/subscriptions/${SUB}/resourceGroups/miners/providers/Microsoft.Compute/virtualMachines/miner-01`,
        actor: { type: "user", id: "71f0a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b", external: true },
      },
    });
  });

  it("leaves an Entra change to the Entra mapper, whatever application a row names", () => {
    const row = {
      Timestamp: "2022-12-08T13:05:00.000Z",
      ActionType: "Add member to role.",
      Application: "Microsoft Azure",
      ReportId: "8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f",
      RawEventData: { Id: "ual-2", Operation: "Add member to role.", CreationTime: "2022-12-08T13:05:00" },
    };
    expect(normaliseRecord(row, { tenantId: TENANT })).toMatchObject({
      ok: true,
      event: { kind: "directory-role-added" },
    });
  });

  it("reads an operation it has no name for as an event, not an unreadable record", () => {
    const row = {
      Timestamp: "2022-12-08T13:06:00.000Z",
      ActionType: "Write RoleEligibilityScheduleRequests",
      Application: "Microsoft Azure",
      AccountObjectId: "30a6c29d-de7c-4830-815f-9b3bb366e975",
      ReportId: "9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a",
      RawEventData: "{}",
    };
    expect(normaliseRecord(row, { tenantId: TENANT })).toMatchObject({ ok: true });
  });

  it("reads the blog's portal VM creation (Validate Deployments of a CreateVm deployment) as a VM created", () => {
    const deployment = `/subscriptions/${SUB}/resourceGroups/miners/providers/Microsoft.Resources/deployments/CreateVm-MicrosoftWindowsServer-20221208`;
    const row = {
      Timestamp: "2022-12-08T12:50:02.000Z",
      ActionType: "Validate Deployments",
      Application: "Microsoft Azure",
      ApplicationId: 12260,
      AccountObjectId: "71f0a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b",
      IPAddress: "198.51.100.23",
      ActivityObjects: [
        { Type: "Azure Subscription", Id: SUB },
        { Type: "Azure Resource Group", Name: "miners" },
      ],
      ReportId: "5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c",
      RawEventData: {
        operationName: "Microsoft.Resources/deployments/validate/action",
        resourceId: deployment,
        correlationId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        status: "Succeeded",
        httpRequest: '{"clientRequestId":"x","clientIpAddress":"198.51.100.23","method":"POST"}',
      },
    };
    expect(normaliseRecord(row, { tenantId: TENANT })).toMatchObject({
      ok: true,
      event: {
        kind: "vm-created",
        via: "deployment-validation",
        subscriptionId: SUB,
        resourceId: deployment,
        actor: { id: "71f0a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b", ipAddress: "198.51.100.23" },
      },
    });
  });

  it("reads ElevateAccess by its ActionType, and a failed operation as failed", () => {
    const row = {
      Timestamp: "2022-12-08T13:00:00.000Z",
      ActionType: "ElevateAccess Microsoft.Authorization",
      Application: "Microsoft Azure",
      AccountObjectId: "30a6c29d-de7c-4830-815f-9b3bb366e975",
      ReportId: "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
      RawEventData: { status: "Failed" },
    };
    expect(normaliseRecord(row, { tenantId: TENANT })).toMatchObject({
      ok: true,
      event: { kind: "elevate-access", succeeded: false },
    });
  });
});
