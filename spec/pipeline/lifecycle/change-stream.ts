/**
 * A change stream for the lifecycle specs: ~100 keys, inserts, several updates each, a replayed snapshot,
 * one key with more than 20 updates, deletes; TapData, Debezium (bare and in a payload) and plain lines
 * mixed. `expected` holds each key's last text, or null when the key was deleted.
 */
export const KEYS = 100;
export const LONG_KEY = 'k7';
export const DELETED = new Set(Array.from({ length: 15 }, (_, i) => `k${80 + i}`));
export const RECEIVERS = 27;

export interface Row { id: string; owner: string; status: string; v: number }

export function textOf(row: Row): string {
  return `order ${row.id}: ${row.status} v${row.v}`;
}

export function changeStream(): { lines: string[]; expected: Map<string, string | null>; rows: Map<string, Row> } {
  const rows = new Map<string, Row>();
  const lines: string[] = [];
  const statuses = ['paid', 'packed', 'shipped', 'delivered'];
  const styles = ['tapdata', 'debezium', 'payload', 'plain'] as const;
  const style = (i: number) => styles[i % styles.length]!;
  const insert = (row: Row, i: number) => {
    const s = style(i);
    if (s === 'tapdata') lines.push(JSON.stringify({ op: 'i', after: row }));
    else if (s === 'debezium') lines.push(JSON.stringify({ op: 'c', before: null, after: row }));
    else if (s === 'payload') lines.push(JSON.stringify({ payload: { op: 'c', before: null, after: row } }));
    else lines.push(JSON.stringify(row));
  };
  const update = (before: Row, after: Row, i: number) => {
    const s = style(i);
    if (s === 'tapdata' || s === 'plain') lines.push(JSON.stringify({ op: 'u', before, after }));
    else if (s === 'debezium') lines.push(JSON.stringify({ op: 'u', before, after }));
    else lines.push(JSON.stringify({ payload: { op: 'u', before, after } }));
  };
  const del = (before: Row, i: number) => {
    if (i % 2 === 0) lines.push(JSON.stringify({ op: 'd', before }));
    else lines.push(JSON.stringify({ payload: { op: 'd', before: { id: before.id }, after: null } }));
  };
  const bump = (id: string, i: number) => {
    const old = rows.get(id)!;
    const next = { ...old, status: statuses[(old.v + 1) % statuses.length]!, v: old.v + 1 };
    rows.set(id, next);
    update(old, next, i);
  };
  for (let k = 0; k < KEYS; k++) {
    const row = { id: `k${k}`, owner: `crowd${k % RECEIVERS}@example.com`, status: 'new', v: 0 };
    rows.set(row.id, row);
    insert(row, k);
  }
  for (let round = 0; round < 3; round++) {
    for (let k = 0; k < KEYS; k++) bump(`k${k}`, k + round);
    if (round === 0) {
      // A snapshot replayed (Debezium's op r): the rows as they are now, for 30 keys: no second copy.
      for (let k = 0; k < 30; k++) lines.push(JSON.stringify({ op: 'r', before: null, after: rows.get(`k${k}`) }));
    }
  }
  for (let i = 0; i < 24; i++) bump(LONG_KEY, i);
  let d = 0;
  for (const id of DELETED) del(rows.get(id)!, d++);
  const expected = new Map<string, string | null>();
  for (const [id, row] of rows) expected.set(id, DELETED.has(id) ? null : textOf(row));
  return { lines, expected, rows };
}
