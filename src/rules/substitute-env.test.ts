import { substituteEnv } from './substitute-env.js';

const ENV = { HOST: 'keuzehulp.example.org', EMPTY: '', PORT: '4010' };

describe('substituteEnv', () => {
  it.each([
    ['https://${HOST}/api', 'https://keuzehulp.example.org/api'],
    ['${HOST:-127.0.0.1}', 'keuzehulp.example.org'],
    ['http://${NOT_SET:-127.0.0.1}:${PORT}/x', 'http://127.0.0.1:4010/x'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${NOT_SET:-}', ''],
    ['no placeholders', 'no placeholders'],
    ['literal $${HOST}', 'literal ${HOST}'],
    ['$HOST stays', '$HOST stays'],
    ['{{invitationId}} is not ours', '{{invitationId}} is not ours'],
  ])('%j → %j', (text, expected) => {
    expect(substituteEnv(text, ENV)).toEqual({ text: expected, missing: [], refused: [] });
  });

  it.each([
    ['${NOT_SET}', ['NOT_SET']],
    ['${EMPTY}', ['EMPTY']],
    ['${A}/${HOST}/${B}', ['A', 'B']],
  ])('reports %j as missing %j', (text, missing) => {
    expect(substituteEnv(text, ENV).missing).toEqual(missing);
  });
});

describe('substituteEnv with a refusal', () => {
  it('leaves a refused name as written, default and all, and says why', () => {
    const refuse = (name: string) => (name === 'HOST' ? 'HOST is not allowed' : undefined);
    expect(substituteEnv('${HOST:-x}/${PORT}', ENV, refuse)).toEqual({
      text: '${HOST:-x}/4010',
      missing: [],
      refused: ['HOST is not allowed'],
    });
  });
});
