/**
 * The send modes and which one a node's options put in force. Apart from the options' zod shape (config.ts)
 * because the record path reads it too, and a dry-run's worker threads load that path without zod.
 */
export const SEND_TYPES = ['dynamic_binding', 'message_body', 'fixed'] as const;
export type SendType = (typeof SEND_TYPES)[number];

/**
 * The mode in force. Without sendType: dynamic_binding when bindings are configured, fixed when receivers
 * are, else message_body (what every config written before send modes existed means).
 */
export function resolveSendType(o: { sendType?: SendType | undefined; dynamicBinding?: readonly unknown[] | undefined; receivers?: readonly unknown[] | undefined }): SendType {
  if (o.sendType) return o.sendType;
  if (o.dynamicBinding && o.dynamicBinding.length > 0) return 'dynamic_binding';
  if (o.receivers && o.receivers.length > 0) return 'fixed';
  return 'message_body';
}
