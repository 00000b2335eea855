/**
 * Upload keys kept in the --state journal, so a re-run with the same state uploads nothing again. A record
 * is `{"upload": [appId, id, key]}`; only the current app's keys are used (a key is the app's own).
 */
import type { RunState } from '../state.js';
import type { UploadKeyStore } from './upload-keys.js';

export class JournalUploadKeyStore implements UploadKeyStore {
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly state: RunState,
    private readonly appId: string,
  ) {
    for (const r of state.objectRecords()) {
      const u = r.upload;
      if (Array.isArray(u) && u.length === 3 && u[0] === appId && typeof u[1] === 'string' && typeof u[2] === 'string') {
        this.keys.set(u[1], u[2]);
      }
    }
  }

  get(id: string): Promise<string | undefined> {
    return Promise.resolve(this.keys.get(id));
  }

  set(id: string, key: string): Promise<void> {
    if (this.keys.get(id) !== key) {
      this.keys.set(id, key);
      this.state.recordObject({ upload: [this.appId, id, key] });
    }
    return Promise.resolve();
  }
}
