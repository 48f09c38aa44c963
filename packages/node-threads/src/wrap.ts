/**
 * Replaces a method on one instance (not its class), so the owner can observe calls core has no
 * hook for. The property is non-enumerable, like the method it shadows.
 */
export function defineMethod(
  target: object,
  key: string,
  value: (this: any, ...args: any[]) => unknown,
): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
