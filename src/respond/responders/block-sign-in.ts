import { conditionalAccessResponder } from "./conditional-access.js";

/** For when MFA is not enough (the attacker holds the second factor): no sign-in at all. */
export const blockSignIn = conditionalAccessResponder({
  name: "block-sign-in",
  nickname: "warden-contained-block",
  groupName: "Warden contained: block sign-in",
  policyName: "Warden containment: block sign-in",
  control: "block",
  what: "block sign-in",
});
