//! Small statistics over repeated measurements.

/// Summary of one series of measurements (any unit).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

/// Median, minimum and maximum of `values`; `None` when there are none.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Some(Summary {
        median,
        min: v[0],
        max: v[n - 1],
        n,
    })
}

/// Summary of `a[i] / b[i]` over the rounds both have (ratios paired by
/// round: each against the baseline measured right before it); `None` when
/// there are none.
pub fn paired_ratios(a: &[f64], b: &[f64]) -> Option<Summary> {
    let r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    summarize(&r)
}

/// Geometric mean of positive `values`; `None` when there are none.
pub fn geomean(values: &[f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| *v <= 0.0 || !v.is_finite()) {
        return None;
    }
    let log_sum: f64 = values.iter().map(|v| v.ln()).sum();
    Some((log_sum / values.len() as f64).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_series() {
        let s = summarize(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.n), (2.0, 1.0, 3.0, 3));
        assert_eq!(summarize(&[4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
        assert!(summarize(&[]).is_none());
    }

    #[test]
    fn ratios_are_paired_by_round() {
        let r = paired_ratios(&[2.0, 9.0, 4.0], &[1.0, 3.0]).unwrap();
        assert_eq!((r.n, r.min, r.max), (2, 2.0, 3.0));
        assert!(paired_ratios(&[], &[1.0]).is_none());
    }

    #[test]
    fn geomean_of_ratios() {
        let g = geomean(&[1.0, 4.0]).unwrap();
        assert!((g - 2.0).abs() < 1e-12);
        assert!(geomean(&[]).is_none());
        assert!(geomean(&[1.0, 0.0]).is_none());
    }
}
