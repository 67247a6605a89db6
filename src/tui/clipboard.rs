//! Copy to the clipboard with OSC 52: the terminal (and tmux, with `set-clipboard on`) puts
//! base64 text it receives in this escape sequence on the system clipboard, also over ssh.
//! Off unless the config says `[ui] clipboard = "osc52"`: a terminal that allows it lets any
//! program write the clipboard, so the user opts in.

use base64::Engine;

/// Longest base64 text sent: terminals drop (or cut) larger OSC 52 payloads; ~100 kB is what
/// xterm, kitty and tmux accept by default.
pub const MAX_ENCODED: usize = 100_000;
/// Bytes copied at most (their base64 fills `MAX_ENCODED`).
pub const MAX_BYTES: usize = MAX_ENCODED / 4 * 3;

/// What will be copied: the bytes (cut to `MAX_BYTES`) and how many there were.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copied {
    pub bytes: Vec<u8>,
    pub total: usize,
    /// The value was not UTF-8: the copy is its hex text.
    pub hex: bool,
}

impl Copied {
    /// A record value: text as is, binary as hex; cut at `MAX_BYTES` (on a character
    /// boundary for text).
    pub fn of_value(value: &[u8]) -> Copied {
        let (text, hex) = match std::str::from_utf8(value) {
            Ok(s) => (s.to_string(), false),
            Err(_) => (crate::engine::filter::hex(value), true),
        };
        let total = text.len();
        let mut end = total.min(MAX_BYTES);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        Copied {
            bytes: text.as_bytes()[..end].to_vec(),
            total,
            hex,
        }
    }

    /// For the status line, in words.
    pub fn describe(&self) -> String {
        let what = if self.hex { " as hex" } else { "" };
        if self.bytes.len() < self.total {
            format!(
                "copied the first {} of {} bytes of the value{what} to the clipboard (OSC 52 holds about 100 kB)",
                self.bytes.len(),
                self.total
            )
        } else {
            format!(
                "copied the value ({} bytes{what}) to the clipboard with OSC 52",
                self.total
            )
        }
    }
}

/// `ESC ] 52 ; c ; <base64> BEL`. Base64 holds no control character, so nothing in the value
/// can end the sequence early or reach the terminal raw.
pub fn osc52(bytes: &[u8]) -> Vec<u8> {
    let cut = &bytes[..bytes.len().min(MAX_BYTES)];
    let b64 = base64::engine::general_purpose::STANDARD.encode(cut);
    let mut out = Vec::with_capacity(b64.len() + 8);
    out.extend_from_slice(b"\x1b]52;c;");
    out.extend_from_slice(b64.as_bytes());
    out.push(0x07);
    out
}

/// The detail view's copy: OSC 52 when the config allows it, else how to allow it. Ok: the
/// notice to show; Err: the warning.
pub fn request(
    enabled: bool,
    c: Option<Copied>,
) -> (Vec<crate::tui::app::effect::Effect>, Result<String, String>) {
    if !enabled {
        return (vec![], Err(OFF.into()));
    }
    let Some(c) = c else {
        return (
            vec![],
            Err("nothing to copy: the record has no value".into()),
        );
    };
    (
        vec![crate::tui::app::effect::Effect::Osc52(osc52(&c.bytes))],
        Ok(c.describe()),
    )
}

/// The status line's words when copying is off.
pub const OFF: &str =
    "copy is off: add clipboard = \"osc52\" under [ui] in the config to copy with OSC 52";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_is_osc52_with_base64_and_bel() {
        let s = osc52(b"{\"a\":1}");
        assert_eq!(s, b"\x1b]52;c;eyJhIjoxfQ==\x07");
    }

    #[test]
    fn control_bytes_in_the_value_never_reach_the_terminal_raw() {
        let s = osc52(b"x\x1b]0;pwned\x07\x1b\\y");
        // Only the sequence's own ESC and BEL.
        assert_eq!(s.iter().filter(|b| **b == 0x1b).count(), 1);
        assert_eq!(s.iter().filter(|b| **b == 0x07).count(), 1);
        assert_eq!(*s.last().unwrap(), 0x07);
        let b64 = &s[7..s.len() - 1];
        let back = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(back, b"x\x1b]0;pwned\x07\x1b\\y");
    }

    #[test]
    fn large_values_are_capped_at_100_kb_of_base64() {
        let big = vec![b'a'; 300_000];
        let c = Copied::of_value(&big);
        assert_eq!(c.bytes.len(), MAX_BYTES);
        assert_eq!(c.total, 300_000);
        assert!(
            c.describe().contains("first 75000 of 300000"),
            "{}",
            c.describe()
        );
        let s = osc52(&c.bytes);
        assert_eq!(s.len(), MAX_ENCODED + 8);
        // A multi-byte character at the cut is not split.
        let mut text = vec![b'a'; MAX_BYTES - 1];
        text.extend("é".as_bytes());
        let c = Copied::of_value(&text);
        assert_eq!(c.bytes.len(), MAX_BYTES - 1);
        assert!(std::str::from_utf8(&c.bytes).is_ok());
    }

    #[test]
    fn binary_values_are_copied_as_hex() {
        let c = Copied::of_value(&[0x00, 0xff, 0x10]);
        assert_eq!(c.bytes, b"00ff10");
        assert!(c.hex);
        assert!(c.describe().contains("as hex"));
    }
}
