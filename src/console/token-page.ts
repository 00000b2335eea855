/**
 * The page a browser gets for the console without this start's token (an address typed by hand, a bookmark,
 * a tab left open across a restart): what to open instead, in plain HTML, so it shows even before (or
 * without) the page's script. The token itself is never in it: only the URL's shape.
 */
import type { Language } from '../core/vocabulary.js';

export type TokenProblem = 'missing' | 'wrong';

type PageText = {
  title: string;
  missing: string;
  wrong: string;
  open: string;
  restart: string;
};

/** The command that starts the console (and prints its link); the same in every language. */
const START_COMMAND = 'lark-im console';

const TEXT: Record<Language, PageText> = {
  en_US: {
    title: 'Open the console with its link',
    missing: 'This address has no access token, so the console does not open here.',
    wrong: "This link's access token is not the one of the console running now (it was started again since).",
    open: 'Open the link that lark-im console printed when it started, in the terminal where it runs:',
    restart: 'Each start prints a new link. Lost it? Stop the console (Ctrl+C) and start it again:',
  },
  zh_CN: {
    title: '请用控制台的链接打开',
    missing: '这个地址没有访问令牌，所以控制台不会在这里打开。',
    wrong: '这个链接的访问令牌不属于当前运行的控制台（控制台之后重新启动过）。',
    open: '请打开 lark-im console 启动时在其运行的终端中打印的链接：',
    restart: '每次启动都会打印新的链接。找不到了？停止控制台（Ctrl+C）后重新启动：',
  },
  zh_TW: {
    title: '請用控制台的連結開啟',
    missing: '這個位址沒有存取權杖，所以控制台不會在這裡開啟。',
    wrong: '這個連結的存取權杖不屬於目前執行中的控制台（控制台之後重新啟動過）。',
    open: '請開啟 lark-im console 啟動時在其執行的終端機中印出的連結：',
    restart: '每次啟動都會印出新的連結。找不到了？停止控制台（Ctrl+C）後重新啟動：',
  },
};

const HTML_LANG: Record<Language, string> = { en_US: 'en', zh_CN: 'zh-Hans', zh_TW: 'zh-Hant' };

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The whole page; `origin` is the console's own (http://127.0.0.1:PORT), shown with a placeholder token. */
export function tokenPage(lang: Language, problem: TokenProblem, origin: string): string {
  const t = TEXT[lang];
  const e = escapeHtml;
  return `<!doctype html>
<html lang="${HTML_LANG[lang]}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${e(t.title)}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/styles.css">
</head>
<body data-page="token-${problem}">
  <main id="main" class="token-page">
    <section class="panel" role="alert" aria-labelledby="token-h">
      <h1 id="token-h">${e(t.title)}</h1>
      <p>${e(problem === 'missing' ? t.missing : t.wrong)}</p>
      <p>${e(t.open)}</p>
      <pre class="token-url"><code>${e(origin)}/?token=…</code></pre>
      <p>${e(t.restart)}</p>
      <pre><code>${START_COMMAND}</code></pre>
    </section>
  </main>
</body>
</html>
`;
}
