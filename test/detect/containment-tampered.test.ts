import { describe, expect, it } from "vitest";
import { DEFAULT_DETECT_CONFIG, type DetectConfig } from "../../src/detect/detect-config.js";
import { containmentTampered } from "../../src/detect/detectors/containment-tampered.js";
import type { SecurityEvent } from "../../src/detect/event.js";
import { History } from "../../src/detect/history.js";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";
import { ENTRA_ROLE } from "../../src/detect/roles.js";
import { detect } from "../helpers/detection.js";
import type { Json } from "../helpers/samples.js";

/**
 * Issue 18, point 10: Warden's containment group and conditional access policy, changed by anyone but
 * Warden. The records are in the shapes Entra writes (see each builder); only the ids are this test's.
 */

const TENANT = "0b6c1a2e-7f3d-4e59-9a81-2c4d6e8f0a1b";
const WARDEN_GROUP = "5a0d1c3e-2b4f-4a6c-8d9e-0f1a2b3c4d5e";
const WARDEN_POLICY = "7e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
const OTHER_GROUP = "3c2b1a0f-9e8d-4c7b-a6f5-e4d3c2b1a0f9";
const WARDEN_APP = "4f1c2b3a-5d6e-4f70-8192-a3b4c5d6e7f8";
const WARDEN_SP = "0c7d2e6f-1a4b-4c8d-9e2f-3a5b7c9d1e20";
const CONTAINED = {
  id: "e6285600-5ec8-4ea4-89fc-40db84049b26",
  upn: "kratos_olympus.com#EXT#@contoso.onmicrosoft.com",
};
const ADMIN = { id: "33333333-3333-4333-8333-333333333333", upn: "alice@contoso.onmicrosoft.com" };

const KEPT: Partial<DetectConfig> = {
  defaultTenantId: TENANT,
  ownAppIds: [WARDEN_APP],
  ownServicePrincipalIds: [WARDEN_SP],
  containmentObjects: [
    { id: WARDEN_GROUP, what: "group", control: "block" },
    { id: WARDEN_POLICY, what: "policy", control: "block" },
  ],
};

type Initiator = { user: { id: string; upn: string } } | { app: { appId: string | null; spId: string } };

function initiatedBy(by: Initiator): Json {
  if ("user" in by)
    return {
      user: { id: by.user.id, displayName: null, userPrincipalName: by.user.upn, ipAddress: "203.0.113.9" },
    };
  return {
    app: {
      appId: by.app.appId,
      displayName: "an app",
      servicePrincipalId: by.app.spId,
      servicePrincipalName: null,
    },
  };
}

/**
 * "Add|Remove member from group" as Core Directory exports it through diagnostic settings: the member's
 * target first, carrying `Group.ObjectID` and `Group.DisplayName` (newValue on add, oldValue on remove),
 * the group second; an app named by its service principal with `appId` null. The shape of
 * SEKOIA-IO/intake-formats Azure/azure-ad/tests/remove_member_from_group.json (2025) and
 * add_member_to_group.json (2020, Microsoft Teams Services adding a member).
 */
