//! The pipeline's services' own metrics beside Kafka's: which series of a service's Prometheus
//! endpoint to show (a metric name with PromQL-like label matchers), their value at each scrape
//! (summed over the matching samples), and for counters the rate per second between scrapes.
//! Fetching and parsing the text is `support::services`; the dashboard's metrics pane draws it.

use regex::Regex;
use std::collections::VecDeque;

/// Values kept per series for its sparkline.
pub const HISTORY: usize = 120;

#[derive(Clone, Debug)]
enum Op {
    Eq(String),
    Ne(String),
    Re(Regex),
    NotRe(Regex),
}

/// `http_requests_total{status=~"5..",route!="/health"}`: a metric and label matchers.
#[derive(Clone, Debug)]
pub struct Selector {
    /// As written, for the pane.
    pub text: String,
    pub metric: String,
    matchers: Vec<(String, Op)>,
}

impl PartialEq for Selector {
    fn eq(&self, other: &Selector) -> bool {
        self.text == other.text
    }
}

impl Selector {
    /// Err says what is wrong in words.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let t = text.trim();
        let (metric, rest) = match t.find('{') {
            Some(i) => (&t[..i], Some(&t[i + 1..])),
            None => (t, None),
        };
        let metric = metric.trim();
        let name_ok = !metric.is_empty()
            && metric
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !metric.starts_with(|c: char| c.is_ascii_digit());
        if !name_ok {
            return Err(format!(
                "{t:?}: expected a metric name, like http_requests_total"
            ));
        }
        let matchers = match rest {
            None => Vec::new(),
            Some(r) => {
                let inner = r
                    .trim_end()
                    .strip_suffix('}')
                    .ok_or_else(|| format!("{t:?}: the label matchers have no closing }}"))?;
                matchers(inner).map_err(|e| format!("{t:?}: {e}"))?
            }
        };
        Ok(Selector {
            text: t.to_string(),
            metric: metric.to_string(),
            matchers,
        })
    }

    pub fn matches(&self, name: &str, labels: &[(String, String)]) -> bool {
        name == self.metric
            && self.matchers.iter().all(|(k, op)| {
                let v = labels
                    .iter()
                    .find(|(lk, _)| lk == k)
                    .map_or("", |(_, v)| v.as_str());
                match op {
                    Op::Eq(x) => v == x,
                    Op::Ne(x) => v != x,
                    Op::Re(r) => r.is_match(v),
                    Op::NotRe(r) => !r.is_match(v),
                }
            })
    }
}

/// `a="x",b=~"y|z"`: quoted values, commas between.
fn matchers(mut s: &str) -> Result<Vec<(String, Op)>, String> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start_matches([' ', ',']);
        if s.is_empty() {
            return Ok(out);
        }
        let key_end = s
            .find(['=', '!'])
            .ok_or("expected label=\"value\" (or !=, =~, !~)")?;
        let key = s[..key_end].trim().to_string();
        let rest = &s[key_end..];
        let (op, rest) = ["=~", "!~", "!=", "="]
            .iter()
            .find_map(|op| rest.strip_prefix(op).map(|r| (*op, r)))
            .ok_or("expected =, !=, =~ or !~ after a label name")?;
        let rest = rest.trim_start();
        let body = rest
            .strip_prefix('"')
            .ok_or("label values are quoted, like status=\"500\"")?;
        let close = body.find('"').ok_or("a label value has no closing quote")?;
        let value = &body[..close];
        let anchored = || {
            Regex::new(&format!("^(?:{value})$"))
                .map_err(|e| format!("{value:?} is not a regular expression: {e}"))
        };
        let op = match op {
            "=" => Op::Eq(value.to_string()),
            "!=" => Op::Ne(value.to_string()),
            "=~" => Op::Re(anchored()?),
            _ => Op::NotRe(anchored()?),
        };
        out.push((key, op));
        s = &body[close + 1..];
    }
}

/// One sample of a scrape, as plain data.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
    /// Declared a counter (or named `_total`): shown as a rate.
    pub counter: bool,
}

/// Per selector, the sum of the samples it matches and whether they count (None: no sample).
pub fn select(selectors: &[Selector], samples: &[Sample]) -> Vec<Option<(f64, bool)>> {
    selectors
        .iter()
        .map(|s| {
            let mut hit = None::<(f64, bool)>;
            for x in samples.iter().filter(|x| s.matches(&x.name, &x.labels)) {
                let (sum, counter) = hit.unwrap_or((0.0, x.counter));
                hit = Some((sum + x.value, counter || x.counter));
            }
            hit
        })
        .collect()
}

