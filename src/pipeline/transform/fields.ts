/**
 * Reading a record's fields by name, with dot paths for nested fields (customer.name, items.0.sku), and the
 * one error every send mode gives when a field it needs is not there.
 */
import { isRecord } from '../../core/is-record.js';
import { ValidationError } from '../../core/errors.js';

/**
 * The value at `path` in `record`, or undefined. A key that itself contains dots ("a.b" as one column name)
 * wins over the nested reading, so flat rows from SQL sources with dotted column names still work.
 */
export function fieldValue(record: unknown, path: string): unknown {
  if (!isRecord(record) && !Array.isArray(record)) return undefined;
  if (isRecord(record) && Object.hasOwn(record, path)) return record[path];
  let cur: unknown = record;
  for (const part of path.split('.')) {
    if (isRecord(cur)) cur = Object.hasOwn(cur, part) ? cur[part] : undefined;
    else if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Missing for a message: absent, null, or a blank string. */
export function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** A message that cannot be built because the record lacks a field: the field is named, the advice says where. */
export function fieldMissing(field: string, role: string): ValidationError {
  return new ValidationError({
    code: 'FIELD_MISSING',
    field,
    message: `record field "${field}" is missing or empty: it is the ${role}. Fill the field in the source, or change the node's ${role.includes('receiver') ? 'dynamicBinding' : 'message'} settings`,
  });
}
