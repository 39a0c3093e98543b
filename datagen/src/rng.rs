//! A small, self-contained pseudo-random generator and portable math.
//!
//! Everything the generator draws goes through [`Rng`] (xoshiro256++ seeded by SplitMix64) and
//! uses only IEEE-exact arithmetic (`+ - * /`, `sqrt`, `round`) plus the [`exp`] and [`ln`]
//! defined here, so the same seed gives byte-identical data on every platform and with every
//! version of the platform's libm. No external RNG crate means no silent change of stream when a
//! dependency is upgraded.

/// Independent random streams: each (seed, stream, enterprise index) triple has its own generator,
/// so changing how one table is drawn never shifts the numbers of another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    /// Enterprise attributes: location, industry, size, name, founding year.
    Attributes = 1,
    /// The enterprise's latent profile and monthly series.
    Monthly = 2,
    /// Which enterprise-months get an injected anomaly.
    Anomalies = 3,
    /// Machines and their daily telemetry.
    Telemetry = 4,
}

/// One step of SplitMix64, used to expand a seed into generator state.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256++ generator with convenience draws used across the crate.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// The generator for one stream of one enterprise (or any other index) under `seed`.
    pub(crate) fn new(seed: u64, stream: Stream, index: u64) -> Self {
        let mut st = seed;
        let a = splitmix64(&mut st);
        let mut st = a ^ (stream as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        let b = splitmix64(&mut st);
        let mut st = b ^ index.wrapping_mul(0xA24B_AED4_963E_E407);
        let s = [splitmix64(&mut st), splitmix64(&mut st), splitmix64(&mut st), splitmix64(&mut st)];
        Self { s }
    }

    /// The next raw 64-bit value.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)`.
    pub(crate) fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in `[0, n)`; `n` must be positive.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform integer in `[lo, hi]` (inclusive).
    pub(crate) fn int_between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Log-uniform in `[lo, hi)`: equal odds per order of magnitude. Both bounds positive.
    pub(crate) fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo * exp(self.unit() * ln(hi / lo))
    }

    /// Approximately standard normal (Irwin–Hall of 12 uniforms): mean 0, sd 1, within ±6.
    pub(crate) fn normal(&mut self) -> f64 {
        let mut sum = 0.0;
        for _ in 0..12 {
            sum += self.unit();
        }
        sum - 6.0
    }

    /// Bounded noise (triangular: the sum of two uniforms, rescaled): mean 0, sd 1, within ±2.45.
    pub(crate) fn noise(&mut self) -> f64 {
        (self.unit() + self.unit() - 1.0) * 2.449_489_742_783_178
    }

    /// Twelve noise values, one per month of a year, stratified (a Latin hypercube sample):
    /// each is uniform with mean 0 and sd 1 (within ±√3), and together they cover the range
    /// evenly, one value per twelfth of it, in random order.
    ///
    /// Series checked by median/MAD outlier detectors use this: with only 24–36 points an
    /// i.i.d. sample often bunches up, shrinking the MAD so that ordinary months look like
    /// outliers; stratified noise keeps each year's spread, and so the MAD, stable.
    pub(crate) fn stratified_year(&mut self) -> [f64; 12] {
        let mut order: [usize; 12] = std::array::from_fn(|i| i);
        for i in (1..12).rev() {
            order.swap(i, self.below(i + 1));
        }
        order.map(|stratum| ((stratum as f64 + self.unit()) / 6.0 - 1.0) * 1.732_050_807_568_877_2)
    }

    /// Index chosen with probability proportional to `weight(item)`; `items` must be non-empty
    /// with a positive total weight.
    pub(crate) fn weighted<T>(&mut self, items: &[T], weight: impl Fn(&T) -> f64) -> usize {
        let total: f64 = items.iter().map(&weight).sum();
        let mut target = self.unit() * total;
        for (i, item) in items.iter().enumerate() {
            target -= weight(item);
            if target < 0.0 {
                return i;
            }
        }
        items.len().saturating_sub(1)
    }
}

