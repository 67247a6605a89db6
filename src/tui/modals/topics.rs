//! The topic browser: every topic of the cluster with its partitions, replication,
//! retention, records/s, last record and size, and the role its newest records suggest
//! (`engine::roles`, with the evidence in words). Keys give topics roles; `a` (or enter on the
//! first row) re-wires the dashboard on them live, `ctrl-s` saves them as a profile. Opens by
//! itself, with the proposals taken, when none of the configured topics exists.

pub mod view;

use crate::domain::browse::{BrowseUpdate, Confidence, Guess, Proposal, Sampled, TopicInfo};
use crate::domain::event::KafkaEvent;
use crate::domain::work::JobIds;
use crate::domain::{Record, Role};
use crate::support::config::save::ProfileDraft;
use crate::support::config::Topics;
use crate::tui::app::action::Action;
use crate::tui::app::component::{Cx, DrawCx, Entry, Hint, Modal, Reply};
use crate::tui::app::effect::Effect;
use crate::tui::keymap::Context;
use crate::tui::widgets::input::TextField;
use ratatui::layout::Rect;
use ratatui::Frame;
use std::collections::BTreeMap;

pub const ENTRY: Entry = Entry {
    context: "topics",
    keys: concat!(
        crate::tui::app::component::nav_keys!(),
        r#"
"esc" = "close"
"q" = "close"
"enter" = "open"
"/" = "quick_filter"
"c" = "role_completion"
"s" = "role_status"
"d" = "role_dlq"
"r" = "role_request"
"x" = "role_none"
"p" = "take_proposals"
"a" = "apply"
"i" = "toggle_internal"
"ctrl-s" = "save_profile"
"ctrl-r" = "refresh"
"#
    ),
    dashboard_keys: r#""T" = "browse_topics""#,
    opens_on: &[Action::BrowseTopics],
    open: |_, _, cx| Browser::open(cx, false),
};

/// The roles a topic can be given, in the order they are shown.
const GUESSES: [Guess; 4] = [Guess::Completion, Guess::Status, Guess::Dlq, Guess::Request];

/// Sampled records kept per topic for `enter` (each value cut): a thousand topics stay small.
const PEEK_KEEP: usize = 20;
const PEEK_VALUE: usize = 2048;

/// One topic as listed, with what its records said.
pub struct TopicRow {
    pub info: TopicInfo,
    pub proposal: Option<Proposal>,
    pub peek: Vec<Record>,
    /// The newest record's time among those sampled.
    pub last_ms: Option<i64>,
    /// (when read, end offsets summed): two readings give the rate.
    pub end: Option<(i64, i64)>,
    pub rate: Option<f64>,
}

/// Where the list is.
pub enum Listing {
    Waiting,
    Failed(String),
    Listed,
}

pub struct Browser {
    pub ids: JobIds,
    pub job: u64,
    pub internal: bool,
    /// Opened by itself on a cluster where no configured topic exists.
    pub first_start: bool,
    pub listing: Listing,
    pub rows: Vec<TopicRow>,
    /// Topics with a proposal so far; `recognised_ms` once all have one.
    pub proposed: usize,
    pub recognised_ms: Option<u64>,
    /// The roles given, by topic.
    pub assigned: BTreeMap<String, Vec<Guess>>,
    pub narrow: TextField,
    pub narrowing: bool,
    /// Row 0 is "use these topics", rows from 1 the visible topics.
    pub selected: usize,
    /// The topic whose sampled records are shown (`enter`).
    pub peeking: Option<String>,
    /// The profile name asked for by `ctrl-s`.
    pub save_as: Option<TextField>,
    pub profile: String,
    pub brokers: String,
    pub watch_groups: Vec<String>,
}

impl Browser {
    pub fn open(cx: &mut Cx<'_>, first_start: bool) -> Reply {
        let mut ids = cx.job();
        let job = ids.next_id();
        let w = &*cx.wiring;
        let b = Browser {
            ids,
            job,
            internal: false,
            first_start,
            listing: Listing::Waiting,
            rows: Vec::new(),
            proposed: 0,
            recognised_ms: None,
            assigned: assigned_of(&w.topics),
            narrow: TextField::default(),
            narrowing: false,
            selected: usize::from(!first_start),
            peeking: None,
            save_as: None,
            profile: w.profile.clone(),
            brokers: w.brokers.clone(),
            watch_groups: w.watch_groups.clone(),
        };
        let list = Effect::Browse {
            job,
            internal: false,
        };
        Reply::Open(Box::new(b), vec![list])
    }

