/** GET /open-apis/application/v6/scopes: which scopes the app is granted. */
import type { App } from '../directory.js';
import type { EmulatorContext, EmulatorRequest } from '../endpoint.js';
import type { Reply } from '../reply.js';

/** Scopes the answer reports (granted or not), besides whatever the seed grants. */
const KNOWN_SCOPES = ['im:message', 'im:message:send_as_bot', 'im:message.group_msg', 'im:message:readonly', 'contact:user.id:readonly', 'im:resource'];

export function listScopes(_ctx: EmulatorContext, _req: EmulatorRequest, app: App): Reply {
  const names = [...new Set([...KNOWN_SCOPES, ...app.scopes])];
  const scopes = names.map((scope_name) => ({ scope_name, grant_status: app.scopes.has(scope_name) ? 1 : 0, scope_type: 'tenant' }));
  return { status: 200, body: { code: 0, msg: 'success', data: { scopes } } };
}
