import { Injectable } from '@nestjs/common';
import type { GridEvent } from '../domain/signals/grid-event.js';

/** Where a grid event came from: an OpenADR program's event at a VTN subscription. */
export interface GridEventSource {
  kind: 'openadr';
  subscription: string;
  programId: string;
  /** The VTN's id of the event; reports to the VTN need it. */
  eventId?: string;
  eventName?: string;
}

/** A grid event about to be stored (POST, PUT) or removed (DELETE). */
export interface GridEventChange {
  operation: 'POST' | 'PUT' | 'DELETE';
  event: GridEvent;
  /** The version stored until now, if any. */
  previous?: GridEvent;
  source: GridEventSource;
}

type BeforeApply = (change: GridEventChange) => Promise<void>;
/** Forgets what it keeps of grid events that ended before `endedBeforeMs` (epoch ms); returns how many. */
type Forget = (endedBeforeMs: number) => Promise<number>;

/**
 * What happens to a grid event just before it is applied, for whoever must see the world as it
 * was (the curtailment reports take their baseline from the plan the event is about to change),
 * and what forgets ended events' records past retention (housekeeping runs it). Listeners register
 * here, so signals and planning import none of them; a listener that fails fails the notification,
 * and the VTN sends it again.
 */
@Injectable()
export class GridEventHooks {
  private readonly listeners: BeforeApply[] = [];
  private readonly forgetters: Forget[] = [];

  /** Registers a listener; returns its removal. */
  beforeApply(listener: BeforeApply): () => void {
    return registered(this.listeners, listener);
  }

  async run(change: GridEventChange): Promise<void> {
    for (const listener of this.listeners) await listener(change);
  }

  /** Registers what forgets records of ended events; returns its removal. */
  onForget(forget: Forget): () => void {
    return registered(this.forgetters, forget);
  }

  /** Forgets records of events that ended before `endedBeforeMs`; returns how many in all. */
  async forget(endedBeforeMs: number): Promise<number> {
    let forgotten = 0;
    for (const forget of this.forgetters) forgotten += await forget(endedBeforeMs);
    return forgotten;
  }
}

/** Adds `item` to `list`; returns its removal. */
function registered<T>(list: T[], item: T): () => void {
  list.push(item);
  return () => {
    // Removing twice must not remove another (indexOf −1 would splice the last one).
    const at = list.indexOf(item);
    if (at >= 0) list.splice(at, 1);
  };
}
