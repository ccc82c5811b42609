/**
 * Runs `run` for every item, at most `limit` at a time, in the items' order; resolves when all have settled.
 * `run` handles its own failures: one item's error must not stop the others.
 */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      await run(items[next++]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
