import { IntSlab } from './int-slab.js';

describe('IntSlab', () => {
  it('hands out zeroed arrays that never share an element, across blocks', () => {
    const slab = new IntSlab();
    const taken = Array.from({ length: 2_000 }, (_, k) => slab.take(1 + (k % 40)));
    taken.forEach((a, k) => {
      expect(a.length).toBe(1 + (k % 40));
      expect(a.every((x) => x === 0)).toBe(true);
      a.fill(k + 1);
    });
    // Written one after the other, each still holds its own mark: no two overlap.
    taken.forEach((a, k) => expect(a.every((x) => x === k + 1)).toBe(true));
  });

  it('gives a long array a buffer of its own', () => {
    const slab = new IntSlab();
    const short = slab.take(10);
    const long = slab.take(5_000);
    expect(long).toHaveLength(5_000);
    expect(long.buffer).not.toBe(short.buffer);
    expect(long.byteOffset).toBe(0);
  });
});
