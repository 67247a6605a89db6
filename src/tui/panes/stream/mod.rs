//! A live table of one role's records: a capped ring, newest first, with scroll-back that stays
//! on the selected record while new ones arrive.

pub mod view;

use crate::domain::{Record, Role};
use crate::support::rate::RateMeter;
use crate::tui::app::action::Action;
use crate::tui::app::component::{nav_delta, Hint, Pane, PaneCx, Reply};
use crate::tui::app::effect::Effect;
use crate::tui::keymap::Context;
use crate::tui::modals::detail::DetailState;
use std::collections::VecDeque;

pub struct StreamPane {
    pub role: Role,
    /// Oldest at the front, newest at the back; never more than `cap`.
    pub records: VecDeque<Record>,
    pub cap: usize,
    /// Rows from the newest: 0 follows the stream.
    pub selected: usize,
    pub paused: bool,
    pub rate: RateMeter,
    /// Records dropped off the ring since start.
    pub evicted: u64,
    /// Shows only the records this filter keeps, when set.
    pub filter: Option<Filtered>,
    /// The DLQ pane's triage (failure reasons, marks, replay counts); unused by other panes.
    pub triage: crate::tui::panes::dlq::DlqTriage,
}

/// What a pane shows only: records for which the test is true.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaneFilter {
    /// DLQ records whose failure reason (masked) is this.
    Reason(String),
    /// Plain text, any case, in the key, a header or the value (`/`).
    Quick(crate::engine::filter::Quick),
    /// A jq expression over the record (`f`).
    Expr(crate::engine::filter::Expr),
}

impl PaneFilter {
    /// For the pane title.
    pub fn describe(&self) -> String {
        match self {
            PaneFilter::Reason(k) => {
                format!("reason \"{}\"", crate::codec::text::fit(k, 40).trim_end())
            }
            PaneFilter::Quick(q) => {
                format!("\"{}\"", crate::codec::text::fit(q.text(), 40).trim_end())
            }
            PaneFilter::Expr(e) => match e.name() {
                Some(n) => format!("@{}", crate::codec::text::fit(n, 40).trim_end()),
                None => crate::codec::text::fit(e.source(), 60)
                    .trim_end()
                    .to_string(),
            },
        }
    }

    pub fn keeps(&self, r: &Record) -> bool {
        match self {
            PaneFilter::Reason(key) => {
                crate::codec::decode::dlq::record_reason(r).as_deref() == Some(key)
            }
            PaneFilter::Quick(q) => q.matches(r),
            PaneFilter::Expr(e) => e.matches(r),
        }
    }
}

/// A filtered view over the ring: the positions of the kept records, counted from the first
/// record ever pushed, so evicting from the ring costs nothing here.
#[derive(Clone, Debug)]
pub struct Filtered {
    pub filter: PaneFilter,
    /// Ascending record sequence numbers of the kept records still in the ring.
    kept: VecDeque<u64>,
    /// Records the filter has looked at, and how many it kept.
    pub scanned: u64,
    pub matched: u64,
    /// Held records below this sequence number and not evicted are not scanned yet (the
    /// filter was set while they were held); `filter_step` works down from here.
    backlog: u64,
    /// The first new record not scanned yet; `filter_step` works up from here to the newest.
    ahead: u64,
}

/// Held records one filter step scans at most, and the time it may take: a chunk between two
/// frames (about 7 ms at 3.4 µs a record).
pub const STEP_RECORDS: usize = 2048;
pub const STEP_TIME: std::time::Duration = std::time::Duration::from_millis(8);

impl StreamPane {
    pub fn new(role: Role, cap: usize) -> StreamPane {
        StreamPane {
            role,
            records: VecDeque::with_capacity(cap.min(4096)),
            cap,
            selected: 0,
            paused: false,
            rate: RateMeter::new(300),
            evicted: 0,
            filter: None,
            triage: Default::default(),
        }
    }

    /// Takes a batch into the ring. With a filter on, the new records are filtered here as far
    /// as one bounded step goes (all of them, unless the expression is slow); the rest waits
    /// for the next `filter_step`, so a burst never holds the UI up.
    ///
    /// Records keep time order: several topics or partitions read at once (a backlog read
    /// from the beginning comes partition after partition) arrive out of order. A batch with
    /// records older than the newest held is merged with the held ones newer than its oldest
    /// (one pass, not a shift per record); the filter looks at the merged part again and a
    /// scrolled-back selection stays on its record.
    pub fn push_batch(&mut self, mut batch: Vec<Record>, now_ms: i64) {
        self.rate.add(now_ms, batch.len() as u64);
        batch.sort_by_key(|r| r.timestamp_ms);
        let from = batch
            .first()
            .map_or(self.records.len(), |r| self.place_of(r));
        let held = (self.selected > 0 && from < self.records.len())
            .then(|| {
                self.selected_record()
                    .map(|r| (r.topic.clone(), r.partition, r.offset))
            })
            .flatten();
        if from < self.records.len() {
            let newer: Vec<Record> = self.records.drain(from..).collect();
            self.refilter_from(self.evicted + from as u64);
            batch = merge(newer, batch);
        }
        let shown = batch.len();
        for r in batch {
            if self.records.len() == self.cap {
                self.records.pop_front();
                self.evicted += 1;
            }
            self.records.push_back(r);
        }
        let evicted = self.evicted;
        match &mut self.filter {
            Some(f) => {
                while f.kept.front().is_some_and(|s| *s < evicted) {
                    f.kept.pop_front();
                }
                // Records that went before the filter saw them are not counted as scanned.
                f.ahead = f.ahead.max(evicted);
                self.filter_step(STEP_RECORDS);
            }
            // Scrolled back: keep the same record selected as new ones arrive above it.
            None if self.selected > 0 => {
                self.selected = (self.selected + shown).min(self.len().saturating_sub(1));
            }
            None => {}
        }
        if let Some(key) = held {
            self.select_record(&key);
        }
    }

