import { isIP } from "node:net";
import { z } from "zod";
import { type CloudEndpoints, MICROSOFT_CLOUD } from "../cloud/credential.js";
import { DEFAULT_JOB_LOCK_MS, DEFAULT_MAX_BACKOFF_MS } from "../jobs/queue/job-queue.js";
import { DEFAULT_ACTION_LEASE_MS } from "../store/actions-repo.js";
import {
  ConfigError,
  count,
  type EnvValue,
  envValue,
  guid,
  oneOf,
  portNumber,
  positive as positiveOf,
} from "./readers.js";

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
  /**
   * Whether Microsoft's alerts are read from Graph's `security/alerts_v2` (WARDEN_ALERTS, `graph` or
   * `off`): they raise the confidence of Warden's own findings. Needs SecurityAlert.Read.All.
   */
  alerts: "graph" | "off";
  /**
   * The posture check (docs/posture.md): how often its card is posted when something changed
   * (WARDEN_POSTURE_EVERY_HOURS, 168 = weekly; `off` for never, the chat command still answers), and
   * after how many days without a sign-in an external admin is stale (WARDEN_POSTURE_STALE_DAYS, 90).
   */
  posture: { everyMs?: number; staleDays: number };
  /**
   * Whether REDIS_URL is a Redis Cluster (WARDEN_REDIS_CLUSTER): `auto` asks the server at start, and
   * takes a server it cannot reach then for a single one; `true` or `false` say it outright.
   */
  redisCluster: "auto" | "true" | "false";
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
  /**
   * The longest a process takes to stop after SIGTERM (WARDEN_SHUTDOWN_SECONDS, 25): it stops taking
   * requests and jobs at once, and lets those running finish within it; orchestrators kill at 30 s.
   */
  shutdownMs: number;
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
  /**
   * WARDEN_ADMIN_RECHECK_SECONDS: how often the tenant is read for a step Warden asked of a person (a
   * Global Administrator blocking subscription transfers), until it shows the step taken.
   */
  adminRecheckMs: number;
}

export interface OpsConfig {
  /** WARDEN_METRICS_TOKEN: a scraper presents it as a bearer token; without it /metrics answers loopback only. */
  metricsToken?: string;
  /** WARDEN_METRICS_PORT: where `warden worker` serves /healthz, /readyz and /metrics. */
  metricsPort: number;
  /**
   * WARDEN_OPS_PORT: where `warden web` (and `serve`) serve /readyz, /metrics and the dashboard, apart
   * from the port that faces the internet for Teams, which then answers /api/messages and /healthz only.
   * Unset: one port for all.
   */
  webOpsPort?: number;
  /** WARDEN_ADMIN_USER and WARDEN_ADMIN_PASSWORD: the queue dashboard at /admin/queues is off without both. */
  admin?: { user: string; password: string };
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

/** Where Warden runs and what it talks to, from the environment. */
export function runtimeFromEnv(env: NodeJS.ProcessEnv): RuntimeConfig {
  const value = envValue(env);
  const positive = (name: string, fallback: number) => positiveOf(value, name, fallback);
  const url = (name: string, fallback: string): string => {
    const parsed = httpsUrl(name).safeParse(value(name) ?? fallback);
    if (!parsed.success) throw new ConfigError(parsed.error.issues[0]?.message ?? `${name} is not valid`);
    return parsed.data;
  };
  const tenantId = guid(value, "WARDEN_TENANT_ID", "the tenant's id (Entra admin center > Overview)");
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
    ...(tenantId === undefined ? {} : { tenantId }),
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
    auditSource: oneOf(value, "WARDEN_AUDIT_SOURCE", ["graph", "hunting"] as const, "graph"),
    alerts: oneOf(value, "WARDEN_ALERTS", ["graph", "off"] as const, "graph"),
    posture: {
      ...(value("WARDEN_POSTURE_EVERY_HOURS")?.toLowerCase() === "off"
        ? {}
        : { everyMs: postureHours(value) * 3_600_000 }),
      staleDays: positive("WARDEN_POSTURE_STALE_DAYS", 90),
    },
    redisCluster: oneOf(value, "WARDEN_REDIS_CLUSTER", ["auto", "true", "false"] as const, "auto"),
    pollOverlapMs: positive("WARDEN_POLL_OVERLAP_MINUTES", 15) * 60_000,
    eventRetentionMs: positive("WARDEN_EVENT_RETENTION_DAYS", 14) * 86_400_000,
    initialLookbackMs: positive("WARDEN_INITIAL_LOOKBACK_HOURS", 24) * 3_600_000,
    discoverIntervalMs: positive("WARDEN_DISCOVER_INTERVAL_MINUTES", 10) * 60_000,
    reconcileIntervalMs: positive("WARDEN_RECONCILE_SECONDS", 60) * 1_000,
    requestTimeoutMs: positive("WARDEN_REQUEST_TIMEOUT_SECONDS", 120) * 1_000,
    timings: timingsFrom(positive),
    shutdownMs: positive("WARDEN_SHUTDOWN_SECONDS", 25) * 1_000,
    // App Service and Container Apps say the port in PORT; WARDEN_PORT, when set, wins.
    port:
      value("WARDEN_PORT") === undefined
        ? portNumber(value, "PORT", 3978)
        : portNumber(value, "WARDEN_PORT", 3978),
    http: {
      headersTimeoutMs: positive("WARDEN_HTTP_HEADERS_TIMEOUT_SECONDS", 10) * 1_000,
      bodyTimeoutMs: positive("WARDEN_HTTP_BODY_TIMEOUT_SECONDS", 10) * 1_000,
      maxInFlightPerClient: count(value, "WARDEN_HTTP_MAX_REQUESTS_PER_CLIENT", 32),
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
    adminRecheckMs: positive("WARDEN_ADMIN_RECHECK_SECONDS", 60) * 1_000,
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

function opsFromEnv(value: EnvValue): OpsConfig {
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
    metricsPort: portNumber(value, "WARDEN_METRICS_PORT", 9464),
    ...(value("WARDEN_OPS_PORT") === undefined
      ? {}
      : { webOpsPort: portNumber(value, "WARDEN_OPS_PORT", 9464) }),
    ...(user === undefined || password === undefined ? {} : { admin: { user, password } }),
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

/** WARDEN_POSTURE_EVERY_HOURS: hours between posture cards, or `off`. */
function postureHours(value: EnvValue): number {
  const raw = value("WARDEN_POSTURE_EVERY_HOURS");
  if (raw === undefined) return 168;
  const hours = Number(raw);
  if (!Number.isFinite(hours) || hours <= 0)
    throw new ConfigError(
      `WARDEN_POSTURE_EVERY_HOURS must be a number of hours (168 is weekly) or off, got "${raw}"`,
    );
  return hours;
}
