/** `${NAME}` or `${NAME:-default}`; `$${` is a literal `${`. */
const PLACEHOLDER = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** The result of substituting one string: the new text, and the names of variables that were needed but not set. */
export interface Substitution {
  text: string;
  missing: string[];
}

/**
 * Replaces `${NAME}` and `${NAME:-default}` with values from `env`. As in a POSIX shell, an empty
 * variable counts as unset for the default; a variable without a default that is unset or empty is
 * reported as missing (an empty URL or id is never what the author meant).
 */
export function substituteEnv(text: string, env: Readonly<Record<string, string | undefined>>): Substitution {
  const missing: string[] = [];
  const result = text.replace(PLACEHOLDER, (whole, name: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return '${'; // the `$${` escape
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return whole;
  });
  return { text: result, missing };
}
