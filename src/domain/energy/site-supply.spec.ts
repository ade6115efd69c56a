import fc from 'fast-check';
import { jobPowerMw } from './power.js';
import { renewableMw, siteGreenMw, surplusMw, zoneRenewableMw, zoneSurplusMw } from './site-supply.js';
import { propertyParameters } from '../../../test/support/property-parameters.js';

describe('energy model', () => {
  it('job power is GPUs × kW per GPU × PUE, in MW', () => {
    expect(jobPowerMw(1000, 0.7, 1.2)).toBeCloseTo(0.84, 12);
  });

  it('renewable supply is wind + solar + hydro, hydro only where reported, one hour or a series alike', () => {
    expect(zoneRenewableMw({ windMw: 500, solarMw: 200, hydroMw: 50 })).toBe(750);
    expect(zoneRenewableMw({ windMw: 500, solarMw: 200 })).toBe(700);
    expect(zoneSurplusMw({ windMw: 500, solarMw: 200, loadMw: 800 })).toBe(0);
    expect(renewableMw({ windMw: [500], solarMw: [200], hydroMw: [50], loadMw: [0] }, 0)).toBe(750);
  });

  it('surplus is renewable beyond load, never negative', () => {
    const zone = { windMw: [500, 100], solarMw: [200, 0], hydroMw: [50, 0], loadMw: [600, 300] };
    expect([surplusMw(zone, 0), surplusMw(zone, 1)]).toEqual([150, 0]);
  });

  it("a site's green supply is its contract share plus surplus share, capped at the site's power", () => {
    const zone = { windMw: [1000, 0], solarMw: [0, 0], loadMw: [400, 400] };
    expect([...siteGreenMw(zone, { renewableShare: 0.001, surplusShare: 0.01 }, 100)]).toEqual([1 + 6, 0]);
    expect([...siteGreenMw(zone, { renewableShare: 1, surplusShare: 0 }, 5)]).toEqual([5, 0]);
  });

  it('green supply stays within [0, site max] for any non-negative forecast', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(20000), fc.nat(20000), fc.nat(40000)), { minLength: 1, maxLength: 48 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (rows, share) => {
          const zone = { windMw: rows.map((r) => r[0]), solarMw: rows.map((r) => r[1]), loadMw: rows.map((r) => r[2]) };
          for (const g of siteGreenMw(zone, { renewableShare: share, surplusShare: share }, 50)) {
            expect(g).toBeGreaterThanOrEqual(0);
            expect(g).toBeLessThanOrEqual(50);
          }
        },
      ),
      propertyParameters(501, 100),
    );
  });
});
