/**
 * How the connector's errors map onto Airbyte's: which failure_type a TRACE error carries (the platform
 * retries transient errors and asks the user to fix config errors), and the one-line text of a refused message.
 */
import type { OutcomeError } from '../../pipeline/report/outcome.js';
import type { FailureType } from './protocol.js';

/** Codes that say "try again later", not "change the settings". */
const TRANSIENT_CODES = new Set(['QUOTA_EXCEEDED', 'RATE_LIMITED', 'NETWORK', 'TIMEOUT', 'SERVER_ERROR', 'ENDPOINT_UNREACHABLE', 'STORE_UNAVAILABLE']);

export function failureTypeOf(code: string | undefined): FailureType {
  if (code === undefined) return 'system_error';
  return TRANSIENT_CODES.has(code) ? 'transient_error' : 'config_error';
}

/**
 * "CODE: message (Lark code N, log id X)": what the user needs to act on, never a request body. A Lark
 * error's message already names its code and log id: each is said once.
 */
export function describeOutcomeError(error: OutcomeError): string {
  const { larkCode, logId, message } = error;
  const lark = [
    larkCode !== undefined && !message.includes(`Lark code ${larkCode}`) ? `Lark code ${larkCode}` : '',
    logId && !message.includes(logId) ? `log id ${logId}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${error.code}: ${error.message}${lark ? ` (${lark})` : ''}`;
}
