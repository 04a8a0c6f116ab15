/** Variables with this prefix may always be used as `${NAME}` in a mapping file. */
export const MAPPING_ENV_PREFIX = 'SDM_MAPPING_';

/**
 * Names that are never expanded, even when a file lists them: the service's own settings and
 * anything that looks like a credential. Why: `${EPD_TOKEN}` in an invitation body went out to a
 * platform, and a secret in a condition reached the logs through a skip reason.
 */
const NEVER = [
  /^(EPD|INTAKE|ADMIN|PSEUDONYM|REDIS|QUEUE|SIGNATURE|METRICS)_/,
  /(TOKEN|SECRET|PASSWORD|PASSPHRASE|PASSWD|PRIVATE|CREDENTIALS?|API_?KEY|_KEY)(_|$)/,
  /^REDIS_URL$/,
];

/**
 * Whether `${name}` may be expanded in a mapping file whose top-level `allowEnv` lists `allowed`:
 * a name with the SDM_MAPPING_ prefix or in that list, and never one of the service's own
 * settings or a credential. Returns the reason it may not, or undefined when it may.
 */
export function refusedEnv(name: string, allowed: ReadonlySet<string>): string | undefined {
  if (NEVER.some((pattern) => pattern.test(name)))
    return `environment variable ${name} may not be used in a mapping file: it is a setting or credential of the service`;
  if (name.startsWith(MAPPING_ENV_PREFIX) || allowed.has(name)) return undefined;
  return `environment variable ${name} is not allowed here: list it under allowEnv at the top of the file, or name it ${MAPPING_ENV_PREFIX}…`;
}
