import { EnvkitError } from '../errors.js';

/**
 * Why the OS keyring cannot be used. Stable: the CLI and tests may match on it.
 * - `no-bus`: no D-Bus session bus (variable unset, socket gone);
 * - `no-service`: a bus, but no Secret Service on it (envkit refuses the silent keyutils fallback);
 * - `no-keyring`: a Secret Service without a default keyring (collection) to write into;
 * - `locked`: the keyring is locked;
 * - `stuck`: no answer within the time limit (a bus that accepts and never answers, or an unanswered prompt);
 * - `service-died`: the Secret Service left the bus while answering (gnome-keyring-daemon crashed or was stopped);
 * - `denied`: the kernel keyutils store refused (containers), when keyutils was allowed;
 * - `module`: the native module could not be loaded;
 * - `crashed`: the keyring helper process died;
 * - `failed`: any other error the keyring reported.
 */
export type KeyringProblem =
  | 'no-bus'
  | 'no-service'
  | 'no-keyring'
  | 'locked'
  | 'stuck'
  | 'service-died'
  | 'denied'
  | 'module'
  | 'crashed'
  | 'failed';

/** What went wrong, as observed from outside the native module. Never holds a secret value. */
export type KeyringFailure =
  /** Known before asking the keyring at all (no bus address, missing socket). */
  | { kind: 'preflight'; problem: KeyringProblem; detail: string }
  /** The native module answered with an error; `detail` is its first line. */
  | { kind: 'native'; detail: string }
  /** No answer within `timeoutMs`; the helper process was killed. */
  | { kind: 'timeout'; timeoutMs: number }
  /** The helper process could not start or exited; `detail` says how. */
  | { kind: 'exit'; detail: string };

/** The readable form of a {@link KeyringFailure}. */
export interface KeyringDiagnosis {
  problem: KeyringProblem;
  /** One sentence: what is wrong. */
  reason: string;
  /** How to fix it: {@link repair}, then the way to do without the keyring. */
  hint: string;
  /** How to make the keyring usable (the hint without its last way out, which a front end words with its own option). */
  repair: string;
}

/** Facts that make a diagnosis precise. */
export interface DiagnosisContext {
  /** `process.platform` of the machine that ran the keyring. */
  platform: NodeJS.Platform;
  /** The keyring store in use when the failure happened, if one was chosen. */
  backend?: string;
  /** `DBUS_SESSION_BUS_ADDRESS` as the keyring saw it. */
  busAddress?: string;
}

/** The last way out of every hint (a front end words it with its own option: the error's data has the repair alone). */
const SKIP = 'or do without the keyring';
const START_KEYRING =
  '`gnome-keyring-daemon --replace --unlock --components=secrets`, type the keyring password and press Ctrl-D';

/**
 * Checks what can be known about the Linux session bus without talking to it: the address is set and,
 * when it names socket files, one of them exists. `undefined` means "ask the bus".
 *
 * @param exists - file existence test (injected so this stays pure)
 */
export function preflightSessionBus(
  env: NodeJS.ProcessEnv,
  exists: (path: string) => boolean,
): KeyringFailure | undefined {
  const address = env.DBUS_SESSION_BUS_ADDRESS?.trim() ?? '';
  if (address === '') {
    // libdbus and zbus both fall back to the per-user bus socket when the variable is unset.
    const runtime = env.XDG_RUNTIME_DIR;
    if (runtime !== undefined && runtime !== '' && exists(`${runtime}/bus`)) return undefined;
    return { kind: 'preflight', problem: 'no-bus', detail: 'DBUS_SESSION_BUS_ADDRESS is not set' };
  }
  const paths: string[] = [];
  for (const transport of address.split(';')) {
    if (transport === '') continue;
    const path = unixPathOf(transport);
    // Abstract sockets, TCP and launchd addresses cannot be checked from here: let the probe decide.
    if (path === undefined) return undefined;
    paths.push(path);
  }
  if (paths.length === 0) {
    return { kind: 'preflight', problem: 'no-bus', detail: 'DBUS_SESSION_BUS_ADDRESS is empty' };
  }
  if (paths.some(exists)) return undefined;
  return {
    kind: 'preflight',
    problem: 'no-bus',
    detail: `the socket ${paths.join(', ')} named by DBUS_SESSION_BUS_ADDRESS does not exist`,
  };
}

