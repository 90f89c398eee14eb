/**
 * Who Warden is, as its own access token says: Entra's app-only tokens carry the app's client id
 * (`appid`, or `azp` in v2 tokens) and its service principal's object id (`oid`) in the tenant
 * ("Access token claims reference"). With a system-assigned managed identity no client id is configured
 * at all, and this is how Warden learns it, so that its own changes in the logs stay its own.
 *
 * The token is read, not verified: it came from the token authority Warden itself asked over TLS, and only
 * Warden's own ids are taken from it. A value that is not a GUID is left out.
 */

export interface TokenIdentity {
  appId?: string;
  servicePrincipalId?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function identityFromToken(token: string): TokenIdentity {
  const payload = token.split(".")[1];
  if (payload === undefined) return {};
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
  if (typeof claims !== "object" || claims === null) return {};
  // Only an app's token names the app's own service principal in `oid`; a user's names the user.
  const app = claims["idtyp"] === "app" || (claims["idtyp"] === undefined && claims["scp"] === undefined);
  const guid = (value: unknown) =>
    typeof value === "string" && GUID.test(value) ? value.toLowerCase() : undefined;
  // A user's token names the client the user signed in with (the Azure CLI, say): never Warden's own.
  if (!app) return {};
  const appId = guid(claims["appid"]) ?? guid(claims["azp"]);
  const servicePrincipalId = guid(claims["oid"]);
  return {
    ...(appId === undefined ? {} : { appId }),
    ...(servicePrincipalId === undefined ? {} : { servicePrincipalId }),
  };
}
