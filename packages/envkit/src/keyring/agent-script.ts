/**
 * Source of the keyring helper process, run as `node -e AGENT_SCRIPT <path of @napi-rs/keyring>`.
 *
 * Why a child process: every @napi-rs/keyring 1.3 entry constructor (sync and async) makes a D-Bus round trip
 * on the calling thread, and blocks forever on a bus that accepts but never answers. Only a process can be
 * killed out of that. The helper talks over the IPC channel: values travel there, never in argv or env.
 *
 * Requests `{ id, op, service?, account?, value?, allowKeyutils? }`, answers `{ id, ok, result }` or
 * `{ id, ok: false, error }` where `error` is the first line of the native message (never a value).
 *
 * On Secret Service platforms reads and listings go through `findCredentialsAsync`, which asks the Secret
 * Service directly: `Entry#getPassword` answers "no value" for a locked keyring and the entry constructors
 * silently switch to the kernel keyutils store when no Secret Service answers. Writes and deletes must go
 * through entries, so each is checked afterwards with `findCredentialsAsync`.
 */
export const AGENT_SCRIPT = String.raw`'use strict';
const { randomBytes } = require('node:crypto');
let keyring;
let loadError;
try {
  keyring = require(process.argv[1]);
} catch (error) {
  loadError = error;
}
let backend;
const firstLine = (error) => String((error && error.message) || error).split('\n')[0].slice(0, 300);
const viaSecretService = () => backend === 'secret-service';
const find = async (service) => keyring.findCredentialsAsync(service);

async function read(service, account) {
  if (viaSecretService()) {
    const found = (await find(service)).find((c) => c.account === account);
    return found === undefined ? null : found.password;
  }
  const value = await new keyring.AsyncEntry(service, account).getPassword();
  return value === undefined || value === null ? null : value;
}

async function write(service, account, value) {
  const entry = new keyring.AsyncEntry(service, account);
  await entry.setPassword(value);
  if (viaSecretService()) {
    const found = (await find(service)).find((c) => c.account === account);
    if (found === undefined || found.password !== value) {
      try { await entry.deleteCredential(); } catch {}
      throw new Error('ENVKIT_FALLBACK: the value did not reach the Secret Service');
    }
  }
}

async function remove(service, account) {
  const removed = await new keyring.AsyncEntry(service, account).deleteCredential();
  if (viaSecretService() && (await find(service)).some((c) => c.account === account)) {
    throw new Error('ENVKIT_FALLBACK: the entry could not be removed from the Secret Service');
  }
  return removed === true;
}

async function accounts(service) {
  if (backend === 'keyutils') return null;
  return (await find(service)).map((c) => c.account);
}

// Only on the Secret Service, where a read is this same search: elsewhere findCredentials leaves out an item it
// may not read (macOS: a denied access prompt), which a read of the entry reports as an error.
async function entries(service) {
  if (!viaSecretService()) throw new Error('ENVKIT_PROTOCOL: entries only on the Secret Service');
  return (await find(service)).map((c) => [c.account, c.password]);
}

async function probe(allowKeyutils) {
  if (loadError !== undefined) throw new Error('ENVKIT_LOAD: ' + firstLine(loadError));
  if (process.platform === 'darwin') backend = 'keychain';
  else if (process.platform === 'win32') backend = 'windows';
  const service = 'envkit-probe:' + randomBytes(6).toString('hex');
  const dummy = randomBytes(12).toString('hex');
  if (backend === undefined) {
    try {
      await find(service);
      backend = 'secret-service';
    } catch (error) {
      if (!allowKeyutils || process.platform !== 'linux') throw error;
      backend = 'keyutils';
      try {
        await roundTrip(service, dummy);
      } catch (fallbackError) {
        throw new Error(firstLine(error) + '; keyutils: ' + firstLine(fallbackError));
      }
      return backend;
    }
  }
  await roundTrip(service, dummy);
  return backend;
}

async function roundTrip(service, dummy) {
  await write(service, 'probe', dummy);
  // On the Secret Service the write has just read the value back; a second look would only cost a session.
  const back = viaSecretService() ? dummy : await read(service, 'probe');
  await remove(service, 'probe');
  if (back !== dummy) throw new Error('ENVKIT_ROUNDTRIP: the probe value did not read back');
}

const ops = {
  probe: (m) => probe(m.allowKeyutils === true),
  read: (m) => read(m.service, m.account),
  write: (m) => write(m.service, m.account, m.value),
  remove: (m) => remove(m.service, m.account),
  accounts: (m) => accounts(m.service),
  entries: (m) => entries(m.service),
};

process.on('message', async (message) => {
  const { id, op } = message;
  try {
    if (backend === undefined && op !== 'probe') throw new Error('ENVKIT_PROTOCOL: probe first');
    const result = await ops[op](message);
    process.send({ id, ok: true, result: result === undefined ? null : result });
  } catch (error) {
    process.send({ id, ok: false, error: firstLine(error) });
  }
});
process.on('disconnect', () => process.exit(0));
`;
