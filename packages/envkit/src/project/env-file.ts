import { parseDocument, assertParsed, type EnvDocument } from '../dotenv/document.js';
import { readTextFile } from '../files/write-file.js';
import type { ProjectPaths } from './context.js';

/** An env file as read from disk: its text (undefined when missing) and its document. */
export interface LoadedEnvFile {
  text: string | undefined;
  doc: EnvDocument;
}

/**
 * Read and parse the project's env file. Throws PARSE (every syntax problem with file:line:column)
 * so that nothing is ever rewritten from a file envkit could not read completely.
 */
export function readEnvFile(paths: ProjectPaths): LoadedEnvFile {
  const text = readTextFile(paths.env);
  const doc = parseDocument(text ?? '');
  assertParsed(doc, paths.envName);
  return { text, doc };
}
