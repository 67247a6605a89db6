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
/// With a sink, the text goes there in chunks as it is made and is never whole in memory
/// (tens of megabytes at 48,000 partitions).
pub struct Exposition<'a> {
    pub out: String,
    open_metrics: bool,
    sink: Option<&'a mut dyn std::io::Write>,
    failed: Option<std::io::Error>,
}

/// Text kept before it is handed to the sink.
const CHUNK: usize = 64 * 1024;

impl<'a> Exposition<'a> {
    pub fn new(open_metrics: bool) -> Exposition<'a> {
        Exposition {
            out: String::with_capacity(CHUNK),
            open_metrics,
            sink: None,
            failed: None,
        }
    }

    /// Into `sink`, a chunk at a time.
    pub fn into_sink(open_metrics: bool, sink: &'a mut dyn std::io::Write) -> Exposition<'a> {
        Exposition {
            sink: Some(sink),
            ..Exposition::new(open_metrics)
        }
    }

    fn spill(&mut self) {
        if self.out.len() < CHUNK || self.failed.is_some() {
            return;
        }
        if let Some(s) = self.sink.as_mut() {
            if let Err(e) = s.write_all(self.out.as_bytes()) {
                self.failed = Some(e);
            }
            self.out.clear();
        }
    }

    /// What did not reach the sink; Ok with the rest of the text when there is no sink.
    pub fn finish_sink(mut self) -> std::io::Result<String> {
        if self.open_metrics {
            self.out.push_str("# EOF\n");
        }
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        match self.sink.take() {
            Some(s) => s.write_all(self.out.as_bytes()).map(|()| String::new()),
            None => Ok(std::mem::take(&mut self.out)),
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
        self.spill();
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
