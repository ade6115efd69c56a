import { Job, JOB_STATES, JobState } from './job.js';
import { admitted, canTransition, IllegalTransitionError, isTerminal, transition } from './job-state-machine.js';

const at = '2026-01-01T00:00:00.000Z';

function job(state: JobState = 'queued'): Job {
  return {
    id: 'j1',
    tenant: 't',
    name: 'n',
    gpus: 1,
    runtimeHours: 1,
    deadline: at,
    earliestStart: at,
    deferrable: true,
    interruptible: true,
    checkpointMinutes: 10,
    priority: 5,
    state,
    submittedAt: at,
    updatedAt: at,
    history: [admitted(at)],
  };
}

describe('job state machine', () => {
  it('walks the happy path queued → scheduled → running ⇄ paused → completed, recording each change', () => {
    let j = job();
    for (const [to, reason] of [
      ['scheduled', 'planned'],
      ['running', 'started'],
      ['paused', 'peak'],
      ['running', 'surplus'],
      ['completed', 'done'],
    ] as const) {
      j = transition(j, to, at, reason);
    }
    expect(j.state).toBe('completed');
    expect(j.history.map((h) => h.to)).toEqual(['queued', 'scheduled', 'running', 'paused', 'running', 'completed']);
    expect(j.history[3]).toEqual({ at, from: 'running', to: 'paused', reason: 'peak' });
  });

  it('refuses illegal transitions and leaves the job untouched', () => {
    const j = job('queued');
    expect(() => transition(j, 'completed', at, 'x')).toThrow(IllegalTransitionError);
    expect(() => transition(job('completed'), 'cancelled', at, 'x')).toThrow('a completed job cannot become cancelled');
    expect(j.state).toBe('queued');
    expect(j.history).toHaveLength(1);
  });

  it('terminal states have no way out, and every live state can be cancelled', () => {
    // Every pair of states, not a random sample of them.
    const terminal = JOB_STATES.filter(isTerminal);
    expect(terminal.length).toBeGreaterThan(0);
    for (const from of terminal) for (const to of JOB_STATES) expect(canTransition(from, to)).toBe(false);
    for (const from of JOB_STATES.filter((s) => !isTerminal(s))) expect(canTransition(from, 'cancelled')).toBe(true);
  });

  it('never mutates the job it is given', () => {
    const j = job('running');
    const frozen = JSON.stringify(j);
    transition(j, 'paused', at, 'peak');
    expect(JSON.stringify(j)).toBe(frozen);
  });
});
