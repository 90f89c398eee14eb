import express, { type Request, type Response, Router } from "express";
import { graphError } from "../cloud/http-helpers.js";
import type { SimDirectory } from "./directory.js";
import { graphOrganizationRoutes } from "./graph-organization-routes.js";
import { signInActivityRefused } from "./licence.js";
import type { ChangeActor, DirectoryGroup, DirectoryUser } from "./model.js";
import { page, parseFilter, select } from "./odata.js";

/** Graph returns these user properties unless `$select` asks for others (accountEnabled, userType... are not among them). */
const USER_DEFAULT_PROPERTIES = [
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "id",
];

const USER_FILTERABLE = [
  "id",
  "userType",
  "accountEnabled",
  "userPrincipalName",
  "mail",
  "displayName",
  "creationType",
  "externalUserState",
];

export function userResource(user: DirectoryUser): Record<string, unknown> {
  // methodsRegistered is the registration report's (graph-reports-routes.ts), not a property of users.
  const { invitedBy: _ignored, lastSignIn, lastSignInAttempt, methodsRegistered: _methods, ...rest } = user;
  const attempted = [lastSignIn, lastSignInAttempt]
    .filter((t) => t !== undefined)
    .sort()
    .at(-1);
  return {
    // Graph returns it only when selected (and with AuditLog.Read.All and an Entra ID P1 licence).
    signInActivity: {
      lastSignInDateTime: attempted ?? null,
      lastNonInteractiveSignInDateTime: null,
      lastSuccessfulSignInDateTime: lastSignIn ?? null,
    },
    businessPhones: [],
    givenName: null,
    jobTitle: null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: null,
    ...rest,
  };
}

function userView(user: DirectoryUser, req: Request): Record<string, unknown> {
  const full = userResource(user);
  if (req.query["$select"] !== undefined) return select(full, req);
  return Object.fromEntries(USER_DEFAULT_PROPERTIES.map((p) => [p, full[p] ?? null]));
}

export function groupResource(group: DirectoryGroup): Record<string, unknown> {
  const { members: _members, ...rest } = group;
  return rest;
}

/** A user found by object id or by UPN, as `/users/{id | userPrincipalName}` allows. */
export function findUser(directory: SimDirectory, key: string): DirectoryUser | undefined {
  const found = directory.users.get(key) ?? byUpn(directory, key);
  // A user created seconds ago is not on every replica yet (SimDirectory.replicationLagMs).
  return found !== undefined && directory.replicated(found.id) ? found : undefined;
}

function byUpn(directory: SimDirectory, key: string): DirectoryUser | undefined {
  const lower = key.toLowerCase();
  for (const user of directory.users.values())
    if (user.userPrincipalName.toLowerCase() === lower) return user;
  return undefined;
}

export const actorOf = (res: Response): ChangeActor => res.locals["actor"] as ChangeActor;

const notFound = (res: Response, what: string) =>
  graphError(
    res,
    404,
    "Request_ResourceNotFound",
    `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`,
  );

