//! The cluster's consumer groups (state, members, the topics they read), to add to or remove
//! from the groups whose lag the dashboard watches, at once; `ctrl-s` saves the watched set
//! with the profile.

use crate::codec::text::fit;
use crate::domain::lag::ListedGroup;
use crate::support::config::save::ProfileDraft;
use crate::tui::app::action::Action;
use crate::tui::app::component::{Cx, DrawCx, Entry, Hint, Modal, Reply};
use crate::tui::app::effect::Effect;
use crate::tui::keymap::Context;
use crate::tui::widgets::dialog;
use crate::tui::widgets::table::{allot, grid};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Block;
use ratatui::Frame;

pub const ENTRY: Entry = Entry {
    context: "groups",
    keys: concat!(
        crate::tui::app::component::nav_keys!(),
        r#"
"esc" = "close"
"q" = "close"
"space" = "mark"
"enter" = "mark"
"ctrl-s" = "save_profile"
"#
    ),
    dashboard_keys: r#""W" = "groups""#,
    opens_on: &[Action::Groups],
    open: |_, _, cx| Reply::Open(Box::new(GroupList::new(cx)), vec![Effect::RefreshLag]),
};

/// One row: a group the cluster lists, or a watched one it does not (yet).
#[derive(Clone, Debug, PartialEq)]
pub struct GroupRow {
    pub group: ListedGroup,
    pub listed: bool,
    pub watched: bool,
}

pub struct GroupList {
    pub selected: usize,
    /// The rows as shown; refreshed from the lag pane's listing.
    pub rows: Vec<GroupRow>,
    /// None: the cluster does not list groups (or has not answered yet).
    pub listing: bool,
}

impl GroupList {
    pub fn new(cx: &Cx<'_>) -> GroupList {
        let mut g = GroupList {
            selected: 0,
            rows: Vec::new(),
            listing: false,
        };
        g.rebuild(cx);
        g
    }

    /// Watched groups first (in the order watched), then the rest by name.
    fn rebuild(&mut self, cx: &Cx<'_>) {
        let listed = cx.lag.listed.as_deref().unwrap_or(&[]);
        self.listing = cx.lag.listed.is_some();
        let watched = &cx.wiring.watch_groups;
        let mut rows: Vec<GroupRow> = watched
            .iter()
            .map(|w| match listed.iter().find(|l| &l.group == w) {
                Some(l) => GroupRow { group: l.clone(), listed: true, watched: true },
                None => GroupRow {
                    group: ListedGroup { group: w.clone(), ..Default::default() },
                    listed: false,
                    watched: true,
                },
            })
            .collect();
        let mut rest: Vec<&ListedGroup> = listed.iter().filter(|l| !watched.contains(&l.group)).collect();
        rest.sort_by(|a, b| a.group.cmp(&b.group));
        rows.extend(rest.into_iter().map(|l| GroupRow { group: l.clone(), listed: true, watched: false }));
        self.rows = rows;
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    fn toggle(&mut self, cx: &mut Cx<'_>) -> Reply {
        let Some(r) = self.rows.get(self.selected) else {
            return Reply::Done;
        };
        let name = r.group.group.clone();
        let w = &mut cx.wiring.watch_groups;
        if w.contains(&name) {
            w.retain(|g| g != &name);
        } else {
            w.push(name);
        }
        let groups = w.clone();
        self.rebuild(cx);
        Reply::Effects(vec![Effect::WatchGroups(groups)])
    }
}

impl Modal for GroupList {
    fn context(&self) -> Context {
        Context::named(ENTRY.context)
    }

    fn handle(&mut self, action: Action, cx: &mut Cx<'_>) -> Reply {
        match action {
            Action::Close => Reply::Close,
            Action::Help => Reply::Help,
            Action::Quit => Reply::Quit,
            Action::Mark | Action::Open => self.toggle(cx),
            Action::SaveProfile => {
                let w = &cx.wiring;
                let draft = ProfileDraft {
                    name: w.profile.clone(),
                    brokers: w.brokers.clone(),
                    topics: w.topics.clone(),
                    watch_groups: w.watch_groups.clone(),
                };
                Reply::Effects(vec![Effect::SaveProfile(Box::new(draft))])
            }
            a => {
                self.selected = crate::tui::app::component::nav_row(self.selected, a, cx.page, self.rows.len());
                Reply::Done
            }
        }
    }

    /// The list follows each lag refresh (groups come and go, members join).
    fn refit(&mut self, cx: &mut Cx<'_>) {
        self.rebuild(cx);
    }

    fn hints(&self) -> &'static [Hint] {
        &[
            (Action::Mark, "watch / unwatch"),
            (Action::SaveProfile, "save with the profile"),
            (Action::Close, "close"),
        ]
    }

    fn draw(&self, f: &mut Frame, area: Rect, cx: &DrawCx<'_>) {
        draw(f, area, self, cx)
    }

    fn wheel_scrolls(&self) -> bool {
        true
    }

    crate::tui::app::component::modal_any!();
}

fn draw(f: &mut Frame, area: Rect, g: &GroupList, cx: &DrawCx<'_>) {
    let theme = cx.theme;
    let rect = crate::tui::modals::centered(area, 90, 80);
    let watched = g.rows.iter().filter(|r| r.watched).count();
    let title = format!(" Consumer groups · {watched} watched ");
    let inner = dialog::frame(f, rect, dialog::block(title, theme));
    if inner.height < 3 {
        return;
    }
    let w = inner.width as usize;
    let note = if g.listing {
        "space: watch or unwatch a group's lag (at once) · ctrl-s: save the watched groups with the profile"
    } else {
        "the cluster does not list its groups (or has not answered yet): only the watched ones are shown"
    };
    let top = Rect::new(inner.x, inner.y, inner.width, 1);
    f.render_widget(Line::styled(fit(note, w), Style::default().fg(theme.muted)), top);
    let area = Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1);
    let room = area.height.saturating_sub(1) as usize;
    let first = (g.selected + 1).saturating_sub(room.max(1));
    let name_w = g.rows.iter().map(|r| r.group.group.chars().count()).max().unwrap_or(5);
    let widths = allot(w, &[(3, 3), (10, name_w.min(50)), (6, 20), (7, 7), (10, 10)], Some(4));
    let cols: Vec<(&str, usize)> = ["", "group", "state", "members", "reads"].into_iter().zip(widths).collect();
    let rows = (g.rows.iter().enumerate().skip(first).take(room))
        .map(|(i, r)| (cells(r, theme), i == g.selected))
        .collect();
    f.render_widget(grid(&cols, rows, Block::default(), theme), area);
}

fn cells(r: &GroupRow, theme: &crate::tui::theme::Theme) -> Vec<(String, Style)> {
    let muted = Style::default().fg(theme.muted);
    let state = match (&r.group.state, r.listed) {
        (_, false) => "not listed".to_string(),
        (Some(s), true) => s.clone(),
        (None, true) => "?".into(),
    };
    vec![
        (if r.watched { "✓".into() } else { String::new() }, Style::default().fg(theme.ok)),
        (r.group.group.clone(), Style::default()),
        (state, muted),
        (if r.listed { r.group.members.to_string() } else { String::new() }, muted),
        (r.group.topics.join(", "), muted),
    ]
}
