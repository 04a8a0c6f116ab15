import type { EventSimulation, SimulationReport } from './simulate.js';

/** The dry run in lines for people: per event, what matched, what did not and why, what would be sent. */
export function formatSimulation(report: SimulationReport): string[] {
  const lines = ['Dry run: nothing was queued or written.'];
  if (report.events.length === 0)
    lines.push(`The body is a ${report.notification} notification: no event to evaluate.`);
  for (const event of report.events) lines.push('', ...formatEvent(event));
  if (report.notes.length) lines.push('', 'Notes:', ...report.notes.map((note) => `  - ${note}`));
  return lines;
}

function formatEvent(sim: EventSimulation): string[] {
  const { event } = sim;
  const lines = [
    `Event: ${event.interaction} of ${event.reference} (${event.shape} from ${event.source}), evaluated on ${event.occurredAt}`,
  ];
  if (sim.error) return [...lines, `  could not be evaluated: ${sim.error}`];
  if (!sim.listened)
    return [...lines, `  no trigger is written for ${event.resourceType}: the service accepts this event and drops it`];
  lines.push(`  Key moment: ${sim.keyMoments.length ? sim.keyMoments.join(', ') : 'none (no trigger matched)'}`);
  if (sim.matched.length) {
    lines.push('  Triggers that matched:');
    for (const t of sim.matched) lines.push(`    ✓ ${t.triggerId}${at(t.at)}: ${t.keyMoment} → ${t.decisionAidId}`);
  }
  if (sim.skipped.length) {
    lines.push('  Did not lead to an invitation:');
    for (const s of sim.skipped) lines.push(`    ✗ ${s.triggerId}${at(s.at)}: ${s.reason}`);
  }
  const holds = sim.invitations.filter((i) => i.noRepresentative);
  const invitations = sim.invitations.filter((i) => !i.noRepresentative);
  lines.push(`  Invitations that would go out: ${invitations.length}`);
  for (const i of invitations) {
    const contact = i.recipient.contact ? ' (a Patient.contact, contained in the Task)' : '';
    lines.push(
      `    → ${i.decisionAidId} (${i.keyMoment}) to ${i.recipient.role} ${i.recipient.reference}${contact}, ${delay(i.delayMs)}  [job ${i.invitationId}]`,
    );
  }
  if (holds.length) lines.push(`  On-hold Tasks for the care team (no parent or guardian to invite): ${holds.length}`);
  for (const h of holds)
    lines.push(`    ⏸ ${h.decisionAidId} (${h.keyMoment}) for ${h.recipient.reference}  [job ${h.invitationId}]`);
  return lines;
}

function at(where: string | undefined): string {
  return where ? ` (${where})` : '';
}

function delay(ms: number): string {
  if (ms === 0) return 'at once';
  if (ms % 86_400_000 === 0) return `after ${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `after ${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `after ${ms / 60_000} min`;
  return `after ${Math.round(ms / 1000)} s`;
}
