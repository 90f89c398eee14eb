/**
 * The token scope for each Graph and ARM endpoint Warden is pointed at. A national cloud's endpoints take
 * tokens for their own resource, not the global one: a token for graph.microsoft.com is refused by
 * graph.microsoft.us ("National cloud deployments", Microsoft Graph; "Azure Government developer guide").
 * An endpoint that is none of Microsoft's (the simulator, a test proxy) gets the global scope, which is
 * what such stand-ins issue tokens for.
 */

const GRAPH_HOSTS = new Set([
  "graph.microsoft.com",
  "graph.microsoft.us",
  "dod-graph.microsoft.us",
  "microsoftgraph.chinacloudapi.cn",
]);

const ARM_HOSTS = new Set([
  "management.azure.com",
  "management.usgovcloudapi.net",
  "management.chinacloudapi.cn",
]);

export const GLOBAL_GRAPH_SCOPE = "https://graph.microsoft.com/.default";
export const GLOBAL_ARM_SCOPE = "https://management.azure.com/.default";

function scopeFor(url: string, hosts: ReadonlySet<string>, global: string): string {
  const host = new URL(url).hostname.toLowerCase();
  return hosts.has(host) ? `https://${host}/.default` : global;
}

export const graphScopeFor = (graphUrl: string): string =>
  scopeFor(graphUrl, GRAPH_HOSTS, GLOBAL_GRAPH_SCOPE);

export const armScopeFor = (armUrl: string): string => scopeFor(armUrl, ARM_HOSTS, GLOBAL_ARM_SCOPE);
