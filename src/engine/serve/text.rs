//! The Prometheus text exposition (format 0.0.4) and OpenMetrics 1.0, written by hand because
//! the shape is small and fixed: families with HELP and TYPE, samples with escaped labels, no
//! NaN or infinite value ever (a value kdeck cannot measure is left out, not made up).

use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Gauge,
    Counter,
    Histogram,
}

/// Writes one exposition; `open_metrics` switches the counter naming and the closing line.
pub struct Exposition {
    pub out: String,
    open_metrics: bool,
}

impl Exposition {
    pub fn new(open_metrics: bool) -> Exposition {
        Exposition::with_capacity(open_metrics, 64 * 1024)
    }

    /// With room for `bytes` (the last exposition's size): a large one then grows no buffer
    /// twice its size.
    pub fn with_capacity(open_metrics: bool, bytes: usize) -> Exposition {
        Exposition {
            out: String::with_capacity(bytes),
            open_metrics,
        }
    }

    /// Starts a family. A counter is named without `_total` here; its samples carry it.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let (ty, shown) = match kind {
            Kind::Gauge => ("gauge", name.to_string()),
            Kind::Histogram => ("histogram", name.to_string()),
            // Prometheus' text format names the family as its samples are named; OpenMetrics
            // names it without the suffix.
            Kind::Counter if self.open_metrics => ("counter", name.to_string()),
            Kind::Counter => ("counter", format!("{name}_total")),
        };
        let _ = writeln!(self.out, "# HELP {shown} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {shown} {ty}");
    }

    /// One sample; a value that is not finite is skipped.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        if !value.is_finite() {
            return;
        }
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape_label(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", number(value));
    }

    /// The text, closed as the format asks.
    pub fn finish(mut self) -> String {
        if self.open_metrics {
            self.out.push_str("# EOF\n");
        }
        self.out
    }
}

/// Integers without a fraction, other values as Rust prints them (shortest exact form).
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Label values: backslash, double quote and line feed escaped, as both formats want.
pub fn escape_label(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c if c.is_control() => s.push(' '),
            c => s.push(c),
        }
    }
    s
}

fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_escape_labels_and_skip_what_is_not_a_number() {
        let mut e = Exposition::new(false);
        e.family("x", Kind::Counter, "what x counts");
        e.sample("x_total", &[("reason", "a \"b\"\\\nc")], 3.0);
        e.sample("x_total", &[("reason", "nan")], f64::NAN);
        e.sample("x_total", &[("reason", "inf")], f64::INFINITY);
        let t = e.finish();
        assert_eq!(
            t,
            "# HELP x_total what x counts\n# TYPE x_total counter\nx_total{reason=\"a \\\"b\\\"\\\\\\nc\"} 3\n"
        );
        let mut o = Exposition::new(true);
        o.family("x", Kind::Counter, "h");
        assert!(o.finish().ends_with("# TYPE x counter\n# EOF\n"));
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(-3.0), "-3");
    }
}
