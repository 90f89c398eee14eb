import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { z } from "zod";
import { type BotConfig, BotConfigError, parseBotConfig } from "./bot-config.js";
import { type CloudEndpoints, MICROSOFT_CLOUD } from "./cloud/credential.js";
import {
  type ContainmentConfig,
  ContainmentConfigError,
  parseContainmentConfig,
} from "./containment-config.js";
import { DEFAULT_DETECT_CONFIG, type DetectConfig } from "./detect/detect-config.js";
import { DEFAULT_JOB_LOCK_MS, DEFAULT_MAX_BACKOFF_MS } from "./jobs/queue/job-queue.js";
import { DEFAULT_ACTION_LEASE_MS } from "./store/actions-repo.js";

/**
 * The only reader of the environment. Everything configurable is validated here, at start, with
 * messages that name the setting and say what to fix; the rest of the code receives typed values.
 */

export class ConfigError extends Error {}

const guidList = z.array(
  z
    .string()
    .regex(/^[0-9a-fA-F-]{36}$/, "must be a GUID")
    .transform((s) => s.toLowerCase()),
);
const cidr = z.string().refine((range) => {
  const [address = "", prefix] = range.split("/");
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return Number.isInteger(bits) && bits >= 0 && bits <= (family === 4 ? 32 : 128);
}, "must be an IP address or CIDR range such as 203.0.113.0/24");

const detectSchema = z
  .object({
    privilegedEntraRoles: guidList,
    privilegedAzureRoles: guidList,
    riskyIpRanges: z.array(cidr),
    vmBurstThreshold: z.number().int().min(1),
    newPrincipalDays: z.number().positive(),
    riskySignInWindowHours: z.number().positive(),
    correlationWindowHours: z.number().positive(),
    defaultTenantId: z.string().min(1),
  })
  .partial()
  .strict();

const fileSchema = z.object({ detect: detectSchema.optional() }).strict();

/** Where Warden runs and what it talks to. Secrets come from the environment only, never a file. */
/** How long a client may take to send a request, and how many it may have in progress. */
export interface HttpLimits {
  /** WARDEN_HTTP_HEADERS_TIMEOUT_SECONDS (10): a request's headers must arrive within this. */
  headersTimeoutMs: number;
  /**
   * WARDEN_HTTP_BODY_TIMEOUT_SECONDS (10): the bot's request body must arrive within this once its token
   * passed (Teams sends at most ~100 KB at once); the whole request is also cut at headers + body.
   */
  bodyTimeoutMs: number;
  /** WARDEN_HTTP_MAX_REQUESTS_PER_CLIENT (32): requests one address may have in progress on /api/messages. */
  maxInFlightPerClient: number;
}

export interface RuntimeConfig {
  /** The Entra tenant watched (WARDEN_TENANT_ID). Required by serve and worker. */
  tenantId?: string;
  /** The app registration (AZURE_CLIENT_ID, AZURE_CLIENT_SECRET); without a secret the default credential chain is used. */
  clientId?: string;
  clientSecret?: string;
  /** A PEM file with the app's certificate and private key (AZURE_CLIENT_CERTIFICATE_PATH): preferred to a secret. */
  clientCertificatePath?: string;
  endpoints: CloudEndpoints;
  /**
   * NODE_EXTRA_CA_CERTS, the extra CAs Node trusted when this process started: Warden refuses to talk to
   * Microsoft while it holds the simulator's test CA (src/simulator-trust.ts).
   */
  extraCaCerts?: string;
  /** PostgreSQL (DATABASE_URL); without it, PGlite in `dataDir`. */
  databaseUrl?: string;
  /** Redis for BullMQ (REDIS_URL); without it, the in-process queue. */
  redisUrl?: string;
  /** Namespaces Warden's keys in Redis (WARDEN_QUEUE_PREFIX), so deployments can share one. */
  queuePrefix: string;
  dataDir: string;
  pollIntervalMs: number;
  /**
   * Where Entra audit events are read (WARDEN_AUDIT_SOURCE): Graph's audit log (reports API, 5 calls per
   * 10 s shared with sign-ins), or Defender advanced hunting's CloudAppEvents through the seed queries in
   * hunting/, which leaves the reports quota to sign-ins.
   */
  auditSource: "graph" | "hunting";
  pollOverlapMs: number;
  /** Events older than this are deleted daily (WARDEN_EVENT_RETENTION_DAYS); findings keep their references. */
  eventRetentionMs: number;
  initialLookbackMs: number;
  discoverIntervalMs: number;
  /**
   * How often the store is checked for work the queue should hold (WARDEN_RECONCILE_SECONDS), and the
   * schedules declared again: after a Redis that lost its data, the longest anything waits.
   */
  reconcileIntervalMs: number;
  /** The longest one HTTP attempt to Graph or ARM may take before it counts as failed (WARDEN_REQUEST_TIMEOUT_SECONDS). */
  requestTimeoutMs: number;
  /** How long Warden waits on itself: leases, retries, locks. Production keeps the defaults; tests shorten them. */
  timings: Timings;
  port: number;
  http: HttpLimits;
  /**
   * WARDEN_TRUST_PROXY: which proxies in front of the web process are trusted to say who the client is
   * (X-Forwarded-For), in Express's terms: a hop count, or addresses, CIDR ranges and the names loopback,
   * linklocal, uniquelocal, separated by commas. Unset, the client is the connection's own address.
   */
  trustProxy?: number | string;
  logLevel: string;
  /** Operations endpoints: who may read /metrics and /admin/queues, where a worker serves them. */
  ops: OpsConfig;
}

