import type { ChainableCommander } from 'ioredis';

/** Runs a MULTI and throws the first command's error, or when Redis discarded it; `what` names it in that error. */
export async function execTransaction(multi: ChainableCommander, what: string): Promise<void> {
  const results = await multi.exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error(`${what} transaction was discarded`);
}
