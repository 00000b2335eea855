/**
 * The node option `media`: where image and file sources may come from (zod + form metadata + the form's
 * strings in three languages). config.ts extends the node schema with MEDIA_NODE_SHAPE, manifest.ts adds
 * the field and its strings. Safe by default: no host and no folder.
 */
import { z } from 'zod';
import { objectFromJsonText } from '../../core/json-text.js';
import { numericText, wholeNumber } from '../../core/whole-number.js';
import type { FieldMeta } from '../../core/types.js';
import { parseHostRule } from './allow.js';
import { DEFAULT_MEDIA_TIMEOUT_MS } from './fetch.js';

export const MEDIA_TIMEOUT_MS_RANGE = { min: 1_000, max: 120_000 } as const;

/** ["a.com", "*.b.com:8443"], or the same joined by commas / spaces (a form's text field). */
const hostList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter((x) => x !== '') : v),
  z
    .array(
      z.string({ error: 'must hold host names' }).refine((h) => parseHostRule(h) !== undefined, {
        error: 'holds an entry that is not a host: use host names, *.example.com wildcards, optionally :port',
      }),
      { error: 'must be a list of host names (*.example.com wildcards, optional :port)' },
    )
    .default([]),
);

export const mediaOptionsSchema = z
  .object({
    allowHosts: hostList,
    root: z.preprocess(
      (v) => (typeof v === 'string' ? v.trim() || undefined : v),
      z.string({ error: 'must be a folder path' }).optional(),
    ),
    timeoutMs: z.preprocess(numericText, wholeNumber({ ...MEDIA_TIMEOUT_MS_RANGE, unit: 'ms' }).default(DEFAULT_MEDIA_TIMEOUT_MS)),
  }, { error: 'must be an object {allowHosts, root, timeoutMs}' })
  .strict();

export type MediaOptions = z.infer<typeof mediaOptionsSchema>;

/** Absent: no URL is fetched and no local path read (data: URIs still work). */
export const MEDIA_NODE_SHAPE = {
  // A form's JSON editor may store its value as a string.
  media: z.preprocess(objectFromJsonText, mediaOptionsSchema.optional()),
};

export const MEDIA_NODE_FIELD_META: { [K in keyof typeof MEDIA_NODE_SHAPE]-?: FieldMeta } = {
  media: {
    i18nKey: 'media',
    apiServerKey: 'media',
    component: 'JsonEditor',
    index: 20,
    formNode: { type: 'object' },
  },
};

const EN_US = {
  media: 'Images and files',
  media_tooltip: 'Where images and files named in messages ({"image": URL}, {"file": path}) may come from; each distinct content is uploaded to Lark once. {"allowHosts": ["charts.example.com", "*.cdn.example.com:8443"], "root": "/data/reports", "timeoutMs": 20000}. allowHosts: hosts URLs may be fetched from (and redirected to); a host without a port means ports 80 / 443. root: local paths are read only inside it (.. and symlinks resolved). Nothing is allowed by default; data: URIs always work',
  test_media: 'Images and files (im:resource)',
};
export type MediaMessageKey = keyof typeof EN_US;

const ZH_CN: Record<MediaMessageKey, string> = {
  media: '图片与文件',
  media_tooltip: '消息中引用的图片和文件（{"image": URL}、{"file": 路径}）可以来自哪里；每份不同的内容只上传到飞书一次。{"allowHosts": ["charts.example.com", "*.cdn.example.com:8443"], "root": "/data/reports", "timeoutMs": 20000}。allowHosts：允许下载（及重定向到）的主机，不带端口表示 80 / 443 端口。root：只读取此目录内的本地路径（解析 .. 和符号链接之后判断）。默认什么都不允许；data: URI 始终可用',
  test_media: '图片与文件（im:resource）',
};

const ZH_TW: Record<MediaMessageKey, string> = {
  media: '圖片與檔案',
  media_tooltip: '訊息中引用的圖片和檔案（{"image": URL}、{"file": 路徑}）可以來自哪裡；每份不同的內容只上傳到 Lark 一次。{"allowHosts": ["charts.example.com", "*.cdn.example.com:8443"], "root": "/data/reports", "timeoutMs": 20000}。allowHosts：允許下載（及重新導向到）的主機，不帶連接埠表示 80 / 443 連接埠。root：只讀取此資料夾內的本機路徑（解析 .. 和符號連結之後判斷）。預設什麼都不允許；data: URI 一律可用',
  test_media: '圖片與檔案（im:resource）',
};

export const MEDIA_MESSAGES = { en_US: EN_US, zh_CN: ZH_CN, zh_TW: ZH_TW };
