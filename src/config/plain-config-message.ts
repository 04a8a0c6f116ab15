import type { z } from 'zod';

/**
 * Says what is wrong with a setting in the words of an operator, not of the schema library:
 * "must be a whole number of at least 1000" instead of "expected number, received NaN". Messages
 * never quote the value, which may be a secret. Messages written on a field win over these.
 */
export const plainConfigMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required, but not set (see .env.example)';
      if (issue.expected === 'int') return 'must be a whole number';
      if (issue.expected === 'number') return 'must be a number';
      return `must be a ${issue.expected}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `must be at least ${String(issue.minimum)} characters`
        : `must be ${issue.expected === 'int' ? 'a whole number' : 'a number'} of at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${String(issue.maximum)} characters`
        : `must be at most ${String(issue.maximum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'url' ? 'must be a URL such as https://host.example/path' : 'is not written as expected';
    case 'invalid_union':
      return 'is not a value this setting accepts';
    default:
      return undefined;
  }
};
