//! Raw mode and the alternate screen, restored on every way out: quit, error, a panic in any
//! thread, a catchable terminating signal (HUP, INT, QUIT, TERM, ...), and abort (SIGABRT, e.g.
//! an assertion failing in one of librdkafka's threads).
//!
//! Signals reach the run loop as messages, so the normal path restores the screen and exits with
//! 128 + the signal number. If the loop does not answer within `SIGNAL_GRACE` (or a second signal
//! comes), the signal thread restores the terminal itself and exits with the same code.

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::{DefaultTerminal, Terminal};
use signal_hook::consts::signal::{
    SIGABRT, SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGSTOP, SIGTERM, SIGTSTP, SIGUSR1, SIGUSR2,
};
use std::io::{IsTerminal, Write};
use std::os::fd::IntoRawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Once, OnceLock};
use std::time::Duration;
use tokio::sync::mpsc;

/// Signals whose default action ends the process and that a handler may catch. (SIGKILL and
/// SIGSTOP cannot be caught; SIGSEGV and friends are left to Rust's own handler.)
pub const TERMINATING: [i32; 7] = [SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM];

/// How long the run loop has to restore the screen and exit after a signal.
const SIGNAL_GRACE: Duration = Duration::from_secs(3);

/// Mouse reports kdeck asks for: button presses and the wheel (1000), in SGR encoding (1006).
/// No motion tracking (1002/1003): moving the mouse costs nothing.
pub const MOUSE_ON: &[u8] = b"\x1b[?1000h\x1b[?1006h";
/// Every mouse mode off (also the ones kdeck never asks for, as crossterm does): written on
/// every way out whether or not the mouse was on, since it is harmless when it was not.
pub const MOUSE_OFF: &[u8] = b"\x1b[?1006l\x1b[?1015l\x1b[?1003l\x1b[?1002l\x1b[?1000l";

/// Stop mouse reports and bracketed paste, leave the alternate screen, show the cursor: what
/// a killed kdeck must still write.
const RESTORE_BYTES: &[u8] =
    b"\x1b[?1006l\x1b[?1015l\x1b[?1003l\x1b[?1002l\x1b[?1000l\x1b[?2004l\x1b[?1049l\x1b[?25h";

/// Exit code of a panic, as Rust's runtime uses it.
pub const PANIC_EXIT: i32 = 101;

/// True while the screen is kdeck's (raw mode and the alternate screen). Whoever swaps it to
/// false restores, so the terminal is restored exactly once.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// The terminal's settings before raw mode and the descriptor they belong to, for the abort
/// handler, which may not take locks or allocate.
static SAVED: OnceLock<libc::termios> = OnceLock::new();
static TTY_FD: AtomicI32 = AtomicI32::new(-1);
/// The run loop's end of the signal channel; set once per process.
static SIGNAL_TX: OnceLock<std::sync::Mutex<Option<mpsc::Sender<i32>>>> = OnceLock::new();
static HOOKS: Once = Once::new();

pub struct TerminalGuard {
    pub terminal: DefaultTerminal,
    /// Catchable terminating signals, by number; the run loop ends on the first one.
    pub signals: mpsc::Receiver<i32>,
    /// Mouse reports on (`[ui] mouse`), again after a suspend.
    mouse: bool,
}

/// Turns mouse reports on.
fn mouse_on() -> std::io::Result<()> {
    let mut out = std::io::stdout();
    out.write_all(MOUSE_ON)?;
    out.flush()
}

impl TerminalGuard {
    pub fn enter() -> std::io::Result<TerminalGuard> {
        TerminalGuard::enter_with(false)
    }

    /// Like `enter`, with mouse reports when `mouse` (clicks and the wheel reach kdeck, and
    /// the terminal's own text selection needs Shift).
    pub fn enter_with(mouse: bool) -> std::io::Result<TerminalGuard> {
        save_termios();
        let (tx, signals) = mpsc::channel(4);
        *SIGNAL_TX
            .get_or_init(|| std::sync::Mutex::new(None))
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(tx);
        let mut first_error = Ok(());
        HOOKS.call_once(|| first_error = install_hooks());
        first_error?;
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        if let Err(e) = execute!(
            std::io::stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste
        )
        .and_then(|()| if mouse { mouse_on() } else { Ok(()) })
        {
            restore();
            return Err(e);
        }
        let terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        Ok(TerminalGuard {
            terminal,
            signals,
            mouse,
        })
    }
}

impl TerminalGuard {
    /// Hands the terminal back, stops the process (as SIGTSTP would have), and on SIGCONT
    /// takes the terminal again, blank, for the next draw to repaint.
    pub fn suspend(&mut self) -> std::io::Result<()> {
        restore();
        let _ = std::io::stdout().flush();
        signal_hook::low_level::raise(SIGSTOP)?;
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        execute!(
            std::io::stdout(),
            EnterAlternateScreen,
            Clear(ClearType::All),
            EnableBracketedPaste
        )?;
        if self.mouse {
            mouse_on()?;
        }
        // A new Terminal knows nothing is on screen, so its first draw paints every cell.
        // (Terminal::clear would ask the terminal for the cursor position, and the key reader
        // would swallow the answer.)
        self.terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        Ok(())
    }
}

/// The number of the suspend signal, for the run loop.
pub const SUSPEND: i32 = SIGTSTP;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves raw mode and the alternate screen and shows the cursor, once.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    // Raw mode first: it has more side effects than the screen switch.
    let _ = disable_raw_mode();
    let mut out = std::io::stdout();
    let _ = out.write_all(MOUSE_OFF);
    let _ = execute!(
        std::io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        Show
    );
}

