/** POST /callback/ws/endpoint: where a long-connection client gets its WebSocket URL (see long-connection.ts). */
import type { EmulatorContext, EmulatorRequest } from '../endpoint.js';
import { jsonBody } from '../endpoint.js';
import type { Reply } from '../reply.js';

export function wsEndpoint(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const parsed = jsonBody(req);
  return 'reply' in parsed ? parsed.reply : ctx.longConnection.endpoint(parsed.value);
}
