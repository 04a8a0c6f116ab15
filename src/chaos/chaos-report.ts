import type { ChaosReport } from './run-chaos.js';

/**
 * True when the run lost nothing, doubled nothing, wrote nothing unexpected, invited nobody without
 * a Task, and every send was taken.
 */
export function passed(report: ChaosReport): boolean {
  return (
    report.lost === 0 &&
    report.duplicates === 0 &&
    report.unexpected === 0 &&
    report.invitedWithoutTask === 0 &&
    report.send.refused.length === 0
  );
}

/** The figures as the README quotes them. */
export function formatReport(r: ChaosReport): string {
  const rows: [string, string | number][] = [
    ['events sent', `${r.eventsSent} (${r.uniqueChanges} changes + ${r.duplicatesSent} duplicates, 5 intake shapes)`],
    [
      'sends per intake source',
      Object.entries(r.sendsBySource)
        .map(([source, n]) => `${source} ${n}`)
        .join(', '),
    ],
    ['invitations expected', r.expected],
    ['Tasks written', r.written],
    ['duplicates', r.duplicates],
    ['lost', r.lost],
    ['unexpected Tasks', r.unexpected],
    ['invitations at the platform without a Task', r.invitedWithoutTask],
    ['time taken', `${(r.durationMs / 1000).toFixed(1)} s`],
    [
      'EPD requests / 503 injected / answers lost after write',
      `${r.faults.epdRequests} / ${r.faults.epd503} / ${r.faults.epdLostAnswers}`,
    ],
    ['EPD serialization conflicts (409, strict EPD)', r.faults.epdConflicts],
    ['decision-aid answers past the timeout', r.faults.aidLateAnswers],
    ['worker processes killed (SIGKILL) / Redis restarts', `${r.faults.workerKills} / ${r.faults.redisRestarts}`],
    [
      'intake 503s re-sent / connection errors re-sent / refused',
      `${r.send.unavailable} / ${r.send.networkErrors} / ${r.send.refused.length}`,
    ],
    ['failed jobs (events / invitations)', `${r.failedJobs.events} / ${r.failedJobs.invitations}`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
  for (const [kind, keys] of Object.entries(r.examples))
    if (keys.length) lines.push(`${kind}, e.g.: ${keys.join(', ')}`);
  for (const lost of r.lostJobs)
    lines.push(`lost ${lost.key}: events job ${lost.events}; invitation job ${lost.invitation}`);
  lines.push(passed(r) ? 'PASS: nothing lost, nothing doubled' : 'FAIL');
  return `${lines.join('\n')}\n`;
}
