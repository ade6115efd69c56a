import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Clock } from '../domain/time/clock.js';
import { Environment } from './environment.js';
import { WestwindConfig } from './westwind-config.js';

/** Injection token of the service clock (the domain's Clock interface has no runtime token). */
export const CLOCK = Symbol('Clock');

/** Makes the validated environment, the YAML configuration and the clock injectable everywhere. */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(env: Environment, config: WestwindConfig, clock: Clock): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [
        { provide: Environment, useValue: env },
        { provide: WestwindConfig, useValue: config },
        { provide: CLOCK, useValue: clock },
      ],
      exports: [Environment, WestwindConfig, CLOCK],
    };
  }
}