/// The exit code a shell reports for a process ended by `sig`.
pub fn signal_exit_code(sig: i32) -> u8 {
    (128 + sig).clamp(0, 255) as u8
}

fn save_termios() {
    if SAVED.get().is_some() {
        return;
    }
    // crossterm puts stdin in raw mode when it is a terminal, else /dev/tty.
    let fd = if std::io::stdin().is_terminal() {
        libc::STDIN_FILENO
    } else {
        match std::fs::File::open("/dev/tty") {
            // Kept open for the life of the process: the abort handler cannot open files.
            Ok(f) => f.into_raw_fd(),
            Err(_) => return,
        }
    };
    let mut t = std::mem::MaybeUninit::<libc::termios>::uninit();
    // SAFETY: tcgetattr writes a whole termios into the buffer when it returns 0, and only
    // then is the buffer read.
    if unsafe { libc::tcgetattr(fd, t.as_mut_ptr()) } == 0 {
        let _ = SAVED.set(unsafe { t.assume_init() });
        TTY_FD.store(fd, Ordering::SeqCst);
    }
}

/// The async-signal-safe restore: no locks, no allocation, only write(2) and tcsetattr(3).
fn restore_raw() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    // SAFETY: write(2) and tcsetattr(3) are async-signal-safe; both read 'static memory only.
    unsafe {
        libc::write(
            libc::STDOUT_FILENO,
            RESTORE_BYTES.as_ptr().cast(),
            RESTORE_BYTES.len(),
        );
        if let Some(t) = SAVED.get() {
            libc::tcsetattr(TTY_FD.load(Ordering::SeqCst), libc::TCSANOW, t);
        }
    }
}

fn install_hooks() -> std::io::Result<()> {
    // SAFETY: the handler only calls async-signal-safe functions (restore_raw, then
    // signal-hook's emulate_default_handler, which resets SIGABRT and raises it again).
    unsafe {
        signal_hook::low_level::register(SIGABRT, || {
            restore_raw();
            let _ = signal_hook::low_level::emulate_default_handler(SIGABRT);
        })?;
    }
    let mut signals = signal_hook::iterator::Signals::new(TERMINATING.iter().chain(&[SIGTSTP]))?;
    std::thread::Builder::new()
        .name("kdeck-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                on_signal(sig);
            }
        })?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A panic with the screen up, in any thread, ends kdeck: a UI that goes on drawing
        // after the terminal was handed back would only scribble over the shell.
        let ours = ACTIVE.load(Ordering::SeqCst);
        restore();
        previous(info);
        if ours {
            let _ = std::io::stderr().flush();
            signal_hook::low_level::exit(PANIC_EXIT);
        }
    }));
    Ok(())
}

fn hand_over(sig: i32) -> bool {
    ACTIVE.load(Ordering::SeqCst)
        && SIGNAL_TX.get().is_some_and(|m| {
            m.lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .is_some_and(|tx| tx.try_send(sig).is_ok())
        })
}

fn on_signal(sig: i32) {
    static SEEN: AtomicBool = AtomicBool::new(false);
    if sig == SIGTSTP {
        // Suspend (kill -TSTP; in raw mode Ctrl-Z is only a key): the loop hands the terminal
        // back, stops, and takes it again on SIGCONT. Without a loop, stop with it restored.
        if !hand_over(sig) {
            restore_raw();
            let _ = signal_hook::low_level::raise(SIGSTOP);
        }
        return;
    }
    if !SEEN.swap(true, Ordering::SeqCst) && hand_over(sig) {
        // The run loop restores and exits; this is the way out if it is stuck.
        let _ = std::thread::Builder::new().spawn(move || {
            std::thread::sleep(SIGNAL_GRACE);
            hard_exit(sig);
        });
        return;
    }
    hard_exit(sig);
}

/// Restores without locks (the loop may hold stdout) and exits at once with the signal's code.
fn hard_exit(sig: i32) -> ! {
    restore_raw();
    signal_hook::low_level::exit(signal_exit_code(sig) as i32)
}

/// Faults for tests/terminal.rs only, never documented to users: `KDECK_TEST_PANIC_AFTER_MS`
/// panics in a thread of its own, `KDECK_TEST_ABORT_AFTER_MS` aborts from one (as a failed
/// assertion in librdkafka would), `KDECK_TEST_STALL_AFTER_MS` takes the stdout lock for good,
/// so the run loop hangs at its next draw (a terminal that stopped reading does the same);
/// each that many milliseconds after the screen is up. Only in a build with the `test-hooks`
/// feature (scripts/test.sh): a normal or release build has none of this, nor the names.
#[cfg(feature = "test-hooks")]
pub fn arm_test_faults() {
    let after = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis)
    };
    if let Some(d) = after("KDECK_TEST_PANIC_AFTER_MS") {
        std::thread::spawn(move || {
            std::thread::sleep(d);
            panic!("induced panic (KDECK_TEST_PANIC_AFTER_MS)");
        });
    }
    if let Some(d) = after("KDECK_TEST_STALL_AFTER_MS") {
        std::thread::spawn(move || {
            std::thread::sleep(d);
            let _held = std::io::stdout().lock();
            loop {
                std::thread::park();
            }
        });
    }
    if let Some(d) = after("KDECK_TEST_ABORT_AFTER_MS") {
        std::thread::spawn(move || {
            std::thread::sleep(d);
            std::process::abort();
        });
    }
}
