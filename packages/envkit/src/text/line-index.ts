/**
 * The index of the line that holds `offset`, given the offset where each line starts (ascending, the
 * first 0): a binary search. Callers decide what ends a line (dotenv and YAML differ) when they build
 * `starts`.
 *
 * @example
 * lineIndexAt([0, 4, 9], 5); // 1 (the second line)
 */
export function lineIndexAt(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] as number) <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}
