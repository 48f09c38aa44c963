import { describe, expect, it } from "vitest";
import { type Option, priceByMonteCarlo, priceExactly } from "../src/monte-carlo.js";

const options: Option[] = [
  { spot: 1.085, strike: 1.1, volatility: 0.08, years: 0.5 },
  { spot: 1.2, strike: 1.1, volatility: 0.2, years: 1 },
  { spot: 0.9, strike: 1.1, volatility: 0.3, years: 2 },
];

describe("Monte Carlo pricing", () => {
  it.each(options)("agrees with the closed form within four standard errors: %o", (option) => {
    const { price, standardError } = priceByMonteCarlo(option, 200_000, 7);
    expect(standardError).toBeGreaterThan(0);
    expect(Math.abs(price - priceExactly(option))).toBeLessThan(4 * standardError);
  });

  it("is reproducible from its seed, and the seed matters", () => {
    const option = options[0] as Option;
    expect(priceByMonteCarlo(option, 10_000, 1)).toEqual(priceByMonteCarlo(option, 10_000, 1));
    expect(priceByMonteCarlo(option, 10_000, 2)).not.toEqual(priceByMonteCarlo(option, 10_000, 1));
  });
});