    /// The topics shown: every listed one whose name has the narrowing text (any case).
    pub fn visible(&self) -> Vec<&TopicRow> {
        let needle = self.narrow.value().to_lowercase();
        (self.rows.iter())
            .filter(|r| needle.is_empty() || r.info.name.to_lowercase().contains(&needle))
            .collect()
    }

    fn selected_topic(&self) -> Option<String> {
        let i = self.selected.checked_sub(1)?;
        self.visible().get(i).map(|r| r.info.name.clone())
    }

    /// The topics by role as assigned (names in order).
    pub fn topics(&self) -> Topics {
        let mut t = Topics::default();
        for (name, guesses) in &self.assigned {
            for g in guesses {
                let list = match g {
                    Guess::Completion => &mut t.completion,
                    Guess::Status => &mut t.status,
                    Guess::Dlq => &mut t.dlq,
                    Guess::Request => &mut t.request,
                };
                list.push(name.clone());
            }
        }
        t
    }

    fn relist(&mut self, internal: bool) -> Reply {
        self.internal = internal;
        self.job = self.ids.next_id();
        self.listing = Listing::Waiting;
        self.rows.clear();
        self.proposed = 0;
        self.recognised_ms = None;
        let list = Effect::Browse {
            job: self.job,
            internal,
        };
        Reply::Effects(vec![list])
    }

    fn toggle(&mut self, guess: Option<Guess>) {
        let Some(topic) = self.selected_topic() else {
            return;
        };
        let roles = self.assigned.entry(topic.clone()).or_default();
        match guess {
            None => roles.clear(),
            Some(g) if roles.contains(&g) => roles.retain(|x| *x != g),
            Some(g) => roles.push(g),
        }
        if roles.is_empty() {
            self.assigned.remove(&topic);
        }
    }

    /// Every proposal of medium or high confidence becomes the topic's role.
    fn take_proposals(&mut self) {
        for r in &self.rows {
            if let Some(g) = r.proposal.as_ref().and_then(taken) {
                self.assigned.insert(r.info.name.clone(), vec![g]);
            }
        }
    }

    fn apply(&mut self, cx: &mut Cx<'_>) -> Reply {
        let topics = self.topics();
        if topics.all().is_empty() {
            cx.warn("give at least one topic a role first (c, s or d on its row, or p to take the proposals)");
            return Reply::Done;
        }
        if topics == cx.wiring.topics {
            return Reply::Close;
        }
        Reply::Effects(vec![
            Effect::CancelBrowse,
            Effect::Rewire {
                topics,
                watch_groups: self.watch_groups.clone(),
            },
        ])
    }

    fn save(&mut self, name: &str, cx: &mut Cx<'_>) -> Reply {
        if let Err(e) = crate::support::config::save::valid_name(name) {
            if let Some(f) = &mut self.save_as {
                f.error = Some(e);
            }
            return Reply::Done;
        }
        self.save_as = None;
        let draft = ProfileDraft {
            name: name.to_string(),
            brokers: self.brokers.clone(),
            topics: self.topics(),
            watch_groups: self.watch_groups.clone(),
        };
        let mut effects = vec![Effect::SaveProfile(Box::new(draft))];
        // What is saved is what the dashboard then shows.
        if let Reply::Effects(rewire) = self.apply(cx) {
            effects.extend(rewire);
        }
        Reply::Effects(effects)
    }

    fn nav(&mut self, action: Action, page: isize) {
        // Row 0 is "use these topics": one more row than topics shown.
        let rows = self.visible().len() + 1;
        self.selected = crate::tui::app::component::nav_row(self.selected, action, page, rows);
    }

