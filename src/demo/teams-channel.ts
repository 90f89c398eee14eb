import type { TeamsMember } from "../sim/bot/roster.js";
import type { SimUser } from "../sim/records/people.js";
import type { TenantDay } from "../sim/scenarios/tenant-day.js";

/** Someone in the demo's Teams channel. Only the analyst is one of Warden's approvers. */
export interface DemoPerson {
  id: string;
  name: string;
  approver: boolean;
}

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  { id: "a11ce000-0000-4000-8000-0000000a11ce", name: "Demo Analyst", approver: true },
  { id: "5a3d0000-0000-4000-8000-00000005a3d0", name: "Sam Helpdesk", approver: false },
];
export const DEMO_ANALYST = DEMO_PEOPLE[0] as DemoPerson;

export const DEMO_CHANNEL = "19:warden-demo@thread.tacv2";

/** The SOC team the demo channel belongs to (its Microsoft 365 group), which holds the demo's tag. */
const DEMO_TEAM_ID = "50c7ea40-0000-4000-8000-0000050c7ea4";
const DEMO_TAG_GUID = "7a90c011-0000-4000-8000-000007a90c01";

/**
 * The Teams tag the demo's approvers hold ("SOC on call"), @mentioned in each new or escalated incident's
 * message. Its id is built as Graph's teamworkTag ids are (base64 of tenant, team and tag ids, `##`
 * between them), so it passes the same check as a real one (src/config/teams-mention.ts).
 */
export function demoMentionTag(tenantId: string): { id: string; name: string } {
  return {
    id: Buffer.from(`${tenantId}##${DEMO_TEAM_ID}##${DEMO_TAG_GUID}`).toString("base64"),
    name: "SOC on call",
  };
}

/** `Demo Analyst` → `demo.analyst@contoso-lab.onmicrosoft.com`. */
function upnOf(name: string, domain: string): string {
  return `${name.toLowerCase().replace(/[^a-z0-9]+/g, ".")}@${domain}`;
}

function member(id: string, name: string, userPrincipalName: string, tenantId: string): TeamsMember {
  const [givenName, ...rest] = name.split(" ");
  return {
    // The same Teams user id the demo's activities carry in `from` (world.ts).
    id: `29:${id}`,
    name,
    aadObjectId: id,
    userPrincipalName,
    email: userPrincipalName,
    ...(givenName === undefined ? {} : { givenName }),
    ...(rest.length === 0 ? {} : { surname: rest.join(" ") }),
    tenantId,
    userRole: "user",
  };
}

/**
 * The demo channel's members, as the Bot Connector lists them: the people of the console (the approving
 * analyst, and a helpdesk member who may not approve) and the emergency-access administrator who reads
 * the channel and takes the steps Microsoft lets no app take (administrator-at-desk.ts).
 */
export function demoRoster(day: TenantDay, administrator: SimUser | undefined): TeamsMember[] {
  const { id: tenantId, domain } = day.tenant;
  return [
    ...DEMO_PEOPLE.map((p) => member(p.id, p.name, upnOf(p.name, domain), tenantId)),
    ...(administrator === undefined
      ? []
      : [member(administrator.id, administrator.displayName, administrator.userPrincipalName, tenantId)]),
  ];
}
