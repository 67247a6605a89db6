//! The profiles of the config file (and the one kdeck started with): choosing one switches
//! cluster, topics and groups at once, every worker started again (no restart of kdeck).

use crate::codec::text::fit;
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
    context: "profiles",
    keys: concat!(
        crate::tui::app::component::nav_keys!(),
        r#"
"esc" = "close"
"q" = "close"
"enter" = "open"
"#
    ),
    dashboard_keys: r#""P" = "profiles""#,
    opens_on: &[Action::Profiles],
    open: |_, _, cx| Reply::open(ProfileList::new(cx)),
};

/// A profile kdeck can switch to: its name and brokers (None: the file does not say).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub name: String,
    pub brokers: Option<String>,
}

pub struct ProfileList {
    pub choices: Vec<Choice>,
    pub current: String,
    pub selected: usize,
}

impl ProfileList {
    pub fn new(cx: &Cx<'_>) -> ProfileList {
        let current = cx.wiring.profile.clone();
        let choices = cx.profiles.to_vec();
        let selected = choices.iter().position(|c| c.name == current).unwrap_or(0);
        ProfileList {
            choices,
            current,
            selected,
        }
    }
}

impl Modal for ProfileList {
    fn context(&self) -> Context {
        Context::named(ENTRY.context)
    }

    fn handle(&mut self, action: Action, cx: &mut Cx<'_>) -> Reply {
        match action {
            Action::Close => Reply::Close,
            Action::Help => Reply::Help,
            Action::Quit => Reply::Quit,
            Action::Open => match self.choices.get(self.selected) {
                Some(c) if c.name == self.current => Reply::Close,
                Some(c) => Reply::Effects(vec![Effect::SwitchProfile(c.name.clone())]),
                None => Reply::Done,
            },
            a => {
                self.selected = crate::tui::app::component::nav_row(self.selected, a, cx.page, self.choices.len());
                Reply::Done
            }
        }
    }

    fn hints(&self) -> &'static [Hint] {
        &[(Action::Open, "switch"), (Action::Close, "close")]
    }

    fn draw(&self, f: &mut Frame, area: Rect, cx: &DrawCx<'_>) {
        let theme = cx.theme;
        let rect = crate::tui::modals::centered(area, 70, 60);
        let inner = dialog::frame(f, rect, dialog::block(" Profiles ", theme));
        if inner.height < 3 {
            return;
        }
        let w = inner.width as usize;
        let note = if self.choices.len() > 1 {
            "enter: switch cluster and topics now (every reader starts again, the panes empty)"
        } else {
            "only this profile: add profiles to the config file (ctrl-s in the topic browser saves one)"
        };
        let top = Rect::new(inner.x, inner.y, inner.width, 1);
        f.render_widget(Line::styled(fit(note, w), Style::default().fg(theme.muted)), top);
        let area = Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1);
        let widths = allot(w, &[(3, 3), (10, 24), (10, 40)], Some(2));
        let cols: Vec<(&str, usize)> = ["", "profile", "brokers"].into_iter().zip(widths).collect();
        let room = area.height.saturating_sub(1) as usize;
        let first = (self.selected + 1).saturating_sub(room.max(1));
        let rows = (self.choices.iter().enumerate().skip(first).take(room))
            .map(|(i, c)| {
                let now = if c.name == self.current { "▶" } else { "" };
                let brokers = c.brokers.clone().unwrap_or_else(|| "(built-in or environment)".into());
                let cells = vec![
                    (now.to_string(), Style::default().fg(theme.accent)),
                    (c.name.clone(), Style::default()),
                    (brokers, Style::default().fg(theme.muted)),
                ];
                (cells, i == self.selected)
            })
            .collect();
        f.render_widget(grid(&cols, rows, Block::default(), theme), area);
    }

    crate::tui::app::component::modal_any!();
}
