import { compileMappings, type MappingSource } from './compile-mappings.js';
import { MappingError, type MappingIssue } from './mapping-error.js';

const SECRET = 'a'.repeat(32);
const ENV = { AID_TOKEN: 'token-1', LINK_SECRET: SECRET, SDM_MAPPING_AID_HOST: '127.0.0.1:4010' };

/** A valid aid as YAML lines, so tests can count lines. */
const AID_LINES = [
  'decisionAids:',
  '  - id: aid-a', // 2
  '    title: Aid A',
  '    activityDefinition: https://keuzehulp.example.org/fhir/ActivityDefinition/a|1.0',
  '    delivery:',
  '      type: http-api',
  '      url: http://${SDM_MAPPING_AID_HOST}/api',
  '      auth: { type: bearer, tokenEnv: AID_TOKEN }',
  '      body: { invitation: "{{invitationId}}" }',
  '      linkField: invitation.url',
];

const TRIGGER_LINES = [
  '  - id: trigger-a',
  '    keyMoment: medication-change',
  '    resourceType: MedicationRequest',
  '    decisionAid: aid-a',
  '    recipients: [patient]',
];

function file(name: string, lines: string[]): MappingSource {
  return { name, text: lines.join('\n') + '\n' };
}

function issuesOf(files: MappingSource[], env: Record<string, string | undefined> = ENV): MappingIssue[] {
  try {
    compileMappings(files, env);
  } catch (err) {
    if (err instanceof MappingError) return err.errors;
    throw err;
  }
  throw new Error('expected a MappingError');
}

