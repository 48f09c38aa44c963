import { expect } from "vitest";

/** The members' errors of a group operation that failed: one `AggregateError`, in member order. */
export function memberErrors(error: unknown): unknown[] {
  expect(error).toBeInstanceOf(AggregateError);
  return (error as AggregateError).errors;
}
