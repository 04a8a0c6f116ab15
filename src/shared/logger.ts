import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Fields that may carry patient data. Code logs references and ids only; this list is the safety
 * net for a resource or identifier that slips into a log call anyway.
 */
export const REDACTED_PATHS = [
  'resource',
  'resources',
  'body',
  'patient.name',
  'patient.birthDate',
  'patient.identifier',
  'patient.telecom',
  'patient.address',
  '*.resource',
  '*.body',
  'name',
  'birthDate',
  'bsn',
  'identifier',
  'telecom',
  'address',
  'req.headers.authorization',
  'req.headers["x-hub-signature-256"]',
  'headers.authorization',
  'authorization',
  'token',
  'secret',
  'link',
  'url',
  // Parts of a person (a Patient, RelatedPerson or Practitioner logged under any key) and secrets of EPD auth.
  '*.name',
  '*.birthDate',
  '*.telecom',
  '*.address',
  '*.identifier',
  '*.bsn',
  'given',
  'family',
  'phone',
  'email',
  'privateKey',
  'privateKeyPem',
  '*.privateKeyPem',
  'clientSecret',
  '*.clientSecret',
  'password',
  '*.password',
  'client_assertion',
  '*.client_assertion',
  'access_token',
  '*.access_token',
  '*.token',
  '*.secret',
  'req.headers["x-sdm-signature"]',
  'headers["x-sdm-signature"]',
];

/** The root logger: JSON lines by default, readable lines when `pretty` is set. */
export function createLogger(options: {
  level: string;
  pretty?: boolean;
  destination?: pino.DestinationStream;
}): Logger {
  const base: LoggerOptions = {
    level: options.level,
    base: { service: 'sdm-bridge' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, singleLine: true } } });
  }
  return pino(base);
}
