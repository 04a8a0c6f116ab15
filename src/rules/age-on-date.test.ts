import { ageOnDate } from './age-on-date.js';

describe('ageOnDate', () => {
  it.each([
    ['2012-05-01', '2024-05-01', 12, 'birthday today'],
    ['2012-05-02', '2024-05-01', 11, 'birthday tomorrow: not yet'],
    ['2012-04-30', '2024-05-01', 12, 'birthday yesterday'],
    ['2012-05-01', '2024-05-01T23:59:00+02:00', 12, 'dateTime: its own calendar date'],
    ['2012-05-01', '2024-04-30T23:30:00Z', 11, 'dateTime the day before'],
    ['2008-12-31', '2024-12-31', 16, 'last day of the year'],
    ['2009-01-01', '2024-12-31', 15, 'first day of the year'],
    ['2012-02-29', '2023-02-28', 10, 'leap-day birthday not yet on 28 Feb'],
    ['2012-02-29', '2023-03-01', 11, 'leap-day birthday passed on 1 Mar'],
    ['2024-05-01', '2024-05-01', 0, 'born today'],
    ['2012', '2024-12-31', 12, 'year only, late in the year: unambiguous'],
    ['2012-03', '2024-04-01', 12, 'year and month, birthday month passed'],
  ])('%s on %s → %d (%s)', (birthDate, onDate, age) => {
    expect(ageOnDate(birthDate, onDate)).toBe(age);
  });

  it.each([
    ['2012', '2024-05-01', 'year only, mid-year: 11 or 12'],
    ['2012-05', '2024-05-15', 'birth month is this month'],
    ['2024-05-02', '2024-05-01', 'born after the date'],
    ['01-05-2012', '2024-05-01', 'not a FHIR date'],
    ['2012-13-01', '2024-05-01', 'no month 13'],
    ['2012-05-01', 'yesterday', 'not a date'],
  ])('%s on %s → undefined (%s)', (birthDate, onDate) => {
    expect(ageOnDate(birthDate, onDate)).toBeUndefined();
  });
});
