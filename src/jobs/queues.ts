/** Queue and job names: the contract between the processes of a deployment. */
export const QUEUE = {
  /** Reading logs: `poll` (one source) and `discover` (subscriptions). */
  poll: "warden-poll",
  /** Running detection for a tenant after new events. */
  detect: "warden-detect",
  /** New or grown incidents, for the bot and the responders to act on. */
  triage: "warden-triage",
} as const;
