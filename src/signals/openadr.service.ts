import { Inject, Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { ProblemException } from '../common/problem.js';
import { StrictValidationPipe } from '../common/validation.pipe.js';
import { CLOCK } from '../config/config.module.js';
import { OpenAdrSubscriptionConfig } from '../config/westwind-config.js';
import { changesNow, type GridEvent } from '../domain/signals/grid-event.js';
import type { Clock } from '../domain/time/clock.js';
import { formatInstant } from '../domain/time/instant.js';
import { OpenAdrEventDto, OpenAdrNotificationDto } from './dto/openadr-notification.dto.js';
import { type GridEventSource, GridEventHooks } from './grid-event-hooks.js';
import { openAdrToGridEvent } from './openadr-mapping.js';
import { SignalsRepository } from './signals.repository.js';
import { SignalsService } from './signals.service.js';

/** OpenADR 3 notifications from a utility's VTN, mapped onto zone and site signals. */
@Injectable()
export class OpenAdrService {
  constructor(
    private readonly repository: SignalsRepository,
    private readonly signals: SignalsService,
    private readonly hooks: GridEventHooks,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async notify(subscription: OpenAdrSubscriptionConfig, notification: OpenAdrNotificationDto) {
    // A VTN may notify of programs, reports and more; only events concern the schedule.
    if (notification.objectType !== 'EVENT')
      return { ignored: true, reason: `objectType ${notification.objectType} does not affect scheduling` };
    const event = await validateEvent(notification.object);
    const program = subscription.programs.find((p) => p.programId === event.programID);
    if (!program)
      throw ProblemException.invalid(422, [
        {
          field: 'object.programID',
          message: `program "${event.programID}" is not mapped to a zone for subscription "${subscription.id}"`,
        },
      ]);
    const { event: gridEvent, problems } = openAdrToGridEvent(event, program);
    if (problems) throw ProblemException.invalid(422, problems);
    const previous = await this.repository.event(gridEvent.key);
    const source: GridEventSource = {
      kind: 'openadr',
      subscription: subscription.id,
      programId: event.programID,
      eventId: event.id,
      eventName: event.eventName,
    };
    if (notification.operation === 'DELETE') {
      if (previous) await this.hooks.run({ operation: 'DELETE', event: previous, previous, source });
      const existed = await this.repository.deleteEvent(gridEvent.key);
      // The hours to re-plan are the stored event's: a DELETE's body may carry other intervals, or none.
      if (existed)
        this.announce(previous?.zone ?? gridEvent.zone, previous?.intervals ?? gridEvent.intervals, previous);
      return { key: gridEvent.key, zone: gridEvent.zone, operation: 'DELETE', deleted: existed };
    }
    await this.hooks.run({ operation: notification.operation, event: gridEvent, previous, source });
    await this.repository.putEvent(gridEvent);
    // The hours it held before are re-planned too: an update may move or shorten its intervals.
    this.announce(gridEvent.zone, [...gridEvent.intervals, ...(previous?.intervals ?? [])], gridEvent, previous);
    return {
      key: gridEvent.key,
      zone: gridEvent.zone,
      operation: notification.operation,
      intervals: gridEvent.intervals.length,
    };
  }

  /**
   * Asks for a re-plan of the event's hours; urgently when the change concerns the current hour
   * (an emergency starting now, or one lifted), so the sites hear of it within seconds.
   */
  private announce(
    zone: string,
    intervals: { startMs: number; endMs: number }[],
    ...versions: (GridEvent | undefined)[]
  ): void {
    if (intervals.length === 0) return;
    const iso = (ms: number) => formatInstant(DateTime.fromMillis(ms, { zone: 'utc' }));
    const from = intervals.reduce((a, i) => Math.min(a, i.startMs), Infinity);
    const to = intervals.reduce((a, i) => Math.max(a, i.endMs), -Infinity);
    const now = this.clock.now().toMillis();
    const urgent = versions.some((version) => version !== undefined && changesNow(version, now));
    this.signals.changes.next({ zone, from: iso(from), to: iso(to), ...(urgent && { urgent }) });
  }
}

/** Validates the event object, naming fields from the notification's root. */
async function validateEvent(object: Record<string, unknown>): Promise<OpenAdrEventDto> {
  try {
    return (await new StrictValidationPipe(true).transform(object, {
      type: 'body',
      metatype: OpenAdrEventDto,
    })) as OpenAdrEventDto;
  } catch (error) {
    if (error instanceof ProblemException && error.problem.errors) {
      throw ProblemException.invalid(
        400,
        error.problem.errors.map((e) => ({ ...e, field: `object.${e.field}` })),
      );
    }
    throw error;
  }
}