/** Graph: the organization, users, groups and their members, and Identity Protection's risky users. */
export function graphDirectoryRoutes(directory: SimDirectory, baseUrl: () => string): Router {
  const router = Router();
  router.use(express.json({ limit: "1mb" }));
  router.use(graphOrganizationRoutes(directory, baseUrl));

  router.get("/v1.0/users", (req, res) => {
    if (signInActivityRefused(req, res, directory)) return;
    const filter = parseFilter(req.query["$filter"] as string | undefined, USER_FILTERABLE);
    if ("error" in filter) return graphError(res, 400, "Request_UnsupportedQuery", filter.error);
    const rows = [...directory.users.values()]
      .filter((u) => directory.replicated(u.id) && filter(userResource(u)))
      .map((u) => userView(u, req));
    // $select is applied by userView already; page() re-applying it is harmless.
    const result = page(rows, req, baseUrl(), { defaultTop: 100, maxTop: 999, context: "users" });
    if ("error" in result) return graphError(res, 400, "Request_BadRequest", result.error);
    res.json(result.body);
  });

  router.get("/v1.0/users/:id", (req, res) => {
    if (signInActivityRefused(req, res, directory)) return;
    const user = findUser(directory, String(req.params["id"]));
    if (user === undefined) return notFound(res, String(req.params["id"]));
    res.json({ "@odata.context": `${baseUrl()}/v1.0/$metadata#users/$entity`, ...userView(user, req) });
  });

  router.patch("/v1.0/users/:id", (req, res) => {
    const user = findUser(directory, String(req.params["id"]));
    if (user === undefined) return notFound(res, String(req.params["id"]));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const unsupported = Object.keys(body).filter((k) => k !== "accountEnabled");
    if (unsupported.length > 0 || typeof body["accountEnabled"] !== "boolean") {
      return graphError(
        res,
        400,
        "Request_BadRequest",
        `The simulator updates accountEnabled (a boolean) only; got ${JSON.stringify(Object.keys(body))}.`,
      );
    }
    directory.setAccountEnabled(actorOf(res), user.id, body["accountEnabled"]);
    res.status(204).end();
  });

  router.post("/v1.0/users/:id/revokeSignInSessions", (req, res) => {
    const user = findUser(directory, String(req.params["id"]));
    if (user === undefined) return notFound(res, String(req.params["id"]));
    directory.revokeSessions(actorOf(res), user.id);
    res.json({ "@odata.context": `${baseUrl()}/v1.0/$metadata#Edm.Boolean`, value: true });
  });

  router.get("/v1.0/groups", (req, res) => {
    const filter = parseFilter(req.query["$filter"] as string | undefined, [
      "id",
      "displayName",
      "mailNickname",
      "isAssignableToRole",
    ]);
    if ("error" in filter) return graphError(res, 400, "Request_UnsupportedQuery", filter.error);
    // A group still replicating is in no list yet (SimDirectory.replicationLagMs).
    const rows = [...directory.groups.values()]
      .filter((g) => directory.replicated(g.id))
      .map(groupResource)
      .filter(filter);
    const result = page(rows, req, baseUrl(), { defaultTop: 100, maxTop: 999, context: "groups" });
    if ("error" in result) return graphError(res, 400, "Request_BadRequest", result.error);
    res.json(result.body);
  });

  router.post("/v1.0/groups", (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const displayName = body["displayName"];
    const mailNickname = body["mailNickname"];
    if (
      typeof displayName !== "string" ||
      typeof mailNickname !== "string" ||
      body["securityEnabled"] !== true
    ) {
      return graphError(
        res,
        400,
        "Request_BadRequest",
        "A security group needs displayName, mailNickname and securityEnabled: true.",
      );
    }
    const group = directory.createGroup(actorOf(res), {
      displayName,
      mailNickname,
      ...(typeof body["description"] === "string" ? { description: body["description"] } : {}),
      ...(body["isAssignableToRole"] === true ? { isAssignableToRole: true } : {}),
    });
    directory.justCreated(group.id);
    res
      .status(201)
      .json({ "@odata.context": `${baseUrl()}/v1.0/$metadata#groups/$entity`, ...groupResource(group) });
  });

  /** A group this replica knows: none while it is still replicating. */
  const replicatedGroup = (id: string) => (directory.replicated(id) ? directory.groups.get(id) : undefined);

  router.get("/v1.0/groups/:id", (req, res) => {
    const group = replicatedGroup(String(req.params["id"]));
    if (group === undefined) return notFound(res, String(req.params["id"]));
    res.json(select(groupResource(group), req));
  });

  /** A member as Graph lists it: a user or a nested group, typed by `@odata.type`. */
  const memberView = (id: string, req: Request): Record<string, unknown>[] => {
    const user = directory.users.get(id);
    if (user !== undefined) return [{ "@odata.type": "#microsoft.graph.user", ...userView(user, req) }];
    const group = directory.groups.get(id);
    if (group !== undefined)
      return [{ "@odata.type": "#microsoft.graph.group", ...select(groupResource(group), req) }];
    return [];
  };
  const listMembers = (ids: Iterable<string>, req: Request, res: Response) => {
    const rows = [...ids].flatMap((id) => memberView(id, req));
    const result = page(rows, req, baseUrl(), { defaultTop: 100, maxTop: 999, context: "directoryObjects" });
    if ("error" in result) return graphError(res, 400, "Request_BadRequest", result.error);
    res.json(result.body);
  };
  router.get("/v1.0/groups/:id/members", (req, res) => {
    const group = replicatedGroup(String(req.params["id"]));
    if (group === undefined) return notFound(res, String(req.params["id"]));
    listMembers(group.members, req, res);
  });
  // GET /groups/{id}/transitiveMembers (graph-v1.0.csdl: group.transitiveMembers, Collection(directoryObject);
  // https://learn.microsoft.com/graph/api/group-list-transitivemembers): the direct members and, through
  // every nested group, theirs; each object once, the nested groups themselves among them; paged.
  router.get("/v1.0/groups/:id/transitiveMembers", (req, res) => {
    const group = replicatedGroup(String(req.params["id"]));
    if (group === undefined) return notFound(res, String(req.params["id"]));
    const seen = new Set<string>();
    const visit = (members: Iterable<string>) => {
      for (const id of members) {
        if (seen.has(id) || id === group.id) continue;
        seen.add(id);
        const nested = directory.groups.get(id);
        if (nested !== undefined) visit(nested.members);
      }
    };
    visit(group.members);
    listMembers(seen, req, res);
  });

  router.post("/v1.0/groups/:id/members/\\$ref", (req, res) => {
    const id = String(req.params["id"]);
    // A group still replicating: Graph's documented 400 for adding members to it ("Add members", Note).
    if (directory.groups.has(id) && !directory.replicated(id)) {
      return graphError(
        res,
        400,
        "Request_BadRequest",
        "The source resource object or one of the objects being referenced do not exist.",
      );
    }
    const group = directory.groups.get(id);
    if (group === undefined) return notFound(res, id);
    const ref = (req.body as Record<string, unknown> | undefined)?.["@odata.id"];
    const memberId = typeof ref === "string" ? /directoryObjects\/([^/?]+)$/.exec(ref)?.[1] : undefined;
    if (memberId === undefined) {
      return graphError(
        res,
        400,
        "Request_BadRequest",
        "The body needs @odata.id: .../directoryObjects/{id}.",
      );
    }
    if (!directory.users.has(memberId)) return notFound(res, memberId);
    if (group.members.has(memberId)) {
      return graphError(
        res,
        400,
        "Request_BadRequest",
        "One or more added object references already exist for the following modified properties: 'members'.",
      );
    }
    directory.setGroupMember(actorOf(res), group.id, memberId, true);
    res.status(204).end();
  });

  router.delete("/v1.0/groups/:id/members/:memberId/\\$ref", (req, res) => {
    const group = replicatedGroup(String(req.params["id"]));
    const memberId = String(req.params["memberId"]);
    if (group === undefined || !group.members.has(memberId)) return notFound(res, memberId);
    directory.setGroupMember(actorOf(res), group.id, memberId, false);
    res.status(204).end();
  });

  router.get("/v1.0/identityProtection/riskyUsers", (req, res) => {
    const filter = parseFilter(req.query["$filter"] as string | undefined, [
      "id",
      "riskLevel",
      "riskState",
      "userPrincipalName",
    ]);
    if ("error" in filter) return graphError(res, 400, "Request_UnsupportedQuery", filter.error);
    const rows = [...directory.riskyUsers.values()].map((r) => ({ ...r })).filter(filter);
    const result = page(rows, req, baseUrl(), { defaultTop: 20, maxTop: 500, context: "riskyUsers" });
    if ("error" in result) return graphError(res, 400, "Request_BadRequest", result.error);
    res.json(result.body);
  });

  return router;
}
