import { describe, expect, it } from 'vitest';
import { createProgram } from './program.js';
import { commandOf, separatedRun } from './command-of.js';
import { COMMAND_LINE } from './command-table.js';
import { processIo } from './io.js';

describe('createProgram', () => {
  it('defines exactly the commands of COMMAND_LINE, in that order', () => {
    const names = createProgram(processIo(), () => {}).commands.map((c) => c.name());
    expect(names).toEqual([...COMMAND_LINE.commands]);
  });
});

describe('commandOf', () => {
  it("knows every global option of the program and whether it takes a value", () => {
    const program = createProgram(processIo(), () => {});
    const options = program.options.filter((o) => o.long !== '--version');
    const names = (o: (typeof options)[number]) => [o.short, o.long].filter((n): n is string => n !== undefined);
    expect(new Set(options.filter((o) => !o.required && !o.optional).flatMap(names))).toEqual(new Set(COMMAND_LINE.flags));
    expect(new Set(options.filter((o) => o.required || o.optional).flatMap(names))).toEqual(new Set(COMMAND_LINE.withValue));
  });

  it.each([
    [['check', '--no-git'], 'check'],
    [['-C', 'examples/memu', 'get', 'POSTGRES_USER'], 'get'],
    [['--cwd', 'get', 'check'], 'check'],
    [['--env-file=.env.prod', '--json', '-q', 'set', 'A=1'], 'set'],
    [['--schema', './s.ts', '--project', 'p', '--no-color', 'keyring', 'status'], 'keyring'],
  ])('%j runs %s', (argv, name) => {
    expect(commandOf(argv, COMMAND_LINE)).toBe(name);
  });

  it.each([
    [[]],
    [['--help']],
    [['help', 'check']],
    [['chek']],
    [['-qC', 'get', 'check']], // combined short flags: the word after them may be a value
    [['--unknown', 'check']],
    [['-V']],
  ])('%j is left to the whole program', (argv) => {
    expect(commandOf(argv, COMMAND_LINE)).toBeUndefined();
  });
});

describe('separatedRun', () => {
  it.each([
    [['run', 'node', '-e', '0'], '-e', ['run', '--', 'node', '-e', '0']],
    [['--env', 'production', 'run', '-C', 'memu', 'ls', '-la'], '-la', ['--env', 'production', 'run', '-C', 'memu', '--', 'ls', '-la']],
    [['run', '--env', 'prod', 'sh', '-c', 'x', '--verbose=1'], '--verbose', ['run', '--env', 'prod', '--', 'sh', '-c', 'x', '--verbose=1']],
    [['-C', 'run', 'run', 'node', '-e', '0'], '-e', ['-C', 'run', 'run', '--', 'node', '-e', '0']], // a directory named run
  ])('%j with %s unknown: %j', (argv, unknown, fixed) => {
    expect(separatedRun(argv, unknown, COMMAND_LINE)).toEqual(fixed);
  });

  it.each([
    [['run', '--evn', 'prod', '--', 'true'], '--evn'], // a -- already: the unknown option is envkit's own
    [['run', '--evn', 'prod', 'true'], '--evn'], // before the command: a mistyped option of envkit's
    [['get', 'KEY', '-x'], '-x'],
    [['run'], '-x'],
  ])('%j with %s unknown: no advice', (argv, unknown) => {
    expect(separatedRun(argv, unknown, COMMAND_LINE)).toBeUndefined();
  });
});
