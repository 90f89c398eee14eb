import { ClientSecretCredential, DefaultAzureCredential, type TokenCredential } from "@azure/identity";

export interface CloudEndpoints {
  /** Microsoft Graph, e.g. https://graph.microsoft.com (no version). */
  graph: string;
  /** Azure Resource Manager, e.g. https://management.azure.com. */
  arm: string;
  /** Entra token authority, e.g. https://login.microsoftonline.com. */
  authority: string;
}

export const MICROSOFT_CLOUD: CloudEndpoints = {
  graph: "https://graph.microsoft.com",
  arm: "https://management.azure.com",
  authority: "https://login.microsoftonline.com",
};

export interface AppCredentials {
  tenantId: string;
  clientId?: string;
  clientSecret?: string;
}

/**
 * One credential for Graph and ARM. A client secret when one is configured; otherwise the default chain
 * (managed identity, workload identity, environment, Azure CLI), which is what a deployment in Azure uses.
 */
export function makeCredential(app: AppCredentials, endpoints: CloudEndpoints): TokenCredential {
  const options = {
    authorityHost: endpoints.authority,
    // Instance discovery asks login.microsoftonline.com about the authority: not for other clouds or the simulator.
    disableInstanceDiscovery: endpoints.authority !== MICROSOFT_CLOUD.authority,
  };
  if (app.clientId !== undefined && app.clientSecret !== undefined) {
    return new ClientSecretCredential(app.tenantId, app.clientId, app.clientSecret, options);
  }
  return new DefaultAzureCredential({ tenantId: app.tenantId, ...options });
}
