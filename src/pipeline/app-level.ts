/**
 * Which send failures stop the whole run. The Lark client's error table is to own this test
 * (`isAppLevel` in src/lark/errors.ts); until it does, the writer's sets live here, behind the one
 * function the send stage calls, so moving to the table is a one-line change of this module.
 */
import { ConnectorError } from '../lark/errors.js';

/** Codes that mean no later message can succeed either. */
const APP_LEVEL_CODES = new Set(['APP_ID_WRONG', 'APP_SECRET_WRONG', 'APP_UNAVAILABLE', 'QUOTA_EXCEEDED', 'TOKEN_INVALID']);
/** Lark codes for scopes the app lacks on the send API itself (a phone lookup's scope is not app-level). */
const APP_LEVEL_LARK_CODES = new Set([99991672, 99991676, 99991679]);

export function isAppLevel(err: unknown): err is ConnectorError {
  if (!(err instanceof ConnectorError)) return false;
  return APP_LEVEL_CODES.has(err.code) || (err.larkCode !== undefined && APP_LEVEL_LARK_CODES.has(err.larkCode));
}
