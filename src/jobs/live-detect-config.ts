import { classifyFailure } from "../cloud/errors.js";
import type { GraphDirectory } from "../cloud/graph-directory.js";
import type { TokenIdentity } from "../cloud/token-identity.js";
import type { DetectConfig } from "../detect/detect-config.js";
import { isIpRange } from "../detect/ip-ranges.js";

/** Warden itself in the tenant: the app it signs in as, and that app's service principal when configured. */
export interface WardenIdentity {
  tenantId: string;
  /** AZURE_CLIENT_ID. */
  clientId?: string | undefined;
  /** WARDEN_SERVICE_PRINCIPAL_ID. */
  servicePrincipalId?: string | undefined;
}

/**
 * The detection settings of the live pipeline: the configured ones, for the tenant Warden watches, with
 * Warden's own app added to those whose changes are containment, not attacks. By client id (ARM's claims
 * and Conditional Access's entries name it) and by service principal (Core Directory's entries often
 * carry only that). The containment objects are not here: the tenant's detector reads them from the store
 * before each run, so one created minutes ago is known.
 */
export function liveDetectConfig(detect: DetectConfig, warden: WardenIdentity): DetectConfig {
  return {
    ...detect,
    defaultTenantId: warden.tenantId,
    ownAppIds: [...detect.ownAppIds, ...(warden.clientId === undefined ? [] : [warden.clientId])],
    ownServicePrincipalIds: [
      ...detect.ownServicePrincipalIds,
      ...(warden.servicePrincipalId === undefined ? [] : [warden.servicePrincipalId]),
    ],
  };
}

/**
 * The live settings with Warden's own identity filled in where the deployment did not name it. Core
 * Directory logs Warden's own group changes by its service principal alone, and with a system-assigned
 * managed identity no client id is configured at all: without them every containment would read as
 * someone tampering with Warden's group. Both are read from Warden's own Graph token first (`appid`,
 * `oid`: no permission needed); the service principal, if the token does not name it, from Graph by
 * client id (Application.Read.All). Read once. A failure that may pass is thrown (the detect job is
 * retried); a refusal is logged once and detection goes on with what is known.
 */
export function withOwnServicePrincipal(
  config: DetectConfig,
  graph: Pick<GraphDirectory, "servicePrincipalIdOf">,
  clientId: string | undefined,
  log: { warn(fields: object, message: string): void },
  fromToken?: () => Promise<TokenIdentity>,
): () => Promise<DetectConfig> {
  if (config.ownServicePrincipalIds.length > 0 && clientId !== undefined) return async () => config;
  let resolved: DetectConfig | undefined;
  return async () => {
    if (resolved !== undefined) return resolved;
    let next = config;
    const token = fromToken === undefined ? {} : await fromToken();
    if (token.appId !== undefined && !next.ownAppIds.includes(token.appId))
      next = { ...next, ownAppIds: [...next.ownAppIds, token.appId] };
    if (next.ownServicePrincipalIds.length === 0 && token.servicePrincipalId !== undefined)
      next = { ...next, ownServicePrincipalIds: [token.servicePrincipalId] };
    const appId = clientId ?? token.appId;
    if (next.ownServicePrincipalIds.length > 0 || appId === undefined) {
      if (next.ownServicePrincipalIds.length === 0)
        log.warn({}, "Warden's own service principal is unknown: set WARDEN_SERVICE_PRINCIPAL_ID");
      resolved = next;
      return resolved;
    }
    try {
      const id = await graph.servicePrincipalIdOf(appId);
      resolved = id === undefined ? next : { ...next, ownServicePrincipalIds: [id] };
      if (id === undefined)
        log.warn({ clientId: appId }, "Warden's app has no service principal in this tenant");
    } catch (error) {
      if (classifyFailure(error).transient) throw error;
      log.warn(
        { clientId: appId, error: classifyFailure(error).message },
        "could not read Warden's own service principal (Application.Read.All): set WARDEN_SERVICE_PRINCIPAL_ID, or Warden's own group changes may be raised as containment-tampered",
      );
      resolved = next;
    }
    return resolved;
  };
}

/** How long the tenant's trusted named locations are kept before Graph is asked again. */
const NAMED_LOCATIONS_TTL_MS = 10 * 60_000;

/**
 * The tenant's conditional access named locations marked trusted, read from Graph at most every ten
 * minutes (Policy.Read.All). What Graph cannot give now is what it gave last (or none): trusted ranges
 * only withhold a small boost, never clear a finding, so a stale list costs little. A range that is not
 * one is dropped, never thrown: the list is the tenant's, not Warden's configuration.
 */
export function trustedRangesReader(
  graph: Pick<GraphDirectory, "trustedNamedRanges">,
  log: { warn(fields: object, message: string): void },
  now: () => number = Date.now,
): () => Promise<readonly string[]> {
  let ranges: readonly string[] = [];
  let readAt = Number.NEGATIVE_INFINITY;
  return async () => {
    if (now() - readAt < NAMED_LOCATIONS_TTL_MS) return ranges;
    readAt = now();
    try {
      ranges = (await graph.trustedNamedRanges()).filter(isIpRange);
    } catch (error) {
      log.warn(
        { error: classifyFailure(error).message },
        "could not read the tenant's named locations (Policy.Read.All): trusted ranges are the configured ones",
      );
    }
    return ranges;
  };
}
