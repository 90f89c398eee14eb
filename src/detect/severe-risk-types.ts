/** Severe risk types that mark an account as likely compromised whatever level they were given. */
export const SEVERE_RISK_TYPES: ReadonlySet<string> = new Set([
  "anonymizedipaddress",
  "maliciousipaddress",
  "passwordspray",
  "leakedcredentials",
  "impossibletravel",
  "unlikelytravel",
  "suspiciousipaddress",
  "tor",
]);
