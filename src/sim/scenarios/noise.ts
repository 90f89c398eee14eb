import type { SimUser } from "../records/people.js";
import { SIM_AZURE_ROLE, SIM_ENTRA_ROLE } from "../tenant/builtin-roles.js";
import type { TenantScript } from "./script.js";

const READER = "acdd72a7-3374-466b-9977-a0d26dd5d9d4";
const REPORTS_READER = "4a5d8f65-41da-4de4-8968-e035b65339cf";

export interface NoiseCast {
  members: SimUser[];
  guests: SimUser[];
  subscriptions: string[];
}

export function castOfNoise(script: TenantScript, members = 40, guests = 8, subscriptions = 5): NoiseCast {
  return {
    members: Array.from({ length: members }, (_, i) =>
      script.member(`Staff Member ${i}`, `20.190.${128 + (i % 50)}.${10 + i}`),
    ),
    // Guests invited long ago: they sign in and read, and never hold privileged roles.
    guests: Array.from({ length: guests }, (_, i) =>
      script.guest(`partner${i}@fabrikam.com`, `198.51.100.${i + 1}`),
    ),
    subscriptions: Array.from({ length: subscriptions }, () => script.rng.guid()),
  };
}

/**
 * A benign tenant's activity (rates per thousand events, roughly what a mid-sized tenant logs): sign-ins (a few risky but not high, a few failed), members building
 * resource groups and VMs, reader and contributor grants, privileged roles given to members, user and
 * group changes, and the near misses each rule must not fire on. None of it is an attack.
 */
export function playNoise(
  script: TenantScript,
  cast: NoiseCast,
  count: number,
  fromMinutes: number,
  spanMinutes: number,
  options: { nearMisses?: boolean } = {},
): void {
  const { rng } = script;
  const step = spanMinutes / Math.max(1, count);
  for (let i = 0; i < count; i++) {
    script.at(fromMinutes + i * step);
    const member = rng.pick(cast.members);
    const subscription = rng.pick(cast.subscriptions);
    const roll = rng.int(1000);
    if (roll < 450) {
      const risk = rng.int(20) === 0 ? "medium" : rng.int(10) === 0 ? "low" : "none";
      script.signIn(member, member.ipAddress ?? "20.190.128.1", {
        aggregated: risk,
        during: risk,
        ...(rng.int(15) === 0 ? { errorCode: 50126 } : {}),
      });
    } else if (roll < 550) {
      script.signIn(rng.pick(cast.guests), rng.pick(cast.guests).ipAddress ?? "198.51.100.1");
    } else if (roll < 650) {
      script.createResourceGroup(member, subscription, `rg-app-${rng.int(500)}`);
    } else if (roll < 720) {
      script.createVm(member, subscription, "rg-app", `vm-${rng.int(10_000)}`);
    } else if (roll < 770) {
      script.assignAzureRole(
        member,
        rng.pick(cast.members),
        rng.pick([READER, SIM_AZURE_ROLE.contributor]),
        `/subscriptions/${subscription}`,
      );
    } else if (roll < 800) {
      // A guest may read a resource group: not privileged, not broad.
      script.assignAzureRole(
        member,
        rng.pick(cast.guests),
        READER,
        `/subscriptions/${subscription}/resourceGroups/rg-shared`,
      );
    } else if (roll < 830) {
      script.grantEntraRole(member, rng.pick(cast.members), {
        roleTemplateId: rng.pick([
          SIM_ENTRA_ROLE.userAdministrator,
          REPORTS_READER,
          SIM_ENTRA_ROLE.helpdeskAdministrator,
        ]),
        roleDisplayName: "Directory role",
      });
    } else if (roll < 860) {
      // A guest given a role that grants nothing privileged.
      script.grantEntraRole(member, rng.pick(cast.guests), {
        roleTemplateId: REPORTS_READER,
        roleDisplayName: "Reports Reader",
      });
    } else if (roll < 935) {
      script.updateUser(member, rng.pick(cast.members));
    } else if (roll < 997) {
      script.addToGroup(member, rng.pick(cast.members));
    } else if (roll < 999) {
      script.addUser(member, script.member(`New Hire ${script.uniqueNumber()}`));
    } else if (options.nearMisses === false) {
      script.updateUser(member, rng.pick(cast.members));
    } else {
      // Near miss: a high-risk sign-in whose resource group comes 13 hours later.
      // Someone outside the cast, so no other write of theirs falls inside the window.
      const traveller = script.member(`Travelling Engineer ${script.uniqueNumber()}`);
      script.signIn(traveller, "102.129.143.200", { aggregated: "high", during: "high" });
      script.after(13 * 60).createResourceGroup(traveller, subscription, `rg-late-${rng.int(1000)}`);
    }
  }
}
