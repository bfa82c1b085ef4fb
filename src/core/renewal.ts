// The renewal schedule shared by the action's keep-alive process and `oidc-secrets run`:
// each renewable thing (a Vault token, a renewable lease, a token file) is renewed when half
// of its remaining lifetime has passed, until its maximum is reached, it fails for good, or
// the schedule is stopped. One timer per item and exactly one request per half-TTL: nothing
// polls. What happened is counted per item so that a front end can report it.

import { describeError } from './errors.js';

/** What a renewal got: the lifetime granted from now, and whether more can ever be had. */
export interface Granted {
  ttlSeconds: number;
  /** The provider granted less than was asked for (its maximum TTL) or says it is final. */
  atMaximum: boolean;
}

export interface Renewable {
  /** What a log may show: "the Vault token (accessor abcd1234…)", a lease id, a file path. */
  label: string;
  kind: 'token' | 'lease' | 'token-file';
  /** The lifetime left when the schedule starts, in seconds (0: renew at once). */
  ttlSeconds: number;
  renew(): Promise<Granted>;
}

export type RenewalState = 'active' | 'at-maximum' | 'failed' | 'stopped';

export interface RenewalCount {
  label: string;
  kind: Renewable['kind'];
  renewals: number;
  failures: number;
  state: RenewalState;
  /** The last failure, worded by the renewer (never a secret: renewers scrub their errors). */
  lastError?: string;
  /** When the item expires as far as the schedule knows, epoch milliseconds. */
  expiresAt: number;
}

export interface RenewalEvent {
  label: string;
  kind: Renewable['kind'];
  outcome: 'renewed' | 'at-maximum' | 'failed' | 'gave-up';
  ttlSeconds?: number;
  detail?: string;
}

export interface ScheduleOptions {
  now?: () => number;
  /** Called after each renewal attempt (the keep-alive writes its state file here). */
  onEvent?: (event: RenewalEvent) => void;
  /**
   * No retry is scheduled closer than this to the last one, and an item with less lifetime
   * left than this after a failure is given up (it would expire before a retry could help).
   */
  minRetryMs?: number;
  /** How an error becomes text (the keep-alive and `run` pass their redacting describers). */
  describe?: (error: unknown) => string;
}

interface Entry {
  item: Renewable;
  count: RenewalCount;
  timer?: ReturnType<typeof setTimeout> | undefined;
}

/** When to renew an item that has `remainingMs` left: at half of it. */
export function renewalDelayMs(remainingMs: number): number {
  return Math.max(0, Math.floor(remainingMs / 2));
}

export class RenewalSchedule {
  private readonly entries: Entry[];
  private readonly now: () => number;
  private readonly minRetryMs: number;
  private stopped = false;
  private inFlight = new Set<Promise<void>>();

  constructor(
    items: readonly Renewable[],
    private readonly options: ScheduleOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.minRetryMs = options.minRetryMs ?? 1000;
    const start = this.now();
    this.entries = items.map((item) => ({
      item,
      count: {
        label: item.label,
        kind: item.kind,
        renewals: 0,
        failures: 0,
        state: 'active',
        expiresAt: start + item.ttlSeconds * 1000,
      },
    }));
  }

  start(): void {
    for (const entry of this.entries)
      this.schedule(entry, renewalDelayMs(entry.item.ttlSeconds * 1000));
  }

  /** Clears every timer and waits for renewals already in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const entry of this.entries) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = undefined;
      if (entry.count.state === 'active') entry.count.state = 'stopped';
    }
    await Promise.all([...this.inFlight]);
  }

  counts(): RenewalCount[] {
    return this.entries.map((entry) => ({ ...entry.count }));
  }

  /** True while some item still has a renewal ahead. */
  get active(): boolean {
    return !this.stopped && this.entries.some((entry) => entry.count.state === 'active');
  }

  private schedule(entry: Entry, delayMs: number): void {
    if (this.stopped) return;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      const running = this.renew(entry).finally(() => this.inFlight.delete(running));
      this.inFlight.add(running);
    }, delayMs);
  }

  private async renew(entry: Entry): Promise<void> {
    const { item, count } = entry;
    try {
      const granted = await item.renew();
      count.renewals++;
      count.expiresAt = this.now() + granted.ttlSeconds * 1000;
      if (granted.atMaximum || granted.ttlSeconds <= 0) {
        // The provider will not extend it again: renewing on would only cost requests.
        count.state = 'at-maximum';
        this.emit({
          label: item.label,
          kind: item.kind,
          outcome: 'at-maximum',
          ttlSeconds: granted.ttlSeconds,
        });
        return;
      }
      this.emit({
        label: item.label,
        kind: item.kind,
        outcome: 'renewed',
        ttlSeconds: granted.ttlSeconds,
      });
      this.schedule(entry, renewalDelayMs(granted.ttlSeconds * 1000));
    } catch (error) {
      count.failures++;
      count.lastError = (this.options.describe ?? describeError)(error);
      const remaining = count.expiresAt - this.now();
      if (this.stopped) return;
      if (remaining < 2 * this.minRetryMs) {
        count.state = 'failed';
        this.emit({
          label: item.label,
          kind: item.kind,
          outcome: 'gave-up',
          detail: count.lastError,
        });
        return;
      }
      this.emit({ label: item.label, kind: item.kind, outcome: 'failed', detail: count.lastError });
      this.schedule(entry, Math.max(this.minRetryMs, renewalDelayMs(remaining)));
    }
  }

  private emit(event: RenewalEvent): void {
    this.options.onEvent?.(event);
  }
}
