import { type Request, type Response, Router } from "express";
import type { Stream } from "../scenarios/script.js";
import { graphError, nextLinkFor, readPageToken, timeBounds, writePageToken } from "./http-helpers.js";
import type { PublishedLogs } from "./published-logs.js";

/** Graph's list endpoints for logs, with the paging and limits Microsoft documents. */
const LOGS: { path: string; stream: Stream; timeField: string; defaultTop: number; maxTop: number }[] = [
  {
    path: "/v1.0/auditLogs/directoryAudits",
    stream: "directoryAudits",
    timeField: "activityDateTime",
    defaultTop: 1000,
    maxTop: 1000,
  },
  {
    path: "/v1.0/auditLogs/signIns",
    stream: "signIns",
    timeField: "createdDateTime",
    defaultTop: 1000,
    maxTop: 1000,
  },
  {
    // Read by when each alert last changed. Learn documents no page size for alerts_v2; the Graph
    // security API's constraints page gives "$top ... has a limit of 1000 alerts" (security-error-codes).
    path: "/v1.0/security/alerts_v2",
    stream: "alerts",
    timeField: "lastUpdateDateTime",
    defaultTop: 100,
    maxTop: 1000,
  },
  {
    path: "/v1.0/identityProtection/riskDetections",
    stream: "riskDetections",
    timeField: "detectedDateTime",
    defaultTop: 20,
    maxTop: 500,
  },
];

export function graphRoutes(logs: PublishedLogs, baseUrl: () => string, now: () => number): Router {
  const router = Router();
  for (const log of LOGS) {
    router.get(log.path, (req: Request, res: Response) => {
      let filter = typeof req.query["$filter"] === "string" ? req.query["$filter"] : undefined;
      // The audit log may also be filtered on the activity's name, beside its time.
      const named =
        log.stream === "directoryAudits" && filter !== undefined
          ? /(?:^|\s+and\s+)activityDisplayName\s+eq\s+'((?:[^']|'')*)'/i.exec(filter)
          : null;
      if (named !== null && filter !== undefined) {
        filter = filter.replace(named[0], "").replace(/^\s*and\s+/i, "");
      }
      const activity = named?.[1]?.replace(/''/g, "'");
      const bounds = timeBounds(filter, log.timeField);
      if ("error" in bounds) return graphError(res, 400, "Request_BadRequest", bounds.error);
      const topRaw = req.query["$top"];
      const top = topRaw === undefined ? log.defaultTop : Number(topRaw);
      if (!Number.isInteger(top) || top < 1 || top > log.maxTop) {
        return graphError(res, 400, "Request_BadRequest", `Invalid $top value: must be 1 to ${log.maxTop}`);
      }
      const token = readPageToken(req, "$skiptoken") ?? { offset: 0, asOf: now() };
      const matching = logs.snapshot(
        log.stream,
        bounds.from,
        bounds.to,
        token.asOf,
        token.offset,
        undefined,
        activity === undefined
          ? undefined
          : {
              key: `activityDisplayName=${activity}`,
              keep: (p) => p.record["activityDisplayName"] === activity,
            },
      );
      const page = matching.slice(token.offset, token.offset + top);
      const body: Record<string, unknown> = {
        "@odata.context": `${baseUrl()}/v1.0/$metadata#${log.path.split("/").pop()}`,
        value: page.map((p) => p.record),
      };
      if (token.offset + top < matching.length) {
        body["@odata.nextLink"] = nextLinkFor(
          baseUrl(),
          req,
          "$skiptoken",
          writePageToken({ offset: token.offset + top, asOf: token.asOf }),
        );
      }
      res.json(body);
    });
  }
  return router;
}
