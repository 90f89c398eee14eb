import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/**
 * Issue 24: Warden's permissions are declared once (infra/permissions.json). The grant script and the
 * table in docs/deploy.md read that declaration; this holds all three together.
 */

interface Feature {
  id: string;
  optional?: boolean;
  graph?: string[];
  narrower?: string[];
  entraRoles?: string[];
  azureRoles?: { role: string; scope: "root-management-group" | "tenant-root" }[];
}
const declaration = JSON.parse(
  readFileSync(new URL("../../infra/permissions.json", import.meta.url), "utf8"),
) as { features: Feature[] };
const script = new URL("../../infra/grant-permissions.mjs", import.meta.url).pathname;
const PRINCIPAL = "30a6c29d-de7c-4830-815f-9b3bb366e975";
const TENANT = "8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13";

/** The permission column of docs/deploy.md's section 2 table, row by row. */
function documentedPermissions(): string {
  const doc = readFileSync(new URL("../../docs/deploy.md", import.meta.url), "utf8");
  const section = doc.slice(doc.indexOf("## 2. Grant"), doc.indexOf("## 3."));
  return section
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| feature") && !line.startsWith("|---"))
    .map((line) => line.split(" | ")[1] ?? "")
    .join("\n");
}

describe("Warden's permissions", () => {
  const graphPermission = /`([A-Z][A-Za-z]+(?:\.[A-Z][A-Za-z]+)+)`/g;

  it("are the same in the declaration and in docs/deploy.md's table", () => {
    const documented = new Set([...documentedPermissions().matchAll(graphPermission)].map((m) => m[1]));
    const declared = new Set(
      declaration.features.flatMap((f) => [...(f.graph ?? []), ...(f.narrower ?? [])]),
    );
    expect([...documented].sort()).toEqual([...declared].sort());
    const table = documentedPermissions();
    for (const f of declaration.features) {
      for (const r of f.azureRoles ?? []) expect(table, r.role).toContain(r.role);
      for (const r of f.entraRoles ?? []) expect(table, r).toContain(r);
    }
  });

  it("are what the grant script grants: every feature's roles, once each, at their scopes", () => {
    const printed = execFileSync("node", [script, "--principal", PRINCIPAL, "--tenant", TENANT, "--print"], {
      encoding: "utf8",
    });
    const required = declaration.features.filter((f) => f.optional !== true);
    const graph = [...new Set(required.flatMap((f) => f.graph ?? []))].sort();
    const granted = [...printed.matchAll(/^# Graph application role (\S+)$/gm)].map((m) => m[1]);
    expect(granted).toEqual(graph);
    expect(printed.match(/appRoleAssignments/g)).toHaveLength(graph.length);
    expect(printed).toContain(
      `--role Reader --scope /providers/Microsoft.Management/managementGroups/${TENANT}`,
    );
    expect(printed).toContain("--role 'Monitoring Reader' --scope /\n");
    expect(printed).toContain('"roleDefinitionId":"7be44c8a-adaf-4e2a-84d6-ab2649e08a13"');
    // A reviewed script is a valid one.
    expect(spawnSync("bash", ["-n"], { input: printed }).status).toBe(0);
    // An optional feature only when named; an unknown one refused, saying which exist.
    const hunting = execFileSync(
      "node",
      [script, "--principal", PRINCIPAL, "--tenant", TENANT, "--print", "--features", "hunting"],
      { encoding: "utf8" },
    );
    expect([...hunting.matchAll(/^# (.*)$/gm)].map((m) => m[1])).toEqual([
      "Graph application role ThreatHunting.Read.All",
    ]);
    const unknown = spawnSync(
      "node",
      [script, "--principal", PRINCIPAL, "--tenant", TENANT, "--features", "all"],
      {
        encoding: "utf8",
      },
    );
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/no feature "all": one of audit-log, sign-ins/);
  });
});