describe('compileMappings: problems are reported with file, line and field', () => {
  it.each<[string, string[], { line: number; field: string; message: RegExp }]>([
    [
      'YAML syntax',
      [...AID_LINES, 'triggers:', '  - id: x', '   keyMoment: evaluation'],
      { line: 13, field: '', message: /./ },
    ],
    [
      'unknown field (typo)',
      [...AID_LINES, 'triggers:', ...TRIGGER_LINES, '    recipient: [guardian]'],
      { line: 17, field: 'triggers[0].recipient', message: /^unknown field$/ },
    ],
    ['unknown top-level key', ['decisionaids: []'], { line: 1, field: 'decisionaids', message: /^unknown field$/ }],
    ['a list at the top', ['- id: x'], { line: 1, field: '', message: /expected object/ }],
    [
      'missing required field',
      [
        'decisionAids:',
        '  - id: aid-a',
        '    activityDefinition: https://x.example.org/AD/a',
        '    delivery: { type: signed-link, baseUrl: "http://127.0.0.1", secretEnv: LINK_SECRET }',
      ],
      { line: 2, field: 'decisionAids[0].title', message: /^is required$/ },
    ],
    [
      'unknown key moment',
      [...AID_LINES, 'triggers:', ...TRIGGER_LINES.map((l) => l.replace('medication-change', 'discharge'))],
      {
        line: 13,
        field: 'triggers[0].keyMoment',
        message: /expected one of "medication-change"\|"treatment-choice"\|"evaluation"/,
      },
    ],
    [
      'bad ISO duration',
      [...AID_LINES, 'triggers:', ...TRIGGER_LINES, '    delay: 2 hours'],
      { line: 17, field: 'triggers[0].delay', message: /"2 hours" is not an ISO 8601 duration/ },
    ],
    [
      'FHIRPath that does not parse',
      [...AID_LINES, 'triggers:', ...TRIGGER_LINES, `    condition: "status = 'active' and foo bar"`],
      { line: 17, field: 'triggers[0].condition', message: /^FHIRPath does not parse/ },
    ],
    [
      'FHIRPath with an unknown function',
      [...AID_LINES, 'triggers:', ...TRIGGER_LINES, `    condition: "category.exist()"`],
      {
        line: 17,
        field: 'triggers[0].condition',
        message: /^FHIRPath does not work on MedicationRequest: .*Unrecognized function: exist/,
      },
    ],
    [
      'code path without default',
      [
        ...AID_LINES,
        'triggers:',
        ...TRIGGER_LINES.map((l) => l.replace('MedicationRequest', 'Patient')),
        '    codes:',
        '      - { system: "http://snomed.info/sct", code: "1" }',
      ],
      { line: 18, field: 'triggers[0].codes[0].path', message: /no default code path for Patient/ },
    ],
    [
      'code and prefix together',
      [
        ...AID_LINES,
        'triggers:',
        ...TRIGGER_LINES,
        '    codes:',
        '      - system: http://www.whocc.no/atc',
        '        code: R03BA05',
        '        prefix: R03',
      ],
      { line: 19, field: 'triggers[0].codes[0].code', message: /exactly one/ },
    ],
    [
      'lower-case ATC prefix',
      [...AID_LINES, 'triggers:', ...TRIGGER_LINES, '    codes: [{ system: "http://www.whocc.no/atc", prefix: r03 }]'],
      { line: 17, field: 'triggers[0].codes[0].prefix', message: /write R03/ },
    ],
    [
      'maxAge below minAge',
      [...AID_LINES, 'triggers:', ...TRIGGER_LINES, '    patient:', '      minAge: 12', '      maxAge: 11'],
      { line: 19, field: 'triggers[0].patient.maxAge', message: /below minAge/ },
    ],
    [
      'recipient twice',
      [...AID_LINES, 'triggers:', ...TRIGGER_LINES.map((l) => l.replace('[patient]', '[patient, patient]'))],
      { line: 16, field: 'triggers[0].recipients', message: /twice/ },
    ],
    [
      'unknown decision aid',
      [...AID_LINES, 'triggers:', ...TRIGGER_LINES.map((l) => l.replace('aid-a', 'aid-b'))],
      { line: 15, field: 'triggers[0].decisionAid', message: /^unknown decision aid "aid-b" \(declared: aid-a\)$/ },
    ],
    [
      'unknown delivery type',
      [...AID_LINES.map((l) => l.replace('http-api', 'e-mail'))],
      { line: 6, field: 'decisionAids[0].delivery.type', message: /'http-api' \| 'signed-link'/ },
    ],
    [
      'bad activityDefinition',
      [...AID_LINES.map((l) => l.replace('https://keuzehulp', 'keuzehulp'))],
      { line: 4, field: 'decisionAids[0].activityDefinition', message: /canonical URL/ },
    ],
    [
      'missing env var in a string',
      [...AID_LINES.map((l) => l.replace('${SDM_MAPPING_AID_HOST}', '${SDM_MAPPING_AID_HOST_X}'))],
      {
        line: 7,
        field: 'decisionAids[0].delivery.url',
        message: /^environment variable SDM_MAPPING_AID_HOST_X is not set/,
      },
    ],
    [
      'missing secret',
      [...AID_LINES.map((l) => l.replace('tokenEnv: AID_TOKEN', 'tokenEnv: NO_SUCH_TOKEN'))],
      {
        line: 8,
        field: 'decisionAids[0].delivery.auth.tokenEnv',
        message: /^environment variable NO_SUCH_TOKEN is not set/,
      },
    ],
    [
      'short link secret',
      [
        'decisionAids:',
        '  - id: aid-a',
        '    title: A',
        '    activityDefinition: https://x.example.org/AD/a',
        '    delivery:',
        '      type: signed-link',
        '      baseUrl: http://127.0.0.1/start',
        '      secretEnv: SHORT',
      ],
      { line: 8, field: 'decisionAids[0].delivery.secretEnv', message: /shorter than 32 characters/ },
    ],
  ])('%s', (_name, lines, expected) => {
    const issues = issuesOf([file('a.yaml', lines)], { ...ENV, SHORT: 'short' });
    expect(issues).toEqual([
      { file: 'a.yaml', line: expected.line, field: expected.field, message: expect.stringMatching(expected.message) },
    ]);
  });

  it('collects every problem of every file in one error, in reading order', () => {
    const first = file('b-triggers.yaml', [
      'triggers:',
      ...TRIGGER_LINES,
      ...TRIGGER_LINES.map((l) => l.replace('aid-a', 'aid-x')),
    ]);
    const second = file('a-aids.yaml', [
      ...AID_LINES.map((l) => l.replace('tokenEnv: AID_TOKEN', 'tokenEnv: NO_TOKEN')),
      '  - id: aid-a',
      '    title: again',
    ]);
    const issues = issuesOf([first, second]);
    expect(issues.map((i) => `${i.file}:${i.line} ${i.field}`)).toEqual([
      'a-aids.yaml:8 decisionAids[0].delivery.auth.tokenEnv',
      'a-aids.yaml:11 decisionAids[1].activityDefinition',
      'a-aids.yaml:11 decisionAids[1].delivery',
      'a-aids.yaml:11 decisionAids[1].id',
      'b-triggers.yaml:7 triggers[1].id',
      'b-triggers.yaml:10 triggers[1].decisionAid',
    ]);
    expect(issues[3]?.message).toBe('duplicate id "aid-a", first declared at a-aids.yaml:2');
    expect(issues[4]?.message).toBe('duplicate id "trigger-a", first declared at b-triggers.yaml:2');
  });

  it('a file with a YAML error does not make the triggers of other files report unknown aids', () => {
    const issues = issuesOf([
      file('aids.yaml', ['decisionAids: [']),
      file('triggers.yaml', ['triggers:', ...TRIGGER_LINES]),
    ]);
    expect(issues.map((i) => i.file)).toEqual(['aids.yaml']);
  });

  it('an aid with an error still counts as declared, so its triggers are not reported too', () => {
    const issues = issuesOf([
      file('a.yaml', [
        ...AID_LINES.map((l) => l.replace('linkField: invitation.url', 'linkField: "not a path"')),
        'triggers:',
        ...TRIGGER_LINES,
      ]),
    ]);
    expect(issues.map((i) => i.field)).toEqual(['decisionAids[0].delivery.linkField']);
  });

  it('the error is an AppError that is never retried and lists each issue as a problem', () => {
    let error: unknown;
    try {
      compileMappings([], ENV);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MappingError);
    expect(error).toMatchObject({
      retry: false,
      status: 500,
      problems: [{ code: 'invalid', message: '(mappings): no mapping files given' }],
    });
  });
});

