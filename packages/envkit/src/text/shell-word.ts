/**
 * `word` as one POSIX shell word, for a command line people paste (a fix, a command to run by hand): as is
 * when it has nothing the shell would read (a path with a space would be two words), else single-quoted.
 */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