export interface Timings {
  /** WARDEN_ACTION_LEASE_SECONDS: how long a worker holds a containment action before another may take it over. */
  actionLeaseMs: number;
  /** WARDEN_RETRY_BASE_SECONDS: a failed job's first back-off, doubled each try with jitter... */
  retryBaseMs: number;
  /** ...up to WARDEN_RETRY_MAX_SECONDS. */
  retryMaxMs: number;
  /** WARDEN_JOB_LOCK_SECONDS: how soon a job held by a dead worker is handed to another (BullMQ's lock). */
  jobLockMs: number;
}

export interface OpsConfig {
  /** WARDEN_METRICS_TOKEN: a scraper presents it as a bearer token; without it /metrics answers loopback only. */
  metricsToken?: string;
  /** WARDEN_METRICS_PORT: where `warden worker` serves /healthz, /readyz and /metrics. */
  metricsPort: number;
  /** WARDEN_ADMIN_USER and WARDEN_ADMIN_PASSWORD: the queue dashboard at /admin/queues is off without both. */
  admin?: { user: string; password: string };
}

export interface WardenConfig {
  detect: DetectConfig;
  runtime: RuntimeConfig;
  containment: ContainmentConfig;
  bot: BotConfig;
}

export interface ConfigSources {
  env?: NodeJS.ProcessEnv;
  /** A JSON file whose values the environment overrides. */
  file?: string;
}

export function loadConfig({ env = process.env, file }: ConfigSources = {}): WardenConfig {
  const fromFile = file === undefined ? {} : readConfigFile(file);
  const fromEnv = detectFromEnv(env);
  const merged = { ...fromFile.detect, ...fromEnv };
  const parsed = detectSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(describe(parsed.error, "detect"));
  return {
    detect: { ...DEFAULT_DETECT_CONFIG, ...stripUndefined(parsed.data) },
    runtime: runtimeFromEnv(env),
    containment: containmentFromEnv(env),
    bot: botFromEnv(env),
  };
}

