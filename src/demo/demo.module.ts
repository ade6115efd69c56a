import { DynamicModule, Module } from '@nestjs/common';
import { DemoConfig } from '../config/westwind-config.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { DemoService } from './demo.service.js';

/** The self-running demo, when the configuration has one and WESTWIND_DEMO is not false. */
@Module({})
export class DemoModule {
  static forRoot(demo: DemoConfig | undefined): DynamicModule {
    if (!demo) return { module: DemoModule };
    return {
      module: DemoModule,
      imports: [JobsModule, SignalsModule],
      providers: [{ provide: DemoConfig, useValue: demo }, DemoService],
    };
  }
}