const LN_2: f64 = std::f64::consts::LN_2;

/// Portable `e^x` from basic arithmetic only (accurate to ~1e-15 relative for |x| ≤ 700).
pub(crate) fn exp(x: f64) -> f64 {
    let x = x.clamp(-700.0, 700.0);
    let k = (x / LN_2).round();
    let r = x - k * LN_2;
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..=18 {
        term *= r / f64::from(n);
        sum += term;
    }
    // k is within [-1010, 1010], so 2^k is a normal f64 built directly from its exponent bits.
    sum * f64::from_bits(((k as i64 + 1023) as u64) << 52)
}

/// Portable natural logarithm of a positive, normal `x` from basic arithmetic only.
pub(crate) fn ln(x: f64) -> f64 {
    debug_assert!(x.is_normal() && x > 0.0);
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    // ln(m) = 2·atanh(s) with s = (m−1)/(m+1), |s| < 0.172.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    for k in 0..14 {
        sum += term / f64::from(2 * k + 1);
        term *= s2;
    }
    2.0 * sum + e as f64 * LN_2
}

/// `x` rounded to `decimals` decimal places (half away from zero).
pub(crate) fn round_to(x: f64, decimals: i32) -> f64 {
    let scale = match decimals {
        0 => 1.0,
        1 => 10.0,
        2 => 100.0,
        3 => 1000.0,
        _ => 10_000.0,
    };
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_with_the_same_key_repeat_and_different_keys_differ() {
        let mut a = Rng::new(7, Stream::Monthly, 3);
        let mut b = Rng::new(7, Stream::Monthly, 3);
        let mut c = Rng::new(7, Stream::Monthly, 4);
        let mut d = Rng::new(7, Stream::Telemetry, 3);
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs[0], c.next_u64());
        assert_ne!(xs[0], d.next_u64());
    }

    #[test]
    fn portable_exp_and_ln_agree_with_std() {
        for i in -400..=400 {
            let x = f64::from(i) * 0.037;
            let rel = (exp(x) - x.exp()).abs() / x.exp();
            assert!(rel < 1e-14, "exp({x}) off by {rel}");
        }
        for i in 1..=1000 {
            let x = f64::from(i) * 0.731;
            assert!((ln(x) - x.ln()).abs() < 1e-13, "ln({x})");
        }
    }

    #[test]
    fn draws_stay_in_their_ranges() {
        let mut r = Rng::new(1, Stream::Attributes, 0);
        for _ in 0..10_000 {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            assert!(r.below(5) < 5);
            let k = r.int_between(1950, 2022);
            assert!((1950..=2022).contains(&k));
            assert!(r.noise().abs() <= 2.45);
            assert!(r.normal().abs() <= 6.0);
            let l = r.log_uniform(3.0, 20.0);
            assert!((3.0..20.0 + 1e-9).contains(&l));
        }
    }

    #[test]
    fn a_stratified_year_has_one_value_in_each_twelfth_of_the_range() {
        let mut r = Rng::new(2, Stream::Monthly, 0);
        for _ in 0..100 {
            let year = r.stratified_year();
            let mut strata: Vec<usize> =
                year.iter().map(|v| ((v / 1.732_050_807_568_877_2 + 1.0) * 6.0) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..12).collect::<Vec<_>>());
        }
    }

    #[test]
    fn weighted_choice_follows_the_weights() {
        let mut r = Rng::new(9, Stream::Attributes, 0);
        let weights = [1.0, 0.0, 3.0];
        let mut counts = [0usize; 3];
        for _ in 0..40_000 {
            counts[r.weighted(&weights, |w| *w)] += 1;
        }
        assert_eq!(counts[1], 0);
        let ratio = counts[2] as f64 / counts[0] as f64;
        assert!((2.7..3.3).contains(&ratio), "ratio {ratio}");
    }
}
