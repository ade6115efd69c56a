import { parseForecastCsv } from './forecast-csv.js';

describe('forecast CSV', () => {
  it('reads rows under a header, optional columns included', () => {
    const csv =
      'start,windMw,solarMw,loadMw,pricePerMwh\n' +
      '2026-03-01T00:00:00+08:00,1200,0,900,-5.5\r\n' +
      '2026-03-01T01:00:00+08:00,1300.5,0,880,\n';
    expect(parseForecastCsv(csv).points).toEqual([
      { start: '2026-03-01T00:00:00+08:00', windMw: 1200, solarMw: 0, loadMw: 900, pricePerMwh: -5.5 },
      { start: '2026-03-01T01:00:00+08:00', windMw: 1300.5, solarMw: 0, loadMw: 880 },
    ]);
  });

  it('names every bad cell by line number', () => {
    const csv =
      'start,windMw,solarMw,loadMw\n2026-03-01T00:00:00,1,2,3\n2026-03-01T01:00:00Z,-1,x,3\n2026-03-01T02:00:00Z,1,2\n';
    expect(parseForecastCsv(csv).problems).toEqual([
      { field: 'line 2: start', message: 'must be an ISO 8601 date-time with an offset' },
      { field: 'line 3: windMw', message: 'must be a finite, non-negative number' },
      { field: 'line 3: solarMw', message: 'must be a finite, non-negative number' },
      { field: 'line 4', message: 'has 3 fields; the header has 4' },
    ]);
  });

  it('refuses a wrong header and an empty file', () => {
    expect(parseForecastCsv('when,wind\n').problems![0].field).toBe('line 1');
    expect(parseForecastCsv('start,windMw,solarMw,loadMw\n').problems).toEqual([
      { field: 'file', message: 'has no rows' },
    ]);
  });
});