function membership(
  by: Initiator,
  added: boolean,
  options: { group?: string; id?: string; member?: { id: string; upn: string } } = {},
): Json {
  const group = options.group ?? WARDEN_GROUP;
  const member = options.member ?? CONTAINED;
  const value = (v: string) =>
    added ? { oldValue: null, newValue: JSON.stringify(v) } : { oldValue: JSON.stringify(v), newValue: null };
  const activity = added ? "Add member to group" : "Remove member from group";
  return {
    time: "2025-01-29T16:53:43.2764438Z",
    resourceId: `/tenants/${TENANT}/providers/Microsoft.aadiam`,
    operationName: activity,
    operationVersion: "1.0",
    category: "AuditLogs",
    tenantId: TENANT,
    resultSignature: "None",
    durationMs: 0,
    correlationId: "11111111-2222-4333-8444-555555555555",
    Level: 4,
    properties: {
      id: options.id ?? `Directory_11111111-2222-4333-8444-555555555555_66666_${added ? 1 : 2}`,
      category: "GroupManagement",
      correlationId: "11111111-2222-4333-8444-555555555555",
      result: "success",
      resultReason: "",
      activityDisplayName: activity,
      activityDateTime: "2025-01-29T16:53:43.2764438+00:00",
      loggedByService: "Core Directory",
      operationType: added ? "Assign" : "Unassign",
      userAgent: null,
      initiatedBy: initiatedBy(by),
      targetResources: [
        {
          id: member.id,
          displayName: null,
          type: "User",
          userPrincipalName: member.upn,
          modifiedProperties: [
            { displayName: "Group.ObjectID", ...value(group) },
            { displayName: "Group.DisplayName", ...value("Warden containment: block sign-in") },
            { displayName: "Group.WellKnownObjectName", oldValue: null, newValue: null },
          ],
          administrativeUnits: [],
        },
        {
          id: group,
          displayName: null,
          type: "Group",
          groupType: "azureAD",
          modifiedProperties: [],
          administrativeUnits: [],
        },
      ],
      additionalDetails: [],
    },
  };
}

/**
 * "Add|Update|Delete conditional access policy" as Graph's directoryAudits returns it: category Policy,
 * logged by Conditional Access, one target of type Policy carrying the policy as JSON. A person in the
 * portal is named as the user and the app they used (SEKOIA-IO/intake-formats
 * Azure/azure-ad/tests/update_policy.json, 2026).
 */