function botFromEnv(env: NodeJS.ProcessEnv): BotConfig {
  const value = (name: string) => (env[name] === undefined || env[name] === "" ? undefined : env[name]);
  try {
    return parseBotConfig(value);
  } catch (error) {
    if (error instanceof BotConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

function containmentFromEnv(env: NodeJS.ProcessEnv): ContainmentConfig {
  try {
    return parseContainmentConfig((name) =>
      env[name] === undefined || env[name] === "" ? undefined : env[name],
    );
  } catch (error) {
    if (error instanceof ContainmentConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

const httpsUrl = (name: string) =>
  z
    .string()
    .url(`${name} must be a URL`)
    .refine(
      (u) => u.startsWith("https://"),
      `${name} must use https: the Graph and Azure SDKs refuse anything else`,
    )
    .transform((u) => u.replace(/\/+$/, ""));

function runtimeFromEnv(env: NodeJS.ProcessEnv): RuntimeConfig {
  const value = (name: string) => (env[name] === undefined || env[name] === "" ? undefined : env[name]);
  const positive = (name: string, fallback: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0)
      throw new ConfigError(`${name} must be a positive number, got "${raw}"`);
    return n;
  };
  // A count of requests: "0.5" floored to 0 would answer every request 429, Teams' too.
  const count = (name: string, fallback: number): number => {
    const n = positive(name, fallback);
    if (!Number.isInteger(n))
      throw new ConfigError(`${name} must be a whole number of at least 1, got "${value(name)}"`);
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw))
      throw new ConfigError(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
    return raw as T;
  };
  const url = (name: string, fallback: string): string => {
    const parsed = httpsUrl(name).safeParse(value(name) ?? fallback);
    if (!parsed.success) throw new ConfigError(parsed.error.issues[0]?.message ?? `${name} is not valid`);
    return parsed.data;
  };
  const tenantId = value("WARDEN_TENANT_ID");
  if (tenantId !== undefined && !/^[0-9a-f-]{36}$/i.test(tenantId)) {
    throw new ConfigError(
      `WARDEN_TENANT_ID must be the tenant's GUID (Entra admin center > Overview), got "${tenantId}"`,
    );
  }
  const clientSecret = value("AZURE_CLIENT_SECRET");
  const clientId = value("AZURE_CLIENT_ID");
  const clientCertificatePath = value("AZURE_CLIENT_CERTIFICATE_PATH");
  if (clientSecret !== undefined && clientId === undefined) {
    throw new ConfigError(
      "AZURE_CLIENT_SECRET is set but AZURE_CLIENT_ID is not: set the app registration's client id too",
    );
  }
  if (clientCertificatePath !== undefined && clientId === undefined) {
    throw new ConfigError(
      "AZURE_CLIENT_CERTIFICATE_PATH is set but AZURE_CLIENT_ID is not: set the app registration's client id too",
    );
  }
  return {
    ...(tenantId === undefined ? {} : { tenantId: tenantId.toLowerCase() }),
    ...(clientId === undefined ? {} : { clientId }),
    ...(clientSecret === undefined ? {} : { clientSecret }),
    ...(clientCertificatePath === undefined ? {} : { clientCertificatePath }),
    endpoints: {
      graph: url("WARDEN_GRAPH_URL", MICROSOFT_CLOUD.graph),
      arm: url("WARDEN_ARM_URL", MICROSOFT_CLOUD.arm),
      authority: url("WARDEN_AUTHORITY_URL", MICROSOFT_CLOUD.authority),
    },
    ...optional("extraCaCerts", value("NODE_EXTRA_CA_CERTS")),
    ...optional("databaseUrl", value("DATABASE_URL")),
    ...optional("redisUrl", value("REDIS_URL")),
    queuePrefix: value("WARDEN_QUEUE_PREFIX") ?? "warden",
    dataDir: value("WARDEN_DATA_DIR") ?? ".warden/data",
    pollIntervalMs: positive("WARDEN_POLL_INTERVAL_SECONDS", 60) * 1_000,
    auditSource: oneOf("WARDEN_AUDIT_SOURCE", ["graph", "hunting"] as const, "graph"),
    pollOverlapMs: positive("WARDEN_POLL_OVERLAP_MINUTES", 15) * 60_000,
    eventRetentionMs: positive("WARDEN_EVENT_RETENTION_DAYS", 14) * 86_400_000,
    initialLookbackMs: positive("WARDEN_INITIAL_LOOKBACK_HOURS", 24) * 3_600_000,
    discoverIntervalMs: positive("WARDEN_DISCOVER_INTERVAL_MINUTES", 10) * 60_000,
    reconcileIntervalMs: positive("WARDEN_RECONCILE_SECONDS", 60) * 1_000,
    requestTimeoutMs: positive("WARDEN_REQUEST_TIMEOUT_SECONDS", 120) * 1_000,
    timings: timingsFrom(positive),
    port: positive("WARDEN_PORT", 3978),
    http: {
      headersTimeoutMs: positive("WARDEN_HTTP_HEADERS_TIMEOUT_SECONDS", 10) * 1_000,
      bodyTimeoutMs: positive("WARDEN_HTTP_BODY_TIMEOUT_SECONDS", 10) * 1_000,
      maxInFlightPerClient: count("WARDEN_HTTP_MAX_REQUESTS_PER_CLIENT", 32),
    },
    ...trustProxyFrom(value("WARDEN_TRUST_PROXY")),
    logLevel: value("LOG_LEVEL") ?? "info",
    ops: opsFromEnv(value),
  };
}

function timingsFrom(positive: (name: string, fallback: number) => number): Timings {
  const timings = {
    actionLeaseMs: positive("WARDEN_ACTION_LEASE_SECONDS", DEFAULT_ACTION_LEASE_MS / 1_000) * 1_000,
    retryBaseMs: positive("WARDEN_RETRY_BASE_SECONDS", 2) * 1_000,
    retryMaxMs: positive("WARDEN_RETRY_MAX_SECONDS", DEFAULT_MAX_BACKOFF_MS / 1_000) * 1_000,
    jobLockMs: positive("WARDEN_JOB_LOCK_SECONDS", DEFAULT_JOB_LOCK_MS / 1_000) * 1_000,
  };
  if (timings.retryMaxMs < timings.retryBaseMs)
    throw new ConfigError("WARDEN_RETRY_MAX_SECONDS must be at least WARDEN_RETRY_BASE_SECONDS");
  // BullMQ renews a lock every half of its length: under a second, a busy event loop loses jobs it holds.
  if (timings.jobLockMs < 1_000) throw new ConfigError("WARDEN_JOB_LOCK_SECONDS must be at least 1");
  return timings;
}

function trustProxyFrom(raw: string | undefined): { trustProxy?: number | string } {
  if (raw === undefined) return {};
  if (/^\d+$/.test(raw)) return { trustProxy: Number(raw) };
  const names = new Set(["loopback", "linklocal", "uniquelocal"]);
  const parts = raw.split(",").map((p) => p.trim());
  const bad = parts.find((p) => {
    if (names.has(p)) return false;
    const [address, bits, extra] = p.split("/");
    if (extra !== undefined || address === undefined || isIP(address) === 0) return true;
    return bits !== undefined && !/^\d{1,3}$/.test(bits);
  });
  if (bad !== undefined) {
    throw new ConfigError(
      `WARDEN_TRUST_PROXY takes a hop count, or addresses, CIDR ranges, loopback, linklocal or uniquelocal separated by commas; "${bad}" is none of these`,
    );
  }
  return { trustProxy: parts.join(",") };
}

function opsFromEnv(value: (name: string) => string | undefined): OpsConfig {
  const metricsToken = value("WARDEN_METRICS_TOKEN");
  if (metricsToken !== undefined && metricsToken.length < 24) {
    throw new ConfigError(
      "WARDEN_METRICS_TOKEN must be at least 24 characters (e.g. `openssl rand -base64 32`): a short token can be guessed",
    );
  }
  const user = value("WARDEN_ADMIN_USER");
  const password = value("WARDEN_ADMIN_PASSWORD");
  if ((user === undefined) !== (password === undefined)) {
    throw new ConfigError(
      "set both WARDEN_ADMIN_USER and WARDEN_ADMIN_PASSWORD to open the queue dashboard at /admin/queues, or neither to keep it off",
    );
  }
  if (password !== undefined && password.length < 16) {
    throw new ConfigError(
      "WARDEN_ADMIN_PASSWORD must be at least 16 characters: the dashboard shows every job's data (incident ids, tenant ids)",
    );
  }
  return {
    ...(metricsToken === undefined ? {} : { metricsToken }),
    metricsPort: portNumber("WARDEN_METRICS_PORT", value("WARDEN_METRICS_PORT"), 9464),
    ...(user === undefined || password === undefined ? {} : { admin: { user, password } }),
  };
}

function readConfigFile(file: string): z.infer<typeof fileSchema> {
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
function detectFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
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
  set("vmBurstThreshold", number("WARDEN_VM_BURST_THRESHOLD"));
  set("newPrincipalDays", number("WARDEN_NEW_PRINCIPAL_DAYS"));
  set("riskySignInWindowHours", number("WARDEN_RISKY_SIGNIN_WINDOW_HOURS"));
  set("correlationWindowHours", number("WARDEN_CORRELATION_WINDOW_HOURS"));
  set("defaultTenantId", env["WARDEN_TENANT_ID"] || undefined);
  return values;
}

/** A TCP port; 0 lets the system choose a free one (several workers on one machine). */
function portNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new ConfigError(`${name} must be a port number from 0 to 65535 (0: any free port), got "${raw}"`);
  return n;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function describe(error: z.ZodError, prefix: string): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
      return `${path || "config"}: ${issue.message}`;
    })
    .join("; ");
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
