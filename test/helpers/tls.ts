// Throw-away certificates for TLS tests, made with the openssl command line: a CA and a server
// certificate it signs. Keys are unencrypted and live in the test's own temp directory.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { existsSync } from 'node:fs';

/** True when the openssl command line tool is on PATH. */
export function hasOpenssl(): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, 'openssl')));
}

export interface TestCa {
  /** The CA certificate's PEM file. */
  certFile: string;
  keyFile: string;
}

export interface ServerCert {
  /** PEM texts, for the server's data directory. */
  cert: string;
  key: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed CA `<name>.pem` / `<name>.key` in `dir`. */
export function makeCa(dir: string, name: string): TestCa {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-days', '2',
      '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout', keyFile, '-out', certFile],
    dir,
  );
  return { certFile, keyFile };
}

/** A server certificate signed by `ca` for `names` (DNS names and IP addresses, as subjectAltName). */
export function makeServerCert(dir: string, ca: TestCa, names: string[]): ServerCert {
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${names[0]}`, '-keyout', 'server.key', '-out', 'server.csr'], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-sha256', '-days', '2', '-extfile', 'server.ext', '-out', 'server.pem'], dir);
  return { cert: readFileSync(join(dir, 'server.pem'), 'utf8'), key: readFileSync(join(dir, 'server.key'), 'utf8') };
}

/** postgresql.conf lines and data-directory files of a cluster serving `cert` (see PgClusterOptions). */
export function sslConfig(cert: ServerCert): { conf: string[]; files: Record<string, string> } {
  return {
    conf: ['ssl = on', "ssl_cert_file = 'server.pem'", "ssl_key_file = 'server.key'"],
    files: { 'server.pem': cert.cert, 'server.key': cert.key },
  };
}
