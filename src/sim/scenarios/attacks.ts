import type { RuleId } from "../../detect/finding.js";
import { SIM_AZURE_ROLE, SIM_ENTRA_ROLE } from "../tenant/builtin-roles.js";
import type { TenantScript } from "./script.js";

/** An attack played into a script, and what Warden must make of it. */
export interface PlayedAttack {
  name: AttackName;
  /** Rules the attack's one incident must hold. */
  expectedRules: RuleId[];
  /** The principal at the centre of the incident. */
  subjectUpn: string;
  subjectId: string;
  /** The compromised admin who acted (the subject itself when it acted alone). */
  actorId: string;
  subscriptionIds: string[];
}

export type AttackName = "compromised-admin" | "guest-admin" | "hijack" | "risky-signin";
export const ATTACKS: readonly AttackName[] = ["compromised-admin", "guest-admin", "hijack", "risky-signin"];

/** A Tor exit range; the attack VMs come from here so risky-ip-vm-created can be shown with this config. */
export const ATTACKER_RANGE = "185.220.100.0/22";
const TOR_IP = "185.220.101.34";
const ATTACKER_TENANT = "6b1c2f4e-9d3a-4e8b-b7a1-0c5d9e2f3a4b";

/**
 * Attack 1: a compromised admin (risky sign-in, no MFA) creates a subscription and runs GPU VMs on it.
 * Starts at `minutes` after the script's start and takes about three hours.
 */
export function compromisedAdmin(script: TenantScript, minutes: number): PlayedAttack {
  const admin = script.admin("Dana Whitfield", SIM_ENTRA_ROLE.globalAdministrator, TOR_IP);
  const subscription = script.rng.guid();
  script.at(minutes).signIn(admin, TOR_IP, {
    aggregated: "high",
    during: "high",
    types: ["anonymizedIPAddress"],
    // Entra places Tor exits where they are hosted (185.220.101.0/24: Germany).
    location: { city: "Frankfurt am Main", countryOrRegion: "DE" },
  });
  script.riskDetection(admin, TOR_IP, "anonymizedIPAddress", "high");
  script.after(40).createSubscription(admin, subscription);
  script.after(30).createResourceGroup(admin, subscription, "rg-compute-eastus");
  for (let i = 1; i <= 4; i++)
    script.after(5).createVm(admin, subscription, "rg-compute-eastus", `gpu-node-${i}`, TOR_IP);
  // Defender for Cloud Apps sees the Tor address (one of the alerts Microsoft's write-up lists).
  script.after(25).alert(120, {
    title: "Activity from a Tor IP address",
    severity: "high",
    serviceSource: "microsoftDefenderForCloudApps",
    detectionSource: "microsoftDefenderForCloudApps",
    category: "InitialAccess",
    users: [admin],
    subscriptionIds: [],
    ipAddresses: [TOR_IP],
  });
  return {
    name: "compromised-admin",
    expectedRules: ["subscription-created", "risky-signin-resource-group", "risky-ip-vm-created"],
    subjectUpn: admin.userPrincipalName,
    subjectId: admin.id,
    actorId: admin.id,
    subscriptionIds: [subscription],
  };
}