describe('compileMappings: decision-aid credentials come from the environment', () => {
  const withAuth = (auth: string) => [
    file(
      'a.yaml',
      AID_LINES.map((l) => (l.startsWith('      auth:') ? `      auth: ${auth}` : l)),
    ),
  ];

  it.each([
    ['{ type: none }', { type: 'none' }],
    ['{ type: bearer, tokenEnv: AID_TOKEN }', { type: 'bearer', token: 'token-1' }],
    ['{ type: header, name: X-Api-Key, valueEnv: AID_TOKEN }', { type: 'header', name: 'X-Api-Key', value: 'token-1' }],
  ])('%s', (auth, expected) => {
    const delivery = compileMappings(withAuth(auth), ENV).decisionAids.get('aid-a')?.delivery;
    expect(delivery?.type === 'http-api' && delivery.auth).toEqual(expected);
  });

  it.each([
    [
      '{ type: header, name: X-Api-Key, valueEnv: NO_KEY }',
      'decisionAids[0].delivery.auth.valueEnv',
      /NO_KEY is not set/,
    ],
    [
      '{ type: header, name: "X Api Key", valueEnv: AID_TOKEN }',
      'decisionAids[0].delivery.auth.name',
      /not an HTTP header name/,
    ],
    [
      '{ type: bearer, tokenEnv: "my token" }',
      'decisionAids[0].delivery.auth.tokenEnv',
      /name of an environment variable/,
    ],
  ])('%s is refused', (auth, field, message) => {
    expect(issuesOf(withAuth(auth))).toEqual([
      { file: 'a.yaml', line: 8, field, message: expect.stringMatching(message) },
    ]);
  });

  it('a secret written inline is refused with a hint', () => {
    expect(issuesOf(withAuth('{ type: bearer, token: abc }')).map((i) => `${i.line} ${i.field}: ${i.message}`)).toEqual(
      [
        '8 decisionAids[0].delivery.auth.tokenEnv: is required',
        expect.stringMatching(
          /^8 decisionAids\[0\]\.delivery\.auth\.token: unknown field: secrets are not written in mapping files/,
        ),
      ],
    );
  });
});

describe('compileMappings: a valid set', () => {
  const compiled = compileMappings(
    [
      file('aids.yaml', AID_LINES),
      file('empty.yaml', ['# nothing here yet']),
      file('triggers.yaml', [
        'triggers:',
        ...TRIGGER_LINES,
        '    delay: PT2H',
        '  - id: trigger-b',
        '    keyMoment: evaluation',
        '    resourceType: Encounter',
        '    interactions: [update]',
        '    decisionAid: aid-a',
        '    recipients: [guardian, patient]',
        '    throttle: P90D',
      ]),
    ],
    ENV,
  );

  it('resolves env strings and secrets into the decision aid', () => {
    expect(compiled.decisionAids.get('aid-a')).toEqual({
      id: 'aid-a',
      title: 'Aid A',
      activityDefinition: 'https://keuzehulp.example.org/fhir/ActivityDefinition/a|1.0',
      koppeltaal: false,
      delivery: {
        type: 'http-api',
        url: 'http://127.0.0.1:4010/api',
        auth: { type: 'bearer', token: 'token-1' },
        bodyTemplate: { invitation: '{{invitationId}}' },
        linkField: 'invitation.url',
        timeoutMs: 10_000,
      },
    });
  });

  it('indexes triggers by resource type and keeps where they were written', () => {
    expect([...compiled.triggersByType.keys()]).toEqual(['MedicationRequest', 'Encounter']);
    expect([...compiled.resourceTypes]).toEqual(['MedicationRequest', 'Encounter']);
    expect(compiled.files).toEqual(['aids.yaml', 'empty.yaml', 'triggers.yaml']);
    const [a, b] = compiled.triggers;
    expect(a).toMatchObject({
      id: 'trigger-a',
      file: 'triggers.yaml',
      line: 2,
      delayMs: 7_200_000,
      throttleMs: 0,
      codes: [],
    });
    expect([...(a?.interactions ?? [])]).toEqual(['create', 'update']);
    expect(b).toMatchObject({
      id: 'trigger-b',
      line: 8,
      delayMs: 0,
      throttleMs: 90 * 86_400_000,
      recipients: ['guardian', 'patient'],
    });
    expect([...(b?.interactions ?? [])]).toEqual(['update']);
  });

  it('keeps the rules of other types out of an event’s way', () => {
    const many = Array.from({ length: 500 }, (_, i) => [
      `  - id: obs-${i}`,
      '    keyMoment: evaluation',
      '    resourceType: Observation',
      '    decisionAid: aid-a',
      '    recipients: [patient]',
    ]).flat();
    const big = compileMappings(
      [file('aids.yaml', AID_LINES), file('t.yaml', ['triggers:', ...TRIGGER_LINES, ...many])],
      ENV,
    );
    expect(big.triggers).toHaveLength(501);
    expect(big.triggersByType.get('MedicationRequest')?.map((t) => t.id)).toEqual(['trigger-a']);
  });
});
