import { parentPort, Worker } from 'node:worker_threads';

/**
 * One worker thread that answers requests in order, each with its own answer (`answerRequests` on its side). Started
 * on first use and kept; a thread that dies fails what it held and the next request starts a new one. Built, it loads
 * `<name>.js` beside this file; from TypeScript sources (tests, `tsx`) it registers tsx first and loads `<name>.ts`.
 */
export class WorkerThread<Request, Answer> {
  private worker?: Worker;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void }>();

  constructor(private readonly name: string) {}

  request(request: Request): Promise<Answer> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, request });
    });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    const fromSources = import.meta.url.endsWith('.ts');
    const entry = new URL(`./${this.name}.${fromSources ? 'ts' : 'js'}`, import.meta.url);
    const worker = fromSources
      ? new Worker(
          `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`,
          { eval: true },
        )
      : new Worker(entry);
    worker.on('message', ({ id, answer, error }: { id: number; answer?: Answer; error?: string }) => {
      const waiting = this.waiting.get(id);
      this.waiting.delete(id);
      if (error !== undefined) waiting?.reject(new Error(`${this.name} thread: ${error}`));
      else waiting?.resolve(answer!);
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const { reject } of this.waiting.values()) reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${this.name} thread exited (${code})`)));
    worker.unref();
    return worker;
  }
}

/**
 * The worker's side of a `WorkerThread`: answers each request with `answer`'s result, one at a time (a request waits
 * for the one before it to be answered).
 */
export function answerRequests<Request, Answer>(answer: (request: Request) => Answer | Promise<Answer>): void {
  let previous: Promise<void> = Promise.resolve();
  parentPort!.on('message', ({ id, request }: { id: number; request: Request }) => {
    previous = previous.then(async () => {
      try {
        parentPort!.postMessage({ id, answer: await answer(request) });
      } catch (error) {
        parentPort!.postMessage({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    });
  });
}
