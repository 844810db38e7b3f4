// Built into dist/stack.cjs of its own (see buildStack in build.mjs) and required by `envkit init` only when it
// must read the compose file (an env file other than the .env beside it): reading one brings the YAML parser,
// which init's own bundle (run on every init) then does not carry.
export { stackEnvFile } from 'envkit/project';
