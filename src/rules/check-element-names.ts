import {
  AsAtom,
  DotAtom,
  FunctionAtom,
  IndexerAtom,
  LiteralAtom,
  SymbolAtom,
  tryGetDataType,
  type Atom,
  type FhirPathAtom,
} from '@medplum/core';
import { didYouMean } from './closest-name.js';

/** The types a sub-expression may have; undefined when unknown, and then nothing below it is checked. */
type Types = readonly string[] | undefined;

/** Functions whose arguments are evaluated on each input item, and what they give back. */
const ON_EACH_ITEM: Record<string, 'input' | 'argument' | 'other'> = {
  where: 'input',
  select: 'argument',
  repeat: 'argument',
  all: 'other',
  exists: 'other',
  any: 'other',
  iif: 'other',
};
/** Functions that give back (part of) their input. */
const SAME_TYPE = new Set(['first', 'last', 'tail', 'skip', 'take', 'single', 'distinct', 'trace', 'intersect']);

/**
 * The element names in a FHIRPath expression that the resource type's definition does not have,
 * as messages with the nearest real name (`staus` → did you mean "status"?). Such a typo is no
 * parse error: it reads as an empty collection, and a condition on it is then never true. Follows
 * the path through elements, backbone elements, choice types (`medication.ofType(CodeableConcept)`,
 * `valueQuantity`), `where`, `select`, `first()` and `as`; where the type cannot be known (after
 * `resolve()`, a variable, a function it does not follow) it stops checking. Needs the definitions
 * of the types it meets loaded (`loadResourceDefinitions`); a type without one is not checked.
 */
export function unknownElementNames(atom: FhirPathAtom, resourceType: string): string[] {
  const problems: string[] = [];
  walk(atom, [resourceType], resourceType, problems);
  return problems;
}

function walk(atom: Atom, input: Types, root: string, problems: string[]): Types {
  if (atom instanceof LiteralAtom) return undefined;
  if (atom instanceof SymbolAtom) return element(atom.name, input, root, problems);
  if (atom instanceof DotAtom) return walk(atom.right, walk(atom.left, input, root, problems), root, problems);
  if (atom instanceof FunctionAtom) return call(atom, input, root, problems);
  if (atom instanceof IndexerAtom) {
    walk(atom.expr, undefined, root, problems);
    return walk(atom.left, input, root, problems);
  }
  if (atom instanceof AsAtom) {
    walk(atom.left, input, root, problems);
    return atom.right instanceof SymbolAtom ? [atom.right.name] : undefined;
  }
  const parts = atom as unknown as { left?: Atom; right?: Atom; child?: Atom };
  // Operators (=, and, |, is, -, ...): both sides are read from the same input.
  if (parts.left) walk(parts.left, input, root, problems);
  if (parts.right) walk(parts.right, input, root, problems);
  if (parts.child) return walk(parts.child, input, root, problems);
  return undefined;
}

function call(atom: FunctionAtom, input: Types, root: string, problems: string[]): Types {
  const onEach = ON_EACH_ITEM[atom.name];
  if (onEach) {
    const results = atom.args.map((arg) => walk(arg, input, root, problems));
    if (onEach === 'input') return input;
    return onEach === 'argument' ? results[0] : undefined;
  }
  if (SAME_TYPE.has(atom.name)) return input;
  const [first] = atom.args;
  if ((atom.name === 'ofType' || atom.name === 'as') && first instanceof SymbolAtom) return [first.name];
  if (atom.name === 'extension') return ['Extension'];
  return undefined;
}

function element(name: string, input: Types, root: string, problems: string[]): Types {
  if (!input || name.startsWith('$') || name.startsWith('%')) return name === '$this' ? input : undefined;
  if (name === root && input.includes(root)) return input; // `MedicationRequest.status`
  const schemas = input.map((type) => tryGetDataType(type));
  if (schemas.some((schema) => !schema)) return undefined; // a type without a definition: cannot tell
  const found = new Set<string>();
  const names = new Set<string>();
  for (const schema of schemas) {
    for (const [key, definition] of Object.entries(schema?.elements ?? {})) {
      const codes = definition.type.map((t) => t.code);
      const base = key.endsWith('[x]') ? key.slice(0, -3) : key;
      names.add(base);
      if (base === name) codes.forEach((code) => found.add(code));
      for (const code of key.endsWith('[x]') ? codes : []) {
        const typed = base + code.charAt(0).toUpperCase() + code.slice(1); // valueQuantity
        names.add(typed);
        if (typed === name) found.add(code);
      }
    }
  }
  if (found.size) return [...found];
  problems.push(`"${name}" is not an element of ${input.join(' or ')}${didYouMean(name, names)}`);
  return undefined;
}
