/** Open Platform hosts; the paths are the same on both. */
export const LARK_HOSTS = {
  feishu: 'https://open.feishu.cn',
  lark: 'https://open.larksuite.com',
} as const;
