/** GET /open-apis/application/v6/scopes: which scopes the app is granted. */
import type { App } from '../directory.js';
import type { EmulatorContext, EmulatorRequest } from '../endpoint.js';
import type { Reply } from '../reply.js';
import { SCOPES } from '../../core/vocabulary.js';

/** Scopes the answer reports (granted or not), besides whatever the seed grants. */
const KNOWN_SCOPES = [SCOPES.message, SCOPES.send, SCOPES.groupMessages, SCOPES.readMessages, SCOPES.lookup, SCOPES.upload];

export function listScopes(_ctx: EmulatorContext, _req: EmulatorRequest, app: App): Reply {
  const names = [...new Set([...KNOWN_SCOPES, ...app.scopes])];
  const scopes = names.map((scope_name) => ({ scope_name, grant_status: app.scopes.has(scope_name) ? 1 : 0, scope_type: 'tenant' }));
  return { status: 200, body: { code: 0, msg: 'success', data: { scopes } } };
}
