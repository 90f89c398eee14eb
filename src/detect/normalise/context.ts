import type { InputShape } from "../event.js";

/** What a mapper needs to know beyond the record itself. */
export interface NormaliseContext {
  /** For records that do not carry their tenant (Graph API items): the tenant they were read from. */
  tenantId: string;
}

/** Fields a shape converter has already read, passed to the canonical mapper. */
export interface MapperInput {
  shape: InputShape;
  tenantId: string;
}
