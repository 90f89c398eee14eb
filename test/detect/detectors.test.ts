import { describe, expect, it } from "vitest";
import { AZURE_ROLE, ENTRA_ROLE } from "../../src/detect/roles.js";
import { detect } from "../helpers/detection.js";
import { at, type Json, sample, set } from "../helpers/samples.js";

/**
 * Each rule fires on records in Microsoft's real shapes (the samples, changed only where the scenario
 * needs it) and stays silent on the near misses an analyst would otherwise have to wade through.
 */

const GUEST_ID = "8c907101-5831-45a1-b703-8a59f190e639"; // the principal of the captured role assignment
const GUEST_UPN = "kratos_climbingolympusrn.com#EXT#@securathesis.onmicrosoft.com";
const SUBSCRIPTION = "a921d5d4-bdb7-43c3-aa01-88c6ae24992f";

/** The Graph docs' directoryAudit example, turned into the invitation of the guest above. */
function invitation(time = "2022-06-27T09:00:00.0000000Z", guestId = GUEST_ID): Json {
  const audit = sample.directoryAudits()[0] as Json;
  audit["id"] = `Invited Users_${guestId}`;
  audit["activityDisplayName"] = "Invite external user";
  audit["activityDateTime"] = time;
  audit["targetResources"] = [
    { id: guestId, displayName: "Kratos", type: "User", userPrincipalName: GUEST_UPN },
  ];
  audit["additionalDetails"] = [{ key: "invitedUserEmailAddress", value: "Kratos@climbingolympusrn.com" }];
  return audit;
}

/** A stable GUID-shaped id from any text, so each changed record is its own operation. */
function idFrom(text: string): string {
  let h = 0;
  for (const c of text) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  const hex = h.toString(16).padStart(8, "0");
  return `${hex}-0000-4000-8000-${hex}${hex.slice(0, 4)}`;
}

