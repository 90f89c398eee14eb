import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import express, { Router } from "express";
import { graphError } from "../cloud/http-helpers.js";
import { simTlsFile } from "../cloud/tls.js";

interface SubRequest {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

interface SubResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const MAX_REQUESTS = 20;

/**
 * Graph's JSON batching: up to 20 requests in one POST, each answered on its own (its own status, its own
 * 429). Each sub-request goes back through this server over https, so it is authenticated, counted and
 * subject to faults exactly as if it had been sent alone. A request whose dependency failed gets 424.
 */
/** Set on the requests a batch makes to the simulator for its steps. */
export const BATCH_STEP_HEADER = "x-sim-batch-step";

export function batchRoute(baseUrl: () => string): Router {
  const router = Router();
  const ca = readFileSync(simTlsFile("ca.crt"));

  const send = (sub: SubRequest, authorization: string | undefined): Promise<SubResponse> =>
    new Promise((resolve) => {
      const path = sub.url.startsWith("/v1.0/")
        ? sub.url
        : `/v1.0${sub.url.startsWith("/") ? "" : "/"}${sub.url}`;
      const payload = sub.body === undefined ? undefined : JSON.stringify(sub.body);
      const req = httpsRequest(
        new URL(path, baseUrl()),
        {
          method: sub.method.toUpperCase(),
          ca,
          headers: {
            ...(authorization === undefined ? {} : { authorization }),
            // Marks the step in the simulator's request log: the client sent one request, the batch.
            [BATCH_STEP_HEADER]: "1",
            ...(payload === undefined ? {} : { "content-type": "application/json" }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const headers: Record<string, string> = {};
            // No request-id: a step's answer carries none of its own (Graph, "Combine multiple HTTP requests
            // using JSON batching", and issue 18, point 11); the batch's answer and a refusal's innerError do.
            for (const name of ["retry-after", "content-type", "location"]) {
              const value = res.headers[name];
              if (typeof value === "string") headers[name === "retry-after" ? "Retry-After" : name] = value;
            }
            let body: unknown;
            try {
              body = text === "" ? undefined : JSON.parse(text);
            } catch {
              body = text;
            }
            resolve({
              id: sub.id,
              status: res.statusCode ?? 500,
              headers,
              ...(body === undefined ? {} : { body }),
            });
          });
        },
      );
      // A cut connection inside the batch is a 503 in the batch's answer, as a front end would report it.
      req.on("error", () =>
        resolve({
          id: sub.id,
          status: 503,
          headers: {},
          body: { error: { code: "serviceNotAvailable", message: "The request could not be completed." } },
        }),
      );
      if (payload !== undefined) req.write(payload);
      req.end();
    });

  router.post("/v1.0/\\$batch", express.json({ limit: "4mb" }), async (req, res) => {
    const requests = (req.body as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(requests) || requests.length === 0) {
      return graphError(res, 400, "BadRequest", "The batch needs a non-empty 'requests' array.");
    }
    if (requests.length > MAX_REQUESTS) {
      return graphError(
        res,
        400,
        "BadRequest",
        `Number of batch request steps exceeds the maximum of ${MAX_REQUESTS}.`,
      );
    }
    const subs = requests as SubRequest[];
    const ids = new Set<string>();
    for (const sub of subs) {
      if (typeof sub?.id !== "string" || typeof sub.method !== "string" || typeof sub.url !== "string") {
        return graphError(res, 400, "BadRequest", "Every batch request needs id, method and url.");
      }
      if (ids.has(sub.id))
        return graphError(res, 400, "BadRequest", `Batch request id '${sub.id}' is used twice.`);
      ids.add(sub.id);
    }
    const done = new Map<string, SubResponse>();
    // Requests run in order; ones with dependencies wait for them and fail with 424 if one failed.
    for (const sub of subs) {
      const failedDependency = (sub.dependsOn ?? []).find((d) => {
        const answer = done.get(d);
        return answer === undefined || answer.status >= 400;
      });
      if (failedDependency !== undefined) {
        done.set(sub.id, {
          id: sub.id,
          status: 424,
          headers: {},
          body: { error: { code: "FailedDependency", message: `Request '${failedDependency}' failed.` } },
        });
        continue;
      }
      done.set(sub.id, await send(sub, req.headers.authorization));
    }
    res.json({ responses: [...done.values()] });
  });

  return router;
}