/// One chosen series as the pane shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub text: String,
    /// The value now: a gauge's value, a counter's rate per second.
    pub value: Option<f64>,
    pub per_second: bool,
    pub history: VecDeque<f64>,
    /// A counter's last total and when, for the next rate.
    last: Option<(f64, i64)>,
}

/// A service's chosen series and its last scrape's trouble.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceView {
    pub name: String,
    pub series: Vec<Series>,
    pub error: Option<String>,
    pub at_ms: Option<i64>,
}

impl ServiceView {
    pub fn new(name: &str, selectors: &[Selector]) -> ServiceView {
        ServiceView {
            name: name.to_string(),
            series: (selectors.iter())
                .map(|s| Series {
                    text: s.text.clone(),
                    ..Default::default()
                })
                .collect(),
            error: None,
            at_ms: None,
        }
    }

    /// One scrape: per series the selected value, or why the scrape failed. A counter that went
    /// down restarted: its rate starts again from the next scrape.
    pub fn ingest(&mut self, at_ms: i64, result: Result<Vec<Option<(f64, bool)>>, String>) {
        let values = match result {
            Ok(v) => v,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        self.error = None;
        self.at_ms = Some(at_ms);
        for (s, v) in self.series.iter_mut().zip(values) {
            s.value = match v {
                None => None,
                Some((x, false)) => {
                    s.per_second = false;
                    Some(x)
                }
                Some((x, true)) => {
                    s.per_second = true;
                    let prev = s.last.replace((x, at_ms));
                    match prev {
                        Some((p, t)) if x >= p && at_ms > t => {
                            Some((x - p) / ((at_ms - t) as f64 / 1000.0))
                        }
                        _ => None,
                    }
                }
            };
            if let Some(v) = s.value {
                if s.history.len() == HISTORY {
                    s.history.pop_front();
                }
                s.history.push_back(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str, labels: &[(&str, &str)], value: f64, counter: bool) -> Sample {
        Sample {
            name: name.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
            counter,
        }
    }

    #[test]
    fn selectors_match_like_promql_and_say_what_is_wrong() {
        let s = Selector::parse(r#"http_requests_total{status=~"5..", route!="/health"}"#).unwrap();
        let l = |st: &str, r: &str| {
            vec![
                ("status".to_string(), st.to_string()),
                ("route".to_string(), r.to_string()),
            ]
        };
        assert!(s.matches("http_requests_total", &l("503", "/jobs")));
        assert!(!s.matches("http_requests_total", &l("503", "/health")));
        assert!(
            !s.matches("http_requests_total", &l("5030", "/jobs")),
            "anchored"
        );
        assert!(!s.matches("http_requests", &l("503", "/jobs")));
        assert!(Selector::parse("queue_depth")
            .unwrap()
            .matches("queue_depth", &[]));
        assert!(Selector::parse("9lives")
            .unwrap_err()
            .contains("metric name"));
        assert!(Selector::parse(r#"x{a="b""#)
            .unwrap_err()
            .contains("closing }"));
        assert!(Selector::parse(r#"x{a=b}"#).unwrap_err().contains("quoted"));
        assert!(Selector::parse(r#"x{a=~"("}"#)
            .unwrap_err()
            .contains("regular expression"));
    }

    #[test]
    fn counters_become_rates_gauges_stay_values_and_a_restart_is_no_negative_rate() {
        let sel = vec![
            Selector::parse(r#"errors_total{code=~"5.."}"#).unwrap(),
            Selector::parse("queue_depth").unwrap(),
            Selector::parse("absent").unwrap(),
        ];
        let scrape = |errors: f64, depth: f64| {
            vec![
                sample("errors_total", &[("code", "500")], errors, true),
                sample("errors_total", &[("code", "503")], 1.0, true),
                sample("errors_total", &[("code", "404")], 1000.0, true),
                sample("queue_depth", &[], depth, false),
            ]
        };
        let mut v = ServiceView::new("svc", &sel);
        v.ingest(0, Ok(select(&sel, &scrape(9.0, 4.0))));
        assert_eq!(v.series[0].value, None, "a rate needs two scrapes");
        assert_eq!(v.series[1].value, Some(4.0));
        assert_eq!(v.series[2].value, None);
        v.ingest(2_000, Ok(select(&sel, &scrape(19.0, 7.0))));
        assert_eq!(v.series[0].value, Some(5.0));
        assert!(v.series[0].per_second);
        v.ingest(4_000, Ok(select(&sel, &scrape(2.0, 7.0))));
        assert_eq!(v.series[0].value, None, "restarted");
        v.ingest(5_000, Err("cannot reach it".into()));
        assert_eq!(v.error.as_deref(), Some("cannot reach it"));
        assert_eq!(v.series[1].value, Some(7.0), "the last values stay");
    }
}
