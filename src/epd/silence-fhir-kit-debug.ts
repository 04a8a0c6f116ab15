import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The part of the `debug` package's API used here. */
interface DebugControl {
  enabled(namespace: string): boolean;
  disable(): string;
  enable(namespaces: string): void;
}

/** fhir-kit-client's debug channels: they print request headers (Authorization) and bodies. */
const FHIR_KIT_NAMESPACES = ['fhir-kit-client:info', 'fhir-kit-client:error'];

/**
 * Turns fhir-kit-client's debug logging off, even when `DEBUG=*` is set for other libraries.
 *
 * Why this way: the channels belong to the `debug` package, which reads `DEBUG` once when it is
 * first loaded, so editing the environment later does nothing. The package's own `enable()` does
 * work; it is reached through fhir-kit-client's location so it is the very instance that
 * fhir-kit-client logs through. Other namespaces keep their setting.
 */
export function silenceFhirKitDebug(): void {
  const requireFromFhirKit = createRequire(fileURLToPath(import.meta.resolve('fhir-kit-client')));
  const debug = requireFromFhirKit('debug') as DebugControl;
  if (!FHIR_KIT_NAMESPACES.some((namespace) => debug.enabled(namespace))) return;
  const current = debug.disable();
  debug.enable([current, '-fhir-kit-client:*'].filter(Boolean).join(','));
}
