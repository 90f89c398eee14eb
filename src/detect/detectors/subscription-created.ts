import { type Detector, finding } from "../detector.js";
import { principalLabel } from "../identity.js";

/** A subscription is created: legitimate often, so medium, and raised by who did it (see scoring). */
export const subscriptionCreated: Detector = {
  rule: "subscription-created",
  severity: "medium",
  kinds: ["subscription-created"],
  detect(event) {
    if (event.kind !== "subscription-created" || !event.succeeded) return [];
    const id = event.subscriptionId;
    return [
      finding(this, event, {
        key: id ?? event.id,
        subject: { type: "subscription", ...(id === undefined ? {} : { id }) },
        actor: event.actor,
        subscriptionIds: [id],
        summary: `Subscription ${id ?? "(id not logged)"} was created${event.actor === undefined ? "" : ` by ${principalLabel(event.actor)}`}`,
        confidence: 0.45,
      }),
    ];
  },
};
