/** The app registration the simulator accepts. A simulator-only secret: it opens nothing real. */
export const SIM_APP = {
  clientId: "4f1c2b3a-5d6e-4f70-8192-a3b4c5d6e7f8",
  clientSecret: "simulator-only-secret",
  servicePrincipalId: "0c7d2e6f-1a4b-4c8d-9e2f-3a5b7c9d1e20",
  displayName: "Warden",
} as const;
