/** One thing read from the input: a record with its place, or a problem at a place. */
export type InputItem =
  | { kind: "record"; record: unknown; place: string }
  | { kind: "problem"; place: string; reason: string };
