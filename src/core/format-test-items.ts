/** Connection test items as text, one line each: what `lark-im check` prints and Airbyte's check reports. */
import type { TestItem } from './types.js';

const MARK: Record<TestItem['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export function formatTestItems(items: TestItem[]): string {
  return items.map((i) => `[${MARK[i.status]}] ${i.title}: ${i.detail}`).join('\n') + '\n';
}
