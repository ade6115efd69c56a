import { Logger } from '@nestjs/common';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { Writable } from 'node:stream';
import { AppLogger, requestLogger } from './app-logger.js';

/** An AppLogger over pino-http writing to memory, and the JSON lines it wrote. */
function capture(): { logger: AppLogger; root: pino.Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out.push(chunk.toString());
      done();
    },
  });
  const http = pinoHttp({ level: 'trace' }, stream);
  return {
    logger: new AppLogger(http),
    root: http.logger,
    lines: () =>
      out
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('AppLogger', () => {
  it('writes Nest log calls as pino lines at the matching level, with the context last', () => {
    const { logger, lines } = capture();
    logger.verbose('v', 'Ctx');
    logger.debug('d', 'Ctx');
    logger.log('plan 3: 12 jobs', 'Planning');
    logger.warn('w', 'Ctx');
    logger.error('e', 'Ctx');
    logger.fatal('f', 'Ctx');
    logger.log('no context');
    expect(lines().map(({ level, context, msg }) => ({ level, context, msg }))).toEqual([
      { level: 10, context: 'Ctx', msg: 'v' },
      { level: 20, context: 'Ctx', msg: 'd' },
      { level: 30, context: 'Planning', msg: 'plan 3: 12 jobs' },
      { level: 40, context: 'Ctx', msg: 'w' },
      { level: 50, context: 'Ctx', msg: 'e' },
      { level: 60, context: 'Ctx', msg: 'f' },
      { level: 30, context: undefined, msg: 'no context' },
    ]);
  });

  it('keeps errors as errors: an Error, and the (message, stack, context) of Nest’s exception handlers', () => {
    const { logger, lines } = capture();
    logger.error(new Error('boom'), 'Errors');
    const stack = 'Error: kaput\n    at somewhere (file.ts:1:1)';
    logger.error('kaput', stack, 'ExceptionsHandler');
    const [first, second] = lines();
    expect(first).toMatchObject({ level: 50, context: 'Errors', err: { message: 'boom', type: 'Error' } });
    expect(second).toMatchObject({ context: 'ExceptionsHandler', err: { message: 'kaput', stack } });
  });

  it('merges an object message into the line and interpolates the values between message and context', () => {
    const { logger, lines } = capture();
    logger.log({ jobs: 12, msg: 'planned' }, 'Planning');
    logger.log('%d jobs', 7, 'Planning');
    expect(lines()).toEqual([
      expect.objectContaining({ jobs: 12, msg: 'planned', context: 'Planning' }),
      expect.objectContaining({ msg: '7 jobs', context: 'Planning' }),
    ]);
  });

  it('logs through the request’s logger while a request is handled, and is what Nest’s Logger writes to', () => {
    const { logger, root, lines } = capture();
    Logger.overrideLogger(logger);
    try {
      requestLogger.run(root.child({ req: { id: 'req-1' } }), () => new Logger('Errors').warn('inside'));
      new Logger('Errors').warn('outside');
    } finally {
      Logger.overrideLogger(true);
    }
    const [inside, outside] = lines();
    expect(inside).toMatchObject({ msg: 'inside', context: 'Errors', req: { id: 'req-1' } });
    expect(outside).toMatchObject({ msg: 'outside', context: 'Errors' });
    expect(outside).not.toHaveProperty('req');
  });
});
