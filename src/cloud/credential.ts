import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  type TokenCredential,
} from "@azure/identity";
import { attemptDeadlinePolicy } from "./deadline.js";
import { REQUEST_TIMEOUT_MS } from "./rate-limiter.js";

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
  /** PEM with certificate and private key: the app proves itself with a signed assertion, no shared secret. */
  clientCertificatePath?: string;
}

/**
 * One credential for Graph and ARM: a certificate when one is configured, else a client secret, else the
 * default chain (managed identity, workload identity, environment, Azure CLI), which is what a deployment
 * in Azure uses.
 */
export function makeCredential(
  app: AppCredentials,
  endpoints: CloudEndpoints,
  /** Each token request's deadline (WARDEN_REQUEST_TIMEOUT_SECONDS): the identity client sets none. */
  requestTimeoutMs = REQUEST_TIMEOUT_MS,
): TokenCredential {
  const options = {
    authorityHost: endpoints.authority,
    additionalPolicies: [{ policy: attemptDeadlinePolicy(requestTimeoutMs), position: "perRetry" as const }],
    // Instance discovery asks login.microsoftonline.com about the authority: not for other clouds or the simulator.
    disableInstanceDiscovery: endpoints.authority !== MICROSOFT_CLOUD.authority,
  };
  if (app.clientId !== undefined && app.clientCertificatePath !== undefined) {
    return new ClientCertificateCredential(
      app.tenantId,
      app.clientId,
      { certificatePath: app.clientCertificatePath },
      options,
    );
  }
  if (app.clientId !== undefined && app.clientSecret !== undefined) {
    return new ClientSecretCredential(app.tenantId, app.clientId, app.clientSecret, options);
  }
  return new DefaultAzureCredential({ tenantId: app.tenantId, ...options });
}

/** The credential of the app registration a runtime configuration names (the same for every process). */
export function credentialFor(
  tenantId: string,
  runtime: {
    clientId?: string;
    clientSecret?: string;
    clientCertificatePath?: string;
    endpoints: CloudEndpoints;
    requestTimeoutMs?: number;
  },
): TokenCredential {
  return makeCredential(
    {
      tenantId,
      ...(runtime.clientId === undefined ? {} : { clientId: runtime.clientId }),
      ...(runtime.clientSecret === undefined ? {} : { clientSecret: runtime.clientSecret }),
      ...(runtime.clientCertificatePath === undefined
        ? {}
        : { clientCertificatePath: runtime.clientCertificatePath }),
    },
    runtime.endpoints,
    runtime.requestTimeoutMs,
  );
}

/** The scope Graph tokens are asked for (the SDK's own); the readiness check asks for the same. */
