/** POST /api/receivers: the fixed-receiver picker of the node form, through the connector's commandCallback. */
import { HttpError } from './http-util.js';
import type { ConnectorLike } from './types.js';

export async function pickReceivers(connector: ConnectorLike, args: Record<string, unknown>): Promise<unknown> {
  if (!connector.commandCallback) throw new HttpError(501, 'NOT_SUPPORTED', 'this connector has no receiver picker');
  try {
    return await connector.commandCallback('GetReceiverOfChatsAndUsers', args);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    // A bad argument is the form's mistake; anything else came from Lark (scope missing, credentials).
    throw new HttpError(e.code === 'INPUT_INVALID' ? 400 : 502, e.code ?? 'LARK_API_ERROR', e.message ?? String(err));
  }
}
