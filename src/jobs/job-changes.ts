import { Injectable } from '@nestjs/common';
import type { Job } from '../domain/jobs/job.js';

/**
 * Something happened to a job that others act on: submitted or cancelled by its tenant (jobs), or
 * completed, failed or off its plan as its site reported (execution). A cancel carries the job, so
 * its site can be told.
 */
export type JobChange =
  | { jobId: string; change: 'submitted' }
  | { jobId: string; change: 'cancelled'; job: Job }
  | { jobId: string; change: 'completed' | 'failed' | 'off plan' };

export type JobChangeListener = (change: JobChange) => void | Promise<void>;

/**
 * Job changes announced within this process, so that jobs and execution never import the
 * planner that listens to them. In process is enough: every process runs a planning service, and
 * its listener only asks for a re-plan on the planning queue, which is what crosses processes.
 * Announcing waits for every listener, so a cancel has reached its site's queue before the API
 * answers; a listener's failure fails the announcement.
 */
@Injectable()
export class JobChanges {
  private readonly listeners = new Set<JobChangeListener>();

  /** Calls `listener` on every change announced from now on; returns how to stop. */
  listen(listener: JobChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async announce(change: JobChange): Promise<void> {
    await Promise.all([...this.listeners].map(async (listener) => listener(change)));
  }
}
