import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM text of a throw-away certificate and its key. */
export interface TestCertificate {
  cert: string;
  key: string;
}

/** A test CA with a server certificate for 127.0.0.1 and a client certificate, all made for one test run. */
export interface TestPki {
  ca: TestCertificate;
  server: TestCertificate;
  /** Common name `sdm-bridge-test-client`. */
  client: TestCertificate;
}

/** A test run is over in minutes; two days is plenty and keeps anything made here useless soon after. */
const DAYS = '2';
/** P-256 keys: made in milliseconds, accepted by every TLS stack. */
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/**
 * Makes a CA, a server certificate (SAN 127.0.0.1 and localhost) and a client certificate with
 * openssl, in a temporary directory that is removed again: no key is ever committed, and each run
 * has its own. Needs the `openssl` command (Debian: package openssl).
 */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'sdm-test-pki-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  try {
    writeFileSync(join(dir, 'empty.cnf'), ''); // no defaults from the machine's openssl.cnf
    openssl(
      'req', '-x509', ...NEW_KEY, '-config', 'empty.cnf', '-days', DAYS, '-subj', '/CN=sdm-bridge test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout', 'ca.key', '-out', 'ca.crt',
    ); // prettier-ignore
    const issue = (name: string, subject: string, extensions: string) => {
      writeFileSync(join(dir, `${name}.ext`), extensions);
      openssl(
        'req',
        ...NEW_KEY,
        '-config',
        'empty.cnf',
        '-subj',
        subject,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
      );
      openssl(
        'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
        '-days', DAYS, '-extfile', `${name}.ext`, '-out', `${name}.crt`,
      ); // prettier-ignore
      return { cert: read(`${name}.crt`), key: read(`${name}.key`) };
    };
    return {
      ca: { cert: read('ca.crt'), key: read('ca.key') },
      server: issue(
        'server',
        '/CN=127.0.0.1',
        'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
      ),
      client: issue('client', '/CN=sdm-bridge-test-client', 'extendedKeyUsage=clientAuth\n'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
