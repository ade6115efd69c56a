import { createServer, type Server } from 'node:net';
import { useServiceProcess } from '../support/service-process.js';

/**
 * The built service with METRICS_PORT already taken: start-up stops with an error naming the port,
 * in one process and under the worker supervisor (WESTWIND_WORKERS), which would otherwise replace
 * the failing worker for ever.
 */
describe('METRICS_PORT already in use at start-up', () => {
  const { service } = useServiceProcess(4738);
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise((resolve) => taken.close(resolve)));

  it.each(['1', '2'])('stops start-up with the port named (WESTWIND_WORKERS=%s)', async (workers) => {
    await expect(service.start({ METRICS_PORT: String(port), WESTWIND_WORKERS: workers })).rejects.toThrow(
      new RegExp(`service exited with 1:[\\s\\S]*METRICS_PORT: port ${port} on 127\\.0\\.0\\.1 is already in use`),
    );
  });
});
