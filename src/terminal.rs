//! Raw mode and the alternate screen, restored on quit, on error and on panic.

use ratatui::DefaultTerminal;

pub struct TerminalGuard {
    pub terminal: DefaultTerminal,
}

impl TerminalGuard {
    /// `ratatui::init` installs a panic hook that restores the terminal before the panic
    /// message prints; dropping the guard restores it on every other way out.
    pub fn enter() -> std::io::Result<TerminalGuard> {
        let terminal = ratatui::try_init()?;
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}
