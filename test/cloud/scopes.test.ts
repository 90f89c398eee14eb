import { describe, expect, it } from "vitest";
import { armScopeFor, graphScopeFor } from "../../src/cloud/scopes.js";

/** A national cloud's endpoints take tokens for their own resource (issue 18, point 12). */
describe("token scopes", () => {
  it("asks each of Microsoft's clouds for a token for its own Graph and ARM", () => {
    expect(graphScopeFor("https://graph.microsoft.com")).toBe("https://graph.microsoft.com/.default");
    expect(graphScopeFor("https://graph.microsoft.us/")).toBe("https://graph.microsoft.us/.default");
    expect(graphScopeFor("https://dod-graph.microsoft.us")).toBe("https://dod-graph.microsoft.us/.default");
    expect(graphScopeFor("https://microsoftgraph.chinacloudapi.cn")).toBe(
      "https://microsoftgraph.chinacloudapi.cn/.default",
    );
    expect(armScopeFor("https://management.usgovcloudapi.net")).toBe(
      "https://management.usgovcloudapi.net/.default",
    );
    expect(armScopeFor("https://management.chinacloudapi.cn/")).toBe(
      "https://management.chinacloudapi.cn/.default",
    );
  });

  it("gives a stand-in (the simulator, a proxy) the global scope it issues tokens for", () => {
    expect(graphScopeFor("https://localhost:8443")).toBe("https://graph.microsoft.com/.default");
    expect(armScopeFor("https://127.0.0.1:9443")).toBe("https://management.azure.com/.default");
  });
});
