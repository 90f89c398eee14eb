/**
 * The one event type every input shape is normalised into. Detectors, the store and the cards only
 * ever see this; the shapes Microsoft emits stay inside `normalise/`.
 */

/** Which Microsoft log the event came from, whatever pipe carried it there. */
export type EventSource =
  | "entra-audit"
  | "entra-sign-in"
  | "entra-risk"
  | "azure-activity"
  /** Microsoft's own alerts (Graph `security/alerts_v2`): evidence for findings, never one alone. */
  | "security-alert"
  | "warden";

/** The record shape it was read from; kept so an analyst can find the original. */
export type InputShape =
  | "graph-directory-audit"
  | "graph-sign-in"
  | "graph-risk-detection"
  | "arm-event-data"
  | "entra-diagnostic-audit"
  | "entra-diagnostic-sign-in"
  | "entra-diagnostic-risk"
  | "azure-diagnostic-activity"
  | "log-analytics-audit"
  | "log-analytics-sign-in"
  | "log-analytics-activity"
  | "defender-cloud-app-event"
  | "defender-sign-in"
  | "graph-security-alert"
  /** What Warden saw itself rather than read in a log (source "warden"): see detect/observations.ts. */
  | "warden-observation";

export type PrincipalType = "user" | "servicePrincipal" | "group" | "unknown";

/** Someone or something in the directory, as far as one record tells. Every field may be missing. */
export interface Principal {
  type: PrincipalType;
  /** Entra object id, lower-case. */
  id?: string;
  userPrincipalName?: string;
  displayName?: string;
  /** For invitations: the address the guest was invited with. */
  mail?: string;
  ipAddress?: string;
  appId?: string;
  /** true when the record itself shows the principal is external (#EXT# UPN, userType Guest, an invitation). */
  external?: boolean;
}

export type RiskLevel = "none" | "low" | "medium" | "high" | "hidden" | "unknown";

interface EventBase {
  /** Stable across re-reads of the same record (and shared by the begin/end halves of one ARM operation). */
  id: string;
  source: EventSource;
  shape: InputShape;
  tenantId: string;
  /** Epoch milliseconds, UTC. */
  time: number;
  /** The operation name as the source spelled it. */
  operation: string;
  /** false only when the source says the operation failed. */
  succeeded: boolean;
  actor?: Principal;
  correlationId?: string;
}

export interface UserInvitedEvent extends EventBase {
  kind: "user-invited";
  subject: Principal;
}
export interface UserAddedEvent extends EventBase {
  kind: "user-added";
  subject: Principal;
  /** undefined when the record does not say. */
  enabled?: boolean;
}
export interface InviteRedeemedEvent extends EventBase {
  kind: "invite-redeemed";
  subject: Principal;
}
export interface DirectoryRoleAddedEvent extends EventBase {
  kind: "directory-role-added";
  subject: Principal;
  role: { templateId?: string; displayName?: string };
  eligible: boolean;
}
export interface AzureRoleAssignedEvent extends EventBase {
  kind: "azure-role-assigned";
  subject: Principal;
  /** The role definition GUID (last segment of the definition's resource id), lower-case. */
  roleDefinitionId?: string;
  scope?: string;
  subscriptionId?: string;
  /** Made eligible through Azure PIM (a role eligibility schedule request), not assigned active. */
  eligible?: boolean;
}
export interface AzureRoleDefinedEvent extends EventBase {
  kind: "azure-role-defined";
  roleDefinitionId?: string;
  actions: string[];
}
export interface SubscriptionCreatedEvent extends EventBase {
  kind: "subscription-created";
  subscriptionId?: string;
}
export interface SubscriptionTenantChangedEvent extends EventBase {
  kind: "subscription-tenant-changed";
  subscriptionId?: string;
  fromTenantId?: string;
  toTenantId?: string;
}
/**
 * Warden's own observation: a subscription whose activity log it was reading is no longer in the tenant's
 * subscription list. Moved to another directory, or Warden's access to it removed; either way the
 * tenant has lost sight of it. Made because the move's own log record may never be read: it is written
 * in the subscription's log, which the tenant can no longer read once the move completes.
 */
