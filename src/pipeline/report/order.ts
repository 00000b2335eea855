/**
 * The report stage's order: outcomes settle in any order (sends never wait for one another), and leave
 * in input order through a reorder buffer. The buffer grows with what is pending: one slow answer holds
 * back the report lines after it, never a send. Its high-water mark stops the *reading* of new records
 * (the caller awaits room()), so memory stays bounded when one message takes minutes.
 */

/** Positions are consecutive numbers from reserve(); each is settled once (later settles are ignored). */
export class ReorderBuffer<T> {
  /** Outcomes by position - base; undefined = not settled yet. */
  private slots: Array<T | undefined> = [];
  private base = 0;
  private head = 0;
  private next = 0;
  private draining = false;
  private failure: { error: unknown } | undefined;
  private waiters: Array<() => void> = [];

  constructor(
    /** Hands on one outcome; a returned promise is awaited before the next (backpressure). */
    private readonly deliver: (item: T) => void | Promise<void>,
    /** room() waits while this many positions are reserved and not yet delivered. */
    private readonly highWater: number,
  ) {}

  /** Reserved and not yet handed on. */
  get size(): number {
    return this.next - this.head;
  }

  /** True when nothing waits to be handed on and no hand-on is under way (the caller may deliver directly). */
  get idle(): boolean {
    return this.next === this.head && !this.draining;
  }

  /** The next position in input order. */
  reserve(): number {
    this.slots.push(undefined);
    return this.next++;
  }

  /** The outcome of a reserved position; hands on every outcome now at the head, in order. */
  settle(position: number, item: T): void {
    const i = position - this.base;
    if (position < this.head || i >= this.slots.length || this.slots[i] !== undefined) return;
    this.slots[i] = item;
    if (position === this.head && !this.draining) void this.drain();
  }

  /** True while the position is reserved and has no outcome yet. */
  isOpen(position: number): boolean {
    return position >= this.head && position < this.next && this.slots[position - this.base] === undefined;
  }

  /** Resolves when fewer than highWater positions are pending; rejects when handing on failed. */
  room(): Promise<void> {
    return this.waitFor(() => this.size < this.highWater);
  }

  /** Resolves when every reserved position has been handed on; rejects when handing on failed. */
  drained(): Promise<void> {
    return this.waitFor(() => this.size === 0 && !this.draining);
  }

  private waitFor(done: () => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (): boolean => {
        if (this.failure) reject(this.failure.error);
        else if (done()) resolve();
        else return false;
        return true;
      };
      if (check()) return;
      const waiter = () => {
        if (check()) this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      this.waiters.push(waiter);
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.head < this.next) {
        const i = this.head - this.base;
        const item = this.slots[i];
        if (item === undefined) break;
        this.slots[i] = undefined;
        this.head += 1;
        const wait = this.deliver(item);
        if (wait !== undefined) await wait;
        this.compact();
        if (this.waiters.length > 0) this.notify();
      }
    } catch (error) {
      this.failure ??= { error };
    } finally {
      this.draining = false;
    }
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Drops delivered slots from the front once they are half the array (amortised O(1) per outcome). */
  private compact(): void {
    const done = this.head - this.base;
    if (done > 1024 && done * 2 > this.slots.length) {
      this.slots = this.slots.slice(done);
      this.base = this.head;
    }
  }
}
