//! The one gate between record bytes and the screen. Keys, headers, values, topic and group
//! names and error texts that came with records can carry characters a terminal acts on instead
//! of showing: C0/C1 controls (an ESC starts an escape sequence), bidi controls that reorder what
//! follows (U+202E shows `exe.txt` for `txt.exe`), zero-width and other format characters that
//! hide text or desynchronise columns. Each is replaced by something visible and one cell or
//! more wide, so widths computed afterwards (unicode-width) match what the terminal draws.

use std::borrow::Cow;

/// Format characters (Unicode general category Cf, Unicode 15.1): invisible, some reorder text.
const FORMAT: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// What `c` must be drawn as, when it cannot be drawn as itself.
enum Shown {
    Itself,
    Picture(char),
    Code,
}

fn shown(c: char) -> Shown {
    let u = c as u32;
    match u {
        // Tabs become a space: a tab would move the cursor by a width the table does not know.
        0x09 => Shown::Picture(' '),
        // C0: the Control Pictures block has a one-cell glyph for each (␀ ␊ ␛ ...).
        0x00..=0x1F => Shown::Picture(char::from_u32(0x2400 + u).unwrap_or('?')),
        0x7F => Shown::Picture('␡'),
        // C1 (a terminal may read U+009B as CSI), and the line and paragraph separators.
        0x80..=0x9F | 0x2028 | 0x2029 => Shown::Code,
        _ if is_format(u) => Shown::Code,
        _ => Shown::Itself,
    }
}

fn is_format(u: u32) -> bool {
    u >= 0xAD
        && FORMAT
            .binary_search_by(|&(lo, hi)| {
                if hi < u {
                    std::cmp::Ordering::Less
                } else if lo > u {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
}

/// True when `c` would reach the terminal as something other than a visible glyph.
pub fn is_unsafe(c: char) -> bool {
    !matches!(shown(c), Shown::Itself)
}

/// `s` with every control, bidi control and format character made visible: C0 as its control
/// picture (`␛`), tab as a space, C1 and format characters as `⟨U+202E⟩`. Borrows when `s` is clean.
pub fn clean(s: &str) -> Cow<'_, str> {
    let Some(first) = s
        .char_indices()
        .find(|(_, c)| is_unsafe(*c))
        .map(|(i, _)| i)
    else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        match shown(c) {
            Shown::Itself => out.push(c),
            Shown::Picture(p) => out.push(p),
            Shown::Code => {
                use std::fmt::Write;
                let _ = write!(out, "⟨U+{:04X}⟩", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// `clean`, then cut to `width` columns with an ellipsis: what a table cell shows.
pub fn cell(s: &str, width: usize) -> String {
    super::text::fit(&clean(s), width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_become_visible() {
        assert_eq!(clean("plain"), Cow::Borrowed("plain"));
        assert_eq!(clean("a\u{1b}[2Jb"), "a␛[2Jb");
        assert_eq!(clean("x\ty\n"), "x y␊");
        assert_eq!(clean("txt\u{202E}exe"), "txt⟨U+202E⟩exe");
        assert_eq!(clean("a\u{200B}b\u{FEFF}"), "a⟨U+200B⟩b⟨U+FEFF⟩");
        assert_eq!(clean("\u{9b}31m"), "⟨U+009B⟩31m");
        assert_eq!(clean("\u{7f}"), "␡");
        assert_eq!(clean("\u{E0041}"), "⟨U+E0041⟩");
        assert_eq!(clean("é 漢字 🙂"), "é 漢字 🙂");
    }

    #[test]
    fn format_table_is_sorted() {
        assert!(FORMAT.windows(2).all(|w| w[0].1 < w[1].0));
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{2066}', '\u{2069}', '\u{202A}',
        ] {
            assert!(is_unsafe(c), "{:04X}", c as u32);
        }
    }
}
