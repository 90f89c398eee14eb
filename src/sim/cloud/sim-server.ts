import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Request, type Response } from "express";
import { armAuthorizationRoutes } from "../tenant/arm-authorization-routes.js";
import { armPimRoutes } from "../tenant/arm-pim-routes.js";
import { BATCH_STEP_HEADER, batchRoute } from "../tenant/batch-route.js";
import { SimDirectory } from "../tenant/directory.js";
import { graphConditionalAccessRoutes } from "../tenant/graph-ca-routes.js";
import { graphDirectoryRoutes } from "../tenant/graph-directory-routes.js";
import { graphPimRoutes } from "../tenant/graph-pim-routes.js";
import { graphReportsRoutes } from "../tenant/graph-reports-routes.js";
import { graphRoleRoutes } from "../tenant/graph-role-routes.js";
import { huntingRoute } from "../tenant/hunting-route.js";
import { armRoutes, type SimSubscription } from "./arm-routes.js";
import { DocumentedLimits } from "./documented-limits.js";
import { FaultInjector } from "./faults.js";
import { graphRoutes } from "./graph-routes.js";
import { armError, graphError } from "./http-helpers.js";
import { PublishedLogs } from "./published-logs.js";
import { simTlsFile } from "./tls.js";
import { type SimApp, TokenIssuer } from "./token-routes.js";

export interface SimCloudOptions {
  port?: number;
  tenantId: string;
  /** The tenant's initial domain, for UPNs; defaults to one made from the tenant id. */
  domain?: string;
  apps: SimApp[];
  subscriptions: SimSubscription[];
  /** The simulator's clock; tests may move it. */
  now?: () => number;
  /** How long after a change made through the APIs its log record becomes readable (default 0). */
  publishDelayMs?: number;
  /** Forget log records older than this (default: keep all); for long runs at high rates. */
  retainLogsMs?: number;
}

export interface SimCloud {
  url: string;
  logs: PublishedLogs;
  faults: FaultInjector;
  /** Microsoft's documented rate limits, enforced; what they refused. */
  limits: DocumentedLimits;
  /** The tenant's state: what the APIs read and change. */
  directory: SimDirectory;
  subscriptions: SimSubscription[];
  close(): Promise<void>;
}

/**
 * The simulated Microsoft cloud: Graph, ARM and the Entra token endpoint on one https port, so the real
 * SDK clients talk to it exactly as they would to Microsoft. Every request is counted per endpoint.
 */