    fn handle_list(&mut self, action: Action, cx: &mut Cx<'_>) -> Reply {
        match action {
            Action::Close => return Reply::Close,
            Action::Help => return Reply::Help,
            Action::Quit => return Reply::Quit,
            Action::Open if self.selected == 0 => return self.apply(cx),
            Action::Open => self.peeking = self.selected_topic(),
            Action::Apply => return self.apply(cx),
            Action::QuickFilter => self.narrowing = true,
            Action::RoleCompletion => self.toggle(Some(Guess::Completion)),
            Action::RoleStatus => self.toggle(Some(Guess::Status)),
            Action::RoleDlq => self.toggle(Some(Guess::Dlq)),
            Action::RoleRequest => self.toggle(Some(Guess::Request)),
            Action::RoleNone => self.toggle(None),
            Action::TakeProposals => self.take_proposals(),
            Action::ToggleInternal => return self.relist(!self.internal),
            Action::Refresh => return self.relist(self.internal),
            Action::SaveProfile => self.save_as = Some(TextField::new(&self.profile)),
            a => self.nav(a, cx.page),
        }
        Reply::Done
    }

    fn on_news(&mut self, u: BrowseUpdate, now_ms: i64) {
        match u {
            BrowseUpdate::Listed { result, .. } => match result {
                Ok(topics) => {
                    self.rows = topics.into_iter().map(|i| row(i, now_ms)).collect();
                    self.listing = Listing::Listed;
                    // A configured topic this cluster does not have keeps no role.
                    let rows = &self.rows;
                    (self.assigned).retain(|t, _| rows.iter().any(|r| &r.info.name == t));
                    let max = self.visible().len();
                    self.selected = self.selected.min(max);
                }
                Err(e) => self.listing = Listing::Failed(e),
            },
            BrowseUpdate::Sampled { topics, .. } => {
                for s in topics {
                    self.sampled(s);
                }
            }
            BrowseUpdate::Recognised { took_ms, .. } => self.recognised_ms = Some(took_ms),
            BrowseUpdate::Ends { at_ms, ends, .. } => self.ends(at_ms, ends),
        }
    }

    fn sampled(&mut self, s: Sampled) {
        let Some(r) = self.rows.iter_mut().find(|r| r.info.name == s.topic) else {
            return;
        };
        self.proposed += usize::from(r.proposal.is_none());
        r.last_ms = s.records.iter().filter_map(|r| r.timestamp_ms).max();
        // Sampled partition after partition: shown in time order, the newest kept.
        let mut records = s.records;
        records.sort_by_key(|r| (r.timestamp_ms, r.partition, r.offset));
        let drop = records.len().saturating_sub(PEEK_KEEP);
        r.peek = records.split_off(drop);
        for rec in &mut r.peek {
            if let Some(v) = &mut rec.value {
                v.truncate(PEEK_VALUE);
            }
        }
        // On a cluster kdeck does not know, a confident proposal is taken as it comes in.
        if self.first_start && !self.assigned.contains_key(&s.topic) {
            if let Some(g) = taken(&s.proposal) {
                self.assigned.insert(s.topic.clone(), vec![g]);
            }
        }
        r.proposal = Some(s.proposal);
    }

    fn ends(&mut self, at_ms: i64, ends: Vec<(String, i64)>) {
        let ends: BTreeMap<String, i64> = ends.into_iter().collect();
        for r in &mut self.rows {
            let Some(now) = ends.get(&r.info.name) else {
                continue;
            };
            if let Some((then_ms, then)) = r.end {
                let secs = (at_ms - then_ms) as f64 / 1000.0;
                if secs > 0.0 {
                    r.rate = Some(((now - then).max(0)) as f64 / secs);
                }
            }
            r.end = Some((at_ms, *now));
        }
    }

    /// The peeked topic's records as a record pane (its columns follow the role).
    pub fn peek_pane(&self) -> Option<crate::tui::panes::stream::StreamPane> {
        let name = self.peeking.as_ref()?;
        let r = self.rows.iter().find(|r| &r.info.name == name)?;
        let role = match self.assigned.get(name).and_then(|g| g.first()) {
            Some(Guess::Dlq) => Role::Dlq,
            _ if r.proposal.as_ref().and_then(|p| p.role) == Some(Guess::Dlq) => Role::Dlq,
            _ => Role::Completion,
        };
        let mut pane = crate::tui::panes::stream::StreamPane::new(role, PEEK_KEEP);
        pane.push_batch(r.peek.clone(), 0);
        Some(pane)
    }
}

