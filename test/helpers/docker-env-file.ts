/**
 * Reads an env file the way `docker run --env-file` does (docker/cli, opts/envfile.go and
 * opts/file.go; documented at docs.docker.com, "docker container run", --env-file): a UTF-8 BOM on
 * the first line is dropped; leading whitespace of a line is dropped; empty lines and lines starting
 * with `#` are skipped; a line is split at its first `=`; the name may not contain whitespace; the
 * value is taken as written, with no trimming, no quote removal, no escapes and no inline comments;
 * a name without `=` passes the value of that variable in the calling environment, if it has one.
 */
export function parseDockerEnvFile(
  text: string,
  callerEnv: Readonly<Record<string, string | undefined>> = {},
): Map<string, string> {
  const values = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    const name = equals === -1 ? line : line.slice(0, equals);
    if (/\s/.test(name)) throw new Error(`line ${index + 1}: variable '${name}' contains whitespaces`);
    if (name === '') throw new Error(`line ${index + 1}: no variable name on line '${line}'`);
    if (equals !== -1) values.set(name, line.slice(equals + 1));
    else if (callerEnv[name] !== undefined) values.set(name, callerEnv[name]);
  });
  return values;
}
