/**
 * Upload keys kept in the --state journal, so a re-run with the same state uploads nothing again. A line is
 * `{"t": "upload", "app": appId, "id": uploadId, "key": key}`; only the current app's keys are used (a key
 * is the app's own).
 */
import type { RunState } from '../state.js';
import type { UploadKeyStore } from './upload-keys.js';

const KIND = 'upload';

export class JournalUploadKeyStore implements UploadKeyStore {
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly state: RunState,
    private readonly appId: string,
  ) {
    for (const e of state.extras()) {
      if (e.t === KIND && e.app === appId && typeof e.id === 'string' && typeof e.key === 'string') this.keys.set(e.id, e.key);
    }
  }

  get(id: string): Promise<string | undefined> {
    return Promise.resolve(this.keys.get(id));
  }

  set(id: string, key: string): Promise<void> {
    if (this.keys.get(id) !== key) {
      this.keys.set(id, key);
      this.state.appendSoon({ t: KIND, app: this.appId, id, key });
    }
    return Promise.resolve();
  }
}