/// A proposal that is sure enough to be taken without asking.
fn taken(p: &Proposal) -> Option<Guess> {
    p.role.filter(|_| p.confidence >= Confidence::Medium)
}

fn row(info: TopicInfo, now_ms: i64) -> TopicRow {
    TopicRow {
        end: info.end_sum.map(|s| (now_ms, s)),
        info,
        proposal: None,
        peek: Vec::new(),
        last_ms: None,
        rate: None,
    }
}

/// The roles the dashboard reads its topics in now.
fn assigned_of(t: &Topics) -> BTreeMap<String, Vec<Guess>> {
    let mut m: BTreeMap<String, Vec<Guess>> = BTreeMap::new();
    for (g, list) in GUESSES.into_iter().zip([&t.completion, &t.status, &t.dlq, &t.request]) {
        for name in list {
            m.entry(name.clone()).or_default().push(g);
        }
    }
    m
}

impl Modal for Browser {
    fn context(&self) -> Context {
        Context::named(ENTRY.context)
    }

    fn handle(&mut self, action: Action, cx: &mut Cx<'_>) -> Reply {
        if let Some(field) = &self.save_as {
            return match action {
                Action::Close => {
                    self.save_as = None;
                    Reply::Done
                }
                Action::Open | Action::Confirm => {
                    let name = field.value().trim().to_string();
                    self.save(&name, cx)
                }
                _ => Reply::Done,
            };
        }
        if self.narrowing {
            if matches!(action, Action::Close | Action::Open) {
                self.narrowing = false;
                if action == Action::Close {
                    self.narrow.set("");
                }
                self.selected = self.selected.min(self.visible().len());
            }
            return Reply::Done;
        }
        if self.peeking.is_some() {
            if matches!(action, Action::Close | Action::Open) {
                self.peeking = None;
            }
            return Reply::Done;
        }
        self.handle_list(action, cx)
    }

    fn on_event(&mut self, ev: KafkaEvent, cx: &mut Cx<'_>) -> Option<KafkaEvent> {
        match ev {
            KafkaEvent::Browse(u) if u.job() == self.job => {
                self.on_news(u, cx.now_ms);
                None
            }
            // A list this browser replaced: late, dropped.
            KafkaEvent::Browse(_) => None,
            other => Some(other),
        }
    }

    fn hints(&self) -> &'static [Hint] {
        if self.save_as.is_some() {
            &[(Action::Open, "save"), (Action::Close, "cancel")]
        } else if self.narrowing {
            &[(Action::Open, "keep"), (Action::Close, "clear")]
        } else if self.peeking.is_some() {
            &[(Action::Close, "back to the list")]
        } else {
            &[
                (Action::Open, "peek / use"),
                (Action::RoleCompletion, "completion"),
                (Action::RoleStatus, "status"),
                (Action::RoleDlq, "DLQ"),
                (Action::RoleRequest, "request"),
                (Action::TakeProposals, "take proposals"),
                (Action::Apply, "use now"),
                (Action::SaveProfile, "save profile"),
                (Action::QuickFilter, "narrow"),
                (Action::Close, "close"),
            ]
        }
    }

    fn focused_field(&mut self) -> Option<&mut TextField> {
        match &mut self.save_as {
            Some(f) => Some(f),
            None if self.narrowing => Some(&mut self.narrow),
            None => None,
        }
    }

    fn after_key(&mut self, _cx: &mut Cx<'_>) {
        let max = self.visible().len();
        self.selected = self.selected.min(max).max(usize::from(max > 0));
    }

    fn closing(&mut self) -> Vec<Effect> {
        vec![Effect::CancelBrowse]
    }

    fn draw(&self, f: &mut Frame, area: Rect, cx: &DrawCx<'_>) {
        view::draw(f, area, self, cx)
    }

    fn wheel_scrolls(&self) -> bool {
        true
    }

    crate::tui::app::component::modal_any!();
}

#[cfg(test)]
mod tests;
