/**
 * Synthetic asset bodies for the benchmarks: deterministic pseudo-random pipeline JSON of
 * about 1.7 KB from a small vocabulary, so it compresses like real pipeline documents
 * (DESIGN.md's sample: 17.4 MB of JSON → 3.8 MB zipped), not like noise.
 */
export function syntheticBodies(seedValue = 42) {
  let seed = seedValue;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const VOCAB = Array.from({ length: 40 }, (_, i) => (i * 7919).toString(36) + ['order', 'customer', 'item', 'price', 'status', 'region'][i % 6]);
  const word = (): string => VOCAB[Math.floor(rnd() * VOCAB.length)] as string;
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  return function body(i: number): unknown {
    const snaps: Record<string, unknown> = {};
    for (let s = 0; s < 5; s++) {
      snaps[`snap-${s}`] = {
        class_id: `com-snaplogic-snaps-transform-${word()}`,
        instance_version: 1 + (s % 3),
        property_map: {
          info: { label: { value: `${word()} ${word()}` } },
          settings: { expression: { value: `$${word()}.${word()} == '${word()}'`, expression: true }, passThrough: { value: s % 2 === 0 } },
          view_serial: 100 + s,
        },
      };
    }
    return { snode_id: hex(24), name: `pipeline ${i}`, path: `/acme/apim/orders/1.0/${word()}`, render_map: { x: Math.floor(rnd() * 1000), y: Math.floor(rnd() * 1000) }, snap_map: snaps };
  };
}
