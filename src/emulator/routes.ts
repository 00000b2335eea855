/**
 * The emulator's route table: every endpoint it answers, by method and path. A new endpoint is a module in
 * endpoints/ and one line here; 404 (no such path) and 405 (the path under another method) follow from
 * this table (src/core/route-table.ts). `tenant(...)` marks the endpoints that need a tenant_access_token.
 */
import { tenant } from './auth.js';
import type { Route } from './endpoint.js';
import { adminEdit, adminPost, adminRecall } from './endpoints/admin.js';
import { botInfo } from './endpoints/bot-info.js';
import { batchGetId } from './endpoints/lookup.js';
import { listChats, listMessages } from './endpoints/read.js';
import { listScopes } from './endpoints/scopes.js';
import { sendMessage } from './endpoints/send.js';
import { editMessage, recallMessage, updateCard } from './endpoints/message-changes.js';
import { issueToken } from './endpoints/token.js';
import { getUser, listUsers } from './endpoints/users.js';
import { wsEndpoint } from './endpoints/ws-endpoint.js';
import { uploadFile, uploadImage } from './endpoints/uploads.js';
import { MAX_UPLOAD_BODY_BYTES } from './uploads.js';
import { LARK_PATHS } from '../core/vocabulary.js';

export const ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: LARK_PATHS.token,
    handler: issueToken,
    counter: 'tokenRequests',
  },
  { method: 'POST', path: LARK_PATHS.messages, handler: tenant(sendMessage), counter: 'sendRequests' },
  { method: 'GET', path: LARK_PATHS.messages, handler: tenant(listMessages), counter: 'listMessagesRequests' },
  { method: 'PUT', path: LARK_PATHS.message, handler: tenant(editMessage), counter: 'changeRequests' },
  { method: 'PATCH', path: LARK_PATHS.message, handler: tenant(updateCard), counter: 'changeRequests' },
  { method: 'DELETE', path: LARK_PATHS.message, handler: tenant(recallMessage), counter: 'changeRequests' },
  { method: 'GET', path: LARK_PATHS.chats, handler: tenant(listChats), counter: 'listChatsRequests' },
  {
    method: 'POST',
    path: LARK_PATHS.batchGetId,
    handler: tenant(batchGetId),
    counter: 'batchGetIdRequests',
  },
  { method: 'POST', path: LARK_PATHS.images, handler: tenant(uploadImage), maxBodyBytes: MAX_UPLOAD_BODY_BYTES },
  { method: 'POST', path: LARK_PATHS.files, handler: tenant(uploadFile), maxBodyBytes: MAX_UPLOAD_BODY_BYTES },
  { method: 'GET', path: LARK_PATHS.botInfo, handler: tenant(botInfo), counter: 'botInfoRequests' },
  { method: 'GET', path: LARK_PATHS.scopes, handler: tenant(listScopes), counter: 'scopeRequests' },
  // The receiver picker's users list; its chats come from im/v1/chats.
  { method: 'GET', path: LARK_PATHS.usersByDepartment, handler: tenant(listUsers) },
  { method: 'GET', path: LARK_PATHS.users, handler: tenant(listUsers) },
  { method: 'GET', path: LARK_PATHS.user, handler: tenant(getUser) },
  { method: 'POST', path: LARK_PATHS.wsEndpoint, handler: wsEndpoint },
  // Admin calls (not Lark's: no token), for an emulator started by hand.
  { method: 'POST', path: '/_emulator/messages', handler: adminPost },
  { method: 'POST', path: '/_emulator/messages/edit', handler: adminEdit },
  { method: 'POST', path: '/_emulator/messages/recall', handler: adminRecall },
];
