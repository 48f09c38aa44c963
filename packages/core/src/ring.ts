/**
 * A FIFO queue on a growable ring buffer: O(1) push, shift and drop-oldest, where `Array.shift`
 * would move every element on each pop.
 */
export class Ring<T> {
  #items: (T | undefined)[] = new Array(8);
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) & (this.#items.length - 1)] = item;
    this.#size++;
  }

  /** Removes and returns the oldest item; `undefined` when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined; // let the value be collected
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#size--;
    return item;
  }

  /** Removes up to `count` of the oldest items; returns how many it removed. */
  drop(count: number): number {
    const removed = Math.min(count, this.#size);
    for (let i = 0; i < removed; i++) this.shift();
    return removed;
  }

  clear(): void {
    this.#items = new Array(8);
    this.#head = 0;
    this.#size = 0;
  }

  #grow(): void {
    const old = this.#items;
    const items: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.#size; i++) items[i] = old[(this.#head + i) & (old.length - 1)];
    this.#items = items;
    this.#head = 0;
  }
}
