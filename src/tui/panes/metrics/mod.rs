//! Metrics pane: messages/s per stream, status mix, end-to-end latency from the records' own
//! time fields, and the DLQ's top failure reasons. All bounded.

pub mod view;

use crate::codec::decode::dlq::reason_key;
use crate::domain::{Record, Role, StatusClass};
use std::collections::{BTreeMap, HashMap, VecDeque};

const LATENCY_SAMPLES: usize = 2000;
const MAX_WORDS: usize = 32;
const MAX_REASONS: usize = 200;

#[derive(Clone, Debug, PartialEq)]
pub struct Reason {
    pub count: u64,
    /// One full message of the group, as it was written.
    pub example: String,
}

#[derive(Default)]
pub struct MetricsPane {
    /// Status words seen on the completion and status streams, with their class.
    pub status_words: BTreeMap<String, (StatusClass, u64)>,
    pub reasons: HashMap<String, Reason>,
    pub dlq_total: u64,
    latencies: VecDeque<i64>,
    pub latency_basis: BTreeMap<String, u64>,
    /// (p50, p95, samples) in ms, recomputed on the clock tick.
    pub latency: Option<(i64, i64, usize)>,
    /// The services' own series, from their Prometheus endpoints.
    pub services: Vec<crate::engine::services::ServiceView>,
}

impl MetricsPane {
    /// Empty, with a place for each configured service's series.
    pub fn with_services(services: &[crate::support::config::services::Service]) -> MetricsPane {
        MetricsPane {
            services: (services.iter())
                .map(|s| crate::engine::services::ServiceView::new(&s.name, &s.series))
                .collect(),
            ..Default::default()
        }
    }

    pub fn observe(&mut self, role: Role, batch: &[Record]) {
        for r in batch {
            let d = &r.decoded;
            if role == Role::Dlq {
                self.dlq_total += 1;
                // The same reason text as the DLQ pane's by-reason view, so the counts agree.
                let err = d
                    .dlq
                    .as_deref()
                    .and_then(crate::codec::decode::dlq::reason_text)
                    .unwrap_or_else(|| "(no error given)".into());
                let key = reason_key(&err);
                if let Some(e) = self.reasons.get_mut(&key) {
                    e.count += 1;
                } else {
                    if self.reasons.len() >= MAX_REASONS {
                        // Make room by dropping the rarest reason.
                        if let Some(k) = self
                            .reasons
                            .iter()
                            .min_by_key(|(_, r)| r.count)
                            .map(|(k, _)| k.clone())
                        {
                            self.reasons.remove(&k);
                        }
                    }
                    self.reasons.insert(
                        key,
                        Reason {
                            count: 1,
                            example: err,
                        },
                    );
                }
                continue;
            }
            if let Some(s) = &d.status {
                if let Some(e) = self.status_words.get_mut(s) {
                    e.1 += 1;
                } else if self.status_words.len() < MAX_WORDS {
                    self.status_words.insert(s.clone(), (d.status_class, 1));
                }
            }
            if let (Some(ms), Some((a, b))) = (d.latency_ms, d.latency_basis) {
                if self.latencies.len() == LATENCY_SAMPLES {
                    self.latencies.pop_front();
                }
                self.latencies.push_back(ms);
                let label = if b.is_empty() {
                    a.to_string()
                } else {
                    format!("{a}→{b}")
                };
                *self.latency_basis.entry(label).or_default() += 1;
            }
        }
    }

    pub fn recompute(&mut self) {
        if self.latencies.is_empty() {
            self.latency = None;
            return;
        }
        let mut v: Vec<i64> = self.latencies.iter().copied().collect();
        v.sort_unstable();
        let pct = |p: f64| v[(((v.len() - 1) as f64) * p).round() as usize];
        self.latency = Some((pct(0.5), pct(0.95), v.len()));
    }

    /// Reasons, most frequent first.
    pub fn top_reasons(&self, n: usize) -> Vec<(&String, &Reason)> {
        let mut v: Vec<_> = self.reasons.iter().collect();
        v.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }
}

impl crate::tui::app::component::Pane for MetricsPane {
    fn handle(
        &mut self,
        _: crate::tui::app::action::Action,
        _: isize,
    ) -> crate::tui::app::component::Reply {
        crate::tui::app::component::Reply::Done
    }

    fn hints(&self) -> &'static [crate::tui::app::component::Hint] {
        &[]
    }

    fn draw(
        &self,
        f: &mut ratatui::Frame,
        area: ratatui::layout::Rect,
        cx: &crate::tui::app::component::PaneCx<'_>,
    ) {
        let v = view::MetricsView {
            metrics: self,
            streams: cx.streams,
            jobs: cx.jobs,
            now_ms: cx.now_ms,
        };
        view::draw(f, area, &v, cx.focused, cx.theme)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode::{to_record, Incoming};
    use crate::domain::Header;

    fn rec(value: &str, headers: Vec<Header>, dlq: bool) -> Record {
        to_record(
            Incoming {
                topic: "t",
                partition: 0,
                offset: 0,
                timestamp_ms: None,
                key: None,
                value: Some(value.as_bytes()),
                headers,
            },
            1024,
            dlq,
        )
    }

    #[test]
    fn reasons_group_by_masked_message() {
        let mut m = MetricsPane::default();
        let dl = |e: &str| {
            rec(
                "{}",
                vec![Header {
                    key: "dlq-error".into(),
                    value: Some(e.as_bytes().to_vec()),
                }],
                true,
            )
        };
        m.observe(
            Role::Dlq,
            &[
                dl("timeout after 30s"),
                dl("timeout after 31s"),
                dl("refused"),
            ],
        );
        let top = m.top_reasons(5);
        assert_eq!(top[0].0, "timeout after #s");
        assert_eq!(top[0].1.count, 2);
        assert_eq!(top[0].1.example, "timeout after 30s");
        assert_eq!(top[1].1.count, 1);
        assert_eq!(m.dlq_total, 3);
    }

    #[test]
    fn latency_percentiles_and_status_mix() {
        let mut m = MetricsPane::default();
        let batch: Vec<Record> = (1..=100)
            .map(|i| {
                rec(
                    &format!(r#"{{"completion_status":"completed","execution_duration":{i}}}"#),
                    vec![],
                    false,
                )
            })
            .collect();
        m.observe(Role::Completion, &batch);
        m.recompute();
        assert_eq!(m.latency, Some((51_000, 95_000, 100)));
        assert_eq!(m.latency_basis["execution_duration"], 100);
        assert_eq!(m.status_words["completed"], (StatusClass::Ok, 100));
    }
}
