/**
 * The CPU-bound work: pricing a call option on an exchange rate by Monte Carlo simulation. Pure
 * and synchronous — it is what keeps the worker thread's event loop busy.
 */

/** What one batch prices: a call option struck at `strike`, expiring in `years`. */
export interface Option {
  spot: number;
  strike: number;
  volatility: number;
  years: number;
}

/** A Monte Carlo estimate and its standard error. */
export interface Estimate {
  price: number;
  standardError: number;
}

/** Prices `option` over `paths` simulated terminal rates (zero interest rates), seeded. */
export function priceByMonteCarlo(option: Option, paths: number, seed: number): Estimate {
  const { spot, strike, volatility, years } = option;
  const drift = -0.5 * volatility * volatility * years;
  const spread = volatility * Math.sqrt(years);
  const random = mulberry32(seed);
  let sum = 0;
  let sumOfSquares = 0;
  for (let i = 0; i < paths; i++) {
    const payoff = Math.max(spot * Math.exp(drift + spread * gaussian(random)) - strike, 0);
    sum += payoff;
    sumOfSquares += payoff * payoff;
  }
  const mean = sum / paths;
  const variance = Math.max(sumOfSquares / paths - mean * mean, 0);
  return { price: mean, standardError: Math.sqrt(variance / paths) };
}

/** The closed form (Black–Scholes with zero rates), to check the simulation against. */
export function priceExactly(option: Option): number {
  const { spot, strike, volatility, years } = option;
  const spread = volatility * Math.sqrt(years);
  const d1 = (Math.log(spot / strike) + 0.5 * spread * spread) / spread;
  return spot * normalCdf(d1) - strike * normalCdf(d1 - spread);
}

// A small seeded generator: a batch must be reproducible, and Math.random cannot be seeded.
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Box–Muller; 1 - u keeps the logarithm finite when the generator returns 0.
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

// Abramowitz and Stegun 7.1.26 (error below 1.5e-7): plenty beside a Monte Carlo error.
function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