/** Attack 2: a compromised admin invites a guest, makes it Global Administrator and Owner; the guest mines. */
export function guestAdmin(script: TenantScript, minutes: number): PlayedAttack {
  const admin = script.admin("Marcus Lindqvist", SIM_ENTRA_ROLE.globalAdministrator, "203.0.113.77");
  const guest = script.guest("opsbackup@protonmail.com", "45.155.205.12");
  const subscription = script.rng.guid();
  script
    .at(minutes)
    .signIn(admin, "203.0.113.77", { aggregated: "high", during: "high", types: ["unfamiliarFeatures"] });
  script.after(20).invite(admin, guest);
  script.after(15).grantEntraRole(admin, guest, {
    roleTemplateId: SIM_ENTRA_ROLE.globalAdministrator,
    roleDisplayName: "Global Administrator",
  });
  script.after(10).assignAzureRole(admin, guest, SIM_AZURE_ROLE.owner, `/subscriptions/${subscription}`);
  script.after(60).signIn(guest, "45.155.205.12");
  for (let i = 1; i <= 5; i++)
    script.after(7).createVm(guest, subscription, "rg-miner", `miner-${i}`, "45.155.205.12");
  // Defender for Cloud Apps' "Multiple VM activities", half an hour after the burst it saw.
  script.after(30).alert(70, {
    title: "Multiple VM activities",
    severity: "medium",
    serviceSource: "microsoftDefenderForCloudApps",
    detectionSource: "microsoftDefenderForCloudApps",
    category: "Impact",
    users: [guest],
    subscriptionIds: [subscription],
    ipAddresses: ["45.155.205.12"],
  });
  return {
    name: "guest-admin",
    expectedRules: [
      "guest-invited",
      "guest-privileged-role",
      "guest-azure-privileged-role",
      "external-vm-created",
      "guest-vm-burst",
    ],
    subjectUpn: guest.userPrincipalName,
    subjectId: guest.id,
    actorId: admin.id,
    subscriptionIds: [subscription],
  };
}

/** Attack 3: as attack 2 (through PIM, eligible), then the guest loosens the transfer policy and moves the subscription out. */
export function hijack(script: TenantScript, minutes: number): PlayedAttack {
  const admin = script.admin("Priya Raman", SIM_ENTRA_ROLE.globalAdministrator, "203.0.113.140");
  const guest = script.guest("it.support@outlook-helpdesk.net", "91.92.109.44");
  const subscription = script.rng.guid();
  script
    .at(minutes)
    .signIn(admin, "203.0.113.140", { aggregated: "high", during: "medium", types: ["passwordSpray"] });
  script.after(10).invite(admin, guest);
  script.after(10).grantEntraRole(admin, guest, {
    roleTemplateId: SIM_ENTRA_ROLE.globalAdministrator,
    roleDisplayName: "Global Administrator",
    viaPim: true,
  });
  script.after(5).assignAzureRole(admin, guest, SIM_AZURE_ROLE.owner, `/subscriptions/${subscription}`);
  script.after(45).signIn(guest, "91.92.109.44");
  script.after(5).writeTransferPolicy(guest, false);
  script.after(20).moveSubscription(guest, subscription, ATTACKER_TENANT);
  return {
    name: "hijack",
    expectedRules: [
      "guest-invited",
      "guest-privileged-role",
      "guest-azure-privileged-role",
      "subscription-policy-changed",
      "subscription-directory-changed",
      "subscription-hijack-chain",
    ],
    subjectUpn: guest.userPrincipalName,
    subjectId: guest.id,
    actorId: admin.id,
    subscriptionIds: [subscription],
  };
}

/** A high-risk sign-in followed three hours later by a new resource group. */
export function riskySignIn(script: TenantScript, minutes: number): PlayedAttack {
  const user = script.member("Tomasz Nowak", "102.129.143.9");
  const subscription = script.rng.guid();
  script.at(minutes).signIn(user, "102.129.143.9", {
    aggregated: "high",
    during: "high",
    types: ["unlikelyTravel"],
    location: { city: "Johannesburg", countryOrRegion: "ZA" },
  });
  script.after(180).createResourceGroup(user, subscription, "rg-temp-westus");
  return {
    name: "risky-signin",
    expectedRules: ["risky-signin-resource-group"],
    subjectUpn: user.userPrincipalName,
    subjectId: user.id,
    actorId: user.id,
    subscriptionIds: [subscription],
  };
}

const PLAYERS: Record<AttackName, (script: TenantScript, minutes: number) => PlayedAttack> = {
  "compromised-admin": compromisedAdmin,
  "guest-admin": guestAdmin,
  hijack,
  "risky-signin": riskySignIn,
};

export function playAttack(name: AttackName, script: TenantScript, minutes: number): PlayedAttack {
  return PLAYERS[name](script, minutes);
}
