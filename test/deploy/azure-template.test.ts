import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/**
 * Issue 24: infra/azuredeploy.json, checked here for what can be checked without Azure: every parameter
 * and variable it uses is declared (and every one declared is used), every resource names a dated API
 * version, and it holds what docs/deploy.md says it deploys, the way Warden needs it.
 */

type Resource = {
  type: string;
  apiVersion: string;
  name: string;
  properties?: Record<string, unknown>;
  identity?: { type: string; userAssignedIdentities: Record<string, unknown> };
};
const template = JSON.parse(
  readFileSync(new URL("../../infra/azuredeploy.json", import.meta.url), "utf8"),
) as {
  $schema: string;
  parameters: Record<string, { type: string }>;
  variables: Record<string, unknown>;
  resources: Resource[];
  outputs: Record<string, unknown>;
};
const text = JSON.stringify(template);
const ofType = (type: string) => template.resources.filter((r) => r.type === type);
const only = (type: string) => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0] as Resource;
};

describe("the Azure template", () => {
  it("declares what it uses and uses what it declares, with dated API versions", () => {
    expect(template.$schema).toBe(
      "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    );
    const used = (kind: "parameters" | "variables") =>
      new Set([...text.matchAll(new RegExp(`${kind}\\('([^']+)'\\)`, "g"))].map((m) => m[1]));
    expect([...used("parameters")].sort()).toEqual(Object.keys(template.parameters).sort());
    expect([...used("variables")].sort()).toEqual(Object.keys(template.variables).sort());
    for (const r of template.resources)
      expect(r.apiVersion, r.type).toMatch(/^\d{4}-\d{2}-\d{2}(-preview)?$/);
    expect(template.parameters["postgresAdminPassword"]?.type).toBe("securestring");
  });

  it("keeps the identity that writes to the tenant off the internet-facing web, and the bot's apart", () => {
    const identities = ofType("Microsoft.ManagedIdentity/userAssignedIdentities").map((r) => r.name);
    expect(identities).toEqual([
      "[variables('wardenIdentityName')]",
      "[variables('webIdentityName')]",
      "[variables('botIdentityName')]",
    ]);
    for (const app of ofType("Microsoft.App/containerApps")) {
      const held = Object.keys(app.identity?.userAssignedIdentities ?? {}).join(" ");
      const web = app.name.includes("webName");
      expect(held.includes("wardenIdentityName"), app.name).toBe(!web);
      expect(held.includes("webIdentityName"), app.name).toBe(web);
      expect(held).toContain("botIdentityName");
    }
    const bot = only("Microsoft.BotService/botServices");
    expect(bot.properties).toMatchObject({ msaAppType: "UserAssignedMSI" });
    expect(String(bot.properties?.["msaAppId"])).toContain("botIdentityName");
    expect(String(bot.properties?.["msaAppMSIResourceId"])).toContain("botIdentityName");
    const channel = only("Microsoft.BotService/botServices/channels");
    expect(channel.properties).toMatchObject({ channelName: "MsTeamsChannel" });
  });

  it("exposes only the web's port to the internet, runs each role by its command, and keeps secrets in Key Vault", () => {
    const apps = ofType("Microsoft.App/containerApps");
    expect(apps).toHaveLength(2);
    for (const app of apps) {
      const properties = app.properties as {
        configuration: { ingress?: Record<string, unknown> };
        template: { containers: Record<string, unknown>[] };
      };
      const configuration = properties.configuration;
      const container = properties.template.containers[0] ?? {};
      const command = (container["command"] as string[]).at(-1);
      const probes = container["probes"] as { type: string; httpGet: { path: string; port: number } }[];
      // Readiness, which names what failed, is asked on the operations port, which no ingress exposes.
      expect(probes.find((p) => p.type === "Readiness")?.httpGet).toEqual({ path: "/readyz", port: 9464 });
      if (command === "web")
        expect(configuration.ingress).toMatchObject({
          external: true,
          targetPort: 3978,
          allowInsecure: false,
        });
      else {
        expect(command).toBe("worker");
        expect(configuration.ingress).toBeUndefined();
      }
      const env = container["env"] as { name: string; value?: string; secretRef?: string }[];
      // Connection strings (with their passwords) come from Key Vault, never as plain values.
      for (const name of ["DATABASE_URL", "REDIS_URL"])
        expect(env.find((e) => e.name === name)).toEqual({ name, secretRef: expect.any(String) });
      expect(env.find((e) => e.name === "MICROSOFT_APP_TYPE")?.value).toBe("UserAssignedMSI");
      if (command === "web") expect(env.find((e) => e.name === "WARDEN_OPS_PORT")?.value).toBe("9464");
    }
  });

  it("gives Redis and PostgreSQL the settings Warden refuses to run without", () => {
    const redis = only("Microsoft.Cache/redis");
    expect(redis.properties).toMatchObject({
      enableNonSslPort: false,
      redisConfiguration: { "maxmemory-policy": "noeviction" },
    });
    const tls = only("Microsoft.DBforPostgreSQL/flexibleServers/configurations");
    expect(tls.name).toContain("require_secure_transport");
    expect(tls.properties).toMatchObject({ value: "on" });
    expect(text).toContain("sslmode=verify-full");
    expect(text).toContain("rediss://");
    only("Microsoft.KeyVault/vaults");
    only("Microsoft.OperationalInsights/workspaces");
    expect(Object.keys(template.outputs).sort()).toEqual([
      "botAppId",
      "wardenIdentityPrincipalId",
      "webIdentityPrincipalId",
      "webUrl",
    ]);
    // Settings Azure refuses on the Standard tier are not asked for (aof-backup-enabled needs Premium).
    expect(Object.keys((redis.properties?.["redisConfiguration"] as object) ?? {})).toEqual([
      "maxmemory-policy",
    ]);
  });
});
