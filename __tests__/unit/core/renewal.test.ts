// The renewal schedule shared by the keep-alive process and `run`: one renewal per
// half-TTL, none after the maximum, retries only while a retry can still help.
import { jest } from '@jest/globals';
import { RenewalSchedule, type Granted, type Renewable } from '../../../src/core/renewal.js';

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});
afterEach(() => {
  jest.useRealTimers();
});

/** An item whose renewals are answered by `answer` (call number → grant or error). */
function item(ttlSeconds: number, answer: (call: number) => Granted | Error) {
  const calls: number[] = [];
  const renewable: Renewable = {
    kind: 'lease',
    label: 'database/creds/ro/abc',
    ttlSeconds,
    renew: async () => {
      calls.push(Date.now());
      const result = answer(calls.length);
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return { renewable, calls };
}

it('renews at half the TTL, each time from the TTL just granted', async () => {
  const { renewable, calls } = item(60, () => ({ ttlSeconds: 60, atMaximum: false }));
  const schedule = new RenewalSchedule([renewable]);
  schedule.start();
  await jest.advanceTimersByTimeAsync(29_999);
  expect(calls).toEqual([]);
  await jest.advanceTimersByTimeAsync(90_001);
  expect(calls).toEqual([30_000, 60_000, 90_000, 120_000]);
  expect(schedule.counts()[0]).toMatchObject({ renewals: 4, failures: 0, state: 'active' });
  await schedule.stop();
  await jest.advanceTimersByTimeAsync(600_000);
  expect(calls).toHaveLength(4);
  expect(schedule.counts()[0]?.state).toBe('stopped');
});

it('stops renewing once the provider grants less than asked (its maximum TTL)', async () => {
  const { renewable, calls } = item(60, (call) => ({
    ttlSeconds: call < 3 ? 60 : 20,
    atMaximum: call >= 3,
  }));
  const events: string[] = [];
  const schedule = new RenewalSchedule([renewable], { onEvent: (e) => events.push(e.outcome) });
  schedule.start();
  await jest.advanceTimersByTimeAsync(3_600_000);
  expect(calls).toHaveLength(3);
  expect(events).toEqual(['renewed', 'renewed', 'at-maximum']);
  expect(schedule.counts()[0]?.state).toBe('at-maximum');
  expect(schedule.active).toBe(false);
});

it('retries a failure at half of what is left, and gives up when too little is left to help', async () => {
  const { renewable, calls } = item(8, () => new Error('HTTP 503: sealed'));
  const events: string[] = [];
  const schedule = new RenewalSchedule([renewable], {
    onEvent: (e) => events.push(`${e.outcome} ${e.detail ?? ''}`),
    minRetryMs: 1000,
  });
  schedule.start();
  await jest.advanceTimersByTimeAsync(60_000);
  // 4 s (half of 8), then half of the 4 s left (6 s), then 7 s; 1 s left is too little.
  expect(calls).toEqual([4000, 6000, 7000]);
  expect(events).toEqual([
    'failed HTTP 503: sealed',
    'failed HTTP 503: sealed',
    'gave-up HTTP 503: sealed',
  ]);
  expect(schedule.counts()[0]).toMatchObject({
    failures: 3,
    renewals: 0,
    state: 'failed',
    lastError: 'HTTP 503: sealed',
  });
});

it('recovers after a failed attempt', async () => {
  const { renewable, calls } = item(60, (call) =>
    call === 1 ? new Error('reset') : { ttlSeconds: 60, atMaximum: false },
  );
  const schedule = new RenewalSchedule([renewable]);
  schedule.start();
  await jest.advanceTimersByTimeAsync(46_000);
  expect(calls).toEqual([30_000, 45_000]);
  expect(schedule.counts()[0]).toMatchObject({ renewals: 1, failures: 1, state: 'active' });
  await schedule.stop();
});
