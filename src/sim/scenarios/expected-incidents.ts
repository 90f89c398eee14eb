/**
 * The rules of each seeded attack's incident (`ATTACKS`), sorted and joined: what a correct run of
 * Warden over the attacks ends with, one incident each. Tests, the soak and the benchmarks check against it.
 */
export const EXPECTED_INCIDENTS = [
  "external-vm-created,guest-azure-privileged-role,guest-invited,guest-privileged-role,guest-vm-burst",
  "guest-azure-privileged-role,guest-invited,guest-privileged-role,subscription-directory-changed,subscription-hijack-chain,subscription-policy-changed",
  "risky-ip-vm-created,risky-signin-resource-group,subscription-created",
  "risky-signin-resource-group",
];
