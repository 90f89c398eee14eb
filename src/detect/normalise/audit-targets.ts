import type { Principal } from "../event.js";
import { isExternalUpn } from "../identity.js";
import { auditValue, field, guid, type JsonObject, objects, strField } from "./fields.js";
import { principal, principalTypeOf } from "./principal.js";

/** An audit entry's target type, lower-case ("user", "group", "policy", "serviceprincipal", ...). */
export function targetType(target: JsonObject): string {
  return (strField(target, "type") ?? "").toLowerCase();
}

/** A target as a principal: its type, id, UPN and display name as the entry gives them. */
export function principalOfTarget(target: JsonObject): Principal {
  const kind = targetType(target);
  const upn = strField(target, "userPrincipalName");
  return principal({
    type: principalTypeOf(kind),
    id: guid(field(target, "id")),
    userPrincipalName: upn,
    displayName: strField(target, "displayName"),
    external: isExternalUpn(upn) || undefined,
  });
}

/**
 * A modified property's value over every target, the new one or else the old: a removal logs what was
 * there (`Group.ObjectID` oldValue on "Remove member from group") and no new value.
 */
export function propertyValue(targets: JsonObject[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const target of targets) {
    for (const prop of objects(field(target, "modifiedProperties"))) {
      const propName = strField(prop, "displayName") ?? strField(prop, "name");
      if (propName?.toLowerCase() !== wanted) continue;
      const value = auditValue(field(prop, "newValue")) ?? auditValue(field(prop, "oldValue"));
      if (value !== undefined) return value;
    }
  }
  return undefined;
}
