import { readFileSync } from "node:fs";
import { z } from "zod";
import { isIpRange } from "../detect/ip-ranges.js";
import { ConfigError, GUID } from "./readers.js";

/** The detection settings: from an optional JSON file (`--config`), which the environment overrides. */

const guidList = z.array(
  z
    .string()
    .regex(GUID, "must be a GUID")
    .transform((s) => s.toLowerCase()),
);
const cidr = z.string().refine(isIpRange, "must be an IP address or CIDR range such as 203.0.113.0/24");

export const detectSchema = z
  .object({
    privilegedEntraRoles: guidList,
    privilegedAzureRoles: guidList,
    riskyIpRanges: z.array(cidr),
    trustedIpRanges: z.array(cidr),
    vmBurstThreshold: z.number().int().min(1),
    newPrincipalDays: z.number().positive(),
    riskySignInWindowHours: z.number().positive(),
    correlationWindowHours: z.number().positive(),
    defaultTenantId: z.string().min(1),
  })
  .partial()
  .strict();

const fileSchema = z.object({ detect: detectSchema.optional() }).strict();

export function readConfigFile(file: string): z.infer<typeof fileSchema> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new ConfigError(`config file ${file} cannot be read: check the --config path.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(`config file ${file}: ${describe(parsed.error, "")}`);
  return parsed.data;
}

/** Environment variables for the detection settings; lists are comma-separated. */
export function detectFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const list = (name: string) =>
    env[name]
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const number = (name: string) => {
    const raw = env[name];
    if (raw === undefined || raw === "") return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new ConfigError(`${name} must be a number, got "${raw}"`);
    return value;
  };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) values[key] = value;
  };
  set("privilegedEntraRoles", list("WARDEN_PRIVILEGED_ENTRA_ROLES"));
  set("privilegedAzureRoles", list("WARDEN_PRIVILEGED_AZURE_ROLES"));
  set("riskyIpRanges", list("WARDEN_RISKY_IP_RANGES"));
  set("trustedIpRanges", list("WARDEN_TRUSTED_IP_RANGES"));
  set("vmBurstThreshold", number("WARDEN_VM_BURST_THRESHOLD"));
  set("newPrincipalDays", number("WARDEN_NEW_PRINCIPAL_DAYS"));
  set("riskySignInWindowHours", number("WARDEN_RISKY_SIGNIN_WINDOW_HOURS"));
  set("correlationWindowHours", number("WARDEN_CORRELATION_WINDOW_HOURS"));
  set("defaultTenantId", env["WARDEN_TENANT_ID"] || undefined);
  return values;
}

export function describe(error: z.ZodError, prefix: string): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
      return `${path || "config"}: ${issue.message}`;
    })
    .join("; ");
}

export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
