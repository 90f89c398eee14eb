import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The real-format records of ../shared/samples, copied unchanged into test/fixtures/samples (see its
 * SOURCES.md). Each call returns a fresh deep copy, so a test changes only what its scenario needs.
 */
export type Json = Record<string, unknown>;

const folder = fileURLToPath(new URL("../fixtures/samples/", import.meta.url));

function load(name: string): unknown {
  return JSON.parse(readFileSync(`${folder}${name}`, "utf8"));
}

export const sample = {
  roleAssignmentWrite: () => load("arm_activity_rest_role_assignment_write.json") as Json,
  vmWrite: () => load("arm_activity_rest_vm_write.json") as Json,
  resourceGroupWrite: () => load("arm_activity_rest_resourcegroup_write.json") as Json,
  subscriptionCreated: () => load("arm_activity_rest_subscription_created.json") as Json,
  directoryAudits: () => (load("graph_directoryaudits_examples.json") as { value: Json[] }).value,
  diagnostic: (name: "invite_external_user" | "add_member_to_role_pim_logged" | "high_risk_signin") =>
    (load("entra_diagnostic_settings_fixtures.json") as Record<string, Json>)[name] as Json,
};

/** Sets a nested value by path, creating objects on the way: `set(r, "properties.message", "...")`. */
export function set(record: Json, path: string, value: unknown): Json {
  const parts = path.split(".");
  let node: Json = record;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== "object" || node[part] === null) node[part] = {};
    node = node[part] as Json;
  }
  node[parts.at(-1) as string] = value;
  return record;
}

export function at(record: Json, path: string): unknown {
  let node: unknown = record;
  for (const part of path.split(".")) node = (node as Json | undefined)?.[part];
  return node;
}
