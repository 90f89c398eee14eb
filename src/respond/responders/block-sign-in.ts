import { WARDEN_GROUP_PREFIX, WARDEN_POLICY_PREFIX } from "../../detect/warden-objects.js";
import { conditionalAccessResponder } from "./conditional-access.js";

/** For when MFA is not enough (the attacker holds the second factor): no sign-in at all. */
export const blockSignIn = conditionalAccessResponder({
  name: "block-sign-in",
  nickname: "warden-contained-block",
  groupName: `${WARDEN_GROUP_PREFIX} block sign-in`,
  policyName: `${WARDEN_POLICY_PREFIX} block sign-in`,
  control: "block",
  what: "block sign-in",
});