    /// Selects the record with this topic, partition and offset, if it is shown.
    fn select_record(&mut self, key: &(String, i32, i64)) {
        let at = (0..self.len()).find(|i| {
            self.nth_newest(*i)
                .is_some_and(|r| r.offset == key.2 && r.partition == key.1 && r.topic == key.0)
        });
        if let Some(i) = at {
            self.selected = i;
        }
    }

    /// Where a record goes by its time: on top unless it is older than the newest held.
    fn place_of(&self, r: &Record) -> usize {
        let newest = self.records.back().and_then(|b| b.timestamp_ms);
        match (r.timestamp_ms, newest) {
            (Some(t), Some(last)) if t < last => {
                (self.records).partition_point(|x| x.timestamp_ms.is_none_or(|xt| xt <= t))
            }
            _ => self.records.len(),
        }
    }

    /// The held records from sequence number `seq` on are replaced (merged with late ones):
    /// the filter forgets what it kept there and scans them again as new.
    fn refilter_from(&mut self, seq: u64) {
        let Some(f) = &mut self.filter else {
            return;
        };
        let dropped = f.kept.len() - f.kept.partition_point(|k| *k < seq);
        f.kept.truncate(f.kept.len() - dropped);
        f.matched -= dropped as u64;
        f.scanned -= f.ahead.saturating_sub(seq.max(f.backlog));
        f.ahead = f.ahead.min(seq);
        f.backlog = f.backlog.min(seq);
    }

    /// Shows only what `filter` keeps (`None`: everything). What the pane holds is re-scanned
    /// newest first, a bounded chunk now and the rest in `filter_step`s between frames, so a
    /// large ring never stalls the UI; records arriving meanwhile are filtered first.
    pub fn set_filter(&mut self, filter: Option<PaneFilter>) {
        self.selected = 0;
        let end = self.evicted + self.records.len() as u64;
        self.filter = filter.map(|filter| Filtered {
            filter,
            kept: VecDeque::new(),
            scanned: 0,
            matched: 0,
            backlog: end,
            ahead: end,
        });
        self.filter_step(STEP_RECORDS);
    }

    /// True while held records wait for the filter (new arrivals or, after a change, the
    /// records held before it).
    pub fn filter_scanning(&self) -> bool {
        let end = self.evicted + self.records.len() as u64;
        self.filter
            .as_ref()
            .is_some_and(|f| f.backlog > self.evicted || f.ahead < end)
    }

    /// True while the records held when the filter was set are still being scanned.
    pub fn filter_rescanning(&self) -> bool {
        self.filter
            .as_ref()
            .is_some_and(|f| f.backlog > self.evicted)
    }

    /// Filters up to `budget` waiting records — new arrivals first (they show at the top), then
    /// the older ones newest first — stopping early when `STEP_TIME` has passed (an expression
    /// can be slow on large values); returns how many it scanned.
    pub fn filter_step(&mut self, budget: usize) -> usize {
        let Some(f) = &mut self.filter else {
            return 0;
        };
        let started = std::time::Instant::now();
        let end = self.evicted + self.records.len() as u64;
        let mut n = 0;
        let mut shown = 0;
        while n < budget && (f.ahead < end || f.backlog > self.evicted) {
            if n % 64 == 63 && started.elapsed() > STEP_TIME {
                break;
            }
            let new = f.ahead < end;
            let seq = if new { f.ahead } else { f.backlog - 1 };
            f.scanned += 1;
            let keep = f.filter.keeps(&self.records[(seq - self.evicted) as usize]);
            f.matched += u64::from(keep);
            // New ones are newer than everything kept, backlog ones older: the order holds.
            match (new, keep) {
                (true, true) => {
                    f.kept.push_back(seq);
                    shown += 1;
                }
                (false, true) => f.kept.push_front(seq),
                _ => {}
            }
            if new {
                f.ahead += 1;
            } else {
                f.backlog -= 1;
            }
            n += 1;
        }
        // Scrolled back: keep the same record selected as kept ones arrive above it.
        if self.selected > 0 {
            self.selected = (self.selected + shown).min(self.len().saturating_sub(1));
        }
        n
    }

