/** An unquoted `${NAME}` or `${NAME:-default}` right after `[` or `,` of a YAML flow list. */
const FLOW_VARIABLE = /([[,]\s*)(\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}\n"]*)?\})(?=\s*[,\]])/g;

/**
 * Quotes variables written as items of a YAML flow list (`departments: [${ASTMA_DEPARTMENT}]`).
 * Why: in a flow list `{` starts a mapping, so YAML reads `${X}` as `$: {X: null}` and the file
 * fails to parse; quoted, it is the string the variable then replaces. Lines stay where they are,
 * so every problem is still reported at its line.
 */
export function quoteFlowVariables(text: string): string {
  return text.replace(FLOW_VARIABLE, (_all, before: string, variable: string) => `${before}"${variable}"`);
}
