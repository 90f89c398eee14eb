import type { Detector } from "../detector.js";
import { containmentTampered } from "./containment-tampered.js";
import { elevateAccess } from "./elevate-access.js";
import { externalVmCreated } from "./external-vm-created.js";
import { guestAzurePrivilegedRole } from "./guest-azure-privileged-role.js";
import { guestInvited } from "./guest-invited.js";
import { guestPrivilegedRole } from "./guest-privileged-role.js";
import { guestVmBurst } from "./guest-vm-burst.js";
import { riskyIpVmCreated } from "./risky-ip-vm-created.js";
import { riskySignInResourceGroup } from "./risky-signin-resource-group.js";
import { subscriptionCreated } from "./subscription-created.js";
import { subscriptionDirectoryChanged } from "./subscription-directory-changed.js";
import { subscriptionPolicyChanged } from "./subscription-policy-changed.js";

/** Every event detector, in the order their findings are listed. The chain rule works on incidents instead. */
export const DETECTORS: readonly Detector[] = [
  guestInvited,
  guestPrivilegedRole,
  guestAzurePrivilegedRole,
  subscriptionCreated,
  subscriptionDirectoryChanged,
  subscriptionPolicyChanged,
  elevateAccess,
  externalVmCreated,
  guestVmBurst,
  riskyIpVmCreated,
  riskySignInResourceGroup,
  containmentTampered,
];