    /// Sequence numbers of the records shown (after the filter), oldest first: a snapshot an
    /// export copies from in steps (`by_seq`).
    pub fn shown_seqs(&self) -> VecDeque<u64> {
        match &self.filter {
            Some(f) => f.kept.clone(),
            None => (self.evicted..self.evicted + self.records.len() as u64).collect(),
        }
    }

    /// The record with this sequence number, unless it has left the ring.
    pub fn by_seq(&self, seq: u64) -> Option<&Record> {
        self.records.get(seq.checked_sub(self.evicted)? as usize)
    }

    /// Records shown (after the filter).
    /// Decodes again the records whose schema was being fetched: the schema source has
    /// answered since (with the schema, or with why not).
    pub fn settle_pending(&mut self) {
        let is_dlq = self.role == Role::Dlq;
        for r in self.records.iter_mut() {
            let pending = r
                .decoded
                .schema
                .as_deref()
                .is_some_and(|s| s.state == crate::domain::SchemaState::Pending);
            if pending {
                crate::codec::decode::redecode(r, is_dlq);
            }
        }
    }

    pub fn len(&self) -> usize {
        match &self.filter {
            Some(f) => f.kept.len(),
            None => self.records.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn following(&self) -> bool {
        self.selected == 0
    }

    /// The i-th shown record counting from the newest.
    pub fn nth_newest(&self, i: usize) -> Option<&Record> {
        match &self.filter {
            Some(f) => {
                let seq = *f.kept.get(f.kept.len().checked_sub(1 + i)?)?;
                self.records.get((seq - self.evicted) as usize)
            }
            None => {
                let len = self.records.len();
                (i < len).then(|| &self.records[len - 1 - i])
            }
        }
    }

    pub fn selected_record(&self) -> Option<&Record> {
        self.nth_newest(self.selected)
    }

    pub fn move_by(&mut self, delta: isize) {
        let max = self.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, max.max(0)) as usize;
    }

    pub fn to_oldest(&mut self) {
        self.selected = self.len().saturating_sub(1);
    }

    pub const HINTS: &'static [Hint] = &[
        (Action::Down, "scroll"),
        (Action::Open, "open"),
        (Action::TogglePause, "pause"),
    ];

    pub fn on_key(&mut self, action: Action, page: isize) -> Reply {
        if let Some(d) = nav_delta(action, page) {
            self.move_by(d);
            return Reply::Done;
        }
        match action {
            Action::Top | Action::Close => self.selected = 0,
            Action::Bottom => self.to_oldest(),
            Action::Open => {
                if let Some(r) = self.selected_record() {
                    return Reply::open(DetailState::from_record(r));
                }
            }
            Action::TogglePause => {
                self.paused = !self.paused;
                return Reply::Effects(vec![if self.paused {
                    Effect::PauseStream(self.role)
                } else {
                    Effect::ResumeStream(self.role)
                }]);
            }
            _ => {}
        }
        Reply::Done
    }
}

/// Two runs sorted by time as one, `held` first among equal times.
fn merge(held: Vec<Record>, late: Vec<Record>) -> Vec<Record> {
    let mut out = Vec::with_capacity(held.len() + late.len());
    let (mut a, mut b) = (held.into_iter().peekable(), late.into_iter().peekable());
    loop {
        let take_b = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => y.timestamp_ms < x.timestamp_ms,
            (None, Some(_)) => true,
            (_, None) => false,
        };
        match if take_b { b.next() } else { a.next() } {
            Some(r) => out.push(r),
            None => return out,
        }
    }
}

impl Pane for StreamPane {
    fn context(&self) -> Context {
        if self.role == Role::Dlq {
            Context::DLQ
        } else {
            Context::DASHBOARD
        }
    }

    /// The DLQ pane's triage keys first (marks, by reason, replay), then a stream's.
    fn handle(&mut self, action: Action, page: isize) -> Reply {
        if self.role != Role::Dlq {
            return self.on_key(action, page);
        }
        let mut triage = std::mem::take(&mut self.triage);
        let reply = triage.handle(self, action, page);
        self.triage = triage;
        reply
    }

    fn hints(&self) -> &'static [Hint] {
        if self.role == Role::Dlq {
            crate::tui::panes::dlq::DlqTriage::HINTS
        } else {
            Self::HINTS
        }
    }

    fn draw(&self, f: &mut ratatui::Frame, area: ratatui::layout::Rect, cx: &PaneCx<'_>) {
        if self.role == Role::Dlq {
            let v = crate::tui::panes::dlq::view::DlqView {
                pane: self,
                triage: &self.triage,
                focused: cx.focused,
                now_ms: cx.now_ms,
                follow: cx.follow,
            };
            return crate::tui::panes::dlq::view::draw(f, area, &v, cx.theme);
        }
        let marks = view::Marks {
            triage: None,
            follow: cx.follow,
        };
        view::draw(f, area, self, cx.focused, cx.theme, cx.now_ms, &marks)
    }
}

#[cfg(test)]
mod tests;
