import { DateTime } from 'luxon';
import { nextAction } from './next-action.js';

const now = DateTime.fromISO('2026-03-01T10:30:00Z', { zone: 'utc' });
const seg = (site: string, start: string, end: string) => ({
  site,
  start: `2026-03-01T${start}:00.000Z`,
  end: `2026-03-01T${end}:00.000Z`,
  startHour: 0,
  endHour: 0,
});

describe('nextAction', () => {
  it('starts a waiting job at its first segment and resumes a paused one', () => {
    const plan = { segments: [seg('a', '14:00', '16:00')] };
    expect(nextAction({ state: 'scheduled' }, plan, now)).toEqual({ action: 'start', at: plan.segments[0].start });
    expect(nextAction({ state: 'paused' }, plan, now)).toEqual({ action: 'resume', at: plan.segments[0].start });
  });

  it('pauses a running job where its segment ends before a gap, and finishes it at its last', () => {
    const plan = { segments: [seg('a', '10:00', '12:00'), seg('b', '12:00', '13:00'), seg('a', '20:00', '22:00')] };
    expect(nextAction({ state: 'running' }, plan, now)).toEqual({ action: 'pause', at: plan.segments[1].end });
    expect(nextAction({ state: 'running' }, { segments: [seg('a', '10:00', '12:00')] }, now)).toEqual({
      action: 'finish',
      at: '2026-03-01T12:00:00.000Z',
    });
  });

  it('pauses now a running job the plan no longer runs, and has nothing for a finished one', () => {
    expect(nextAction({ state: 'running' }, { segments: [seg('a', '20:00', '22:00')] }, now)?.action).toBe('pause');
    expect(nextAction({ state: 'completed' }, { segments: [] }, now)).toBeUndefined();
    expect(nextAction({ state: 'queued' }, undefined, now)).toBeUndefined();
  });
});
