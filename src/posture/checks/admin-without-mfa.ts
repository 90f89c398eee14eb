import type { Check } from "./shared.js";
import {
  cannotRead,
  finding,
  firstFailed,
  nameOf,
  partly,
  principalOf,
  privilegedUsers,
  rolesInWords,
} from "./shared.js";

const FIX =
  "Have them register a strong method (Microsoft Authenticator, a passkey or FIDO2 key) at https://aka.ms/mysecurityinfo, or issue a Temporary Access Pass: Entra admin center > Users > the user > Authentication methods > Add authentication method";

/**
 * `admin-without-mfa`: a holder of a privileged Entra or Azure role with no MFA method registered
 * (`userRegistrationDetails.isMfaRegistered` false, or no record at all). Almost every compromised admin
 * in Microsoft's write-up had none.
 */
export const adminWithoutMfa: Check = (facts) => {
  const failed = firstFailed({
    "The privileged role holders": facts.holders,
    "MFA registrations": facts.registrations,
  });
  if (failed !== undefined) return cannotRead(failed.what, { ok: false, reason: failed.reason });
  if (!facts.holders.ok || !facts.registrations.ok) return { findings: [] };
  const registrations = facts.registrations.value;
  const findings = privilegedUsers(facts.holders.value)
    .filter(({ user }) => registrations.get(user.id.toLowerCase())?.isMfaRegistered !== true)
    .map(({ user, roles }) => {
      const record = registrations.get(user.id.toLowerCase());
      return finding(
        "admin-without-mfa",
        "critical",
        { principal: principalOf(user) },
        `${nameOf(user)} holds ${rolesInWords(roles)} and has ${record === undefined ? "no MFA registration on record" : "no MFA method registered"}${user.accountEnabled === false ? " (the account is disabled)" : ""}.`,
        FIX,
      );
    });
  return partly(findings, facts.holders.value);
};
