import { isRecord } from '../core/is-record.js';
import type { Manifest, RawConfig } from './types.js';

type Section = 'connection' | 'node';

// Fallback names for secrets, in case a manifest forgets to mark a field as Password.
const ALWAYS_SECRET = new Set(['appSecret', 'app_secret', 'secret', 'password', 'token']);

function secretKeys(manifest: Manifest, section: Section): Set<string> {
  const keys = new Set(ALWAYS_SECRET);
  const props = manifest.configOptions?.[section]?.properties ?? {};
  for (const [k, f] of Object.entries(props)) if (f?.['x-component'] === 'Password') keys.add(k);
  return keys;
}

export interface PublicConfig {
  connection: Record<string, unknown>;
  node: Record<string, unknown>;
  /** Names of secret fields that have a value on the server (the value itself never leaves it). */
  secretsSet: string[];
  appSecretSet: boolean;
}

/**
 * The console's one in-memory config. Secrets go in, never out: publicView() drops them, and an empty
 * secret in an update means "keep the one you have" (the form shows "(saved)" instead of the value).
 */
export class ConfigStore {
  private raw: RawConfig = { connection: {}, node: {} };
  /** Top-level parts of a loaded file the form does not edit (the store: a Redis URL that may hold a password). */
  private kept: Record<string, unknown> = {};
  private readonly secrets: Record<Section, Set<string>>;

  constructor(manifest: Manifest) {
    this.secrets = { connection: secretKeys(manifest, 'connection'), node: secretKeys(manifest, 'node') };
  }

  update(patch: unknown): void {
    this.raw = this.preview(patch);
  }

  /** The config an update would make, without making it (so it can be checked first). */
  preview(patch: unknown): RawConfig {
    const next = this.full();
    if (!isRecord(patch)) return next;
    for (const section of ['connection', 'node'] as const) {
      const values = patch[section];
      if (!isRecord(values)) continue;
      const target = next[section];
      for (const [k, v] of Object.entries(values)) {
        if (this.secrets[section].has(k) && (v === undefined || v === null || v === '')) continue;
        if (v === undefined || v === null || v === '') delete target[k];
        else target[k] = v;
      }
    }
    return next;
  }

  /** Replaces the whole config (a loaded file: pass its other parts too, which a save writes back). */
  replace(next: RawConfig, kept: Record<string, unknown> = this.kept): void {
    this.raw = { connection: { ...next.connection }, node: { ...next.node } };
    this.kept = { ...kept };
  }

  /** What a save writes: the full config and the loaded file's other parts (never sent to the page). */
  forFile(): Record<string, unknown> {
    return { ...this.full(), ...this.kept };
  }

  /** What a run uses: the full config plus a loaded file's store part (the Redis the app's workers share). */
  forRun(): RawConfig {
    return { ...this.full(), ...(isRecord(this.kept.store) ? { store: { ...this.kept.store } } : {}) };
  }

  /** The full config, secrets included: for the connector and for the file the user saves. */
  full(): RawConfig {
    return { connection: { ...this.raw.connection }, node: { ...this.raw.node } };
  }

  publicView(): PublicConfig {
    const secretsSet: string[] = [];
    const strip = (section: Section): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(this.raw[section])) {
        if (this.secrets[section].has(k)) secretsSet.push(k);
        else out[k] = v;
      }
      return out;
    };
    const connection = strip('connection');
    const node = strip('node');
    return {
      connection, node, secretsSet,
      appSecretSet: secretsSet.includes('appSecret') || secretsSet.includes('app_secret'),
    };
  }

  /** Every secret value currently held: used to scrub anything that is about to leave the server. */
  secretValues(): string[] {
    const out: string[] = [];
    for (const section of ['connection', 'node'] as const) {
      for (const [k, v] of Object.entries(this.raw[section])) {
        if (this.secrets[section].has(k) && typeof v === 'string' && v.length >= 4) out.push(v);
      }
    }
    // A Redis URL may carry a password.
    if (isRecord(this.kept.store) && typeof this.kept.store.redis === 'string') out.push(this.kept.store.redis);
    return out;
  }
}

/** The top-level parts of a {connection, node, ...} file other than those two (e.g. `store`). */
export function otherParts(value: unknown): Record<string, unknown> {
  if (!isRecord(value) || !(isRecord(value.connection) || isRecord(value.node))) return {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'connection' && k !== 'node') rest[k] = v;
  return rest;
}

/**
 * Turns a config file's JSON into {connection, node}: the CLI's {connection, node} shape, or a flat object
 * whose keys are split by the manifest (a key the manifest puts in node goes to node, the rest to connection).
 */
export function splitConfig(value: unknown, manifest: Manifest): RawConfig {
  if (!isRecord(value)) throw new Error('a config file must hold a JSON object');
  let out: RawConfig;
  if (isRecord(value.connection) || isRecord(value.node)) {
    out = {
      connection: isRecord(value.connection) ? { ...value.connection } : {},
      node: isRecord(value.node) ? { ...value.node } : {},
    };
  } else {
    const nodeKeys = new Set(Object.keys(manifest.configOptions?.node?.properties ?? {}));
    for (const f of Object.values(manifest.configOptions?.node?.properties ?? {})) {
      if (typeof f?.apiServerKey === 'string') nodeKeys.add(f.apiServerKey);
    }
    out = { connection: {}, node: {} };
    for (const [k, v] of Object.entries(value)) (nodeKeys.has(k) ? out.node : out.connection)[k] = v;
  }
  return { connection: canonicalKeys(out.connection, manifest, 'connection'), node: canonicalKeys(out.node, manifest, 'node') };
}

/** A file may use TapData's snake_case names (apiServerKey: app_id); the form uses the manifest's keys. */
function canonicalKeys(values: Record<string, unknown>, manifest: Manifest, section: Section): Record<string, unknown> {
  const props = manifest.configOptions?.[section]?.properties ?? {};
  const alias = new Map<string, string>();
  for (const [k, f] of Object.entries(props)) if (typeof f?.apiServerKey === 'string') alias.set(f.apiServerKey, k);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    const key = k in props ? k : alias.get(k) ?? k;
    if (!(key in out) || k === key) out[key] = v;
  }
  return out;
}

/** Finds the manifest key of a connection field, whatever its spelling (appId / app_id). */
export function fieldKey(manifest: Manifest, section: Section, candidates: string[]): string {
  const props = manifest.configOptions?.[section]?.properties ?? {};
  return candidates.find((c) => c in props) ?? candidates[0]!;
}
