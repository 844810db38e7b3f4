import { describe, expect, it } from 'vitest';
import { lineIndexAt } from './line-index.js';

describe('lineIndexAt', () => {
  const starts = [0, 4, 9]; // "abc\ndefg\nhi"
  it.each([
    [0, 0],
    [3, 0],
    [4, 1],
    [8, 1],
    [9, 2],
    [50, 2],
  ])('offset %i is on line index %i', (offset, index) => {
    expect(lineIndexAt(starts, offset)).toBe(index);
  });

  it('has one line for text without breaks', () => {
    expect(lineIndexAt([0], 7)).toBe(0);
  });
});
