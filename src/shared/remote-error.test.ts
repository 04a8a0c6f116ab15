import { describeRemoteIssues, remoteProblems, summariseRemoteError } from './remote-error.js';

/** What an EPD and a platform answered in the attack: their error texts quote the patient. */
const QUOTING_OUTCOME = {
  resourceType: 'OperationOutcome',
  issue: [
    {
      severity: 'error',
      code: 'invalid',
      details: { text: 'Patient Jansen, Sanne (BSN 999911120) Dorpsstraat 1, 1234 AB Utrecht: duplicate' },
      diagnostics: 'tel 0612345678',
      expression: ["Patient.identifier.where(value = '999911120')"],
    },
  ],
};

describe('summariseRemoteError', () => {
  it.each([
    [QUOTING_OUTCOME, [{ code: 'invalid', expression: "Patient.identifier.where(value = '…')" }]],
    [
      { resourceType: 'OperationOutcome', issue: [{ code: 'conflict', location: ['Task.status'] }] },
      [{ code: 'conflict', expression: 'Task.status' }],
    ],
    [{ resourceType: 'OperationOutcome', issue: [{ code: 'Not A Code' }] }, []],
    [
      { resourceType: 'OperationOutcome', issue: Array.from({ length: 9 }, () => ({ code: 'invalid' })) },
      Array(5).fill({ code: 'invalid' }),
    ],
    [{ resourceType: 'Patient', name: [{ family: 'Jansen' }] }, []],
    [JSON.stringify(QUOTING_OUTCOME), [{ code: 'invalid', expression: "Patient.identifier.where(value = '…')" }]],
    ['<html>Sanne Jansen is al uitgenodigd</html>', []],
    [undefined, []],
  ])('%#: keeps codes and expressions only', (body, issues) => {
    const summary = summariseRemoteError(422, body);
    expect(summary.issues).toEqual(issues);
    const everything = JSON.stringify([summary, describeRemoteIssues(summary), remoteProblems(summary, 'invalid')]);
    expect(everything).not.toMatch(/Jansen|Sanne|999911120|Dorpsstraat|1234 AB|Utrecht|0612345678/);
  });

  it("hashes the text, so a line can be matched with the other side's log, and the same text gives the same hash", () => {
    const a = summariseRemoteError(400, 'Sanne Jansen is al uitgenodigd');
    expect(a.textHash).toMatch(/^[0-9a-f]{12}$/);
    expect(summariseRemoteError(500, 'Sanne Jansen is al uitgenodigd').textHash).toBe(a.textHash);
    expect(summariseRemoteError(400, 'iets anders').textHash).not.toBe(a.textHash);
    expect(summariseRemoteError(400, '').textHash).toBeUndefined();
    expect(describeRemoteIssues(a)).toBe(`(text #${a.textHash})`);
  });
});