export interface SubscriptionGoneEvent extends EventBase {
  kind: "subscription-gone";
  subscriptionId: string;
  /** When Warden last read the subscription's activity log, if it ever did: nothing after it was seen. */
  lastReadAt?: number;
}
export interface SubscriptionPolicyWrittenEvent extends EventBase {
  kind: "subscription-policy-written";
  blockLeaving?: boolean;
  blockEntering?: boolean;
  /**
   * The write unambiguously blocks leaving and exempts no one (normalise/transfer-policy-body.ts): the
   * protective setting, which raises nothing.
   */
  protective?: boolean;
}
/** A conditional access policy added, changed or deleted ("Add|Update|Delete conditional access policy"). */
export interface CaPolicyChangedEvent extends EventBase {
  kind: "ca-policy-changed";
  change: "added" | "updated" | "deleted";
  /** The policy's object id (its target's id), lower-case. */
  policyId?: string;
  policyName?: string;
}
/** A group's member added or removed ("Add|Remove member from group"), or the group deleted. */
export interface GroupChangedEvent extends EventBase {
  kind: "group-changed";
  change: "member-added" | "member-removed" | "deleted";
  /** The group's object id, lower-case. */
  groupId?: string;
  groupName?: string;
  /** Who was added or removed; undefined for a deletion. */
  member?: Principal;
}
export interface ElevateAccessEvent extends EventBase {
  kind: "elevate-access";
}
export interface VmCreatedEvent extends EventBase {
  kind: "vm-created";
  resourceId: string;
  subscriptionId?: string;
  via: "vm-write" | "deployment-validation";
}
export interface ResourceGroupWrittenEvent extends EventBase {
  kind: "resource-group-written";
  resourceId: string;
  subscriptionId?: string;
}
export interface SignInEvent extends EventBase {
  kind: "sign-in";
  riskAggregated: RiskLevel;
  riskDuringSignIn: RiskLevel;
  riskEventTypes: string[];
  appDisplayName?: string;
  /** Where Entra placed the sign-in's address (`location.countryOrRegion`, `city`), when it says. */
  country?: string;
  city?: string;
}
export interface RiskDetectionEvent extends EventBase {
  kind: "risk-detection";
  riskEventType: string;
  riskLevel: RiskLevel;
}
export type AlertSeverity = "informational" | "low" | "medium" | "high" | "unknown";

/**
 * An alert Microsoft raised (Defender XDR, Defender for Cloud Apps, Identity Protection...), read from
 * Graph's `security/alerts_v2` or an export of it. No rule reads it: it is attached to the findings about
 * the same user or subscription, and raises their confidence (detect/alerts.ts). Each version of the
 * alert (its `lastUpdateDateTime`) is one event, so a reclassification is read too.
 */
export interface SecurityAlertEvent extends EventBase {
  kind: "security-alert";
  /** Microsoft's alert id, checked to hold only letters, digits, `_` and `-` (it shapes a link). */
  alertId: string;
  title: string;
  severity: AlertSeverity;
  /** The product that raised it: `microsoftDefenderForCloudApps`, `microsoft365Defender`, ... */
  serviceSource: string;
  /** `falsePositive` or `informationalExpectedActivity` once the SOC has said it is not an attack. */
  classification?: string;
  /** The activity the alert is about: from its first to its last activity. */
  firstActivity: number;
  lastActivity: number;
  /** When this version of the alert was written. */
  updatedAt: number;
  /** The users its evidence says it is about (compromised, attacker, suspicious, source, or no role). */
  users: Principal[];
  /** Whether its evidence names any user at all, in whatever role: then it is about people, not places. */
  mentionsUsers: boolean;
  /** The subscriptions of the Azure resources (and VMs) in its evidence, lower-case. */
  subscriptionIds: string[];
}
/** Everything else: counted and stored, never a finding on its own. */
export interface OtherEvent extends EventBase {
  kind: "other";
}

export type SecurityEvent =
  | UserInvitedEvent
  | UserAddedEvent
  | InviteRedeemedEvent
  | DirectoryRoleAddedEvent
  | AzureRoleAssignedEvent
  | AzureRoleDefinedEvent
  | SubscriptionCreatedEvent
  | SubscriptionTenantChangedEvent
  | SubscriptionGoneEvent
  | SubscriptionPolicyWrittenEvent
  | CaPolicyChangedEvent
  | GroupChangedEvent
  | ElevateAccessEvent
  | VmCreatedEvent
  | ResourceGroupWrittenEvent
  | SignInEvent
  | RiskDetectionEvent
  | SecurityAlertEvent
  | OtherEvent;

export type EventKind = SecurityEvent["kind"];
