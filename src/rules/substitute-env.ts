/** `${NAME}` or `${NAME:-default}`; `$${` is a literal `${`. */
const PLACEHOLDER = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** The result of substituting one string: the new text, the variables needed but not set, and refusals. */
export interface Substitution {
  text: string;
  missing: string[];
  /** Why a variable was not expanded although it may be set (see `refusedEnv`). */
  refused: string[];
}

/**
 * Replaces `${NAME}` and `${NAME:-default}` with values from `env`. As in a POSIX shell, an empty
 * variable counts as unset for the default; a variable without a default that is unset or empty is
 * reported as missing (an empty URL or id is never what the author meant). A name `refuse` gives a
 * reason for is left as written and its reason reported.
 */
export function substituteEnv(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  refuse: (name: string) => string | undefined = () => undefined,
): Substitution {
  const missing: string[] = [];
  const refused: string[] = [];
  const result = text.replace(PLACEHOLDER, (whole, name: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return '${'; // the `$${` escape
    const reason = refuse(name);
    if (reason) {
      refused.push(reason);
      return whole; // never the value, not even the default: the file must be fixed
    }
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return whole;
  });
  return { text: result, missing, refused };
}
