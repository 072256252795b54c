/** The longest run of items at the end of the list that all satisfy the predicate, oldest first. */
export function trailingRun<T>(items: readonly T[], predicate: (item: T) => boolean): T[] {
  let start = items.length;
  while (start > 0 && predicate(items[start - 1]!)) start -= 1;
  return items.slice(start);
}
