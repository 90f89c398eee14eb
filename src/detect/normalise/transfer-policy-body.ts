import { type JsonObject, obj } from "./fields.js";

const FIELDS = ["blocksubscriptionsleavingtenant", "blocksubscriptionsintotenant", "exemptedprincipals"];

/**
 * Whether a transfer-policy write is unambiguously the protective setting: subscriptions blocked from
 * leaving, no one exempted. Detection stays quiet only for that (it is what Warden asks a Global
 * Administrator to apply), so anything a reader could take two ways counts as not protective: no request
 * body, two of them, a nested `properties` a lenient reader would prefer, a field written twice (in any
 * case), or no response body from ARM saying the same. ARM takes the request body flat
 * (`PutTenantPolicyRequestProperties`, subscription/subscriptions.json).
 */
export function protectiveTransferBlock(properties: JsonObject): boolean {
  const requests = [properties["requestbody"], properties["requestBody"]].flatMap((b) => {
    const body = obj(b);
    return body === undefined ? [] : [body];
  });
  const [request] = requests;
  if (request === undefined || requests.length > 1) return false;
  // A key written twice is kept once by JSON.parse (the last); a reader that keeps the first would see
  // another policy. Counted in the text as logged.
  const raw = String(properties["requestbody"] ?? properties["requestBody"] ?? "");
  for (const name of FIELDS) {
    if ((raw.toLowerCase().match(new RegExp(`"${name}"\\s*:`, "g")) ?? []).length > 1) return false;
  }
  const keys = Object.keys(request).map((k) => k.toLowerCase());
  if (keys.includes("properties") || new Set(keys).size !== keys.length) return false;
  if (!keys.every((k) => FIELDS.includes(k))) return false;
  if (!blocksAll(request)) return false;
  // ARM's own answer must say the same: the request alone is the caller's word.
  const response = obj(properties["responseBody"]);
  if (response === undefined) return false;
  return blocksAll(obj(response["properties"]) ?? response);
}

function blocksAll(body: JsonObject): boolean {
  const exempted = body["exemptedPrincipals"];
  return body["blockSubscriptionsLeavingTenant"] === true && Array.isArray(exempted) && exempted.length === 0;
}
