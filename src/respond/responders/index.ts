import type { ActionName, Responder } from "../types.js";
import { blockSignIn } from "./block-sign-in.js";
import { blockSubscriptionTransfer } from "./block-subscription-transfer.js";
import { disableAccount } from "./disable-account.js";
import { removeAzureRole } from "./remove-azure-role.js";
import { removeDirectoryRole } from "./remove-directory-role.js";
import { requireMfa } from "./require-mfa.js";
import { revokeSessions } from "./revoke-sessions.js";

export const RESPONDERS: Readonly<Record<ActionName, Responder>> = {
  "disable-account": disableAccount,
  "revoke-sessions": revokeSessions,
  "remove-directory-role": removeDirectoryRole,
  "remove-azure-role": removeAzureRole,
  "require-mfa": requireMfa,
  "block-sign-in": blockSignIn,
  "block-subscription-transfer": blockSubscriptionTransfer,
};
