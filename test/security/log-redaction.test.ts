import { SEED_PEOPLE } from '../../src/sandbox/seed-people.js';
import { createLogger } from '../../src/shared/logger.js';

const person = SEED_PEOPLE[1]!;
const patient = {
  resourceType: 'Patient',
  id: 'p1',
  identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: person.bsn }],
  name: [{ family: person.family, given: [person.given] }],
  birthDate: '2012-01-01',
  telecom: [{ system: 'phone', value: person.phone }],
  address: [{ line: [person.address.line], postalCode: person.address.postalCode, city: person.address.city }],
};
const secrets = {
  privateKeyPem: '-----BEGIN PRIVATE KEY-----x',
  clientSecret: 'client-secret-value',
  access_token: 'token-value',
};

function logged(fields: Record<string, unknown>): string {
  const lines: string[] = [];
  createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } }).info(fields, 'x');
  return lines.join('');
}

/** The safety net: when a resource or a secret slips into a log call anyway, pino redact removes it. */
describe('log redaction', () => {
  it.each([
    ['as resource', { resource: patient }],
    ['as body', { body: patient }],
    ['under another key', { patient }],
    ['under any key', { subject: patient }],
    ['nested in a job', { job: { resource: patient } }],
    ['spread into the fields', { ...patient }],
  ])('hides a Patient logged %s', (_name, fields) => {
    const line = logged(fields);
    for (const value of [person.bsn, person.family, person.given, person.phone, person.address.line, '2012-01-01'])
      expect(line).not.toContain(value);
  });

  it.each([
    ['at the top', secrets],
    ['inside the auth config', { auth: secrets }],
    [
      'as request headers',
      { req: { headers: { authorization: 'Bearer abc-secret', 'x-sdm-signature': 'v1=abc-signature' } } },
    ],
  ])('hides secrets logged %s', (_name, fields) => {
    const line = logged(fields);
    for (const value of ['BEGIN PRIVATE KEY', 'client-secret-value', 'token-value', 'abc-secret', 'abc-signature'])
      expect(line).not.toContain(value);
  });

  it('keeps references and ids', () => {
    expect(logged({ reference: 'Patient/p1', eventKey: 'hix|Patient/p1/_history/1' })).toContain(
      'Patient/p1/_history/1',
    );
  });
});
