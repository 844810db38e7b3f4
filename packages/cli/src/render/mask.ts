/** What a masked secret looks like: nothing of the value but its length. */
export function mask(value: string): string {
  return `******** (${[...value].length} chars, masked; --reveal to show)`;
}
