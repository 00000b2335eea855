/** The result rows every case returns, and the plain-text table they are printed as. */

export interface BenchRow {
  /** Case name, e.g. "quota". */
  case: string;
  /** What is measured, e.g. "achieved / binding quota". */
  figure: string;
  connector: number | string | null;
  sdk: number | string | null;
  /** connector / sdk when both are numbers (null: not meaningful). */
  ratio: number | null;
  goal: string;
  /** null: no goal for this figure (informational). */
  met: boolean | null;
  /** Why a figure is what it is (printed under the table when --verbose, always in --json). */
  note?: string;
}

/** connector / sdk, or null when either is not a positive finite number. */
export function ratioOf(connector: number | string | null, sdk: number | string | null): number | null {
  if (typeof connector !== 'number' || typeof sdk !== 'number') return null;
  if (!Number.isFinite(connector) || !Number.isFinite(sdk) || sdk === 0) return null;
  return connector / sdk;
}

/** Short human form: integers as is (with thousands separators), others with 3 significant digits. */
export function formatValue(v: number | string | null): string {
  if (v === null) return '-';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const abs = Math.abs(v);
  if (abs >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(3);
}

export function formatMet(met: boolean | null): string {
  return met === null ? '' : met ? 'met' : 'MISSED';
}

const HEADERS = ['case', 'figure', 'connector', 'SDK', 'ratio', 'goal', 'result'] as const;

/** Rows as an aligned text table (numbers right-aligned). */
export function formatTable(rows: BenchRow[]): string {
  const cells = rows.map((r) => [
    r.case,
    r.figure,
    formatValue(r.connector),
    formatValue(r.sdk),
    r.ratio === null ? '-' : `${formatValue(r.ratio)}x`,
    r.goal,
    formatMet(r.met),
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const rightAligned = new Set([2, 3, 4]);
  const line = (c: readonly string[]) =>
    c.map((s, i) => (rightAligned.has(i) ? s.padStart(widths[i]!) : s.padEnd(widths[i]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(HEADERS), rule, ...cells.map(line)].join('\n');
}

/** The same rows as a Markdown table (for docs/BENCHMARKS.md). */
export function formatMarkdown(rows: BenchRow[]): string {
  const head = `| ${HEADERS.join(' | ')} |`;
  const sep = `|${HEADERS.map((_, i) => ([2, 3, 4].includes(i) ? '---:' : '---')).join('|')}|`;
  const body = rows.map(
    (r) =>
      `| ${[r.case, r.figure, formatValue(r.connector), formatValue(r.sdk), r.ratio === null ? '-' : `${formatValue(r.ratio)}x`, r.goal, formatMet(r.met)].join(' | ')} |`,
  );
  return [head, sep, ...body].join('\n');
}

/** The bench's exit code: 1 when a goal was missed, unless the run asked to keep 0 (--no-fail). */
export function benchExitCode(rows: readonly BenchRow[], failOnMissed: boolean): number {
  return failOnMissed && rows.some((r) => r.met === false) ? 1 : 0;
}
