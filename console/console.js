// The demo SOC console: renders the simulated Teams channel with the Adaptive Cards renderer, turns a
// click into the invoke Teams would send (through the console's API, which signs it), and shows the
// tenant as it changes. Plain browser JavaScript, no build step; text from the tenant is never HTML.
"use strict";

const token = new URLSearchParams(location.hash.slice(1)).get("token") ?? "";
const $ = (id) => document.getElementById(id);
const rendered = new Map(); // activityId -> { revision, override, element }
let people = [];
let latestState;

async function api(path, body) {
  const response = await fetch(`/api/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "x-console-token": token, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error((await response.json().catch(() => ({}))).error ?? `HTTP ${response.status}`);
  return response.json();
}

// console/markdown.js: HTML-escapes everything, then draws bold, code and links to the portals only.
const markdown = globalThis.wardenMarkdown;
// console/card-host.js: the host configs (light and dark) and the render call the docs' screenshots share.
const cards = globalThis.wardenCards;
let theme = cards.preferredTheme();

function actingPerson() {
  return $("person").value;
}

function status(text) {
  $("status").textContent = text;
}

function renderCard(json, conversationId, onAnswer) {
  return cards.render(json, theme, async (action) => {
    const who = people.find((p) => p.id === actingPerson());
    status(`${who?.name ?? "?"} clicked “${action.title}”…`);
    try {
      const answer = await api("invoke", {
        personId: actingPerson(),
        conversationId,
        verb: action.verb,
        data: action.data ?? {},
      });
      status(answer.status === 200 ? "" : `Warden answered ${answer.status}`);
      if (answer.card !== undefined) onAnswer(answer.card);
    } catch (error) {
      status(`The click did not reach Warden: ${error.message}`);
    }
  });
}

function messageElement(message, card, answered) {
  const element = document.createElement("article");
  element.className = "message";
  element.dataset.activityId = message.activityId;
  const title = card?.body?.[0]?.items?.[0]?.text;
  if (typeof title === "string") element.dataset.title = title;
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = `Warden · ${new Date(message.at).toLocaleTimeString()}${message.revision > 0 ? ` · updated ${new Date(message.updatedAt).toLocaleTimeString()}` : ""}`;
  element.append(meta);
  const body = document.createElement("div");
  body.className = "card";
  if (card !== undefined) {
    body.append(renderCard(card, message.conversationId, answered));
    if (String(card.body?.[0]?.text ?? "").startsWith("Refused:")) {
      element.classList.add("refused");
    }
  } else {
    body.innerHTML = markdown(message.text ?? "");
  }
  element.append(body);
  return element;
}

function renderChannel(channel) {
  const container = $("channel");
  if (channel.length === 0) return;
  container.querySelector(".empty")?.remove();
  for (const message of channel) {
    const known = rendered.get(message.activityId);
    // Re-render only what changed, so a reason typed into a card is not wiped by the next refresh.
    if (known !== undefined && known.revision === message.revision) continue;
    const entry = { revision: message.revision, message, element: undefined, card: undefined, show: undefined };
    entry.show = (card) => {
      const element = messageElement(message, card, (answer) => entry.show(answer));
      if (entry.element === undefined) container.prepend(element);
      else entry.element.replaceWith(element);
      entry.element = element;
      entry.card = card;
    };
    if (known?.element !== undefined) entry.element = known.element;
    rendered.set(message.activityId, entry);
    entry.show(message.card);
    refreshFor(entry);
  }
}

// Teams' Universal Actions: a card whose `refresh.userIds` lists the person looking at it is refreshed as
// it is shown (the client invokes `refresh.action`), and that person sees the bot's answer instead, an
// approver's card with its buttons where everyone else has the one posted.
async function refreshFor(entry) {
  const refresh = entry.message.card?.refresh;
  const person = actingPerson();
  if (refresh?.action?.type !== "Action.Execute" || !refresh.userIds?.includes(`29:${person}`)) return;
  const shown = entry.element;
  try {
    const answer = await api("invoke", {
      personId: person,
      conversationId: entry.message.conversationId,
      verb: refresh.action.verb,
      data: refresh.action.data ?? {},
    });
    // Drawn only if nothing moved meanwhile: another person, a newer version of the card, a click.
    if (answer.card !== undefined && entry.element === shown && actingPerson() === person) entry.show(answer.card);
  } catch (error) {
    status(`The card could not be refreshed: ${error.message}`);
  }
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className !== undefined) td.className = className;
  return td;
}

function renderTenant(tenant) {
  const table = document.createElement("table");
  table.innerHTML = "<thead><tr><th>User</th><th>Sign-in</th><th>Roles</th></tr></thead>";
  const tbody = document.createElement("tbody");
  for (const user of tenant.users) {
    const row = document.createElement("tr");
    row.dataset.upn = user.userPrincipalName;
    row.append(
      cell(`${user.displayName}${user.userType === "Guest" ? " (guest)" : ""}${user.protected ? " · protected" : ""}\n${user.userPrincipalName}`),
      cell(user.accountEnabled ? (user.requiresMfa ? "enabled, MFA required" : "enabled") : "disabled", user.accountEnabled ? "enabled" : "disabled"),
      cell(
        [...user.entraRoles, ...user.eligibleRoles.map((r) => `${r} (eligible)`), ...user.azureRoles].join(", ") || "none",
      ),
    );
    row.dataset.enabled = String(user.accountEnabled);
    tbody.append(row);
  }
  table.append(tbody);
  const facts = document.createElement("div");
  facts.className = "facts";
  const policies = tenant.conditionalAccess.map((p) => `${p.displayName} (${p.state})`).join("; ") || "none";
  facts.innerHTML = "<div><b>Conditional access:</b> <span></span></div><div><b>Subscription transfers:</b> <span></span></div><div><b>Subscriptions in the directory:</b> <span></span></div>";
  const spans = facts.querySelectorAll("span");
  spans[0].textContent = policies;
  spans[1].textContent = `${tenant.transfers.blockLeaving ? "blocked from leaving" : "may leave"}, ${tenant.transfers.blockEntering ? "blocked from entering" : "may enter"}`;
  spans[1].dataset.testid = "transfers";
  spans[2].textContent = String(tenant.subscriptions.length);
  const writes = document.createElement("ol");
  writes.className = "writes";
  for (const w of tenant.recentWrites) {
    const li = document.createElement("li");
    li.textContent = `${new Date(w.at).toLocaleTimeString()} ${w.what}: ${w.target}`;
    writes.append(li);
  }
  const heading = document.createElement("div");
  heading.className = "facts";
  heading.innerHTML = "<b>Latest writes through Graph and ARM</b>";
  $("tenant").replaceChildren(table, facts, heading, writes);
}

const chatRendered = new Map();
function renderChat(lines) {
  const key = `${actingPerson()}:${lines.length}:${lines.map((l) => l.revision).join(",")}`;
  if (chatRendered.get("key") === key) return;
  chatRendered.set("key", key);
  const chat = $("chat");
  chat.replaceChildren(
    ...lines.map((line) => {
      const div = document.createElement("div");
      div.className = "line";
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = line.from === "warden" ? "Warden" : line.from;
      div.append(who);
      if (line.card !== undefined) {
        const holder = document.createElement("div");
        const show = (card) => holder.replaceChildren(renderCard(card, line.conversationId, show));
        show(line.card);
        div.append(holder);
      } else {
        const text = document.createElement("span");
        text.innerHTML = markdown(line.text ?? "");
        div.append(text);
      }
      return div;
    }),
  );
  chat.scrollTop = chat.scrollHeight;
}

async function refresh() {
  try {
    latestState = await api("state");
    if (people.length === 0) {
      people = latestState.people;
      $("person").replaceChildren(
        ...people.map((p) => {
          const option = document.createElement("option");
          option.value = p.id;
          option.textContent = `${p.name}${p.approver ? " (approver)" : " (not an approver)"}`;
          return option;
        }),
      );
    }
    renderChannel(latestState.channel);
    renderTenant(latestState.tenant);
    renderChat(latestState.chats[actingPerson()] ?? []);
  } catch (error) {
    status(`Cannot reach the demo: ${error.message}`);
  }
}

$("chat-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("chat-text").value.trim();
  if (text === "") return;
  $("chat-text").value = "";
  try {
    await api("chat", { personId: actingPerson(), text });
    await refresh();
  } catch (error) {
    status(`The message did not reach Warden: ${error.message}`);
  }
});
// The reader switches the system to dark (or back): every card is drawn again in the new host config,
// each as it was last shown (an answer to a click included).
globalThis.matchMedia?.("(prefers-color-scheme: dark)").addEventListener("change", () => {
  theme = cards.preferredTheme();
  for (const entry of rendered.values()) entry.show?.(entry.card);
  chatRendered.clear();
  if (latestState !== undefined) renderChat(latestState.chats[actingPerson()] ?? []);
});
$("person").addEventListener("change", () => {
  // Each person sees the card as posted, refreshed for them if they are among its `refresh.userIds`.
  for (const entry of rendered.values()) {
    entry.show(entry.message.card);
    refreshFor(entry);
  }
  chatRendered.clear();
  if (latestState !== undefined) renderChat(latestState.chats[actingPerson()] ?? []);
});

if (token === "") {
  status("Open the address `warden demo` printed: it carries the console's token.");
} else {
  refresh();
  setInterval(refresh, 1000);
}
