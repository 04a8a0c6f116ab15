/** Shorter shared secrets are guessable by brute force over the network. */
export const MIN_SECRET_LENGTH = 16;

// The secrets in .env.example start with change-me; the rest are what people type when told to fill one in.
const PLACEHOLDER = /^(change-?me|replace-?me|your[-_ ])|^<.*>$/i;

/** True when a secret is still a placeholder (`change-me…`, `replace-me…`, `<token>`, `your-secret`). */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value.trim());
}

/** Says what is wrong with a secret of ours (length, placeholder), naming the setting and the fix; empty when fine. */
export function secretProblems(name: string, value: string, minLength = MIN_SECRET_LENGTH): string[] {
  const problems: string[] = [];
  if (isPlaceholder(value)) problems.push(`${name}: still a placeholder; set a random value (openssl rand -hex 32)`);
  else if (value.length < minLength)
    problems.push(`${name}: must be at least ${minLength} characters; set a random value (openssl rand -hex 32)`);
  return problems;
}
