import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { ProblemException } from '../common/problem.js';
import { StrictValidationPipe } from '../common/validation.pipe.js';
import { OpenAdrSubscriptionConfig } from '../config/westwind-config.js';
import { formatInstant } from '../domain/time/instant.js';
import { OpenAdrEventDto, OpenAdrNotificationDto } from './dto/openadr-notification.dto.js';
import { openAdrToGridEvent } from './openadr-mapping.js';
import { SignalsRepository } from './signals.repository.js';
import { SignalsService } from './signals.service.js';

/** OpenADR 3 notifications from a utility's VTN, mapped onto zone and site signals. */
@Injectable()
export class OpenAdrService {
  constructor(
    private readonly repository: SignalsRepository,
    private readonly signals: SignalsService,
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
    if (notification.operation === 'DELETE') {
      const existed = await this.repository.deleteEvent(gridEvent.key);
      if (existed) this.announce(gridEvent.zone, gridEvent.intervals);
      return { key: gridEvent.key, zone: gridEvent.zone, operation: 'DELETE', deleted: existed };
    }
    await this.repository.putEvent(gridEvent);
    this.announce(gridEvent.zone, gridEvent.intervals);
    return {
      key: gridEvent.key,
      zone: gridEvent.zone,
      operation: notification.operation,
      intervals: gridEvent.intervals.length,
    };
  }

  private announce(zone: string, intervals: { startMs: number; endMs: number }[]): void {
    if (intervals.length === 0) return;
    const iso = (ms: number) => formatInstant(DateTime.fromMillis(ms, { zone: 'utc' }));
    const from = intervals.reduce((a, i) => Math.min(a, i.startMs), Infinity);
    const to = intervals.reduce((a, i) => Math.max(a, i.endMs), -Infinity);
    this.signals.changes.next({ zone, from: iso(from), to: iso(to) });
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
