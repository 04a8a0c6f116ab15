import type { Express } from 'express';
import { MOUNT, MOUNTED_WHEN, SERVED_ON, type Listener } from './openapi-document.js';

/** One route as `METHOD /path`, with OpenAPI-style parameters (`/decision-aids/{aidId}/results`). */
export interface RouteEntry {
  method: string;
  path: string;
  /** A mounted application (its own routes below `path`), listed as one entry with method `*`. */
  mount?: boolean;
}

/** The parts of express 5's router layers this walk reads (router 2.x keeps the mount path as `rawPath`). */
interface Layer {
  name?: string;
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[]; set?: unknown };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/**
 * Every route an express app serves, found by walking its router stack (mounted routers
 * included). A mounted express application (such as the queue dashboard) is one `*` entry.
 */
export function servedRoutes(app: Express): RouteEntry[] {
  const stack = (app as unknown as { router?: { stack?: Layer[] } }).router?.stack ?? [];
  return dedupe(walk(stack, ''));
}

function walk(stack: readonly Layer[], prefix: string): RouteEntry[] {
  const found: RouteEntry[] = [];
  for (const layer of stack) {
    const path = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
    if (layer.route && typeof layer.route.path === 'string') {
      for (const method of Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m])) {
        found.push({ method: method.toUpperCase(), path: toOpenApiPath(prefix + layer.route.path) });
      }
    } else if (isExpressApp(layer)) {
      found.push({ method: '*', path: toOpenApiPath(prefix + path), mount: true });
    } else if (layer.handle?.stack) {
      found.push(...walk(layer.handle.stack, prefix + path));
    }
  }
  return found;
}

/** An express application mounted as middleware: it has `set` (routers do not), or app.use's wrapper. */
function isExpressApp(layer: Layer): boolean {
  return layer.name === 'mounted_app' || typeof layer.handle?.set === 'function';
}

/** `/a/:id/*rest` → `/a/{id}/{rest}`. */
function toOpenApiPath(path: string): string {
  return path.replace(/[:*]([A-Za-z0-9_]+)/g, '{$1}');
}

/** What the OpenAPI document says a listener serves; `always` leaves out routes mounted only in some configurations. */
export function documentedRoutes(
  document: Record<string, unknown>,
  listener: Listener,
  options: { always?: boolean } = {},
): RouteEntry[] {
  const paths = (document.paths ?? {}) as Record<string, Record<string, unknown>>;
  const found: RouteEntry[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!(item[SERVED_ON] as string[] | undefined)?.includes(listener)) continue;
    if (options.always && item[MOUNTED_WHEN] !== undefined) continue;
    if (item[MOUNT] === true) {
      found.push({ method: '*', path, mount: true });
      continue;
    }
    for (const method of METHODS.filter((m) => item[m] !== undefined))
      found.push({ method: method.toUpperCase(), path });
  }
  return dedupe(found);
}

/** `METHOD /path` lines, sorted, for comparing and for messages. */
export function routeLines(routes: readonly RouteEntry[]): string[] {
  return routes.map((r) => `${r.method} ${r.path}`).sort();
}

function dedupe(routes: RouteEntry[]): RouteEntry[] {
  const seen = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]));
  return [...seen.values()];
}
