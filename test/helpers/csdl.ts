import { readFileSync } from "node:fs";

/**
 * A small reader of the Graph v1.0 metadata (CSDL): entity and complex types with their properties and
 * base types, and enum members. Enough to check that a record uses only names and values Graph defines.
 */
interface StructuredType {
  base?: string;
  properties: Map<string, string>;
}

export class Csdl {
  private readonly types = new Map<string, StructuredType>();
  private readonly enums = new Map<string, Set<string>>();

  constructor(path: string) {
    // Only the microsoft.graph schema: other namespaces (callRecords, security, ...) reuse type names.
    const all = readFileSync(path, "utf8");
    const start = all.indexOf('<Schema Namespace="microsoft.graph"');
    if (start < 0) throw new Error(`${path} has no microsoft.graph schema`);
    const end = all.indexOf("</Schema>", start);
    const xml = all.slice(start, end);
    for (const m of xml.matchAll(
      /<(EntityType|ComplexType) Name="(\w+)"([^>]*?)(\/?)>([\s\S]*?)(?=<\/(?:EntityType|ComplexType)>|<(?:EntityType|ComplexType) )/g,
    )) {
      const [, , name = "", attributes = "", selfClosing = "", body = ""] = m;
      const base = /BaseType="graph\.(\w+)"/.exec(attributes)?.[1];
      const properties = new Map<string, string>();
      if (selfClosing === "") {
        for (const p of body.matchAll(/<(?:Property|NavigationProperty) Name="([^"]+)" Type="([^"]+)"/g))
          properties.set(p[1] as string, p[2] as string);
      }
      this.types.set(name, { ...(base === undefined ? {} : { base }), properties });
    }
    for (const m of xml.matchAll(/<EnumType Name="(\w+)"[^>]*>([\s\S]*?)<\/EnumType>/g)) {
      this.enums.set(
        m[1] as string,
        new Set([...(m[2] as string).matchAll(/<Member Name="(\w+)"/g)].map((x) => x[1] as string)),
      );
    }
  }

  /** The declared type of a property, looked up through base types. */
  propertyType(typeName: string, property: string): string | undefined {
    for (let t: string | undefined = typeName; t !== undefined; t = this.types.get(t)?.base) {
      const found = this.types.get(t)?.properties.get(property);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Every way `value` departs from `type`: unknown properties, values outside an enum, wrong shapes. */
  check(value: unknown, type: string, path = "$"): string[] {
    if (value === null || value === undefined) return [];
    const collection = /^Collection\((.+)\)$/.exec(type);
    if (collection !== null) {
      if (!Array.isArray(value)) return [`${path}: expected a collection of ${collection[1]}`];
      return value.flatMap((v, i) => this.check(v, collection[1] as string, `${path}[${i}]`));
    }
    if (type.startsWith("Edm.")) {
      const ok =
        type === "Edm.String" || type === "Edm.DateTimeOffset" || type === "Edm.Guid"
          ? typeof value === "string"
          : type === "Edm.Boolean"
            ? typeof value === "boolean"
            : typeof value === "number";
      return ok ? [] : [`${path}: ${JSON.stringify(value)} is not ${type}`];
    }
    const name = type.replace(/^graph\./, "");
    const members = this.enums.get(name);
    if (members !== undefined)
      return members.has(String(value)) ? [] : [`${path}: "${String(value)}" is not a member of ${name}`];
    if (!this.types.has(name)) return [`${path}: type ${type} is not in the metadata`];
    if (typeof value !== "object" || Array.isArray(value)) return [`${path}: expected a ${name} object`];
    const problems: string[] = [];
    for (const [key, child] of Object.entries(value)) {
      if (key.startsWith("@odata.")) continue;
      const childType = this.propertyType(name, key);
      if (childType === undefined) problems.push(`${path}.${key}: ${name} has no property "${key}"`);
      else problems.push(...this.check(child, childType, `${path}.${key}`));
    }
    return problems;
  }
}