function policyChange(
  by: Initiator,
  verb: "Add" | "Update" | "Delete",
  policy = WARDEN_POLICY,
  id = `ca-${verb}`,
): Json {
  const body = JSON.stringify({
    id: policy,
    displayName: "Warden containment: block sign-in",
    state: "enabled",
  });
  return {
    id: `IPCGraph_${id}`,
    category: "Policy",
    correlationId: "22222222-2222-4222-8222-222222222222",
    result: "success",
    resultReason: "",
    activityDisplayName: `${verb} conditional access policy`,
    activityDateTime: "2026-04-16T07:23:27.5861501Z",
    loggedByService: "Conditional Access",
    operationType: verb,
    initiatedBy: {
      ...initiatedBy(by),
      ...("user" in by
        ? { app: { appId: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", displayName: "Azure Portal" } }
        : {}),
    },
    additionalDetails: [{ key: "Category", value: "Conditional Access" }],
    targetResources: [
      {
        id: policy,
        displayName: "Warden containment: block sign-in",
        type: "Policy",
        modifiedProperties: [
          {
            displayName: "ConditionalAccessPolicy",
            oldValue: verb === "Add" ? null : body,
            newValue: verb === "Delete" ? null : body,
          },
        ],
      },
    ],
  };
}

/** "Delete group" by Core Directory: the group its one target. */
function groupDeleted(by: Initiator): Json {
  return {
    id: "Directory_delete-group",
    category: "GroupManagement",
    result: "success",
    activityDisplayName: "Delete group",
    activityDateTime: "2026-04-16T08:00:00Z",
    loggedByService: "Core Directory",
    operationType: "Delete",
    initiatedBy: initiatedBy(by),
    targetResources: [
      {
        id: WARDEN_GROUP,
        displayName: "Warden containment: block sign-in",
        type: "Group",
        modifiedProperties: [],
      },
    ],
  };
}

function normalised(record: Json): SecurityEvent {
  const result = normaliseRecord(record, { tenantId: TENANT });
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

const byAdmin: Initiator = { user: ADMIN };
const byWardenSp: Initiator = { app: { appId: null, spId: WARDEN_SP } };
const byOtherApp: Initiator = {
  app: { appId: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a", spId: "8a4de8b5-095c-47d0-a96f-a75130c61d53" },
};
const tampered = (report: Awaited<ReturnType<typeof detect>>) =>
  report.findings.filter((f) => f.rule === "containment-tampered");

describe("the audit entries of group and conditional access changes", () => {
  it("reads a member removed: the group from Group.ObjectID's old value, the member, the app by its service principal", () => {
    expect(normalised(membership(byWardenSp, false))).toMatchObject({
      kind: "group-changed",
      change: "member-removed",
      shape: "entra-diagnostic-audit",
      groupId: WARDEN_GROUP,
      groupName: "Warden containment: block sign-in",
      member: { type: "user", id: CONTAINED.id, userPrincipalName: CONTAINED.upn, external: true },
      actor: { type: "servicePrincipal", id: WARDEN_SP },
    });
    expect(normalised(membership(byAdmin, true))).toMatchObject({
      change: "member-added",
      groupId: WARDEN_GROUP,
    });
  });

  it("takes the parent for the group when a group is added to a group, whichever target comes first", () => {
    const nested = membership(byAdmin, true, { member: { id: OTHER_GROUP, upn: "" } });
    const targets = (nested["properties"] as { targetResources: Json[] }).targetResources;
    (targets[0] as Json)["type"] = "Group";
    expect(normalised(nested)).toMatchObject({
      groupId: WARDEN_GROUP,
      member: { type: "group", id: OTHER_GROUP },
    });
    targets.reverse();
    expect(normalised(nested)).toMatchObject({
      groupId: WARDEN_GROUP,
      member: { type: "group", id: OTHER_GROUP },
    });
  });

  it("reads each conditional access change with its policy, the person (not the portal) acting", () => {
    for (const [verb, change] of [
      ["Add", "added"],
      ["Update", "updated"],
      ["Delete", "deleted"],
    ] as const) {
      expect(normalised(policyChange(byAdmin, verb))).toMatchObject({
        kind: "ca-policy-changed",
        change,
        policyId: WARDEN_POLICY,
        actor: { type: "user", id: ADMIN.id, userPrincipalName: ADMIN.upn },
      });
    }
    // The unified audit log's spelling, with its trailing period.
    const unified = policyChange(byAdmin, "Update");
    unified["activityDisplayName"] = "Update conditional access policy.";
    expect(normalised(unified).kind).toBe("ca-policy-changed");
  });

  it("reads a group deleted, with no member", () => {
    const event = normalised(groupDeleted(byAdmin));
    expect(event).toMatchObject({ kind: "group-changed", change: "deleted", groupId: WARDEN_GROUP });
    expect(event).not.toHaveProperty("member");
  });
});

describe("containment-tampered", () => {
  it("fires when someone else frees an account from Warden's group, about the account freed", async () => {
    const [finding, ...rest] = tampered(await detect([membership(byAdmin, false)], KEPT));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      severity: "high",
      subject: { type: "user", id: CONTAINED.id, userPrincipalName: CONTAINED.upn, external: true },
      actor: { type: "user", id: ADMIN.id },
    });
    expect(finding?.summary).toBe(
      `${ADMIN.upn} removed ${CONTAINED.upn} from Warden's containment group ${WARDEN_GROUP} (sign-in blocked): ${CONTAINED.upn} is no longer contained (Remove member from group)`,
    );
  });

  it("raises nothing for Warden's own changes, named by client id or only by service principal", async () => {
    const records = [
      membership({ app: { appId: WARDEN_APP, spId: WARDEN_SP } }, true, { id: "Directory_a" }),
      membership(byWardenSp, false, { id: "Directory_b" }),
      policyChange({ app: { appId: WARDEN_APP, spId: WARDEN_SP } }, "Update"),
    ];
    expect((await detect(records, KEPT)).findings).toEqual([]);
    // Not silence for want of ids: without Warden's own named, the same records are findings.
    const stranger = await detect(records, { ...KEPT, ownAppIds: [], ownServicePrincipalIds: [] });
    expect(tampered(stranger)).toHaveLength(3);
  });

  it("judges Warden's own change silent in the rule itself, not only in the engine", () => {
    const event = normalised(membership(byWardenSp, false));
    const config = { ...DEFAULT_DETECT_CONFIG, ...KEPT };
    expect(containmentTampered.detect(event, new History(), config)).toEqual([]);
    expect(
      containmentTampered.detect(event, new History(), { ...config, ownServicePrincipalIds: [] }),
    ).toHaveLength(1);
  });

  it("fires on Warden's policy changed or deleted, or its group deleted, about whoever did it", async () => {
    const report = await detect(
      [policyChange(byOtherApp, "Update"), policyChange(byAdmin, "Delete"), groupDeleted(byAdmin)],
      KEPT,
    );
    const found = tampered(report)
      .map((f) => [f.subject.type, f.subject.id, f.summary])
      .sort((a, b) => String(a[2]).localeCompare(String(b[2])));
    expect(found).toEqual([
      [
        "user",
        ADMIN.id,
        `${ADMIN.upn} deleted Warden's conditional access policy ${WARDEN_POLICY} (sign-in blocked): no one in its group is contained any more (Delete conditional access policy)`,
      ],
      [
        "user",
        ADMIN.id,
        `${ADMIN.upn} deleted Warden's containment group ${WARDEN_GROUP} (sign-in blocked): no one in it is contained any more (Delete group)`,
      ],
      [
        "servicePrincipal",
        "8a4de8b5-095c-47d0-a96f-a75130c61d53",
        // An app is named by its ids too, and said not to be Warden's: anyone can call an app "Warden".
        `the app "an app" (app id 9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a, service principal 8a4de8b5-095c-47d0-a96f-a75130c61d53; not Warden's) changed Warden's conditional access policy ${WARDEN_POLICY} (sign-in blocked): containment may no longer hold (Update conditional access policy)`,
      ],
    ]);
  });

  it("stays silent on other groups and policies, and on failed attempts", async () => {
    const failed = membership(byAdmin, false, { id: "Directory_failed" });
    (failed["properties"] as Json)["result"] = "failure";
    const records = [
      membership(byAdmin, false, { group: OTHER_GROUP }),
      policyChange(byAdmin, "Update", "6f5e4d3c-2b1a-4098-8765-43210fedcba9"),
      failed,
    ];
    expect((await detect(records, KEPT)).findings).toEqual([]);
    // The same changes are the rule's once the objects are Warden's.
    const all = await detect(records, {
      ...KEPT,
      containmentObjects: [
        { id: OTHER_GROUP, what: "group", control: "mfa" },
        { id: "6f5e4d3c-2b1a-4098-8765-43210fedcba9", what: "policy", control: "mfa" },
      ],
    });
    expect(tampered(all)).toHaveLength(2);
  });

  it("joins the incident of the account it frees, whoever frees it", async () => {
    // A guest made Global Administrator by one admin (and so contained), then freed by another.
    const promoted: Json = {
      id: "Directory_promote",
      category: "RoleManagement",
      result: "success",
      activityDisplayName: "Add member to role",
      activityDateTime: "2025-01-29T16:00:00Z",
      loggedByService: "Core Directory",
      operationType: "Assign",
      initiatedBy: initiatedBy({
        user: { id: "44444444-4444-4444-8444-444444444444", upn: "bob@contoso.onmicrosoft.com" },
      }),
      targetResources: [
        {
          id: CONTAINED.id,
          type: "User",
          userPrincipalName: CONTAINED.upn,
          modifiedProperties: [
            {
              displayName: "Role.TemplateId",
              oldValue: null,
              newValue: JSON.stringify(ENTRA_ROLE.globalAdministrator),
            },
          ],
        },
      ],
    };
    const report = await detect([promoted, membership(byOtherApp, false)], KEPT);
    expect(report.findings.map((f) => f.rule).sort()).toEqual([
      "containment-tampered",
      "guest-privileged-role",
    ]);
    expect(report.incidents).toHaveLength(1);
  });
});
