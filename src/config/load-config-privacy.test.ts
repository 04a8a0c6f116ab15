import { CONSENT_PURPOSE_SYSTEM, V3_ACT_REASON } from '../rules/objection-policy.js';
import { ConfigError, loadConfig } from './load-config.js';

const valid = {
  EPD_BASE_URL: 'http://127.0.0.1:8103/fhir/',
  INTAKE_SOURCES: 'hix',
  INTAKE_HIX_TOKEN: 'a-token-of-enough-length',
  PSEUDONYM_SECRET: 'a-secret-of-enough-length',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig: audit and objection settings', () => {
  it('writes the audit trail to the EPD and looks for the default purposes unless told otherwise', () => {
    const config = loadConfig(valid);
    expect(config.audit).toEqual({ baseUrl: 'http://127.0.0.1:8103/fhir', sourceId: 'sdm-bridge' });
    expect(config.objection).toEqual({
      purposes: [
        { system: CONSENT_PURPOSE_SYSTEM, code: 'decision-support-contact' },
        { system: V3_ACT_REASON, code: 'HOUTCOMS' },
      ],
    });
  });

  it('takes an audit endpoint, a source name, a site, purposes and a Patient flag', () => {
    const config = loadConfig({
      ...valid,
      AUDIT_BASE_URL: 'https://audit.ziekenhuis.example.org/fhir/',
      AUDIT_SOURCE_ID: 'sdm-bridge-prod',
      AUDIT_SITE: 'Testziekenhuis Midden',
      OBJECTION_PURPOSES: `${V3_ACT_REASON}|HOUTCOMS`,
      OBJECTION_PATIENT_FHIRPATH: "extension('https://ziekenhuis.example.org/bezwaar').valueBoolean",
    });
    expect(config.audit).toEqual({
      baseUrl: 'https://audit.ziekenhuis.example.org/fhir',
      sourceId: 'sdm-bridge-prod',
      site: 'Testziekenhuis Midden',
    });
    expect(config.objection).toEqual({
      purposes: [{ system: V3_ACT_REASON, code: 'HOUTCOMS' }],
      patientFlag: "extension('https://ziekenhuis.example.org/bezwaar').valueBoolean",
    });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['an audit URL that is no URL', { AUDIT_BASE_URL: 'audit-server' }, /^AUDIT_BASE_URL: /],
    ['a source name with spaces', { AUDIT_SOURCE_ID: 'sdm bridge' }, /^AUDIT_SOURCE_ID: must be 1-64 letters/],
    [
      'a purpose without a system',
      { OBJECTION_PURPOSES: 'HOUTCOMS' },
      /^OBJECTION_PURPOSES: "HOUTCOMS" is not system\|code/,
    ],
    [
      'a flag that does not parse',
      { OBJECTION_PATIENT_FHIRPATH: "extension.where(url = 'x'" },
      /^OBJECTION_PATIENT_FHIRPATH: FHIRPath does not work on a Patient/,
    ],
    [
      'a flag with an unknown function',
      { OBJECTION_PATIENT_FHIRPATH: 'extension.exist()' },
      /^OBJECTION_PATIENT_FHIRPATH: .*exist/,
    ],
  ])('reports %s', (_name, env, problem) => {
    expect(problemsOf({ ...valid, ...env })).toEqual([expect.stringMatching(problem)]);
  });
});
