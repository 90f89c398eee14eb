import { Rng } from "../ids.js";
import { inviteExternalUser } from "../records/graph-records.js";
import { SIM_AZURE_ROLE, SIM_ENTRA_ROLE } from "./builtin-roles.js";
import type { SimDirectory } from "./directory.js";
import { type PostureTruth, seedPosture } from "./large-tenant-posture.js";

/** What an inventory of the seeded tenant must find: each privileged external principal and how. */
export interface InventoryTruth {
  /** External user id → the privileges it holds, as "entra:active:<role>", "azure:<scope>:<role>"... */
  privileged: Map<string, string[]>;
  subscriptions: string[];
  /** Guest id → the UPN of who invited it, for the guests the audit log still shows an invitation for. */
  invited: Map<string, string>;
  /** What a posture review must find: privileged users without MFA, conditional access (large-tenant-posture.ts). */
  posture: PostureTruth;
}

export interface LargeTenantOptions {
  guests: number;
  privilegedGuests: number;
  subscriptions: number;
  members?: number;
  seed?: number;
}

const CUSTOM_ROLE = "7c1b9a42-5e3d-4f6a-8b2c-9d0e1f2a3b4c";
const READER = "acdd72a7-3374-466b-9977-a0d26dd5d9d4";
const DAY = 86_400_000;

/**
 * A big tenant for the external-admin inventory: thousands of guests, a few hundred of them privileged in
 * every way the inventory must see (active and eligible Entra roles, a role-assignable group, Azure roles
 * at subscription, management group and root, a custom role that can grant access), external members
 * (#EXT# UPNs), and decoys that must not be listed (guests with Reader or Guest Inviter, member admins).
 * For posture reviews it also has registered authentication methods and conditional access policies.
 */
