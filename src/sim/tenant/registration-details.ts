import type { SimDirectory } from "./directory.js";
import type { DirectoryUser } from "./model.js";

/**
 * A user's `userRegistrationDetails` (Graph v1.0, graph-v1.0.csdl: microsoft.graph.userRegistrationDetails),
 * worked out from the methods the simulated user registered (DirectoryUser.methodsRegistered).
 *
 * Which methods count, from "What authentication and verification methods are available in Microsoft Entra
 * ID?" (its table of methods and the services they serve): email and security questions serve self-service
 * password reset only, never multifactor authentication; an app password or a Temporary Access Pass is not
 * a registered strong method. Everything else that can be registered is a second factor. isMfaRegistered
 * is "registered a strong authentication method for multifactor authentication" (userRegistrationDetails
 * resource); isMfaCapable adds "allowed by the authentication methods policy", and the simulated tenant's
 * policy allows every method, so the two agree.
 */

const MFA_METHODS = new Set([
  "microsoftAuthenticatorPush",
  "microsoftAuthenticatorPasswordless",
  "softwareOneTimePasscode",
  "hardwareOneTimePasscode",
  "mobilePhone",
  "alternateMobilePhone",
  "officePhone",
  "fido2",
  "fido2SecurityKey",
  "passKeyDeviceBound",
  "passKeyDeviceBoundAuthenticator",
  "passKeyDeviceBoundWindowsHello",
  "passKeySynced",
  "windowsHelloForBusiness",
  "macOsSecureEnclaveKey",
  "externalAuthMethod",
]);

/** "including FIDO2, Windows Hello for Business, and Microsoft Authenticator (Passwordless)" (isPasswordlessCapable). */
const PASSWORDLESS_METHODS = new Set([
  "microsoftAuthenticatorPasswordless",
  "fido2",
  "fido2SecurityKey",
  "passKeyDeviceBound",
  "passKeyDeviceBoundAuthenticator",
  "passKeyDeviceBoundWindowsHello",
  "passKeySynced",
  "windowsHelloForBusiness",
  "macOsSecureEnclaveKey",
]);

/** Methods self-service password reset accepts (same table). */
const SSPR_METHODS = new Set([
  "mobilePhone",
  "alternateMobilePhone",
  "officePhone",
  "email",
  "securityQuestion",
  "microsoftAuthenticatorPush",
  "softwareOneTimePasscode",
  "hardwareOneTimePasscode",
]);

/** userDefaultAuthenticationMethod (graph-v1.0.csdl), by the registered method that provides it, best first. */
const SECOND_FACTOR: readonly [string, string][] = [
  ["microsoftAuthenticatorPush", "push"],
  ["softwareOneTimePasscode", "oath"],
  ["hardwareOneTimePasscode", "oath"],
  ["mobilePhone", "sms"],
  ["alternateMobilePhone", "voiceAlternateMobile"],
  ["officePhone", "voiceOffice"],
];

export const isMfaMethod = (method: string): boolean => MFA_METHODS.has(method);

/**
 * The users who hold an active Entra role: assigned directly, or through a role-assignable group they are
 * in ("isAdmin: Indicates whether the user has an admin role in the tenant"). Eligible (PIM) assignments
 * make no one an admin until activated: an activation is an active assignment here.
 */
export function activeAdmins(directory: SimDirectory): Set<string> {
  const admins = new Set<string>();
  const visit = (id: string, seen: Set<string>) => {
    if (seen.has(id)) return;
    seen.add(id);
    if (directory.users.has(id)) admins.add(id);
    for (const member of directory.groups.get(id)?.members ?? []) visit(member, seen);
  };
  for (const assignment of directory.roleAssignments.values()) visit(assignment.principalId, new Set());
  return admins;
}

/** The resource as Graph returns it, with every v1.0 property. */
export function registrationDetails(user: DirectoryUser, isAdmin: boolean): Record<string, unknown> {
  const methods = [...(user.methodsRegistered ?? [])];
  const mfa = methods.some(isMfaMethod);
  // Administrators are always enabled for password reset and need two methods; users need one, and the
  // simulated tenant has not turned SSPR on for them ("Administrator reset policy differences", SSPR docs).
  const ssprEnabled = isAdmin;
  const ssprRegistered = methods.filter((m) => SSPR_METHODS.has(m)).length >= (isAdmin ? 2 : 1);
  const preferred = SECOND_FACTOR.find(([method]) => methods.includes(method))?.[1];
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    userDisplayName: user.displayName,
    // signInUserType is lower case: member, guest (graph-v1.0.csdl).
    userType: user.userType === "Guest" ? "guest" : "member",
    isAdmin,
    isSsprRegistered: ssprRegistered,
    isSsprEnabled: ssprEnabled,
    isSsprCapable: ssprEnabled && ssprRegistered,
    isMfaRegistered: mfa,
    isMfaCapable: mfa,
    isPasswordlessCapable: methods.some((m) => PASSWORDLESS_METHODS.has(m)),
    // The report is rebuilt by Microsoft in the background; the simulator dates it by the account.
    lastUpdatedDateTime: user.createdDateTime,
    methodsRegistered: methods,
    // System-preferred MFA is Microsoft-managed and on by default ("System-preferred multifactor authentication").
    isSystemPreferredAuthenticationMethodEnabled: true,
    systemPreferredAuthenticationMethods: preferred === undefined ? [] : [preferred],
    // The doc's example shows "" for a user with nothing registered, which is not a member of the enum;
    // "none" is ("Possible values are: push, oath, ..., none, unknownFutureValue").
    userPreferredMethodForSecondaryAuthentication: preferred ?? "none",
  };
}
