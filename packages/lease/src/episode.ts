/**
 * A condition that repeats (the engine out of reach, slots missed) is logged once when it starts,
 * summarised at most once per 10 s while it lasts, and once when it ends — as every repeated
 * condition of async-timer is.
 */
export class Episode {
  #count = 0;
  #since = 0;
  #summarised = 0;

  constructor(
    private readonly write: (message: string, error?: unknown) => void,
    private readonly now: () => number,
  ) {}

  /** How many times it happened in the current episode (0: none under way). */
  get count(): number {
    return this.#count;
  }

  /** It happened (again). `first` is the line for the start of an episode. */
  happened(first: () => string, error?: unknown): void {
    const now = this.now();
    this.#count++;
    if (this.#count === 1) {
      this.#since = now;
      this.#summarised = now;
      this.write(first(), error);
    } else if (now - this.#summarised >= SUMMARY_EVERY) {
      this.#summarised = now;
      this.write(`${first()} (${this.#count} times in ${seconds(now - this.#since)})`, error);
    }
  }

  /**
   * It stopped happening; `last` is the closing line (given the count and the duration). With
   * `quietIfOnce`, an episode of one occurrence ends silently: its first line said it all.
   */
  ended(last: (count: number, duration: string) => string, quietIfOnce = false): void {
    if (this.#count === 0) return;
    const count = this.#count;
    this.#count = 0;
    if (quietIfOnce && count === 1) return;
    this.write(last(count, seconds(this.now() - this.#since)));
  }
}

const SUMMARY_EVERY = 10_000;

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
