/** The Open Platform paths and scopes the client's endpoints use. */
export const PATHS = {
  messages: '/open-apis/im/v1/messages',
  chats: '/open-apis/im/v1/chats',
  batchGetId: '/open-apis/contact/v3/users/batch_get_id',
  botInfo: '/open-apis/bot/v3/info',
  scopes: '/open-apis/application/v6/scopes',
  usersByDepartment: '/open-apis/contact/v3/users/find_by_department',
  images: '/open-apis/im/v1/images',
  files: '/open-apis/im/v1/files',
} as const;

export const SCOPES = {
  send: 'im:message:send_as_bot',
  lookup: 'contact:user.id:readonly',
  readMessages: 'im:message:readonly',
  listUsers: 'contact:user.base:readonly',
  upload: 'im:resource',
} as const;
