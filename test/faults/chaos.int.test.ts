import { formatReport } from '../../src/chaos/chaos-report.js';
import { runChaos } from '../../src/chaos/run-chaos.js';

/**
 * The small chaos run of `npm test`; `npm run chaos` sends 10,000. Every fault still strikes at this
 * size; lost write answers are made more likely than the full run's 2% (5%: about ten of some two
 * hundred writes), so a run this short always has some.
 */
const EVENTS = 150;
const LOST_ANSWER_RATE = 0.05;
/** Start-up of the stack and two worker processes, the run and its drain, on a busy two-core machine. */
const RUN_TIMEOUT_MS = 8 * 60_000;

/**
 * The chaos run in small: every intake shape with duplicates from two intake sources, a strict EPD
 * (serialization 409s), 20% EPD 503s, lost write answers, decision-aid timeouts, one worker SIGKILL
 * and one Redis restart. Nothing may be lost or doubled, and nobody invited without a Task.
 */
describe('chaos run (small)', () => {
  it(
    `loses and doubles nothing over ${EVENTS} events`,
    async () => {
      const report = await runChaos({
        events: EVENTS,
        seed: 7,
        lostAnswerRate: LOST_ANSWER_RATE,
        drainTimeoutMs: RUN_TIMEOUT_MS / 2,
      });
      const figures = formatReport(report);
      expect({
        lost: report.lost,
        duplicates: report.duplicates,
        unexpected: report.unexpected,
        invitedWithoutTask: report.invitedWithoutTask,
        refused: report.send.refused,
        figures,
      }).toEqual({
        lost: 0,
        duplicates: 0,
        unexpected: 0,
        invitedWithoutTask: 0,
        refused: [],
        figures,
      });
      // The faults did happen: otherwise the zeros above prove nothing.
      expect(report.expected).toBeGreaterThan(0);
      expect(report.written).toBe(report.expected);
      expect(report.faults).toMatchObject({ workerKills: 1, redisRestarts: 1 });
      expect(report.faults.epd503).toBeGreaterThan(0);
      expect(report.faults.epdLostAnswers).toBeGreaterThan(0);
      expect(report.faults.epdConflicts).toBeGreaterThan(0);
      expect(Object.keys(report.sendsBySource).sort()).toEqual(['engine', 'hix']);
      expect(report.crossSourceCopies).toBeGreaterThan(0);
      expect(report.faults.aidLateAnswers).toBeGreaterThan(0);
      expect(report.duplicatesSent).toBeGreaterThan(0);
    },
    RUN_TIMEOUT_MS,
  );
});
