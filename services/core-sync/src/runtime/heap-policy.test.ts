import { describe, expect, it } from 'vitest';
import { limitHeapGrowth } from './heap-policy.js';

describe('limitHeapGrowth', () => {
  it('accepts the default and explicit percentages', () => {
    expect(() => limitHeapGrowth()).not.toThrow();
    expect(() => limitHeapGrowth(100)).not.toThrow();
  });

  it.each([0, -5, 301, 12.5, Number.NaN])('refuses %s', (percent) => {
    expect(() => limitHeapGrowth(percent)).toThrow(RangeError);
  });
});
