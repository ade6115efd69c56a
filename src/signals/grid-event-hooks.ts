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

/**
 * What happens to a grid event just before it is applied, for whoever must see the world as it
 * was (the curtailment reports take their baseline from the plan the event is about to change).
 * Listeners register here, so signals imports none of them; a listener that fails fails the
 * notification, and the VTN sends it again.
 */
@Injectable()
export class GridEventHooks {
  private readonly listeners: BeforeApply[] = [];

  /** Registers a listener; returns its removal. */
  beforeApply(listener: BeforeApply): () => void {
    this.listeners.push(listener);
    return () => {
      // Removing twice must not remove another listener (indexOf −1 would splice the last one).
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  async run(change: GridEventChange): Promise<void> {
    for (const listener of this.listeners) await listener(change);
  }
}
