import { randomInt } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/**
 * Job ids: UUIDv7 whose time is the service clock's (not Date.now(): a virtual clock runs ahead),
 * increasing within a process, so that ids sort in submission order — the tenant's job index is
 * sorted by id (RedisKeys.tenantJobs), newest first. Given `msecs`, uuid's v7 draws a random
 * 32-bit sequence for each id, so two ids of one millisecond would sort at random; this keeps the
 * sequence the way uuid does for its own clock (random at each new millisecond, +1 within one) and
 * hands it over as the documented `seq` option.
 */
export class JobIds {
  private msecs = -Infinity;
  private seq = 0;

  next(msecs: number): string {
    // 31 random bits at each new millisecond leave room for 2^31 more ids in it (the field has 32).
    if (msecs === this.msecs) this.seq++;
    else {
      // A new millisecond, or the clock went back (a test clock set again): the clock's time wins.
      this.msecs = msecs;
      this.seq = randomInt(0x80000000);
    }
    return uuidv7({ msecs, seq: this.seq });
  }
}

const jobIds = new JobIds();

/** A new job id at `msecs` (the service clock, epoch ms), after every id this process made before. */
export function newJobId(msecs: number): string {
  return jobIds.next(msecs);
}