function roleAssignment(
  roleId: string,
  scope = `/subscriptions/${SUBSCRIPTION}`,
  principalId = GUEST_ID,
): Json {
  const event = sample.roleAssignmentWrite();
  event["correlationId"] = idFrom(`${roleId}${scope}${principalId}`);
  const body = JSON.parse(at(event, "properties.requestbody") as string) as { properties: Json };
  body.properties["roleDefinitionId"] =
    `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
  body.properties["principalId"] = principalId;
  body.properties["principalType"] = "User";
  body.properties["scope"] = scope;
  return set(event, "properties.requestbody", JSON.stringify(body));
}

function vmBy(caller: string, vm: string, time: string, ip?: string): Json {
  const event = sample.vmWrite();
  const resourceId = (event["resourceId"] as string).replace("MCCIVM", vm);
  event["resourceId"] = resourceId;
  event["correlationId"] = `00000000-0000-4000-8000-${vm.padStart(12, "0").slice(-12)}`;
  event["caller"] = caller;
  // The token's claims name the same caller as `caller` does, as in a real record.
  (event["claims"] as Json)["http://schemas.microsoft.com/identity/claims/objectidentifier"] = idFrom(caller);
  event["eventTimestamp"] = time;
  if (ip !== undefined) set(event, "claims.ipaddr", ip);
  return event;
}

const rules = (report: Awaited<ReturnType<typeof detect>>) => report.findings.map((f) => f.rule);

describe("guest-invited", () => {
  it("fires on an exported 'Invite external user' record", async () => {
    const report = await detect([sample.diagnostic("invite_external_user")]);
    expect(rules(report)).toEqual(["guest-invited"]);
    expect(report.findings[0]?.subject.userPrincipalName).toBe("kratos@climbingolympusrn.com");
    expect(report.findings[0]?.actor?.userPrincipalName).toBe("Zeus@mtolympus.com");
  });

  it("stays silent when a member is added, or a guest is added disabled", async () => {
    const member = invitation();
    member["activityDisplayName"] = "Add user";
    member["targetResources"] = [
      {
        id: GUEST_ID,
        type: "User",
        userPrincipalName: "new.hire@securathesis.onmicrosoft.com",
        modifiedProperties: [{ displayName: "UserType", oldValue: "[]", newValue: '["Member"]' }],
      },
    ];
    const disabledGuest = invitation();
    disabledGuest["activityDisplayName"] = "Add user";
    disabledGuest["targetResources"] = [
      {
        id: GUEST_ID,
        type: "User",
        userPrincipalName: GUEST_UPN,
        modifiedProperties: [{ displayName: "AccountEnabled", oldValue: "[]", newValue: "[false]" }],
      },
    ];
    expect(rules(await detect([member, disabledGuest]))).toEqual([]);
  });
});

describe("guest-privileged-role", () => {
  function pimGrant(templateId: string, userUpn: string): Json {
    const record = sample.diagnostic("add_member_to_role_pim_logged");
    const targets = at(record, "properties.targetResources") as Json[];
    const role = targets[0] as Json;
    (role["modifiedProperties"] as Json[])[2] = {
      displayName: "TemplateId",
      newValue: JSON.stringify(templateId),
      oldValue: '""',
    };
    (targets[2] as Json)["userPrincipalName"] = userUpn;
    return record;
  }

  it("fires when PIM makes an #EXT# user a Global Administrator, matched by template id", async () => {
    const report = await detect([pimGrant(ENTRA_ROLE.globalAdministrator, GUEST_UPN)]);
    expect(rules(report)).toEqual(["guest-privileged-role"]);
    expect(report.findings[0]?.severity).toBe("high");
    expect(report.findings[0]?.summary).toContain("Global Administrator");
  });

  it("fires on the unified audit log spelling 'Add member to role.' with eligible assignments too", async () => {
    const audit = sample.directoryAudits()[1] as Json;
    audit["activityDisplayName"] = "Add eligible member to role.";
    audit["operationType"] = "AssignEligibleRole";
    audit["initiatedBy"] = {
      user: {
        id: "30a6c29d-de7c-4830-815f-9b3bb366e975",
        userPrincipalName: "attacker@securathesis.onmicrosoft.com",
      },
    };
    const target = (audit["targetResources"] as Json[])[0] as Json;
    target["userPrincipalName"] = GUEST_UPN;
    for (const p of target["modifiedProperties"] as Json[])
      [p["newValue"], p["oldValue"]] = [p["oldValue"], null];
    const report = await detect([audit]);
    expect(rules(report)).toEqual(["guest-privileged-role"]);
    expect(report.findings[0]?.summary).toContain("made eligible for User Administrator");
  });

  it("stays silent for a member, for a non-privileged role, and for a role known only by its display name", async () => {
    const member = pimGrant(ENTRA_ROLE.globalAdministrator, "malenia@starscourge.onmicrosoft.com");
    const reportsReader = pimGrant("4a5d8f65-41da-4de4-8968-e035b65339cf", GUEST_UPN);
    const asShipped = sample.diagnostic("add_member_to_role_pim_logged"); // placeholder template id
    ((at(asShipped, "properties.targetResources") as Json[])[2] as Json)["userPrincipalName"] = GUEST_UPN;
    expect(rules(await detect([member, reportsReader, asShipped]))).toEqual([]);
  });
});

describe("guest-azure-privileged-role", () => {
  it("fires when a principal invited as a guest is made Owner of a subscription, in either read order", async () => {
    for (const records of [
      [invitation(), roleAssignment(AZURE_ROLE.owner)],
      [roleAssignment(AZURE_ROLE.owner), invitation()],
    ]) {
      const report = await detect(records);
      const grant = report.findings.find((f) => f.rule === "guest-azure-privileged-role");
      expect(grant?.subject.id).toBe(GUEST_ID);
      expect(grant?.subscriptionIds).toEqual([SUBSCRIPTION]);
      expect(grant?.summary).toContain("Owner at subscription scope");
    }
  });

  it("fires at management-group and root scope, and for a custom role that can write role assignments", async () => {
    const customRole = sample.roleAssignmentWrite();
    customRole["operationName"] = { value: "Microsoft.Authorization/roleDefinitions/write" };
    customRole["correlationId"] = "11111111-1111-4111-8111-111111111111";
    customRole["resourceId"] =
      `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/eeaeda52-9324-47f6-8069-5d5bade478b2`;
    set(
      customRole,
      "properties.requestbody",
      JSON.stringify({ properties: { permissions: [{ actions: ["Microsoft.Authorization/*"] }] } }),
    );
    const report = await detect([
      invitation(),
      roleAssignment(
        AZURE_ROLE.userAccessAdministrator,
        "/providers/Microsoft.Management/managementGroups/corp",
      ),
      roleAssignment(AZURE_ROLE.contributor, "/"),
      customRole,
      sample.roleAssignmentWrite(), // the captured record: the custom role above, to a service principal
    ]);
    const grants = report.findings.filter((f) => f.rule === "guest-azure-privileged-role");
    expect(grants.map((g) => g.summary.match(/at (\S+) scope/)?.[1]).sort()).toEqual([
      "management-group",
      "root",
      "subscription",
    ]);
    expect(grants.find((g) => g.summary.includes("subscription scope"))?.summary).toContain(
      "custom role eeaeda52",
    );
  });

  it("stays silent for the captured assignment as it is, at resource-group scope, and for members", async () => {
    const report = await detect([
      invitation(),
      sample.roleAssignmentWrite(), // a non-privileged role to a service principal
      roleAssignment(AZURE_ROLE.owner, `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-app`),
      roleAssignment(
        AZURE_ROLE.owner,
        `/subscriptions/${SUBSCRIPTION}`,
        "30a6c29d-de7c-4830-815f-9b3bb366e975",
      ),
    ]);
    expect(rules(report)).toEqual(["guest-invited"]);
  });
});

describe("subscription-created", () => {
  it("fires on the captured root management-group 'is created' event", async () => {
    const report = await detect([sample.subscriptionCreated()]);
    expect(rules(report)).toEqual(["subscription-created"]);
    expect(report.findings[0]?.subject).toEqual({ type: "subscription", id: "{subscription_id}" });
  });

  it("fires on an alias write and names the subscription from the response", async () => {
    const alias = sample.resourceGroupWrite();
    alias["operationName"] = { value: "Microsoft.Subscription/aliases/write" };
    alias["resourceId"] = "/providers/Microsoft.Subscription/aliases/sub-mining";
    alias["subscriptionId"] = "";
    set(
      alias,
      "properties.responseBody",
      JSON.stringify({ properties: { subscriptionId: "0b6a4f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b" } }),
    );
    const report = await detect([alias]);
    expect(report.findings.map((f) => [f.rule, f.subject.id])).toEqual([
      ["subscription-created", "0b6a4f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"],
    ]);
  });

  it("stays silent when the creation failed", async () => {
    const failed = set(sample.subscriptionCreated(), "status", { value: "Failed", localizedValue: "Failed" });
    expect(rules(await detect([failed]))).toEqual([]);
  });
});

describe("subscription-directory-changed, subscription-policy-changed and elevate-access", () => {
  function activity(operation: string, message?: string, body?: Json): Json {
    const event = sample.resourceGroupWrite();
    event["operationName"] = { value: operation, localizedValue: operation };
    event["resourceId"] = `/subscriptions/${SUBSCRIPTION}`;
    event["correlationId"] = `${operation.length.toString().padStart(8, "0")}-0000-4000-8000-000000000000`;
    if (message !== undefined) set(event, "properties.message", message);
    if (body !== undefined) set(event, "properties.requestbody", JSON.stringify(body));
    return event;
  }

  it("reads both tenants of a move from its message", async () => {
    const move = activity(
      "Microsoft.Subscription/updateTenant/action",
      `Subscription ${SUBSCRIPTION} moved from tenant d2af6ef7-a00c-438f-903b-65592cfddc48 to tenant 6b1c2f4e-9d3a-4e8b-b7a1-0c5d9e2f3a4b`,
    );
    const report = await detect([move]);
    expect(report.findings[0]?.rule).toBe("subscription-directory-changed");
    expect(report.findings[0]?.severity).toBe("critical");
    expect(report.findings[0]?.summary).toContain("to tenant 6b1c2f4e-9d3a-4e8b-b7a1-0c5d9e2f3a4b");
  });

  it("rates a policy that lets subscriptions leave above one that blocks them but exempts someone", async () => {
    const loosen = activity("Microsoft.Subscription/policies/write", undefined, {
      properties: { blockSubscriptionsLeavingTenant: false },
    });
    const tighten = activity("microsoft.subscription/POLICIES/write", undefined, {
      properties: {
        blockSubscriptionsLeavingTenant: true,
        exemptedPrincipals: ["c3a9f1e2-0000-4000-8000-00000000e0e0"],
      },
    });
    tighten["correlationId"] = "99999999-0000-4000-8000-000000000000";
    const report = await detect([loosen, tighten]);
    const [a, b] = report.findings;
    expect(report.findings.map((f) => f.rule)).toEqual([
      "subscription-policy-changed",
      "subscription-policy-changed",
    ]);
    expect(Math.max(a?.confidence ?? 0, b?.confidence ?? 0)).toBeGreaterThan(
      Math.min(a?.confidence ?? 1, b?.confidence ?? 1),
    );
  });

  it("raises nothing for the protective setting: leaving blocked, no one exempted, one way to read it", async () => {
    const policy = {
      blockSubscriptionsLeavingTenant: true,
      blockSubscriptionsIntoTenant: false,
      exemptedPrincipals: [],
    };
    const block = activity("Microsoft.Subscription/policies/write", undefined, policy);
    // ARM's answer as the record carries it: the policy resource, its properties nested.
    const response = {
      id: "/providers/Microsoft.Subscription/policies/default",
      name: "default",
      properties: policy,
    };
    set(block, "properties.responseBody", JSON.stringify(response));
    const report = await detect([block]);
    expect(report.counts.events).toBe(1);
    expect(report.findings).toEqual([]);
  });

  it("fires when a body could be read two ways, or says no block, however it hides it", async () => {
    const me = "c3a9f1e2-0000-4000-8000-00000000e0e0";
    const bodies: [string, Json | undefined, Json | undefined][] = [
      ["no request body", undefined, undefined],
      [
        "a nested properties a lenient reader prefers",
        {
          blockSubscriptionsLeavingTenant: false,
          exemptedPrincipals: [me],
          properties: { blockSubscriptionsLeavingTenant: true, exemptedPrincipals: [] },
        },
        undefined,
      ],
      [
        "a field spelled twice",
        {
          BlockSubscriptionsLeavingTenant: false,
          blockSubscriptionsLeavingTenant: true,
          exemptedPrincipals: [],
        },
        undefined,
      ],
      [
        "a response that says otherwise",
        { blockSubscriptionsLeavingTenant: true, exemptedPrincipals: [] },
        { properties: { blockSubscriptionsLeavingTenant: true, exemptedPrincipals: [me] } },
      ],
      ["someone exempted", { blockSubscriptionsLeavingTenant: true, exemptedPrincipals: [me] }, undefined],
      [
        "no answer from ARM to confirm it",
        { blockSubscriptionsLeavingTenant: true, exemptedPrincipals: [] },
        undefined,
      ],
    ];
    for (const [what, request, response] of bodies) {
      const write = activity("Microsoft.Subscription/policies/write", undefined, request);
      set(write, "properties.responseBody", response === undefined ? undefined : JSON.stringify(response));
      const report = await detect([write]);
      expect(
        report.findings.map((f) => f.rule),
        what,
      ).toEqual(["subscription-policy-changed"]);
    }
    // A key written twice, exactly: JSON.parse keeps the last, another reader the first.
    const twice = activity("Microsoft.Subscription/policies/write");
    set(
      twice,
      "properties.requestbody",
      `{"blockSubscriptionsLeavingTenant":true,"exemptedPrincipals":["${me}"],"exemptedPrincipals":[]}`,
    );
    set(
      twice,
      "properties.responseBody",
      JSON.stringify({ properties: { blockSubscriptionsLeavingTenant: true, exemptedPrincipals: [] } }),
    );
    expect((await detect([twice])).findings.map((f) => f.rule)).toEqual(["subscription-policy-changed"]);
  });

  it("fires on elevation to User Access Administrator, naming who elevated", async () => {
    const report = await detect([activity("Microsoft.Authorization/elevateAccess/action")]);
    expect(report.findings.map((f) => [f.rule, f.subject.userPrincipalName])).toEqual([
      ["elevate-access", "attacker@securathesis.onmicrosoft.com"],
    ]);
  });
});

describe("external-vm-created and guest-vm-burst", () => {
  it("fires when a #EXT# caller writes a VM, and not when the captured member does", async () => {
    const report = await detect([sample.vmWrite(), vmBy(GUEST_UPN, "miner1", "2022-06-27T14:02:41Z")]);
    expect(report.findings.map((f) => [f.rule, f.subject.userPrincipalName])).toEqual([
      ["external-vm-created", GUEST_UPN],
    ]);
  });

  it("fires a burst when a guest invited this week writes more than three VMs", async () => {
    const vms = ["a", "b", "c", "d"].map((n, i) => vmBy(GUEST_UPN, `miner${n}`, `2022-06-27T1${i}:00:00Z`));
    const report = await detect([invitation(), ...vms]);
    const burst = report.findings.find((f) => f.rule === "guest-vm-burst");
    expect(burst?.severity).toBe("high");
    expect(burst?.evidence).toHaveLength(5); // the invitation and the four VMs
  });

  it("does not fire a burst at three VMs, nor for a guest invited eight days before", async () => {
    const three = ["a", "b", "c"].map((n, i) => vmBy(GUEST_UPN, `miner${n}`, `2022-06-27T1${i}:00:00Z`));
    expect(rules(await detect([invitation(), ...three]))).not.toContain("guest-vm-burst");
    const four = ["a", "b", "c", "d"].map((n, i) => vmBy(GUEST_UPN, `miner${n}`, `2022-06-27T1${i}:00:00Z`));
    expect(rules(await detect([invitation("2022-06-19T09:00:00Z"), ...four]))).not.toContain(
      "guest-vm-burst",
    );
  });
});

describe("risky-ip-vm-created", () => {
  it("fires for a VM created from inside a configured range, by anyone, and not from outside it", async () => {
    const inside = vmBy(
      "attacker@securathesis.onmicrosoft.com",
      "vm1",
      "2022-06-27T14:00:00Z",
      "185.220.101.7",
    );
    const outside = vmBy(
      "attacker@securathesis.onmicrosoft.com",
      "vm2",
      "2022-06-27T14:05:00Z",
      "20.190.128.9",
    );
    const report = await detect([inside, outside]);
    expect(report.findings.map((f) => [f.rule, f.actor?.ipAddress])).toEqual([
      ["risky-ip-vm-created", "185.220.101.7"],
    ]);
  });

  it("reads IPv6 ranges too", async () => {
    const v6 = vmBy("attacker@securathesis.onmicrosoft.com", "vm3", "2022-06-27T14:00:00Z", "2001:db8::7");
    expect(rules(await detect([v6], { riskyIpRanges: ["2001:db8::/32"] }))).toEqual(["risky-ip-vm-created"]);
  });
});

describe("risky-signin-resource-group", () => {
  function signIn(level: string, time: string, errorCode = 0): Json {
    const record = sample.diagnostic("high_risk_signin");
    set(record, "properties.riskLevelDuringSignIn", level);
    set(record, "properties.createdDateTime", time);
    set(record, "properties.status", { errorCode });
    set(record, "properties.id", `signin-${level}-${time}-${errorCode}`);
    return record;
  }
  function groupBy(time: string): Json {
    const event = sample.resourceGroupWrite();
    event["caller"] = "john@justice.org";
    event["eventTimestamp"] = time;
    event["correlationId"] = `rg-${time}`;
    return event;
  }

  it("fires when the same user writes a resource group 3 h after a high-risk sign-in", async () => {
    const report = await detect([signIn("high", "2022-06-27T10:36:50Z"), groupBy("2022-06-27T13:36:50Z")]);
    expect(rules(report)).toEqual(["risky-signin-resource-group"]);
    expect(report.findings[0]?.summary).toContain("3 h later");
  });

  it("stays silent at medium risk, for a failed sign-in, and for a resource group 13 h later", async () => {
    expect(
      rules(await detect([signIn("medium", "2022-06-27T10:36:50Z"), groupBy("2022-06-27T13:36:50Z")])),
    ).toEqual([]);
    expect(
      rules(await detect([signIn("high", "2022-06-27T10:36:50Z", 50126), groupBy("2022-06-27T13:36:50Z")])),
    ).toEqual([]);
    expect(
      rules(await detect([signIn("high", "2022-06-27T00:30:00Z"), groupBy("2022-06-27T13:36:50Z")])),
    ).toEqual([]);
  });

  it("stays silent when risk reads 'hidden' (no Entra ID P2 licence) instead of failing", async () => {
    const report = await detect([signIn("hidden", "2022-06-27T10:36:50Z"), groupBy("2022-06-27T13:36:50Z")]);
    expect(report.counts.skipped).toBe(0);
    expect(rules(report)).toEqual([]);
  });
});
