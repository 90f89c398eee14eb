import type { RiskLevel, SecurityEvent } from "../event.js";
import type { MapperInput } from "./context.js";
import { arr, capped, field, type JsonObject, obj, str, strField } from "./fields.js";
import { graphUser } from "./principal.js";
import { parseTime } from "./time.js";

/** Microsoft Graph `signIn` (and the same record inside diagnostic exports) to SecurityEvent. */
export function mapSignIn(signIn: JsonObject, input: MapperInput): SecurityEvent | undefined {
  const time = parseTime(field(signIn, "createdDateTime"));
  const upn = strField(signIn, "userPrincipalName");
  const rawId = strField(signIn, "id") ?? derivedId(signIn, upn);
  if (rawId === undefined || time === undefined) return undefined;
  const status = obj(field(signIn, "status"));
  const errorCode = status === undefined ? undefined : field(status, "errorCode");
  return {
    id: `entra-sign-in:${rawId}`,
    source: "entra-sign-in",
    shape: input.shape,
    tenantId: input.tenantId,
    time,
    operation: "Sign-in activity",
    // errorCode 0 is success; a record with no status is not evidence of a successful sign-in.
    succeeded: errorCode === 0 || errorCode === "0",
    actor: userOf(signIn),
    correlationId: strField(signIn, "correlationId"),
    kind: "sign-in",
    riskAggregated: riskLevel(field(signIn, "riskLevelAggregated")),
    riskDuringSignIn: riskLevel(field(signIn, "riskLevelDuringSignIn")),
    riskEventTypes: riskEventTypes(signIn),
    appDisplayName: strField(signIn, "appDisplayName"),
    ...placeOf(signIn),
  };
}

/** Entra's `location` of the address: a two-letter country and a city, each short, or nothing. */
function placeOf(signIn: JsonObject): { country?: string; city?: string } {
  const location = obj(field(signIn, "location"));
  if (location === undefined) return {};
  const country = strField(location, "countryOrRegion");
  const city = strField(location, "city");
  return {
    ...(country !== undefined && /^[A-Za-z]{2}$/.test(country) ? { country: country.toUpperCase() } : {}),
    ...(city !== undefined && city !== "" ? { city: capped(city) } : {}),
  };
}

/** Graph `riskDetection` (Identity Protection) to SecurityEvent. */
export function mapRiskDetection(detection: JsonObject, input: MapperInput): SecurityEvent | undefined {
  const rawId = strField(detection, "id");
  // Field by field: a detected time that does not parse falls back to the activity's, not to nothing.
  const time =
    parseTime(field(detection, "detectedDateTime")) ?? parseTime(field(detection, "activityDateTime"));
  const riskEventType = strField(detection, "riskEventType");
  if (rawId === undefined || time === undefined || riskEventType === undefined) return undefined;
  return {
    id: `entra-risk:${rawId}`,
    source: "entra-risk",
    shape: input.shape,
    tenantId: input.tenantId,
    time,
    operation: riskEventType,
    succeeded: true,
    actor: userOf(detection),
    correlationId: strField(detection, "correlationId"),
    kind: "risk-detection",
    riskEventType,
    riskLevel: riskLevel(field(detection, "riskLevel")),
  };
}

/** The user a sign-in or risk detection is about: both records name them with the same fields. */
function userOf(record: JsonObject) {
  return graphUser({
    id: field(record, "userId"),
    userPrincipalName: strField(record, "userPrincipalName"),
    displayName: strField(record, "userDisplayName"),
    ipAddress: field(record, "ipAddress"),
  });
}

const LEVELS: ReadonlySet<string> = new Set(["none", "low", "medium", "high", "hidden"]);

/** `hidden` is what tenants without Entra ID P2 see: kept as such, so detection degrades instead of failing. */
export function riskLevel(value: unknown): RiskLevel {
  const text = str(value)?.toLowerCase();
  return text !== undefined && LEVELS.has(text) ? (text as RiskLevel) : "unknown";
}

function riskEventTypes(signIn: JsonObject): string[] {
  const list = arr(field(signIn, "riskEventTypes_v2") ?? field(signIn, "riskEventTypes"));
  return list.filter((v): v is string => typeof v === "string").map(capped);
}

/**
 * Some exports drop the sign-in id. Correlation id, user and time together still name one sign-in (a
 * correlation id alone spans a whole session), so replays of the same export de-duplicate.
 */
function derivedId(signIn: JsonObject, upn: string | undefined): string | undefined {
  const correlationId = strField(signIn, "correlationId");
  const created = strField(signIn, "createdDateTime");
  const user = strField(signIn, "userId") ?? upn;
  if (correlationId === undefined || created === undefined || user === undefined) return undefined;
  return `${correlationId}|${user.toLowerCase()}|${created}`;
}