export async function startSimCloud(options: SimCloudOptions): Promise<SimCloud> {
  const logs = new PublishedLogs(
    options.retainLogsMs === undefined ? {} : { retainMs: options.retainLogsMs },
  );
  const faults = new FaultInjector();
  const limits = new DocumentedLimits();
  const subscriptions = [...options.subscriptions];
  const now = options.now ?? Date.now;
  const issuer = new TokenIssuer(() => options.apps, options.tenantId);
  const directory = new SimDirectory({
    tenant: {
      id: options.tenantId,
      domain: options.domain ?? `${options.tenantId.slice(0, 8)}.onmicrosoft.com`,
    },
    logs,
    subscriptions,
    now,
    ...(options.publishDelayMs === undefined ? {} : { publishDelayMs: options.publishDelayMs }),
  });
  let url = "";
  const app = express();
  app.disable("x-powered-by");
  // Microsoft sends no ETag on these APIs; hashing every page for one was 5 % of the simulator's busy
  // time serving thousands of records a second.
  app.set("etag", false);

  // Every answer carries a request id, as Graph (request-id) and ARM (x-ms-request-id) do.
  app.use((req, res, next) => {
    const id = randomUUID();
    res.set(req.path.startsWith("/v1.0/") ? "request-id" : "x-ms-request-id", id);
    next();
  });
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    const endpoint = `${req.method} ${req.path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/gi, "{id}")}`;
    const latency = faults.plan.latencyMs ?? 0;
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const fault = faults.decide(endpoint, now(), req.path, req.get(BATCH_STEP_HEADER) !== undefined);
    if (fault === undefined) return next();
    if (fault.status === "drop") {
      // The connection ends with no answer at all, as a network fault or a dying front end would end it.
      req.socket.destroy();
      return;
    }
    // Never answered: the client's own deadline is all that ends it (the server's close cuts it too).
    if (fault.status === "hang") return;
    const retryAfter: Record<string, string> =
      fault.status === 429 && "retryAfter" in fault && fault.retryAfter !== undefined
        ? { "Retry-After": String(fault.retryAfter) }
        : {};
    if (req.path.endsWith("/oauth2/v2.0/token")) {
      // The token endpoint answers in OAuth's shape, not Graph's or ARM's: an error code string and an
      // AADSTS description (a Graph-shaped body reached the SDKs as "[object Object]: Error(s): Not Available").
      res
        .status(fault.status)
        .set(retryAfter)
        .json({
          error: "temporarily_unavailable",
          error_description: `AADSTS90033: A transient error has occurred. Please try again. Trace ID: ${randomUUID()} Timestamp: ${new Date(now()).toISOString()}`,
          error_codes: [90033],
          timestamp: new Date(now()).toISOString(),
          trace_id: randomUUID(),
          correlation_id: randomUUID(),
        });
      return;
    }
    const isGraph = req.path.startsWith("/v1.0/");
    // Identity Protection and conditional access throttle without Retry-After, as Microsoft documents.
    const withoutRetryAfter =
      req.path.includes("/identityProtection/") || req.path.includes("/conditionalAccess/");
    const headers = withoutRetryAfter ? {} : retryAfter;
    if (fault.status === 429) {
      return isGraph
        ? graphError(res, 429, "TooManyRequests", "Too many requests.", headers)
        : armError(res, 429, "TooManyRequests", "The request is being throttled.", headers);
    }
    if (fault.status === 500) {
      return isGraph
        ? graphError(res, 500, "generalException", "An unexpected error occurred.")
        : armError(res, 500, "InternalServerError", "An internal server error occurred.");
    }
    return isGraph
      ? graphError(res, 503, "serviceNotAvailable", "Service unavailable, try again later.")
      : armError(res, 503, "ServiceUnavailable", "The service is temporarily unavailable.");
  });

  app.use(issuer.routes(() => url));
  // Scenario effects due by now take hold before any request is answered.
  app.use((_req, _res, next) => {
    directory.advance();
    next();
  });
  // Graph beta (conditional access with its beta-only properties) is authenticated and throttled as v1.0 is.
  app.use(["/v1.0", "/beta"], (req, res, next) => {
    const caller = issuer.caller(req.headers.authorization, "graph");
    if (caller !== undefined) {
      res.locals["actor"] = caller;
      const [path = "", query = ""] = req.originalUrl.split("?", 2);
      const refusal = limits.check(path, caller.kind === "app" ? caller.appId : "", now(), query);
      if (refusal === undefined) return next();
      return graphError(
        res,
        429,
        "TooManyRequests",
        `Too many requests (${refusal.limit}).`,
        refusal.retryAfterSeconds === undefined ? {} : { "Retry-After": String(refusal.retryAfterSeconds) },
      );
    }
    graphError(
      res,
      401,
      "InvalidAuthenticationToken",
      "Access token is empty or not valid for Microsoft Graph.",
    );
  });
  app.use(["/subscriptions", "/providers"], (req, res, next) => {
    const caller = issuer.caller(req.headers.authorization, "arm");
    if (caller !== undefined) {
      res.locals["actor"] = caller;
      return next();
    }
    armError(
      res,
      401,
      "InvalidAuthenticationToken",
      "The access token is invalid or was issued for another audience.",
    );
  });
  app.use(graphRoutes(logs, () => url, now));
  // "Get servicePrincipal" by its alternate key: the registered apps' service principals.
  app.get(/^\/v1\.0\/servicePrincipals\(appId='([0-9a-f-]{36})'\)$/i, (req, res) => {
    const appId = String((req.params as Record<string, string>)["0"]).toLowerCase();
    const found = options.apps.find((a) => a.clientId.toLowerCase() === appId);
    if (found === undefined)
      return graphError(res, 404, "Request_ResourceNotFound", `Resource '${appId}' does not exist.`);
    res.json({
      "@odata.context": `${url}/v1.0/$metadata#servicePrincipals/$entity`,
      id: found.servicePrincipalId,
      appId: found.clientId,
      displayName: found.displayName,
    });
  });
  app.use(batchRoute(() => url));
  app.use(graphDirectoryRoutes(directory, () => url));
  app.use(graphRoleRoutes(directory, () => url));
  app.use(graphPimRoutes(directory, () => url));
  app.use(graphConditionalAccessRoutes(directory, () => url));
  app.use(graphReportsRoutes(directory, () => url));
  app.use(huntingRoute(logs, directory.tenant, now, () => limits.huntingRowCap));
  app.use(armAuthorizationRoutes(directory));
  app.use(armPimRoutes(directory));
  app.use(
    armRoutes(
      logs,
      () => subscriptions,
      () => url,
      now,
    ),
  );
  app.use((req, res) => {
    if (req.path.startsWith("/v1.0/"))
      graphError(res, 404, "Request_ResourceNotFound", `Resource '${req.path}' does not exist.`);
    else armError(res, 404, "NotFound", `No route for ${req.method} ${req.path} in the simulator.`);
  });

  // The SDKs send ARM paths with a double slash (//subscriptions/...): collapse it before routing.
  const handler = (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => {
    if (req.url?.startsWith("//")) req.url = req.url.replace(/^\/+/, "/");
    app(req as Request, res as Response);
  };
  const server: Server = createServer(
    { key: readFileSync(simTlsFile("localhost.key")), cert: readFileSync(simTlsFile("localhost.crt")) },
    handler,
  );
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  url = `https://localhost:${(server.address() as AddressInfo).port}`;
  return {
    url,
    logs,
    faults,
    limits,
    directory,
    subscriptions,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
