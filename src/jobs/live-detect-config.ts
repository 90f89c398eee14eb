import type { DetectConfig } from "../detect/detect-config.js";

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
