// envkit/compose: a compose file read and checked (variable references, hardening, podman facts) and the
// running stack's status. Explicit named exports only; nothing runs at import. js-yaml, an optional peer,
// loads when a file is parsed; without it that says what to install.

export { readComposeText, findComposeFile, COMPOSE_FILE_NAMES, type ComposeFile, type ComposeService } from './read.js';
export { scanReferences, checkReferences, type VarReference, type ReferenceScan, type ReferenceProblem } from './references.js';
export { checkHardening, type HardeningOptions } from './hardening.js';
export { podmanFindings, type PodmanEnvironment } from './podman.js';
export { detectPodmanEnvironment } from './detect-podman.js';
export { stackStatus, type StatusOptions, type StatusResult, type ServiceStatus } from '../project/status.js';
