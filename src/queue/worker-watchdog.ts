/**
 * Why a watchdog: after a Redis failover a BullMQ worker can stay alive without taking jobs again
 * (its blocking connection wedged; BullMQ issues #3088 and #4138, both open). Seen in this project's
 * failover test on a Redis Cluster: the invitations worker took nothing for minutes while 74 jobs
 * waited and the events worker on the same connection went on. Nothing else notices: the process
 * is healthy, Redis answers, the jobs just wait. So each worker is looked at now and then, and one
 * that took no job for two looks in a row while jobs waited and none of its own ran is started again.
 */

/** What one look at a worker finds. */
export interface WorkerLook {
  /** Jobs of its queue ready to run (waiting or prioritized). */
  ready: number;
  /** The queue is paused (from the dashboard): waiting jobs are not the worker's fault then. */
  paused: boolean;
  /** Jobs this worker is running now. */
  running: number;
  /** Whether the worker took a job since the look before. */
  tookJob: boolean;
}

/** Looks in a row that found jobs ready, nothing running and nothing taken: a worker is started again after this many. */
export const IDLE_LOOKS_BEFORE_RESTART = 2;

/** Whether a look counts as idle with work to do. Pure. */
export function idleWithWork(look: WorkerLook): boolean {
  return !look.paused && look.ready > 0 && look.running === 0 && !look.tookJob;
}

/** Counts idle looks in a row; `true` when the worker should be started again (and starts counting anew). */
export function createWedgeCounter(): (look: WorkerLook) => boolean {
  let idleLooks = 0;
  return (look) => {
    idleLooks = idleWithWork(look) ? idleLooks + 1 : 0;
    if (idleLooks < IDLE_LOOKS_BEFORE_RESTART) return false;
    idleLooks = 0;
    return true;
  };
}
