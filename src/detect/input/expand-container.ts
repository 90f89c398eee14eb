import { isObject } from "../normalise/fields.js";
import type { InputItem } from "./input-item.js";

/**
 * Unwraps the envelopes Microsoft's APIs and exports put around records: arrays, list pages (Graph's and
 * ARM's `{"value":[...]}` with their paging fields), diagnostic exports' `{"records":[...]}`, and the Log
 * Analytics query API's `{"tables":[{columns,rows}]}`.
 * Anything else is a record. The place of an unwrapped record gets its index: `file:3[12]`.
 */
export function* expandContainer(value: unknown, place: string, depth = 0): Generator<InputItem> {
  if (depth > 3) {
    yield { kind: "problem", place, reason: "nested more than three containers deep" };
    return;
  }
  const items = containerItems(value);
  if (items === undefined) {
    yield { kind: "record", record: value, place };
    return;
  }
  for (let index = 0; index < items.length; index++) {
    yield* expandContainer(items[index], `${place}[${index}]`, depth + 1);
  }
  // A saved page that names a next one is a list cut short: what is on the pages after it is not read.
  const next = isObject(value) ? (value["nextLink"] ?? value["@odata.nextLink"]) : undefined;
  if (typeof next === "string" && next !== "")
    yield {
      kind: "problem",
      place,
      reason:
        "one page of a longer list: the pages after it (its nextLink) are not in this export. Save every page: follow nextLink until there is none",
    };
}

function containerItems(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (!isObject(value)) return undefined;
  // A list page: Graph's (`@odata.context`, `@odata.nextLink`, `@odata.count` beside `value`) or ARM's
  // (`nextLink`), as the Activity Log API and `az rest` return it. Its records are in `value`.
  const keys = Object.keys(value).filter((k) => !k.startsWith("@odata") && k !== "nextLink");
  if (keys.length === 1 && keys[0] === "value" && Array.isArray(value["value"])) return value["value"];
  if (keys.length === 1 && keys[0] === "records" && Array.isArray(value["records"])) return value["records"];
  if (keys.length === 1 && keys[0] === "tables" && Array.isArray(value["tables"]))
    return tableRows(value["tables"]);
  return undefined;
}

/** Log Analytics query API results: each row becomes an object keyed by its column names. */
function tableRows(tables: unknown[]): unknown[] {
  const rows: unknown[] = [];
  for (const table of tables) {
    if (!isObject(table) || !Array.isArray(table["columns"]) || !Array.isArray(table["rows"])) continue;
    const names = table["columns"].map((c) =>
      isObject(c) && typeof c["name"] === "string" ? c["name"] : "",
    );
    for (const row of table["rows"]) {
      if (!Array.isArray(row)) continue;
      const record: Record<string, unknown> = {};
      names.forEach((name, i) => {
        if (name !== "") record[name] = row[i];
      });
      rows.push(record);
    }
  }
  return rows;
}
