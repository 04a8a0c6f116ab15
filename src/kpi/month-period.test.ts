import { addMonths, isMonth, monthBounds, monthOf, monthsBetween, monthStart } from './month-period.js';

describe('month periods', () => {
  it.each([
    ['2026-10-31T22:59:59Z', 'Europe/Amsterdam', '2026-10'],
    ['2026-10-31T23:00:00Z', 'Europe/Amsterdam', '2026-11'], // midnight in Amsterdam (winter time, +01:00)
    ['2026-03-31T21:59:59Z', 'Europe/Amsterdam', '2026-03'],
    ['2026-03-31T22:00:00Z', 'Europe/Amsterdam', '2026-04'], // summer time, +02:00
    ['2026-10-31T23:00:00Z', 'UTC', '2026-10'],
  ])('%s is in %s month %s', (instant, zone, month) => {
    expect(monthOf(instant, zone)).toBe(month);
  });

  it.each([
    ['2026-11', 'Europe/Amsterdam', '2026-10-31T23:00:00.000Z'],
    ['2026-04', 'Europe/Amsterdam', '2026-03-31T22:00:00.000Z'],
    ['2026-01', 'UTC', '2026-01-01T00:00:00.000Z'],
    ['2026-07', 'America/New_York', '2026-07-01T04:00:00.000Z'],
  ])('%s starts in %s at %s', (month, zone, start) => {
    expect(monthStart(month, zone)).toBe(start);
  });

  it('gives a month its bounds', () => {
    expect(monthBounds('2026-12', 'UTC')).toEqual({
      start: '2026-12-01T00:00:00.000Z',
      end: '2027-01-01T00:00:00.000Z',
    });
  });

  it.each([
    ['2026-10', 1, '2026-11'],
    ['2026-12', 1, '2027-01'],
    ['2026-01', -1, '2025-12'],
    ['2026-10', -22, '2024-12'],
  ])('%s plus %p months is %s', (month, count, expected) => {
    expect(addMonths(month, count)).toBe(expected);
  });

  it('lists the months of a range, both ends included', () => {
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsBetween('2026-02', '2026-01')).toEqual([]);
  });

  it.each([
    ['2026-10', true],
    ['2026-13', false],
    ['2026-1', false],
    ['26-10', false],
    ['2026-10-01', false],
  ])('isMonth(%p) is %p', (text, expected) => {
    expect(isMonth(text)).toBe(expected);
  });
});
