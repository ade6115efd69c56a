import { HOUR_MS } from '../../domain/time/hours.js';
import { overlay, type StoredHour } from './forecast-overlay.js';
import { retryDelayMs } from './pull-backoff.js';

const T0 = Date.UTC(2024, 1, 9, 19);
const h = (n: number) => T0 + n * HOUR_MS;

describe("overlay: a provider's fields over the zone's stored hours", () => {
  const stored = new Map<number, StoredHour>([
    [
      h(0),
      {
        values: { windMw: 1, solarMw: 2, loadMw: 900, pricePerMwh: -5, p10: { windMw: 0.5, loadMw: 800 } },
        issuedAt: h(-3),
      },
    ],
    [h(1), { values: { windMw: 1, solarMw: 2, loadMw: 900, carbonGPerKwh: 300 }, issuedAt: h(-1) }],
  ]);

  it("keeps stored fields, replaces the provider's (their bands dropped), goes in after the newest stored", () => {
    const given = [
      { hour: h(0), windMw: 50, solarMw: 0 },
      { hour: h(1), carbonGPerKwh: 120 },
    ];
    const laid = overlay(stored, given, h(-2), h(0), h(72));
    expect(laid.points).toEqual([
      { start: '2024-02-09T19:00:00.000Z', windMw: 50, solarMw: 0, loadMw: 900, pricePerMwh: -5, p10: { loadMw: 800 } },
      { start: '2024-02-09T20:00:00.000Z', windMw: 1, solarMw: 2, loadMw: 900, carbonGPerKwh: 120 },
    ]);
    // The provider issued before the hour at h(1) was stored: the merge must still take it.
    expect(laid.issuedAtMs).toBe(h(-1) + 1);
  });

  it('counts hours missing supply or load, hours unchanged and hours outside the window, and sends none', () => {
    const laid = overlay(
      stored,
      [
        { hour: h(1), carbonGPerKwh: 300 },
        { hour: h(2), carbonGPerKwh: 99 },
        { hour: h(-1), windMw: 3, solarMw: 3, loadMw: 3 },
        { hour: h(72), windMw: 3, solarMw: 3, loadMw: 3 },
      ],
      h(0),
      h(0),
      h(72),
    );
    expect(laid).toMatchObject({ points: [], unchanged: 1, incomplete: 1, outside: 2 });
  });

  it('a provider with supply and load completes hours nothing was stored for, at its own issuedAt', () => {
    const laid = overlay(new Map(), [{ hour: h(5), windMw: 3, solarMw: 4, loadMw: 5 }], h(-2), h(0), h(72));
    expect(laid.points).toEqual([{ start: '2024-02-10T00:00:00.000Z', windMw: 3, solarMw: 4, loadMw: 5 }]);
    expect(laid.issuedAtMs).toBe(h(-2));
  });
});

describe('retryDelayMs', () => {
  const hour = HOUR_MS;
  it('doubles from a minute, capped at the refresh interval', () => {
    const failure = { kind: 'server-error' as const, message: '' };
    expect([1, 2, 3, 6, 7, 40].map((n) => retryDelayMs(failure, n, hour, 1) / 60_000)).toEqual([1, 2, 4, 32, 60, 60]);
  });

  it("never sooner than the provider asked, its real wait stretched by a virtual clock's speed", () => {
    const banned = { kind: 'rate-limited' as const, message: '', retryAfterMs: 600_000 };
    expect(retryDelayMs(banned, 1, hour, 1)).toBe(600_000);
    expect(retryDelayMs(banned, 1, hour, 720)).toBe(600_000 * 720);
  });
});