// `unix:path=/run/user/1000/bus,guid=…` → the path, %-unescaped as the D-Bus spec escapes address values.
function unixPathOf(transport: string): string | undefined {
  const colon = transport.indexOf(':');
  if (colon < 0 || transport.slice(0, colon) !== 'unix') return undefined;
  for (const pair of transport.slice(colon + 1).split(',')) {
    const [name, value] = pair.split('=', 2);
    if (name === 'path' && value !== undefined) {
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return undefined;
}

// Ordered: the first match wins. Patterns are the messages @napi-rs/keyring 1.3 (keyring-core, zbus,
// dbus-secret-service) produces, as observed against a real gnome-keyring, a bare bus and a stuck socket.
const NATIVE_PATTERNS: ReadonlyArray<[RegExp, KeyringProblem]> = [
  [/ENVKIT_LOAD|Cannot find module|cannot open shared object|invalid ELF|was compiled against/i, 'module'],
  [/ENVKIT_FALLBACK/, 'no-service'],
  [/ServiceUnknown|not provided by any \.service files|NameHasNoOwner/i, 'no-service'],
  [/no secret service provider or dbus session found|Failed to connect to socket|Connection refused|No such file or directory|DBUS_SESSION_BUS_ADDRESS/i, 'no-bus'],
  // The bus's answer for a call whose recipient disconnected before replying: the daemon went away mid-call.
  [/recipient disconnected from message bus without replying/i, 'service-died'],
  [/NoReply|Did not receive a reply|timed? ?out/i, 'stuck'],
  [/IsLocked|object locked|is locked|unlock prompt was dismissed|prompt.*dismissed/i, 'locked'],
  [/no result found|NoSuchObject|Object does not exist/i, 'no-keyring'],
  [/AccessDenied|KeyRejected|Operation not permitted|Permission denied/i, 'denied'],
];

/** Turns a failure into one problem, one sentence and the fix. Pure. */
export function diagnoseKeyringFailure(failure: KeyringFailure, context: DiagnosisContext): KeyringDiagnosis {
  let problem: KeyringProblem;
  let detail: string | undefined;
  switch (failure.kind) {
    case 'preflight':
      problem = failure.problem;
      detail = failure.detail;
      break;
    case 'timeout':
      problem = 'stuck';
      break;
    case 'exit':
      problem = /ENVKIT_LOAD|Cannot find module|spawn/i.test(failure.detail) ? 'module' : 'crashed';
      detail = failure.detail;
      break;
    case 'native': {
      // With keyutils allowed the helper reports both attempts: "<Secret Service error>; keyutils: <error>".
      const keyutils = failure.detail.split('; keyutils: ')[1];
      problem = keyutils !== undefined ? 'denied' : NATIVE_PATTERNS.find(([pattern]) => pattern.test(failure.detail))?.[1] ?? 'failed';
      detail = failure.detail.replace(/^ENVKIT_[A-Z]+: /, '');
      // In Secret Service mode a keyutils refusal means the library fell back behind our back.
      if (keyutils === undefined && problem === 'denied' && context.backend !== 'keyutils' && isSecretServicePlatform(context.platform)) {
        problem = 'no-service';
      }
      break;
    }
  }
  const reason = reasonFor(problem, failure, context);
  const said = detail !== undefined && failure.kind !== 'preflight' ? ` (${detail})` : '';
  const preflight = failure.kind === 'preflight' ? `: ${failure.detail}` : '';
  const repair = repairFor(problem, context);
  return { problem, reason: `${reason}${preflight}${said}`, hint: `${repair}; ${SKIP}`, repair };
}

/**
 * The one error envkit throws for an unusable keyring: code KEYRING, the reason, and the fix as hint; its data
 * has the problem and the repair (the hint without the way to do without the keyring).
 */
export function keyringError(diagnosis: KeyringDiagnosis, doing: string, cause?: unknown): EnvkitError {
  return new EnvkitError('KEYRING', `OS keyring ${doing}: ${diagnosis.reason}`, {
    hint: diagnosis.hint,
    reason: 'keyring-unusable',
    data: { problem: diagnosis.problem, repair: diagnosis.repair },
    cause,
  });
}

/** True where @napi-rs/keyring talks to a Secret Service over D-Bus (everything but macOS and Windows). */
export function isSecretServicePlatform(platform: NodeJS.Platform): boolean {
  return platform !== 'darwin' && platform !== 'win32';
}

function reasonFor(problem: KeyringProblem, failure: KeyringFailure, context: DiagnosisContext): string {
  // The guid only identifies the bus instance; the path is what a reader can act on.
  const bus = context.busAddress ? ` at ${context.busAddress.replace(/,guid=[0-9a-f]+/gi, '')}` : '';
  switch (problem) {
    case 'no-bus':
      return 'no D-Bus session bus';
    case 'no-service':
      return `no Secret Service answers on the D-Bus session bus${bus}; envkit does not fall back to the kernel keyutils store, whose entries expire`;
    case 'no-keyring':
      return 'the Secret Service has no default keyring to store secrets in';
    case 'locked':
      return 'the keyring is locked';
    case 'stuck': {
      const ms = failure.kind === 'timeout' ? ` within ${failure.timeoutMs} ms` : '';
      return isSecretServicePlatform(context.platform)
        ? `the keyring did not answer${ms}: the D-Bus session bus${bus} is stuck, or an unlock prompt is waiting`
        : `the keyring did not answer${ms}: an unlock prompt may be waiting`;
    }
    case 'service-died':
      return `the Secret Service on the D-Bus session bus${bus} went away while answering: gnome-keyring-daemon (or the Secret Service in its place) crashed or was stopped`;
    case 'denied':
      return 'no usable Secret Service, and the kernel keyutils store refused access (usual in containers)';
    case 'module':
      return 'the @napi-rs/keyring native module could not be loaded';
    case 'crashed':
      return 'the keyring helper process exited unexpectedly';
    case 'failed':
      return 'the keyring reported an error';
  }
}

function repairFor(problem: KeyringProblem, context: DiagnosisContext): string {
  const linux = isSecretServicePlatform(context.platform);
  switch (problem) {
    case 'no-bus':
      return `start a session bus and a keyring for this shell: \`dbus-run-session -- $SHELL\`, then ${START_KEYRING} (or log in to a desktop session)`;
    case 'no-service':
      return 'start a Secret Service: `gnome-keyring-daemon --start --components=secrets` (package gnome-keyring) or KeePassXC with Secret Service integration';
    case 'no-keyring':
      return `create and unlock the login keyring: ${START_KEYRING} (or create a default keyring in Seahorse)`;
    case 'locked':
      return linux
        ? `unlock it: log in to the desktop session or unlock "Login" in Seahorse; on a headless machine ${START_KEYRING}`
        : context.platform === 'darwin'
          ? 'unlock the login keychain (`security unlock-keychain`)'
          : 'log in to Windows interactively so the Credential Manager is available';
    case 'stuck':
      return linux
        ? 'a stale DBUS_SESSION_BUS_ADDRESS (inherited by tmux or screen from an old login) is the usual cause: unset it or point it at the live bus, or restart gnome-keyring; answer any unlock prompt'
        : 'answer or dismiss the keychain prompt and try again';
    case 'service-died':
      return `start it again: ${START_KEYRING} (a desktop session starts it again on the next call)`;
    case 'denied':
      return 'use the Secret Service instead (start gnome-keyring)';
    case 'module':
      // An optional peer of the library (the CLI depends on it): absent, or without its native part.
      return `install @napi-rs/keyring beside envkit (\`npm install @napi-rs/keyring\`; @envkit/cli brings it), so that its native package for ${context.platform} is there`;
    case 'crashed':
    case 'failed':
      return linux
        ? 'check that gnome-keyring (or another Secret Service) runs and is unlocked'
        : 'check that the OS keychain is available and unlocked';
  }
}
