import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";

/** One folder reads the environment: one error type, one way to write a boolean, one GUID pattern. */

const TENANT = "8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13";

describe("configuration", () => {
  it("reads a boolean the same way everywhere", () => {
    for (const [raw, expected] of [
      ["yes", true],
      ["On", true],
      ["1", true],
      ["no", false],
      ["FALSE", false],
    ] as const) {
      const config = loadConfig({
        env: { WARDEN_BOT_LOCAL_MODE: raw, WARDEN_DRY_RUN: raw, WARDEN_AUTO_CONTAIN: raw },
      });
      expect([config.bot.localMode, config.containment.dryRun, config.containment.auto.enabled]).toEqual([
        expected,
        expected,
        expected,
      ]);
    }
  });

  it("refuses a bad value with one error type that names the variable and what to write", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ WARDEN_BOT_LOCAL_MODE: "maybe" }, /^WARDEN_BOT_LOCAL_MODE must be true or false, got "maybe"$/],
      [{ WARDEN_DRY_RUN: "maybe" }, /^WARDEN_DRY_RUN must be true or false, got "maybe"$/],
      [
        { WARDEN_TENANT_ID: "contoso" },
        /^WARDEN_TENANT_ID must be the tenant's id .*\(a GUID\), got "contoso"$/,
      ],
      [
        { MICROSOFT_APP_ID: "bot" },
        /^MICROSOFT_APP_ID must be the Azure Bot's app id \(a GUID\), got "bot"$/,
      ],
      [
        { WARDEN_APPROVERS: `${TENANT},alice` },
        /^WARDEN_APPROVERS takes object ids \(GUIDs\).*"alice" is not one$/,
      ],
      [
        { WARDEN_BREAK_GLASS_IDS: "bob" },
        /^WARDEN_BREAK_GLASS_IDS takes object ids \(GUIDs\).*"bob" is not one$/,
      ],
      [
        { WARDEN_AUTO_SEVERITIES: "urgent" },
        /^WARDEN_AUTO_SEVERITIES: "urgent" is not one of low, medium, high, critical$/,
      ],
      [
        { WARDEN_POLL_INTERVAL_SECONDS: "-1" },
        /^WARDEN_POLL_INTERVAL_SECONDS must be a positive number, got "-1"$/,
      ],
      [{ WARDEN_PRIVILEGED_AZURE_ROLES: "owner" }, /^detect\.privilegedAzureRoles\.0: must be a GUID$/],
      [
        { WARDEN_POSTURE_EVERY_HOURS: "weekly" },
        /^WARDEN_POSTURE_EVERY_HOURS must be a number of hours \(168 is weekly\) or off, got "weekly"$/,
      ],
    ];
    for (const [env, message] of cases) {
      let thrown: unknown;
      try {
        loadConfig({ env });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(env)).toBeInstanceOf(ConfigError);
      expect((thrown as Error).message).toMatch(message);
    }
  });

  it("lower-cases the ids it reads", () => {
    const config = loadConfig({
      env: { WARDEN_TENANT_ID: TENANT.toUpperCase(), WARDEN_APPROVERS: TENANT.toUpperCase() },
    });
    expect(config.runtime.tenantId).toBe(TENANT);
    expect(config.bot.approvers).toEqual([TENANT]);
  });

  it("listens on PORT where the platform sets it (App Service, Container Apps), unless WARDEN_PORT says", () => {
    expect(loadConfig({ env: {} }).runtime.port).toBe(3978);
    expect(loadConfig({ env: { PORT: "8080" } }).runtime.port).toBe(8080);
    expect(loadConfig({ env: { PORT: "8080", WARDEN_PORT: "3978" } }).runtime.port).toBe(3978);
    expect(() => loadConfig({ env: { PORT: "http" } })).toThrow(/PORT/);
    expect(() => loadConfig({ env: { PORT: "70000" } })).toThrow(/PORT must be a port number/);
  });

  it("checks the bot's identity by the Azure Bot's type of app, and refuses what is missing or contradicts it", () => {
    const BOT = "b07ba5e1-0000-4000-8000-0000000000f3";
    const bot = (env: Record<string, string>) => loadConfig({ env: { MICROSOFT_APP_ID: BOT, ...env } }).bot;
    expect(bot({ MICROSOFT_APP_PASSWORD: "s", MICROSOFT_APP_TENANT_ID: TENANT }).appType).toBe(
      "SingleTenant",
    );
    expect(bot({ MICROSOFT_APP_PASSWORD: "s" }).appType).toBe("MultiTenant");
    expect(bot({ MICROSOFT_APP_TYPE: "userassignedmsi", MICROSOFT_APP_TENANT_ID: TENANT }).appType).toBe(
      "UserAssignedMSI",
    );
    const refusals: [Record<string, string>, RegExp][] = [
      [
        { MICROSOFT_APP_TYPE: "SingleTenant", MICROSOFT_APP_PASSWORD: "s" },
        /SingleTenant needs MICROSOFT_APP_TENANT_ID/,
      ],
      [
        { MICROSOFT_APP_TYPE: "SingleTenant", MICROSOFT_APP_TENANT_ID: TENANT },
        /needs MICROSOFT_APP_PASSWORD/,
      ],
      [{ MICROSOFT_APP_TENANT_ID: TENANT }, /SingleTenant needs MICROSOFT_APP_PASSWORD/],
      [
        { MICROSOFT_APP_TYPE: "MultiTenant", MICROSOFT_APP_PASSWORD: "s", MICROSOFT_APP_TENANT_ID: TENANT },
        /MultiTenant: a multi-tenant bot gets its tokens from the Bot Framework's tenant/,
      ],
      [
        {
          MICROSOFT_APP_TYPE: "UserAssignedMSI",
          MICROSOFT_APP_PASSWORD: "s",
          MICROSOFT_APP_TENANT_ID: TENANT,
        },
        /remove the password/,
      ],
      [{ MICROSOFT_APP_TYPE: "UserAssignedMSI" }, /UserAssignedMSI needs MICROSOFT_APP_TENANT_ID/],
      [
        { MICROSOFT_APP_TYPE: "Federated", MICROSOFT_APP_PASSWORD: "s" },
        /must be one of SingleTenant, MultiTenant/,
      ],
      [
        { MICROSOFT_APP_PASSWORD: "s", MICROSOFT_APP_TENANT_ID: "contoso" },
        /MICROSOFT_APP_TENANT_ID must be/,
      ],
    ];
    for (const [env, message] of refusals) {
      expect(() => bot(env), JSON.stringify(env)).toThrow(ConfigError);
      expect(() => bot(env)).toThrow(message);
    }
    // The simulator signs the bot's calls itself: nothing to check there.
    expect(bot({ WARDEN_BOT_OPENID_METADATA_URL: "http://127.0.0.1:1/.well-known/openid" }).appId).toBe(BOT);
  });
});
