//! What an export wrote.

use std::path::PathBuf;

/// What an export wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub path: PathBuf,
    pub written: u64,
    /// Records whose value the dashboard holds cut at `ui.max_value_bytes`: written as text.
    pub cut: u64,
}

impl Summary {
    /// For the status line, in words.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "exported {} record{} to {}",
            self.written,
            if self.written == 1 { "" } else { "s" },
            self.path.display()
        );
        if self.cut > 0 {
            s.push_str(&format!(
                " ({} value{} cut at ui.max_value_bytes, written as text)",
                self.cut,
                if self.cut == 1 { " was" } else { "s were" }
            ));
        }
        s
    }
}
