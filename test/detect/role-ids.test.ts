import { describe, expect, it } from "vitest";
import { AZURE_ROLE_NAMES, ENTRA_ROLE_NAMES } from "../../src/detect/roles.js";
import { SIM_AZURE_ROLE_NAMES, SIM_ENTRA_ROLE_NAMES } from "../../src/sim/tenant/builtin-roles.js";

/**
 * Warden's role ids against the simulator's own table, each written from Microsoft's documentation: a
 * role Warden names by an id Microsoft does not use for it would never match a real tenant's records.
 */
describe("built-in role ids", () => {
  it("names every Entra role by the template id Microsoft gives it", () => {
    expect(ENTRA_ROLE_NAMES).toEqual(SIM_ENTRA_ROLE_NAMES);
  });

  it("names every Azure role by the definition id Microsoft gives it", () => {
    expect(AZURE_ROLE_NAMES).toEqual(SIM_AZURE_ROLE_NAMES);
  });
});
