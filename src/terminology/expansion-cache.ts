import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ValueSetCode } from '../rules/read-value-set.js';
import { flattenExpansion, type ExpansionEntry } from './flatten-expansion.js';
import { splitCanonical } from './terminology-client.js';

/** The last good expansion of one value set, and when the server gave it. */
export interface CachedExpansion {
  codes: ValueSetCode[];
  fetchedAt: string;
}

/** Where the last good expansions are kept, by value-set name (`url` or `url|version`). */
export interface ExpansionCache {
  read(name: string): Promise<CachedExpansion | undefined>;
  write(name: string, expansion: CachedExpansion): Promise<void>;
}

/**
 * The last good expansions as files in `dir`, one FHIR ValueSet (with its `expansion`) per value set.
 *
 * Why files and not Redis: the expansion is needed by the start-up check, which runs before the
 * service connects to Redis and also runs as `sdm-bridge mappings check` where there is no Redis;
 * and a ValueSet file can be read by IT, or copied into mappings/valuesets/ to pin an expansion.
 * Written to a temporary name and renamed, so a reader never sees half a file, also when several
 * processes share the directory.
 */
export function createFileExpansionCache(dir: string): ExpansionCache {
  const pathOf = (name: string) => join(dir, fileNameOf(name));
  return {
    async read(name) {
      let text: string;
      try {
        text = await readFile(pathOf(name), 'utf8');
      } catch {
        return undefined; // never cached (or unreadable): the same to the caller, there is nothing to fall back on
      }
      return fromValueSet(name, text);
    },
    async write(name, expansion) {
      await mkdir(dir, { recursive: true });
      const target = pathOf(name);
      const temporary = `${target}.${randomUUID()}.tmp`;
      await writeFile(temporary, JSON.stringify(toValueSet(name, expansion), null, 1), 'utf8');
      await rename(temporary, target);
    },
  };
}

/** A readable stem (the URL's last segment) and a hash of the whole name, so two versions never share a file. */
function fileNameOf(name: string): string {
  const stem = (splitCanonical(name)[0].split(/[/:]/).pop() ?? 'valueset').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40);
  return `${stem || 'valueset'}-${createHash('sha256').update(name).digest('hex').slice(0, 16)}.json`;
}

function toValueSet(name: string, expansion: CachedExpansion) {
  const [url, version] = splitCanonical(name);
  return {
    resourceType: 'ValueSet',
    url,
    ...(version ? { version } : {}),
    status: 'active',
    expansion: {
      timestamp: expansion.fetchedAt,
      total: expansion.codes.length,
      contains: expansion.codes.map(({ system, code }) => ({ system, code })),
    },
  };
}

function fromValueSet(name: string, text: string): CachedExpansion | undefined {
  try {
    const json = JSON.parse(text) as {
      url?: unknown;
      version?: unknown;
      expansion?: { timestamp?: unknown; contains?: ExpansionEntry[] };
    };
    const [url, version] = splitCanonical(name);
    if (json.url !== url || (version !== undefined && json.version !== version)) return undefined;
    const codes = flattenExpansion(json.expansion?.contains);
    const fetchedAt = json.expansion?.timestamp;
    return codes.length && typeof fetchedAt === 'string' ? { codes, fetchedAt } : undefined;
  } catch {
    return undefined; // a damaged file is no last good expansion
  }
}
