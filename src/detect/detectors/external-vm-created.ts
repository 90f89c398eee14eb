import { type Detector, describeExternal, finding, subjectOf } from "../detector.js";

/** An external principal creates a VM: mining on the victim's bill starts like this. A member's VM is no finding. */
export const externalVmCreated: Detector = {
  rule: "external-vm-created",
  severity: "low",
  kinds: ["vm-created"],
  detect(event, history) {
    if (event.kind !== "vm-created" || !event.succeeded || event.actor === undefined) return [];
    if (!history.isExternal(event.actor)) return [];
    const vm = event.resourceId.slice(event.resourceId.lastIndexOf("/") + 1);
    const how =
      event.via === "deployment-validation" ? "started creating a VM (deployment" : "created or updated VM";
    const tail = event.via === "deployment-validation" ? ")" : "";
    return [
      finding(this, event, {
        key: event.id,
        subject: subjectOf(event.actor, true),
        actor: event.actor,
        subscriptionIds: [event.subscriptionId],
        summary: `${describeExternal(event.actor)} ${how} ${vm}${tail} in subscription ${event.subscriptionId ?? "?"}`,
        confidence: 0.5,
      }),
    ];
  },
};