export function seedLargeTenant(directory: SimDirectory, options: LargeTenantOptions): InventoryTruth {
  const rng = new Rng(options.seed ?? 99);
  const now = Date.now();
  const iso = (t: number) => new Date(t).toISOString();
  const domain = directory.tenant.domain;
  const truth = new Map<string, string[]>();
  const invited = new Map<string, string>();
  const grant = (id: string, what: string) => truth.set(id, [...(truth.get(id) ?? []), what]);

  const subscriptions = Array.from({ length: options.subscriptions }, (_, i) => {
    const id = rng.guid();
    directory.subscriptions.push({
      subscriptionId: id,
      displayName: `Sub ${i}`,
      tenantId: directory.tenant.id,
      state: "Enabled",
    });
    return id;
  });
  directory.azureRoleDefinitions.set(CUSTOM_ROLE, {
    guid: CUSTOM_ROLE,
    roleName: "Ops Access Granter",
    type: "CustomRole",
    description: "Custom role that can grant access.",
    actions: ["*/read", "Microsoft.Authorization/*"],
  });

  const makeUser = (kind: "Guest" | "Member" | "ExtMember", n: number) => {
    const id = rng.guid();
    const mail = `person${n}@partner${n % 97}.example`;
    const created = now - rng.int(400) * DAY;
    directory.users.set(id, {
      id,
      displayName: `${kind} ${n}`,
      userPrincipalName:
        kind === "Member" ? `member${n}@${domain}` : `${mail.replace("@", "_")}#EXT#@${domain}`,
      mail: kind === "Member" ? null : mail,
      userType: kind === "Guest" ? "Guest" : "Member",
      accountEnabled: rng.int(20) !== 0,
      createdDateTime: iso(created),
      creationType: kind === "Member" ? null : "Invitation",
      externalUserState: kind === "Member" ? null : "Accepted",
      signInSessionsValidFromDateTime: iso(created),
    });
    return id;
  };
  const guests = Array.from({ length: options.guests }, (_, n) => makeUser("Guest", n));
  const members = Array.from({ length: options.members ?? 200 }, (_, n) => makeUser("Member", 100_000 + n));
  const externalMembers = Array.from({ length: 20 }, (_, n) => makeUser("ExtMember", 200_000 + n));

  const roleGroup = {
    id: rng.guid(),
    displayName: "Tier 0 operators",
    description: null,
    mailNickname: "tier0-operators",
    mailEnabled: false,
    securityEnabled: true,
    isAssignableToRole: true,
    groupTypes: [],
    createdDateTime: iso(now - 300 * DAY),
    members: new Set<string>(),
  };
  directory.groups.set(roleGroup.id, roleGroup);
  directory.addRoleAssignment(roleGroup.id, SIM_ENTRA_ROLE.securityAdministrator, "/");

  const pickSubscription = () => subscriptions[rng.int(subscriptions.length)] ?? "";
  const azure = (principalId: string, scope: string, role: string) => {
    const name = rng.guid();
    directory.azureAssignments.set(
      `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`.toLowerCase(),
      {
        name,
        scope,
        roleDefinitionGuid: role,
        principalId,
        principalType: "User",
        createdOn: iso(now - rng.int(30) * DAY),
        createdBy: null,
      },
    );
  };
  const rootGroup = `/providers/Microsoft.Management/managementGroups/${directory.tenant.id}`;

  // The privileged externals: guests first, then every external member, spread over six ways.
  const privileged = [
    ...guests.slice(0, options.privilegedGuests - externalMembers.length),
    ...externalMembers,
  ];
  privileged.forEach((id, i) => {
    switch (i % 6) {
      case 0:
        directory.addRoleAssignment(id, SIM_ENTRA_ROLE.globalAdministrator, "/");
        grant(id, `entra:active:${SIM_ENTRA_ROLE.globalAdministrator}`);
        break;
      case 1:
        directory.addEligibility(id, SIM_ENTRA_ROLE.privilegedRoleAdministrator, "/", iso(now - DAY));
        grant(id, `entra:eligible:${SIM_ENTRA_ROLE.privilegedRoleAdministrator}`);
        break;
      case 2:
        roleGroup.members.add(id);
        grant(id, `entra:active:${SIM_ENTRA_ROLE.securityAdministrator}`);
        break;
      case 3: {
        const scope = `/subscriptions/${pickSubscription()}`;
        azure(id, scope, SIM_AZURE_ROLE.owner);
        grant(id, `azure:${scope}:${SIM_AZURE_ROLE.owner}`);
        break;
      }
      case 4: {
        const scope = `/subscriptions/${pickSubscription()}`;
        azure(id, scope, CUSTOM_ROLE);
        grant(id, `azure:${scope}:${CUSTOM_ROLE}`);
        break;
      }
      default: {
        const scope = i % 12 === 5 ? "/" : rootGroup;
        azure(id, scope, SIM_AZURE_ROLE.userAccessAdministrator);
        grant(id, `azure:${scope}:${SIM_AZURE_ROLE.userAccessAdministrator}`);
      }
    }
  });
  // Some of them were invited recently enough for the audit log to say by whom; most signed in lately.
  const inviter = members[0] ?? "";
  const inviterUser = directory.users.get(inviter);
  privileged.forEach((id, i) => {
    const user = directory.users.get(id);
    if (user === undefined || inviterUser === undefined) return;
    if (i % 3 === 0) user.lastSignIn = iso(now - rng.int(20) * DAY);
    if (i % 10 !== 0) return;
    const actor = {
      id: inviterUser.id,
      userPrincipalName: inviterUser.userPrincipalName,
      displayName: inviterUser.displayName,
      userType: "Member" as const,
    };
    directory.logRecord(
      "directoryAudits",
      inviteExternalUser(
        {
          id: `Directory_${rng.guid()}`,
          time: iso(now - rng.int(20) * DAY),
          actor,
          correlationId: rng.guid(),
        },
        {
          id,
          userPrincipalName: user.userPrincipalName,
          displayName: user.displayName,
          mail: user.mail ?? "",
          userType: "Guest",
        },
      ),
    );
    invited.set(id, inviterUser.userPrincipalName);
  });
  // Decoys: unprivileged roles for externals, privileged roles for members.
  for (const id of guests.slice(options.privilegedGuests, options.privilegedGuests + 200)) {
    azure(id, `/subscriptions/${pickSubscription()}`, READER);
    directory.addRoleAssignment(id, SIM_ENTRA_ROLE.guestInviter, "/");
  }
  for (const id of members.slice(0, 30)) {
    directory.addRoleAssignment(id, SIM_ENTRA_ROLE.globalAdministrator, "/");
    azure(id, `/subscriptions/${pickSubscription()}`, SIM_AZURE_ROLE.owner);
  }
  // A few privileged guests are flagged by Identity Protection.
  for (const id of privileged.slice(0, 10)) {
    const user = directory.users.get(id);
    if (user === undefined) continue;
    directory.riskyUsers.set(id, {
      id,
      userPrincipalName: user.userPrincipalName,
      userDisplayName: user.displayName,
      riskLevel: "high",
      riskState: "atRisk",
      riskDetail: "none",
      riskLastUpdatedDateTime: iso(now),
      isDeleted: false,
      isProcessing: false,
    });
  }
  // Last, with a random sequence of its own: the inventory's tenant above is the same with or without it.
  const posture = seedPosture(directory, members, (options.seed ?? 99) + 1);
  return { privileged: truth, subscriptions, invited, posture };
}
