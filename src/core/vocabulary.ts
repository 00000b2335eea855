/**
 * The words this connector and Lark's IM API share: msg types, receive types, scopes and API paths (and the
 * languages the connector speaks). The connector, the emulator and the specs read them here, so that a new msg
 * type or scope is added once. Depends on nothing.
 */

/** The languages of the manifest's messages (TapData's), and of the console. */
export const LANGUAGES = ['en_US', 'zh_CN', 'zh_TW'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The msg_type values of POST /open-apis/im/v1/messages. */
export const LARK_MSG_TYPES = [
  'text', 'post', 'image', 'interactive', 'share_chat', 'share_user', 'audio', 'media', 'file', 'sticker',
] as const;
export type LarkMsgType = (typeof LARK_MSG_TYPES)[number];

/**
 * A record's contentType values (what the record says it holds). Every Lark msg_type is one, under its own
 * name; src/pipeline/msg-type.ts says which msg_type each is sent as.
 */
export const CONTENT_TYPES = LARK_MSG_TYPES;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** The element tags of a post (rich text) paragraph; Lark refuses any other. */
export const POST_TAGS = ['text', 'a', 'at', 'img', 'media', 'emotion', 'hr', 'code_block', 'md'] as const;
export type PostTag = (typeof POST_TAGS)[number];

/** A record's receiveType values: how its receiveId is read. */
export const RECEIVE_TYPES = ['user', 'email', 'phone', 'chat', 'user_id', 'union_id'] as const;
export type ReceiveType = (typeof RECEIVE_TYPES)[number];
/** Every name a receiveType may be given by: the connector's, and Lark's receive_id_type for user and chat. */
export const RECEIVE_TYPE_NAMES = [...RECEIVE_TYPES, 'open_id', 'chat_id'] as const;
export type ReceiveTypeName = (typeof RECEIVE_TYPE_NAMES)[number];
/** Lark's names for two receiveTypes. */
export const RECEIVE_TYPE_ALIASES: Readonly<Record<Exclude<ReceiveTypeName, ReceiveType>, ReceiveType>> = {
  open_id: 'user',
  chat_id: 'chat',
};
const isAlias = (name: ReceiveTypeName): name is keyof typeof RECEIVE_TYPE_ALIASES =>
  Object.hasOwn(RECEIVE_TYPE_ALIASES, name);
/** The receiveType a name stands for. */
export function receiveTypeOf(name: ReceiveTypeName): ReceiveType {
  return isAlias(name) ? RECEIVE_TYPE_ALIASES[name] : name;
}

/** The receive_id_type values of the send API. */
export const RECEIVE_ID_TYPES = ['open_id', 'union_id', 'user_id', 'email', 'chat_id'] as const;
export type ReceiveIdType = (typeof RECEIVE_ID_TYPES)[number];

/** The scopes the connector names: what each API needs and what the connection test looks for. */
export const SCOPES = {
  /** Send as the bot (POST messages). */
  send: 'im:message:send_as_bot',
  /** The older catch-all message scope; Lark accepts it for sending and reading too. */
  message: 'im:message',
  /** Phone -> open_id (batch_get_id). */
  lookup: 'contact:user.id:readonly',
  /** Read chats' history (GET messages). */
  readMessages: 'im:message:readonly',
  readHistory: 'im:message.history:readonly',
  /** Without it a bot sees, in groups, only the messages that @-mention it. */
  groupMessages: 'im:message.group_msg',
  /** The users of the app's contact range (the receiver picker). */
  listUsers: 'contact:user.base:readonly',
  listContacts: 'contact:contact.base:readonly',
  listContactsAsApp: 'contact:contact:readonly_as_app',
  /** The chats the bot is in. */
  listChats: 'im:chat:readonly',
  /** Upload images and files (im:message is accepted too). */
  upload: 'im:resource',
  /** Edit a sent message or update a card (PUT / PATCH messages/:message_id). */
  edit: 'im:message:update',
  /** Recall a sent message (DELETE messages/:message_id). */
  recall: 'im:message:recall',
} as const;

/** Any one of these lets an app send as the bot. */
export const SEND_SCOPES: readonly string[] = [SCOPES.message, SCOPES.send];
/** Any one of these lets an app read messages; the first is the one to apply for. */
export const READ_SCOPES: readonly string[] = [SCOPES.readMessages, SCOPES.message, SCOPES.readHistory];
/** Any one of these lets an app edit its message or update its card; any one of the recall ones, recall it. */
export const EDIT_SCOPES: readonly string[] = [SCOPES.message, SCOPES.send, SCOPES.edit];
export const RECALL_SCOPES: readonly string[] = [SCOPES.message, SCOPES.send, SCOPES.recall];
/** Any one of these lets an app list the users of its contact range. */
export const USER_LIST_SCOPES: readonly string[] = [SCOPES.listUsers, SCOPES.listContacts, SCOPES.listContactsAsApp];

/** The Lark Open API paths the client calls and the emulator serves. */
export const LARK_PATHS = {
  token: '/open-apis/auth/v3/tenant_access_token/internal',
  messages: '/open-apis/im/v1/messages',
  /** One message: edited (PUT), its card updated (PATCH), recalled (DELETE). */
  message: '/open-apis/im/v1/messages/:message_id',
  chats: '/open-apis/im/v1/chats',
  batchGetId: '/open-apis/contact/v3/users/batch_get_id',
  botInfo: '/open-apis/bot/v3/info',
  scopes: '/open-apis/application/v6/scopes',
  usersByDepartment: '/open-apis/contact/v3/users/find_by_department',
  /** The older users list; answers as usersByDepartment does. */
  users: '/open-apis/contact/v3/users',
  /** One user (GET, by open_id here): the source preview's sender names. */
  user: '/open-apis/contact/v3/users/:user_id',
  /** Uploads: their keys go in image, file, audio and media messages. */
  images: '/open-apis/im/v1/images',
  files: '/open-apis/im/v1/files',
  /** The long connection's endpoint (not under /open-apis). */
  wsEndpoint: '/callback/ws/endpoint',
} as const;
