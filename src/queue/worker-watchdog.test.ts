import { createWedgeCounter, idleWithWork, type WorkerLook } from './worker-watchdog.js';

const IDLE: WorkerLook = { ready: 3, paused: false, running: 0, tookJob: false };

describe('worker watchdog', () => {
  it.each([
    ['jobs ready, nothing running, nothing taken', IDLE, true],
    ['no job ready', { ...IDLE, ready: 0 }, false],
    ['the queue paused from the dashboard', { ...IDLE, paused: true }, false],
    ['a job of its own running (maybe a slow one)', { ...IDLE, running: 1 }, false],
    ['a job taken since the look before', { ...IDLE, tookJob: true }, false],
  ])('counts a look as idle with work: %s', (_name, look, idle) => {
    expect(idleWithWork(look)).toBe(idle);
  });

  it('restarts after two idle looks in a row, not after one, and counts anew after a restart', () => {
    const wedged = createWedgeCounter();
    expect(wedged(IDLE)).toBe(false);
    expect(wedged(IDLE)).toBe(true);
    expect(wedged(IDLE)).toBe(false);
    expect(wedged(IDLE)).toBe(true);
  });

  it('starts counting again after a look in which the worker took a job', () => {
    const wedged = createWedgeCounter();
    expect(wedged(IDLE)).toBe(false);
    expect(wedged({ ...IDLE, tookJob: true })).toBe(false);
    expect(wedged(IDLE)).toBe(false);
    expect(wedged(IDLE)).toBe(true);
  });
});
