import { Module } from '@nestjs/common';
import { ClockController } from './clock.controller.js';

/** The service clock over HTTP (`GET /v1/clock`); the clock itself is provided by the config module. */
@Module({ controllers: [ClockController] })
export class ClockModule {}
