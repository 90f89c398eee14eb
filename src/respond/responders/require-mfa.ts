import { conditionalAccessResponder } from "./conditional-access.js";

/** Most compromised admins had no MFA: requiring it at every sign-in is a containment of its own. */
export const requireMfa = conditionalAccessResponder({
  name: "require-mfa",
  nickname: "warden-contained-mfa",
  groupName: "Warden contained: require MFA",
  policyName: "Warden containment: require MFA",
  control: "mfa",
  what: "require multifactor authentication",
});
