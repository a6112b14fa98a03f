/**
 * The statistics the probe needs to say how sure it is: Wilson score intervals for one failure
 * rate, a two-proportion z-test and Fisher's exact test to compare two rates, and percentiles
 * for latency. The rollout analysis (src/rollout) asks the same questions one-sidedly ("is the
 * new build worse?") and imports them from here. Pure functions, no dependencies.
 */

/** A two-sided confidence interval for a proportion, both ends in [0, 1]. */
export interface Interval {
  lower: number;
  upper: number;
}

/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

/**
 * Wilson score interval for `successes` out of `n` (Wilson 1927; Newcombe 1998, method 3).
 * Unlike the Wald interval it stays inside [0, 1] and does not collapse to a point at 0/n or n/n,
 * which is exactly the case of a healthy sibling model (0 failures). `n = 0` gives [0, 1].
 */
export function wilson(successes: number, n: number, z = Z_95): Interval {
  if (n <= 0) return { lower: 0, upper: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0/n and n/n the formula gives exactly 0 and 1 on paper; clamp away the rounding.
  return {
    lower: successes === 0 ? 0 : Math.max(0, center - half),
    upper: successes === n ? 1 : Math.min(1, center + half),
  };
}

/** Result of a two-sided test of "both proportions are equal". */
export interface ZTestResult {
  /** (p1 - p2) / pooled standard error; 0 when the pooled rate is 0 or 1. */
  z: number;
  /** Two-sided p-value. */
  p: number;
}

/**
 * Two-proportion z-test with a pooled variance and no continuity correction (the same statistic
 * as R's `prop.test(correct = FALSE)`, whose chi-square is z²). Needs both n ≥ 1.
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): ZTestResult {
  const pooled = (x1 + x2) / (n1 + n2);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (standardError === 0) return { z: 0, p: 1 };
  const z = (x1 / n1 - x2 / n2) / standardError;
  return { z, p: Math.min(1, erfc(Math.abs(z) / Math.SQRT2)) };
}

/**
 * P(Z ≥ z) for a standard normal Z (SciPy's `norm.sf`): the one-sided p-value of a z statistic
 * when only a positive difference matters.
 */
export function normalUpperTail(z: number): number {
  return erfc(z / Math.SQRT2) / 2;
}

/**
 * Expected counts under 5 make the normal approximation unreliable (Cochran 1954): below this,
 * quote Fisher's exact p instead of the z-test's.
 */
export const MIN_EXPECTED_COUNT = 5;

/**
 * The smallest expected cell of the 2×2 table "x1 of n1 failed, x2 of n2 failed" if both rates
 * were equal: smallest row total × smallest column total / n. Compare with MIN_EXPECTED_COUNT.
 */
export function smallestExpectedCount(x1: number, n1: number, x2: number, n2: number): number {
  const n = n1 + n2;
  if (n === 0) return 0;
  const failed = x1 + x2;
  return (Math.min(n1, n2) * Math.min(failed, n - failed)) / n;
}

/**
 * Fisher's exact test on the 2×2 table [[a, b], [c, d]], two-sided: the sum of the probabilities
 * of every table with the same margins that is no more likely than the observed one (the
 * convention of R's `fisher.test` and SciPy, with the same 1e-7 relative tolerance for ties).
 */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  const { low, high, logProbability } = tablesWithMargins(a, b, c, d);
  const observed = logProbability(a);
  const tolerance = Math.log1p(1e-7);
  let p = 0;
  for (let x = low; x <= high; x++) {
    const lp = logProbability(x);
    if (lp <= observed + tolerance) p += Math.exp(lp);
  }
  return Math.min(1, p);
}

/**
 * Fisher's exact test on [[a, b], [c, d]], one-sided: the probability, with the same margins, of
 * a top-left cell of `a` or more (SciPy's `alternative='greater'`). With rows = two targets and
 * columns = failed / ok, it asks only "does the first target fail more often?".
 */
export function fisherExactGreater(a: number, b: number, c: number, d: number): number {
  const { high, logProbability } = tablesWithMargins(a, b, c, d);
  let p = 0;
  for (let x = a; x <= high; x++) p += Math.exp(logProbability(x));
  return Math.min(1, p);
}

/**
 * P(X ≥ k) for X ~ Binomial(n, p) (SciPy's `binom.sf(k - 1, n, p)`): the one-sided exact p-value
 * of "the failure rate is at most p" after k failures in n calls.
 */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n || p <= 0) return 0;
  if (p >= 1) return 1;
  let sum = 0;
  for (let x = k; x <= n; x++) sum += Math.exp(logChoose(n, x) + x * Math.log(p) + (n - x) * Math.log1p(-p));
  return Math.min(1, sum);
}

/** The possible top-left cells of tables with the margins of [[a, b], [c, d]], and their log probability. */
function tablesWithMargins(a: number, b: number, c: number, d: number) {
  const row1 = a + b;
  const row2 = c + d;
  const col1 = a + c;
  const logDenominator = logChoose(row1 + row2, col1);
  return {
    low: Math.max(0, col1 - row2),
    high: Math.min(row1, col1),
    logProbability: (x: number) => logChoose(row1, x) + logChoose(row2, col1 - x) - logDenominator,
  };
}

/**
 * The p-th percentile (p in [0, 100]) of ascending `sorted` values by linear interpolation between
 * closest ranks (Hyndman & Fan type 7, the default of NumPy and R). Undefined for no values.
 */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const below = Math.floor(rank);
  const low = sorted[below]!;
  const high = sorted[Math.min(below + 1, sorted.length - 1)]!;
  return low + (high - low) * (rank - below);
}

/**
 * Complementary error function, fractional error below 1.2e-7 everywhere (Chebyshev fit from
 * Numerical Recipes, 2nd ed., §6.2 `erfcc`); ample for printing p-values to 2–3 digits.
 */
export function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const value = t * Math.exp(-x * x + poly);
  return x >= 0 ? value : 2 - value;
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
  12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x ≥ 1 by the Lanczos approximation (g = 7, 9 terms), relative error ~1e-15. */
function logGamma(x: number): number {
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
