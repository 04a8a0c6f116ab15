import type { MeasureReport } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import { AppError } from '../shared/errors.js';
import { assertValidResource } from '../shared/fhir-definitions.js';

/** What writing a month's report did. */
export interface WrittenMeasureReport {
  /** `MeasureReport/id` */
  reference: string;
  outcome: 'created' | 'updated' | 'unchanged';
}

/**
 * Writes a month's MeasureReport so that running it again never makes a second one: a conditional
 * create on its identifier (one per month); when one exists it is updated in place (If-Match on its
 * version), or left alone when only the generation date would change, so a schedule that runs
 * twice, or a run on demand after the schedule, adds no version without new figures.
 */
export async function writeMeasureReport(epd: EpdClient, report: MeasureReport): Promise<WrittenMeasureReport> {
  const identifier = report.identifier?.[0];
  if (!identifier?.system || !identifier.value)
    throw new AppError('a MeasureReport needs its identifier to be written idempotently', {
      status: 500,
      retry: false,
    });
  const query = `identifier=${encodeURIComponent(identifier.system)}|${encodeURIComponent(identifier.value)}`;
  const { resource: stored, created } = await epd.createIfNoneExist(assertValidResource(report), query);
  const reference = `MeasureReport/${stored.id}`;
  if (created) return { reference, outcome: 'created' };
  if (sameFigures(stored, report)) return { reference, outcome: 'unchanged' };
  try {
    await epd.update(
      assertValidResource({ ...report, id: stored.id! }),
      stored.meta?.versionId ? { ifMatch: stored.meta.versionId } : {},
    );
  } catch (err) {
    // Another process wrote it since it was read: the next attempt reads it again, never overwrites blindly.
    if (err instanceof EpdError && err.status === 412) {
      throw new AppError('the MeasureReport changed while it was written; retrying', {
        status: 409,
        retry: true,
        code: 'conflict',
        cause: err,
      });
    }
    throw err;
  }
  return { reference, outcome: 'updated' };
}

/** Equal apart from what the server adds (id, meta) and the generation date. */
function sameFigures(stored: MeasureReport, report: MeasureReport): boolean {
  const comparable = ({ id: _id, meta: _meta, date: _date, text: _text, ...rest }: MeasureReport) =>
    JSON.stringify(sortKeys(rest));
  return comparable(stored) === comparable(report);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, sortKeys(v)]),
  );
}
