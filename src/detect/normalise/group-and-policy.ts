import type { CaPolicyChangedEvent, GroupChangedEvent, OtherEvent } from "../event.js";
import { principalOfTarget, propertyValue, targetType } from "./audit-targets.js";
import { field, guid, type JsonObject, objects, strField } from "./fields.js";

/**
 * Conditional access policies and groups changed, as Entra's audit log writes them (names compared as
 * `activityKey` gives them, lower-case without a trailing period).
 *
 * Conditional access: category "Policy", logged by "Conditional Access"; one target of type "Policy",
 * whose id is the policy's (its `ConditionalAccessPolicy` property holds the policy as JSON, old and new).
 * Groups: category "GroupManagement", logged by "Core Directory". A member change has two targets: the
 * member (User, ServicePrincipal, Device, or a Group when nested), carrying `Group.ObjectID` and
 * `Group.DisplayName` (newValue when added, oldValue when removed), and the group itself, of type "Group".
 * A deletion has the group as its one target.
 */
const POLICY_CHANGES = new Map<string, CaPolicyChangedEvent["change"]>([
  ["add conditional access policy", "added"],
  ["update conditional access policy", "updated"],
  ["delete conditional access policy", "deleted"],
]);
const GROUP_CHANGES = new Map<string, GroupChangedEvent["change"]>([
  ["add member to group", "member-added"],
  ["remove member from group", "member-removed"],
  ["delete group", "deleted"],
]);

export const POLICY_AND_GROUP_ACTIVITIES: ReadonlySet<string> = new Set([
  ...POLICY_CHANGES.keys(),
  ...GROUP_CHANGES.keys(),
]);

type Header = Omit<OtherEvent, "kind">;

export function mapPolicyOrGroupChange(
  key: string,
  header: Header,
  targets: JsonObject[],
): CaPolicyChangedEvent | GroupChangedEvent | undefined {
  const policyChange = POLICY_CHANGES.get(key);
  if (policyChange !== undefined) {
    const target = targets.find((t) => targetType(t) === "policy") ?? targets[0];
    return {
      ...header,
      kind: "ca-policy-changed",
      change: policyChange,
      policyId: target === undefined ? undefined : guid(field(target, "id")),
      policyName: target === undefined ? undefined : strField(target, "displayName"),
    };
  }
  const groupChange = GROUP_CHANGES.get(key);
  if (groupChange === undefined) return undefined;
  const group = groupTarget(targets);
  const event: GroupChangedEvent = {
    ...header,
    kind: "group-changed",
    change: groupChange,
    // Core Directory names the group on the member's target; the group's own target is the fallback
    // (the Graph docs' example and a deletion name it only there).
    groupId:
      guid(propertyValue(targets, "Group.ObjectID")) ??
      (group === undefined ? undefined : guid(field(group, "id"))),
    groupName:
      propertyValue(targets, "Group.DisplayName") ??
      (group === undefined ? undefined : strField(group, "displayName")),
  };
  if (groupChange === "deleted") return event;
  const member = targets.find((t) => t !== group);
  return member === undefined ? event : { ...event, member: principalOfTarget(member) };
}

/**
 * The group's own target: the one of type Group whose id `Group.ObjectID` names, or the only one, or (a
 * nested group added to a group, neither named) the one that does not carry the `Group.*` properties,
 * which are written on the member's target.
 */
function groupTarget(targets: JsonObject[]): JsonObject | undefined {
  const groups = targets.filter((t) => targetType(t) === "group");
  const named = guid(propertyValue(targets, "Group.ObjectID"));
  const byId = named === undefined ? undefined : groups.find((t) => guid(field(t, "id")) === named);
  if (byId !== undefined) return byId;
  if (groups.length <= 1) return groups[0];
  return groups.find((t) => !carriesGroupProperties(t)) ?? groups.at(-1);
}

function carriesGroupProperties(target: JsonObject): boolean {
  return objects(field(target, "modifiedProperties")).some((p) =>
    (strField(p, "displayName") ?? strField(p, "name") ?? "").toLowerCase().startsWith("group."),
  );
}
