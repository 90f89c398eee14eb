#!/usr/bin/env node
// Grants Warden's identity (an app registration's service principal, or a managed identity) what each
// feature needs, as infra/permissions.json declares it. Idempotent: a permission already granted is left.
//
//   node infra/grant-permissions.mjs --principal <object id> --tenant <tenant id> [--features a,b] [--print]
//
// --principal: the object id of Warden's service principal (Enterprise applications > Object ID; for a
//   managed identity, its principal id). --features: ids from infra/permissions.json (default: every one
//   not marked optional). --print: print the az commands instead of running them (to review, or to run
//   elsewhere). Needs the Azure CLI signed in as a Global Administrator (Graph app roles and Entra roles)
//   who may assign roles at the root management group and at `/` (User Access Administrator there).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
/** Entra role template ids (Microsoft Entra built-in roles). */
const ENTRA_ROLE_IDS = { "Privileged Authentication Administrator": "7be44c8a-adaf-4e2a-84d6-ab2649e08a13" };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function option(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
function fail(message) {
  process.stderr.write(`grant-permissions: ${message}\n`);
  process.exit(2);
}

const declaration = JSON.parse(readFileSync(new URL("./permissions.json", import.meta.url), "utf8"));
const principal = option("principal");
const tenant = option("tenant");
const print = process.argv.includes("--print");
if (!GUID.test(principal ?? "")) fail("--principal must be the object id (a GUID) of Warden's service principal");
if (!GUID.test(tenant ?? "")) fail("--tenant must be the tenant id (a GUID)");
const wanted = option("features")?.split(",").map((f) => f.trim());
const known = new Set(declaration.features.map((f) => f.id));
for (const id of wanted ?? []) if (!known.has(id)) fail(`no feature "${id}": one of ${[...known].join(", ")}`);
const features = declaration.features.filter((f) => (wanted === undefined ? !f.optional : wanted.includes(f.id)));

const graphRoles = [...new Set(features.flatMap((f) => f.graph ?? []))].sort();
const entraRoles = [...new Set(features.flatMap((f) => f.entraRoles ?? []))].sort();
const azureRoles = [
  ...new Map(features.flatMap((f) => f.azureRoles ?? []).map((r) => [`${r.role}@${r.scope}`, r])).values(),
];
const scopeOf = (scope) =>
  scope === "tenant-root" ? "/" : `/providers/Microsoft.Management/managementGroups/${tenant}`;
const GRAPH_SP_URI = `https://graph.microsoft.com/v1.0/servicePrincipals(appId='${GRAPH_APP_ID}')`;
const assignUri = `https://graph.microsoft.com/v1.0/servicePrincipals/${principal}/appRoleAssignments`;
const body = (value) => JSON.stringify(value);
const azureArgs = ({ role, scope }) => [
  "role",
  "assignment",
  "create",
  "--assignee-object-id",
  principal,
  "--assignee-principal-type",
  "ServicePrincipal",
  "--role",
  role,
  "--scope",
  scopeOf(scope),
];
const entraBody = (role) => {
  const id = ENTRA_ROLE_IDS[role];
  if (id === undefined) fail(`no template id known for the Entra role ${role}`);
  return body({ principalId: principal, roleDefinitionId: id, directoryScopeId: "/" });
};
const ROLE_ASSIGNMENTS_URI = "https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignments";

if (print) {
  // A bash script to review, or to run where the Azure CLI is signed in.
  const sq = (text) => `'${text.replace(/'/g, "'\\''")}'`;
  const lines = ["#!/usr/bin/env bash", "set -euo pipefail", `GRAPH_SP=$(az rest --method GET --uri ${sq(GRAPH_SP_URI)} --query id -o tsv)`];
  for (const role of graphRoles) {
    lines.push(`# Graph application role ${role}`);
    lines.push(`ROLE=$(az rest --method GET --uri ${sq(GRAPH_SP_URI)} --query ${sq(`appRoles[?value=='${role}'].id`)} -o tsv)`);
    lines.push(
      `az rest --method POST --uri ${sq(assignUri)} --body "{\\"principalId\\":\\"${principal}\\",\\"resourceId\\":\\"$GRAPH_SP\\",\\"appRoleId\\":\\"$ROLE\\"}"`,
    );
  }
  for (const role of entraRoles) {
    lines.push(`# Entra role ${role}`);
    lines.push(`az rest --method POST --uri ${sq(ROLE_ASSIGNMENTS_URI)} --body ${sq(entraBody(role))}`);
  }
  for (const r of azureRoles) {
    lines.push(`# Azure role ${r.role} at ${scopeOf(r.scope)}`);
    lines.push(`az ${azureArgs(r).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : sq(a))).join(" ")}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  process.exit(0);
}

/** Runs az without a shell: every argument exactly as given. */
function az(args) {
  const run = spawnSync("az", args, { encoding: "utf8" });
  if (run.error !== undefined) fail(`cannot run the Azure CLI (az): ${run.error.message}`);
  return { ok: run.status === 0, out: `${run.stdout ?? ""}${run.stderr ?? ""}`, stdout: run.stdout ?? "" };
}
const graphSp = az(["rest", "--method", "GET", "--uri", GRAPH_SP_URI]);
if (!graphSp.ok) fail(`cannot read Microsoft Graph's service principal: ${graphSp.out}`);
const graph = JSON.parse(graphSp.stdout);
const roleIds = new Map(graph.appRoles.map((r) => [r.value, r.id]));
let failed = 0;
const step = (what, args, already) => {
  const result = az(args);
  if (result.ok) process.stdout.write(`granted: ${what}\n`);
  else if (already.test(result.out)) process.stdout.write(`already granted: ${what}\n`);
  else {
    failed += 1;
    process.stderr.write(`FAILED: ${what}\n${result.out}\n`);
  }
};
for (const role of graphRoles) {
  const appRoleId = roleIds.get(role);
  if (appRoleId === undefined) fail(`Microsoft Graph has no application role ${role}`);
  step(
    `Graph application role ${role}`,
    ["rest", "--method", "POST", "--uri", assignUri, "--body", body({ principalId: principal, resourceId: graph.id, appRoleId })],
    /already exists/i,
  );
}
for (const role of entraRoles)
  step(`Entra role ${role}`, ["rest", "--method", "POST", "--uri", ROLE_ASSIGNMENTS_URI, "--body", entraBody(role)], /already exists|conflicting object/i);
for (const r of azureRoles) step(`Azure role ${r.role} at ${scopeOf(r.scope)}`, azureArgs(r), /already exists/i);
process.exit(failed === 0 ? 0 : 1);
