/** Queue and job names: the contract between the processes of a deployment. */
export const QUEUE = {
  /** Reading logs: `poll` (one source) and `discover` (subscriptions). */
  poll: "warden-poll",
  /** Running detection for a tenant after new events. */
  detect: "warden-detect",
  /** New or grown incidents: plan their containment, then contain automatically or ask. */
  triage: "warden-triage",
  /** Running an incident's approved or automatic actions (`contain`), and undoing them (`undo`). */
  contain: "warden-contain",
  /** Posting or refreshing an incident's card in Teams. */
  notify: "warden-notify",
} as const;
