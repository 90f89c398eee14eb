import { WARDEN_GROUP_PREFIX, WARDEN_POLICY_PREFIX } from "../../detect/warden-objects.js";
import { conditionalAccessResponder } from "./conditional-access.js";

/** Most compromised admins had no MFA: requiring it at every sign-in is a containment of its own. */
export const requireMfa = conditionalAccessResponder({
  name: "require-mfa",
  nickname: "warden-contained-mfa",
  groupName: `${WARDEN_GROUP_PREFIX} require MFA`,
  policyName: `${WARDEN_POLICY_PREFIX} require MFA`,
  control: "mfa",
  what: "require multifactor authentication",
});
