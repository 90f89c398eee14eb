import { type Request, type Response, Router } from "express";
import {
  armError,
  needsVersion,
  readPageToken,
  singleParam,
  timeBounds,
  writePageToken,
} from "./http-helpers.js";
import type { PublishedLogs } from "./published-logs.js";

export interface SimSubscription {
  subscriptionId: string;
  displayName: string;
  tenantId: string;
  state: "Enabled" | "Disabled";
}

const PAGE = 200;

/** ARM: subscriptions and the Activity Log, per subscription and for the tenant. */
export function armRoutes(
  logs: PublishedLogs,
  subscriptions: () => SimSubscription[],
  baseUrl: () => string,
  now: () => number,
): Router {
  const router = Router();
  router.get("/subscriptions", (req, res) => {
    if (!needsVersion(req, res)) return;
    res.json({
      value: subscriptions().map((s) => ({
        id: `/subscriptions/${s.subscriptionId}`,
        subscriptionId: s.subscriptionId,
        tenantId: s.tenantId,
        displayName: s.displayName,
        state: s.state,
        subscriptionPolicies: {
          locationPlacementId: "Public_2014-09-01",
          quotaId: "PayAsYouGo_2014-09-01",
          spendingLimit: "Off",
        },
        authorizationSource: "RoleBased",
      })),
    });
  });

  const activity = (subscriptionId: string | null) => (req: Request, res: Response) => {
    if (!needsVersion(req, res)) return;
    const token = readPageToken(req, "$skipToken");
    const filter = singleParam(req.query["$filter"]);
    let bounds: ReturnType<typeof timeBounds>;
    if (token !== undefined && (token.from !== undefined || token.to !== undefined)) {
      // JSON turns an open bound (±Infinity) into null: read it back as open.
      bounds = { from: token.from ?? Number.NEGATIVE_INFINITY, to: token.to ?? Number.POSITIVE_INFINITY };
    } else if (filter === undefined)
      return armError(
        res,
        400,
        "BadRequest",
        "The $filter query parameter with eventTimestamp bounds is required.",
      );
    else bounds = timeBounds(filter, "eventTimestamp");
    if ("error" in bounds) return armError(res, 400, "BadRequest", bounds.error);
    if (subscriptionId !== null && !subscriptions().some((s) => s.subscriptionId === subscriptionId)) {
      return armError(
        res,
        404,
        "SubscriptionNotFound",
        `The subscription '${subscriptionId}' could not be found.`,
      );
    }
    const offset = token?.offset ?? 0;
    const asOf = token?.asOf ?? now();
    const matching = logs.snapshot("activity", bounds.from, bounds.to, asOf, offset, subscriptionId);
    const page = matching.slice(offset, offset + PAGE);
    // What a client has read, for tests that count what it could not (a moved subscription's last records).
    if (token === undefined && subscriptionId !== null) logs.noteRead(subscriptionId, asOf);
    const body: Record<string, unknown> = { value: page.map((p) => p.record) };
    if (offset + PAGE < matching.length) {
      const next = new URL(req.path, baseUrl());
      next.searchParams.set("api-version", String(singleParam(req.query["api-version"]) ?? ""));
      next.searchParams.set(
        "$skipToken",
        writePageToken({ offset: offset + PAGE, asOf, from: bounds.from, to: bounds.to }),
      );
      body["nextLink"] = next.toString();
    }
    res.json(body);
  };
  router.get(
    "/subscriptions/:subscriptionId/providers/Microsoft.Insights/eventtypes/management/values",
    (req, res) => activity(String(req.params["subscriptionId"]).toLowerCase())(req, res),
  );
  router.get("/providers/Microsoft.Insights/eventtypes/management/values", activity(null));
  return router;
}
