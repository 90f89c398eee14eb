import type { ConversationReference, TurnContext } from "botbuilder";
import type { Logger } from "../log.js";
import type { ApproverCheck } from "../respond/approvers.js";
import { saveConversation } from "../store/conversations-repo.js";
import { pinIncidentChannel } from "../store/incident-channel-repo.js";
import { type IncidentChannelSettings, incidentChannel } from "./incident-channel.js";
import { type OtherPlace, otherPlaceNotice } from "./other-place-notice.js";

export interface ArrivalDeps extends IncidentChannelSettings {
  approvers: ApproverCheck;
  log: Logger;
}

/** An installation announced again within this long is the same installation. */
const REPEAT_MS = 60_000;

/**
 * What an activity of Warden's own tenant may do to where incidents go. Nothing pinned yet: an
 * approver's installation (or message) in a team channel pins it as the incident channel. Pinned (or
 * configured): it stays where it is, and another team channel is reported to it when Warden is added
 * there, or the first time Warden hears from it, so the SOC sees every team Warden is in (issue 17,
 * finding 1). Chats are remembered, never pinned or reported: no card ever goes to one.
 */
export async function arrived(
  deps: ArrivalDeps,
  context: TurnContext,
  event: OtherPlace["event"],
): Promise<void> {
  const place = await remember(deps, context);
  if (place === undefined || place.kind !== "channel") return;
  const channel = await incidentChannel(deps);
  if (channel === undefined) return pinIfApprover(deps, context, place);
  if (channel.conversationId === place.conversationId) return;
  // Teams announces one installation twice (conversationUpdate and installationUpdate): one notice.
  const seenJustNow = place.lastSeenAt !== undefined && Date.now() - place.lastSeenAt < REPEAT_MS;
  if (event === "installed" ? seenJustNow : place.lastSeenAt !== undefined) return;
  const data = context.activity.channelData as
    | { team?: { id?: string; name?: string }; channel?: { id?: string; name?: string } }
    | undefined;
  const from = context.activity.from;
  const text = otherPlaceNotice({
    event,
    team: data?.team?.name ?? data?.team?.id ?? "(unnamed)",
    channel: data?.channel?.name ?? data?.channel?.id ?? place.conversationId,
    who: { name: from?.name ?? "someone", id: from?.aadObjectId ?? from?.id ?? "unknown" },
  });
  const logged = {
    tenantId: deps.tenantId,
    conversationId: place.conversationId,
    event,
    by: from?.aadObjectId,
  };
  deps.log.warn(logged, "Warden in a team channel other than the incident channel");
  try {
    await context.adapter.continueConversationAsync(
      deps.appId,
      channel.reference as Partial<ConversationReference>,
      async (turn) => {
        await turn.sendActivity(text);
      },
    );
  } catch (error) {
    // The notice must not cost the person their answer; the log line above keeps it for the SOC.
    deps.log.warn(
      { ...logged, err: (error as Error).message },
      "could not tell the incident channel about another team",
    );
  }
}

interface Place {
  conversationId: string;
  kind: "channel" | "groupChat" | "personal";
  reference: Record<string, unknown>;
  /** When Warden last heard from this conversation before now (undefined: never). */
  lastSeenAt: number | undefined;
}

/** Stores where an activity came from, as a conversation reference to post with later. */
async function remember(deps: ArrivalDeps, context: TurnContext): Promise<Place | undefined> {
  const conversation = context.activity.conversation;
  if (conversation?.id === undefined) return undefined;
  const type = conversation.conversationType;
  const kind = type === "channel" ? "channel" : type === "groupChat" ? "groupChat" : "personal";
  // A channel's reference without the thread part: new incident threads start from the channel itself.
  const channelId = conversation.id.split(";messageid=")[0] ?? conversation.id;
  const activity = { ...context.activity, conversation: { ...conversation, id: channelId } };
  const reference = {
    activityId: activity.id,
    bot: activity.recipient,
    channelId: activity.channelId,
    conversation: activity.conversation,
    serviceUrl: activity.serviceUrl,
    locale: activity.locale,
  };
  const { lastSeenAt } = await saveConversation(deps.db, {
    tenantId: deps.tenantId,
    conversationId: channelId,
    kind,
    reference,
  });
  return { conversationId: channelId, kind, reference, lastSeenAt };
}

/** Pins the channel when the activity's author is an approver and no channel is pinned yet. */
async function pinIfApprover(deps: ArrivalDeps, context: TurnContext, place: Place): Promise<void> {
  const by = (context.activity.from?.aadObjectId ?? "").toLowerCase();
  if (!(await deps.approvers.check(by)).ok) return;
  const pinned = await pinIncidentChannel(deps.db, deps.tenantId, {
    conversationId: place.conversationId,
    reference: place.reference,
    pinnedBy: by,
  });
  // Said in the log, not the channel: the installation itself is the SOC's own act.
  if (pinned)
    deps.log.info(
      { tenantId: deps.tenantId, conversationId: place.conversationId, by },
      "incident channel pinned: incident cards go here from now on",
    );
}
