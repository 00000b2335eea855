/** The JSON Schema (draft-07) Airbyte reads a table as: the source stream's and the destination record's shape. */
import type { TableSchema } from '../../core/types.js';

/** A discovered table as a JSON Schema object (draft-07). */
export function tableJsonSchema(table: TableSchema): Record<string, unknown> {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const f of table.fields) {
    // An optional field of a read row is null when absent (the source writes null, never leaves it out).
    const type = f.required ? f.type : [f.type, 'null'];
    properties[f.name] = {
      type,
      description: f.description,
      ...(f.type === 'array' ? { items: { type: 'object' } } : {}),
      ...(f.enum ? { enum: [...f.enum] } : {}),
    };
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    description: table.description,
    required: table.fields.filter((f) => f.required).map((f) => f.name),
    properties,
  };
}
