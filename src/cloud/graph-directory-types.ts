/** The user properties Warden reads; Graph returns none of accountEnabled, userType... unless selected. */
export const USER_SELECT = [
  "id",
  "displayName",
  "userPrincipalName",
  "mail",
  "userType",
  "accountEnabled",
  "createdDateTime",
  "creationType",
  "externalUserState",
  "signInSessionsValidFromDateTime",
].join(",");

export interface GraphUser {
  id: string;
  displayName: string | null;
  userPrincipalName: string | null;
  mail: string | null;
  userType: string | null;
  accountEnabled: boolean | null;
  createdDateTime: string | null;
  creationType: string | null;
  externalUserState: string | null;
  signInSessionsValidFromDateTime: string | null;
}

export interface GraphRoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  principal?: {
    "@odata.type"?: string;
    id: string;
    displayName?: string | null;
    userPrincipalName?: string | null;
  };
}

export interface GraphEligibility {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  memberType?: string;
  principal?: GraphRoleAssignment["principal"];
  /** When it ends: `afterDateTime` gives `endDateTime`, `afterDuration` a `duration` from the start. */
  scheduleInfo?: {
    startDateTime?: string | null;
    expiration?: { type?: string; endDateTime?: string | null; duration?: string | null };
  };
}

export interface GraphGroup {
  id: string;
  displayName: string;
  mailNickname: string;
  isAssignableToRole?: boolean | null;
}

export interface GraphCaPolicy {
  id: string;
  displayName: string;
  state: string;
  conditions: {
    users?: {
      includeUsers?: string[];
      excludeUsers?: string[];
      includeGroups?: string[];
      excludeGroups?: string[];
    };
    applications?: { includeApplications?: string[] };
    clientAppTypes?: string[];
  };
  grantControls: { operator?: string; builtInControls?: string[] } | null;
}

export interface GraphRiskyUser {
  id: string;
  userPrincipalName: string;
  riskLevel: string;
  riskState: string;
  riskDetail: string;
}

/** The tenant as Graph's `organization` describes it, with the properties Warden selects. */
export interface GraphOrganization {
  id: string;
  displayName: string | null;
}
