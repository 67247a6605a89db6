//! One-line sparklines from block characters, so they fit in a table cell.

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The last `width` values, scaled to the largest of them; zeros draw as spaces.
pub fn spark<T: Copy + Into<f64>>(values: &[T], width: usize) -> String {
    let tail = &values[values.len().saturating_sub(width)..];
    let max = tail.iter().map(|v| (*v).into()).fold(0.0f64, f64::max);
    let mut out: String = tail
        .iter()
        .map(|v| {
            let v: f64 = (*v).into();
            if v <= 0.0 || max <= 0.0 {
                ' '
            } else {
                BARS[(((v / max) * 7.0).round() as usize).min(7)]
            }
        })
        .collect();
    while out.chars().count() < width {
        out.insert(0, ' ');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn scales_to_the_max_and_pads() {
        assert_eq!(super::spark(&[0u32, 1, 2, 4], 4), " ▃▅█");
        assert_eq!(super::spark(&[5u32], 3), "  █");
        assert_eq!(super::spark::<u32>(&[], 2), "  ");
    }
}
