//! A one-line text field (tui-input) that gets keys before the keymap when it has focus:
//! while typing, `q`, `1` or `?` are text, not bindings. Only keys that are not editing
//! (Enter, Esc, Tab, Up/Down, ctrl chords other than the editing ones) reach the keymap.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::Frame;
use tui_input::{Input, InputRequest};

#[derive(Clone, Debug, Default)]
pub struct TextField {
    input: Input,
    /// Why the value is not acceptable, shown under the field.
    pub error: Option<String>,
}

impl TextField {
    pub fn new(value: &str) -> TextField {
        TextField {
            input: Input::new(value.to_string()),
            error: None,
        }
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    pub fn set(&mut self, value: &str) {
        self.input = Input::new(value.to_string());
    }

    /// Takes the key if it edits text; `false` leaves it to the keymap.
    pub fn key(&mut self, key: &KeyEvent) -> bool {
        match editing_request(key) {
            Some(req) => {
                if self.input.handle(req).is_some_and(|c| c.value) {
                    self.error = None;
                }
                true
            }
            None => false,
        }
    }

    /// Bracketed paste: the whole text goes in at the cursor, line breaks as spaces (the field
    /// is one line).
    pub fn paste(&mut self, text: &str) {
        for c in text.chars() {
            let c = if c == '\n' || c == '\r' { ' ' } else { c };
            if !c.is_control() {
                self.input.handle(InputRequest::InsertChar(c));
            }
        }
        self.error = None;
    }

    /// Draws `label: value` on one line, scrolled so the cursor stays visible, and places the
    /// terminal cursor when focused.
    pub fn draw(&self, f: &mut Frame, area: Rect, label: &str, focused: bool, accent: Style) {
        let label_w = unicode_width::UnicodeWidthStr::width(label) as u16 + 2;
        let width = area.width.saturating_sub(label_w).max(1) as usize;
        let scroll = self.input.visual_scroll(width);
        let shown: String = self
            .value()
            .chars()
            // Controls, bidi and format characters (a pasted or republished value may hold
            // them) show as one visible cell, never raw.
            .map(|c| {
                if crate::codec::sanitize::is_unsafe(c) {
                    '·'
                } else {
                    c
                }
            })
            .skip(scroll)
            .take(width)
            .collect();
        let label_style = if focused {
            accent.add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        let value_style = if focused {
            Style::default().add_modifier(Modifier::UNDERLINED)
        } else {
            Style::default()
        };
        let line = Line::from(vec![
            Span::styled(format!("{label}: "), label_style),
            Span::styled(shown, value_style),
        ]);
        f.render_widget(line, area);
        if focused {
            let x = area.x + label_w + (self.input.visual_cursor().saturating_sub(scroll)) as u16;
            f.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
        }
    }
}

/// The editing meaning of a key, if it has one. Shift is part of typing; ctrl-a/e/w/u/k and
/// alt-b/f/d are the usual line-editing chords; any other ctrl or alt chord is a binding.
fn editing_request(key: &KeyEvent) -> Option<InputRequest> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    use InputRequest as R;
    Some(match (key.code, ctrl, alt) {
        (KeyCode::Char(c), false, false) => R::InsertChar(c),
        (KeyCode::Char('a'), true, false) | (KeyCode::Home, _, _) => R::GoToStart,
        (KeyCode::Char('e'), true, false) | (KeyCode::End, _, _) => R::GoToEnd,
        (KeyCode::Char('w'), true, false) | (KeyCode::Backspace, _, true) => R::DeletePrevWord,
        (KeyCode::Char('u'), true, false) => R::DeleteFromStart,
        (KeyCode::Char('k'), true, false) => R::DeleteTillEnd,
        (KeyCode::Char('b'), false, true) | (KeyCode::Left, true, _) => R::GoToPrevWord,
        (KeyCode::Char('f'), false, true) | (KeyCode::Right, true, _) => R::GoToNextWord,
        (KeyCode::Char('d'), false, true) => R::DeleteNextWord,
        (KeyCode::Backspace, _, _) => R::DeletePrevChar,
        (KeyCode::Delete, _, _) => R::DeleteNextChar,
        (KeyCode::Left, _, _) => R::GoToPrevChar,
        (KeyCode::Right, _, _) => R::GoToNextChar,
        _ => return None,
    })
}

/// The line under a field: its error (sanitised, in the failure colour), else `hint`.
pub fn error_or_hint<'a>(
    field: &TextField,
    hint: &str,
    theme: &crate::tui::theme::Theme,
) -> Line<'a> {
    match &field.error {
        Some(e) => Line::styled(
            crate::codec::sanitize::clean(e).into_owned(),
            Style::default().fg(theme.failed),
        ),
        None => Line::styled(
            hint.to_string(),
            Style::default()
                .fg(theme.muted)
                .add_modifier(Modifier::ITALIC),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn letters_and_digits_are_text_and_enter_is_not() {
        let mut f = TextField::new("");
        for c in ['q', '1', '?', ' ', 'G'] {
            assert!(f.key(&k(KeyCode::Char(c))));
        }
        assert_eq!(f.value(), "q1? G");
        assert!(!f.key(&k(KeyCode::Enter)));
        assert!(!f.key(&k(KeyCode::Esc)));
        assert!(!f.key(&k(KeyCode::Tab)));
        assert!(!f.key(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)));
        assert!(f.key(&k(KeyCode::Backspace)));
        assert_eq!(f.value(), "q1? ");
    }

    #[test]
    fn paste_goes_in_whole_on_one_line() {
        let mut f = TextField::new("a");
        f.paste("{\"x\":\n1}\u{7}");
        assert_eq!(f.value(), "a{\"x\": 1}");
    }
}
