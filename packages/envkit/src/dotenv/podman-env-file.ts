/**
 * How podman reads a file given with `--env-file` (what podman-compose passes for `env_file:`): the fourth
 * dialect of a memu `.env` (docs/dialects.md). Each line, with leading white space removed, is skipped when
 * empty or starting with `#`; otherwise it is split at the first `=` and the rest of the line is the value,
 * taken literally: quotes are kept, `#` starts no comment, `$` and `\` mean nothing, trailing white space
 * stays. A line without `=` takes the variable from podman's own environment. (podman's pkg/env ParseFile.)
 *
 * @returns name → value for each assignment, in file order (a later one wins), and the names of lines
 *   without `=`.
 */
export function readPodmanEnvFile(text: string): { values: Map<string, string>; lines: Map<string, number>; passThrough: string[] } {
  const values = new Map<string, string>();
  const lines = new Map<string, number>();
  const passThrough: string[] = [];
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    // Go's bufio.Scanner drops a trailing \r with ScanLines.
    const line = all[i]!.replace(/\r$/, '').replace(/^[ \t\n\v\f\r]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq === -1) {
      passThrough.push(line);
      continue;
    }
    const name = line.slice(0, eq);
    values.set(name, line.slice(eq + 1));
    lines.set(name, i + 1);
  }
  return { values, lines, passThrough };
}
