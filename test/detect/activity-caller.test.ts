import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/detect/event.js";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";

/**
 * Issue 19, point 6: who acted, in Activity Log records exported by diagnostic settings (storage or Event
 * Hub: "Azure Monitor activity log schema", the `identity.claims` of the caller's token). Guests and
 * service principals often carry no `upn` claim; the short `name` claim is a display name, never an
 * identity. Each record below is in that schema, with the claims a v1 ARM token carries for each caller.
 */

const TENANT = "d2af6ef7-a00c-438f-903b-65592cfddc48";
const OID = "http://schemas.microsoft.com/identity/claims/objectidentifier";

function diagnosticRoleWrite(claims: Record<string, string>): Record<string, unknown> {
  const scope = "/subscriptions/7a1d2f3e-4b5c-4d6e-8f90-a1b2c3d4e5f6";
  return {
    time: "2026-11-30T10:15:02.1234567Z",
    resourceId: `${scope}/providers/Microsoft.Authorization/roleAssignments/0e5b7d2c-1f3a-4b6c-8d9e-0a1b2c3d4e5f`,
    operationName: "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE",
    category: "Administrative",
    resultType: "Success",
    resultSignature: "Succeeded.Created",
    durationMs: "812",
    callerIpAddress: "203.0.113.9",
    correlationId: "3c9f6a1e-7b2d-4e8f-9a0b-1c2d3e4f5a6b",
    identity: {
      authorization: {
        scope,
        action: "Microsoft.Authorization/roleAssignments/write",
        evidence: { role: "Owner", roleAssignmentScope: scope, principalType: "User" },
      },
      claims: {
        aud: "https://management.core.windows.net/",
        iss: `https://sts.windows.net/${TENANT}/`,
        "http://schemas.microsoft.com/identity/claims/tenantid": TENANT,
        ...claims,
      },
    },
    level: "Information",
    location: "global",
    properties: {
      statusCode: "Created",
      requestbody: JSON.stringify({
        Id: "0e5b7d2c-1f3a-4b6c-8d9e-0a1b2c3d4e5f",
        Properties: {
          PrincipalId: "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e",
          PrincipalType: "User",
          RoleDefinitionId: `${scope}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635`,
          Scope: scope,
        },
      }),
    },
  };
}

function actorOf(record: Record<string, unknown>): Principal | undefined {
  const read = normaliseRecord(record, { tenantId: TENANT });
  if (!read.ok) throw new Error(read.reason);
  return read.event.actor;
}

describe("the caller of a diagnostic-settings Activity Log record", () => {
  it("is a member by object id and UPN, with the display name only as its name", () => {
    const actor = actorOf(
      diagnosticRoleWrite({
        [OID]: "30a6c29d-de7c-4830-815f-9b3bb366e975",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "priya@contoso.example",
        name: "Priya Raman",
        appid: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
      }),
    );
    expect(actor).toMatchObject({
      type: "user",
      id: "30a6c29d-de7c-4830-815f-9b3bb366e975",
      userPrincipalName: "priya@contoso.example",
      displayName: "Priya Raman",
    });
    expect(actor?.external).toBeUndefined();
  });

  it("is an external consumer account with no upn claim, by its unique name and its provider", () => {
    const actor = actorOf(
      diagnosticRoleWrite({
        [OID]: "71f0a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name":
          "live.com#it.support@outlook-helpdesk.net",
        "http://schemas.microsoft.com/identity/claims/identityprovider": "live.com",
        name: "IT Support",
        appid: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
      }),
    );
    expect(actor).toMatchObject({
      type: "user",
      id: "71f0a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b",
      userPrincipalName: "it.support@outlook-helpdesk.net",
      displayName: "IT Support",
      external: true,
    });
  });

  it("is an external work account from another tenant, by its identity provider", () => {
    const actor = actorOf(
      diagnosticRoleWrite({
        [OID]: "82a1b3c4-d5e6-4f70-8a1b-2c3d4e5f6a7b",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name": "mallory@fabrikam.example",
        "http://schemas.microsoft.com/identity/claims/identityprovider":
          "https://sts.windows.net/9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e/",
        name: "Mallory",
      }),
    );
    expect(actor).toMatchObject({
      type: "user",
      userPrincipalName: "mallory@fabrikam.example",
      external: true,
    });
  });

  it("is external by an #EXT# UPN", () => {
    const actor = actorOf(
      diagnosticRoleWrite({
        [OID]: "93b2c4d5-e6f7-4a81-9b2c-3d4e5f6a7b8c",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":
          "mallory_fabrikam.example#EXT#@contoso.onmicrosoft.com",
      }),
    );
    expect(actor).toMatchObject({ type: "user", external: true });
  });

  it("is a service principal when the token names an app and no user (v1 tokens carry no idtyp)", () => {
    const actor = actorOf(
      diagnosticRoleWrite({
        [OID]: "a4c3d5e6-f7a8-4b92-8c3d-4e5f6a7b8c9d",
        appid: "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
        appidacr: "1",
      }),
    );
    expect(actor).toMatchObject({
      type: "servicePrincipal",
      id: "a4c3d5e6-f7a8-4b92-8c3d-4e5f6a7b8c9d",
      appId: "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
    });
    expect(actor?.external).toBeUndefined();
  });

  it("does not take a same-tenant identity provider for an outsider", () => {
    const actor = actorOf(
      diagnosticRoleWrite({
        [OID]: "b5d4e6f7-a8b9-4ca3-9d4e-5f6a7b8c9d0e",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "ops@contoso.example",
        "http://schemas.microsoft.com/identity/claims/identityprovider": `https://sts.windows.net/${TENANT}/`,
      }),
    );
    expect(actor?.external).toBeUndefined();
  });

  it("keeps a member's UPN whole when it holds a # and no other provider signed them in", () => {
    const actor = actorOf(
      diagnosticRoleWrite({
        [OID]: "c6e5f7a8-b9c0-4db4-8e5f-6a7b8c9d0e1f",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "live.com#admin@contoso.example",
        "http://schemas.microsoft.com/identity/claims/scope": "user_impersonation",
      }),
    );
    // Not the real admin@contoso.example, and not an outsider either.
    expect(actor).toMatchObject({ type: "user", userPrincipalName: "live.com#admin@contoso.example" });
    expect(actor?.external).toBeUndefined();
  });

  it("is a user, not an app, when a delegated token names an app and no user name", () => {
    const actor = actorOf(
      diagnosticRoleWrite({
        [OID]: "d7f6a8b9-c0d1-4ec5-9f6a-7b8c9d0e1f2a",
        appid: "4f1c2b3a-5d6e-4f70-8192-a3b4c5d6e7f8",
        "http://schemas.microsoft.com/identity/claims/scope": "user_impersonation",
        "http://schemas.microsoft.com/identity/claims/identityprovider": "live.com",
      }),
    );
    expect(actor).toMatchObject({ type: "user", external: true });
    expect(actor?.appId).toBeUndefined();
  });
});
