/**
 * The error classes of `@async-timer/lease`. Each has a stable `name`, so code recognises it
 * with `error.name === "LeaseLostError"` even when two copies of the package are installed.
 *
 * @module
 */

/**
 * The reason a leased tick's `signal` aborts when this process stops holding the lease while the
 * tick runs: another process took it over (its claim or renewal was refused), or the engine
 * could not be reached before the lease expired. Whatever the tick does next may overlap the
 * new holder's ticks: stop, and let the fence (`epoch`) reject late writes.
 *
 * @example
 * ```ts
 * new Timer(60, async ({ signal }) => {
 *   try {
 *     await longExport({ signal });
 *   } catch (error) {
 *     if (signal.reason instanceof LeaseLostError) return; // another replica carries on
 *     throw error;
 *   }
 * }, { name: "export", lease });
 * ```
 */
export class LeaseLostError extends Error {
  /** Always `"LeaseLostError"`: recognise the error by name across package copies. */
  override readonly name = "LeaseLostError";
  /** The lease's name (its key in the engine). */
  readonly lease: string;
  /** The epoch this process held. */
  readonly epoch: number;
  /** `"taken"` (another holder has it) or `"expired"` (the engine was out of reach until it expired). */
  readonly reason: "taken" | "expired";

  constructor(lease: string, epoch: number, reason: "taken" | "expired") {
    super(
      reason === "taken"
        ? `lease "${lease}" (epoch ${epoch}) was taken over by another process`
        : `lease "${lease}" (epoch ${epoch}) expired before the engine could be reached to renew it`,
    );
    this.lease = lease;
    this.epoch = epoch;
    this.reason = reason;
  }
}
