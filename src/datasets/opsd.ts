import { DateTime } from 'luxon';
import { readFileSync } from 'node:fs';

/** One German control area's hourly series from the bundled OPSD 2019 extract. */
export interface ZoneSeries {
  zone: string;
  /** UTC start of each hour. */
  start: DateTime;
  loadMw: Float64Array;
  windMw: Float64Array;
  solarMw: Float64Array;
}

export const OPSD_FILE = 'data/opsd-de-2019/de_4tso_2019_hourly.csv';
export const OPSD_ZONES = ['50hertz', 'amprion', 'tennet', 'transnetbw'] as const;

/**
 * Reads the four control areas, hours [from, from + hours). Wind is onshore plus offshore where
 * the area has offshore wind.
 */
export function readOpsdZones(from: DateTime, hours: number, file = OPSD_FILE): ZoneSeries[] {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const column = (name: string) => header.indexOf(name);
  const first = lines.findIndex((line) => line.startsWith(from.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'")));
  if (first < 1 || first + hours > lines.length) throw new Error(`${file} has no ${hours} hours from ${from.toISO()}`);
  return OPSD_ZONES.map((zone) => {
    const load = column(`DE_${zone}_load_actual_entsoe_transparency`);
    const solar = column(`DE_${zone}_solar_generation_actual`);
    const onshore = column(`DE_${zone}_wind_onshore_generation_actual`);
    const offshore = column(`DE_${zone}_wind_offshore_generation_actual`);
    const series: ZoneSeries = {
      zone,
      start: from.toUTC(),
      loadMw: new Float64Array(hours),
      windMw: new Float64Array(hours),
      solarMw: new Float64Array(hours),
    };
    for (let h = 0; h < hours; h++) {
      const cells = lines[first + h].split(',');
      series.loadMw[h] = Number(cells[load]);
      series.solarMw[h] = Number(cells[solar]);
      series.windMw[h] = Number(cells[onshore]) + (offshore >= 0 ? Number(cells[offshore]) : 0);
    }
    return series;
  });
}
