// envkit/project: a project directory's files — .env created, edited and checked, .env.example and
// .gitignore kept in sync, the git guard, the values `envkit run` starts a command with. Explicit named
// exports only; nothing runs at import. js-yaml (for a compose file) and pg (for `online` checks) load when a
// check needs them.

export { projectPaths, assertProjectDir, type ProjectOptions, type ProjectPaths } from './context.js';
export { initProject, planInit, promptsForInit, type InitOptions, type InitResult, type InitPlan, type InitPrompt } from './init.js';
export { withEnvironmentValues } from './init-from-env.js';
export { stackEnvFile, type StackEnvFile } from './stack-env.js';
export { setValues, unsetKeys, getValue, rotateSecret, type SetOptions, type EditResult, type GetResult, type RotateFileOptions } from './edit.js';
export type { KeySummary, KeyAction } from './plan.js';
export { checkProject, type CheckOptions, type CheckResult } from './check.js';
export { runValues } from './run-values.js';
export { checkDeployment, type DeploymentCheckOptions, type DeploymentCheckResult } from './check-deployment.js';
export type { OnlineOptions } from './check-online.js';
export { syncExample, checkExample, syncGitignore } from './sync.js';
export { describeWrite, type FileChange } from '../files/file-change.js';
export { shellWord } from '../text/shell-word.js';
export { renderExample, exampleDrift, type ExampleDrift, type ExampleDriftDetail } from '../files/example.js';
export { withLock, withLockAsync } from '../files/lock.js';

// Secret guard: what git is about to record, searched for the project's secrets (envkit guard)
export { guardRepository, type GuardOptions, type GuardResult, type GuardSourceSummary } from '../guard/guard.js';
export type { GuardScope } from '../guard/git-objects.js';
export { envFileSource, keyringSource, type SecretSource, type SecretValue } from '../guard/sources.js';
export { installGuardHook, type InstallHookOptions, type InstallHookResult } from '../guard/hook.js';
