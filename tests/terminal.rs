//! The terminal is handed back however kdeck ends: `q`, Ctrl-C, SIGTERM, SIGHUP, SIGINT, a
//! panic in another thread, an abort. The real binary runs the embedded demo in tmux (no broker
//! needed); the raw bytes it writes are taped with `pipe-pane` and checked: after the last
//! "enter the alternate screen" come "stop mouse reports", "leave it" and "show the cursor" (the
//! mouse is on by default, so the tape must also show it was switched on). The shell that started it
//! then records the exit code and `stty -a`, which must show the line discipline back on.
//! The panic, the abort and the stall are induced by fault hooks compiled only with the
//! `test-hooks` feature: run with `cargo test --features test-hooks` (scripts/test.sh does).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const ENTER_ALT: &[u8] = b"\x1b[?1049h";
const LEAVE_ALT: &[u8] = b"\x1b[?1049l";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";
/// Mouse button reports on / off (`[ui] mouse`, on by default).
const MOUSE_ON: &[u8] = b"\x1b[?1000h";
const MOUSE_OFF: &[u8] = b"\x1b[?1000l";

/// One demo at a time: each runs a mock cluster, and the machine is small.
static SERIAL: Mutex<()> = Mutex::new(());

struct Run {
    dir: tempfile::TempDir,
    socket: String,
}

impl Run {
    /// Starts kdeck --demo in a fresh tmux server, taping the pane, and waits for the dashboard.
    fn start(env: &[(&str, &str)]) -> Run {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_path_buf();
        std::fs::write(d.join("empty.toml"), "").unwrap();
        let exports: String = env
            .iter()
            .map(|(k, v)| format!("export {k}={v}\n"))
            .collect();
        // `read` holds kdeck back until the tape runs; `exec` keeps the pid written.
        let script = format!(
            "ulimit -c 0\n{exports}read go\n\
             sh -c 'echo $$ > \"$1/pid\"; exec \"$2\" --config \"$1/empty.toml\" --demo --demo-rate 8' sh \"$DIR\" \"$BIN\"\n\
             echo $? > \"$DIR/code.tmp\"\nstty -a > \"$DIR/stty\"\nmv \"$DIR/code.tmp\" \"$DIR/code\"\nsleep 600\n"
        );
        std::fs::write(d.join("run.sh"), script).unwrap();
        let socket = format!("kdeck-term-{}-{}", std::process::id(), unique());
        let run = Run { dir, socket };
        let cmd = format!(
            "DIR={} BIN={} sh {}/run.sh",
            d.display(),
            env!("CARGO_BIN_EXE_kdeck"),
            d.display()
        );
        run.tmux(&[
            "new-session",
            "-d",
            "-s",
            "k",
            "-x",
            "100",
            "-y",
            "30",
            &cmd,
        ]);
        run.tmux(&[
            "pipe-pane",
            "-t",
            "k",
            "-o",
            &format!("cat > {}", d.join("tape").display()),
        ]);
        std::thread::sleep(Duration::from_millis(200));
        run.tmux(&["send-keys", "-t", "k", "Enter"]);
        run.wait_for_screen("the dashboard", |s| s.contains("Completions"), 30);
        run
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux is installed (scripts/deps.sh)");
        assert!(out.status.success(), "tmux {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "k"])
    }

    fn wait_for_screen(&self, what: &str, pred: impl Fn(&str) -> bool, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn pid(&self) -> String {
        std::fs::read_to_string(self.path("pid"))
            .unwrap()
            .trim()
            .to_string()
    }

    fn kill(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid()])
            .status()
            .unwrap();
        assert!(ok.success(), "kill -{sig}");
    }

    /// Waits for kdeck to end; returns its exit code and how long that took.
    fn wait_exit(&self) -> (i32, Duration) {
        let start = Instant::now();
        let file = self.path("code");
        while !file.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "kdeck did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let code = std::fs::read_to_string(&file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        (code, start.elapsed())
    }

    /// The checks every way out must pass.
    fn assert_restored(&self, how: &str, expected_code: i32) -> Duration {
        let (code, took) = self.wait_exit();
        eprintln!("{how}: exit code {code} after {} ms", took.as_millis());
        // pipe-pane writes asynchronously: give the tape a moment to catch up.
        std::thread::sleep(Duration::from_millis(300));
        let tape = std::fs::read(self.path("tape")).unwrap();
        assert_restore_bytes(&tape, how);
        let stty = std::fs::read_to_string(self.path("stty")).unwrap();
        let words: Vec<&str> = stty.split([' ', ';', '\n']).collect();
        for flag in ["icanon", "echo", "isig"] {
            assert!(
                words.contains(&flag),
                "{how}: {flag} not back on after exit (raw mode left on):\n{stty}"
            );
        }
        assert_eq!(code, expected_code, "{how}: exit code");
        took
    }
}

/// Starts the demo with a fault hook armed (`KDECK_TEST_…_AFTER_MS`). The hooks exist only in a
/// build with the `test-hooks` feature, which `kdeck --version` reports: without it the test
/// fails here, saying why, rather than waiting for a fault that never comes.
fn start_with_fault(hook: &str, after_ms: &str) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && version.trim_end().ends_with("+test-hooks"),
        "{hook} needs a kdeck built with the fault hooks, and `kdeck --version` says {:?}: \
         run the tests with `--features test-hooks` (as scripts/test.sh does)",
        version.trim()
    );
    Run::start(&[(hook, after_ms)])
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn find_from(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn assert_restore_bytes(tape: &[u8], how: &str) {
    let entered = find_last(tape, ENTER_ALT)
        .unwrap_or_else(|| panic!("{how}: the tape never entered the alternate screen"));
    let left = find_from(tape, LEAVE_ALT, entered);
    let shown = find_from(tape, SHOW_CURSOR, entered);
    let mouse_on = find_last(tape, MOUSE_ON);
    let mouse_off = mouse_on.and_then(|on| find_from(tape, MOUSE_OFF, on.max(entered)));
    let tail = String::from_utf8_lossy(&tape[tape.len().saturating_sub(300)..]).into_owned();
    assert!(
        left.is_some(),
        "{how}: alternate screen not left after the last enter; tape ends {tail:?}"
    );
    assert!(
        shown.is_some(),
        "{how}: cursor not shown after the last enter; tape ends {tail:?}"
    );
    assert!(
        mouse_on.is_some(),
        "{how}: mouse reports were never switched on; tape ends {tail:?}"
    );
    assert!(
        mouse_off.is_some(),
        "{how}: mouse reports not switched off after the last enter; tape ends {tail:?}"
    );
}

fn lock() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn q_restores_and_exits_0() {
    let _l = lock();
    let r = Run::start(&[]);
    r.tmux(&["send-keys", "-t", "k", "q"]);
    r.assert_restored("q", 0);
}

#[test]
fn ctrl_c_key_restores_and_exits_0() {
    let _l = lock();
    let r = Run::start(&[]);
    // In raw mode Ctrl-C is a key, bound to quit; no signal is involved.
    r.tmux(&["send-keys", "-t", "k", "C-c"]);
    r.assert_restored("Ctrl-C", 0);
}

#[test]
fn sigterm_restores_and_exits_143() {
    let _l = lock();
    let r = Run::start(&[]);
    r.kill("TERM");
    let took = r.assert_restored("SIGTERM", 143);
    assert!(took < Duration::from_secs(3), "SIGTERM took {took:?}");
}

#[test]
fn sighup_restores_and_exits_129() {
    let _l = lock();
    let r = Run::start(&[]);
    r.kill("HUP");
    r.assert_restored("SIGHUP", 129);
}

#[test]
fn sigint_restores_and_exits_130() {
    let _l = lock();
    let r = Run::start(&[]);
    r.kill("INT");
    r.assert_restored("SIGINT", 130);
}

#[test]
fn panic_in_another_thread_restores_and_exits_101() {
    let _l = lock();
    let r = start_with_fault("KDECK_TEST_PANIC_AFTER_MS", "1500");
    r.assert_restored("panic", 101);
    let s = r.screen();
    assert!(
        s.contains("induced panic"),
        "the panic message is readable on the normal screen:\n{s}"
    );
}

#[test]
fn abort_restores_and_dies_by_sigabrt() {
    let _l = lock();
    let r = start_with_fault("KDECK_TEST_ABORT_AFTER_MS", "1500");
    r.assert_restored("abort", 134);
}

#[test]
fn sigabrt_from_outside_restores() {
    let _l = lock();
    let r = Run::start(&[]);
    r.kill("ABRT");
    r.assert_restored("SIGABRT", 134);
}

#[test]
fn the_checker_catches_a_missing_restore() {
    // The byte check itself must be able to fail.
    let tape = [
        b"x".as_slice(),
        ENTER_ALT,
        MOUSE_ON,
        b"frame",
        MOUSE_OFF,
        LEAVE_ALT,
        ENTER_ALT,
        MOUSE_ON,
        b"f",
    ]
    .concat();
    let r = std::panic::catch_unwind(|| assert_restore_bytes(&tape, "synthetic"));
    assert!(r.is_err());
    // The screen handed back but the mouse left on: caught too.
    let no_mouse_off = [tape.as_slice(), LEAVE_ALT, SHOW_CURSOR].concat();
    let r = std::panic::catch_unwind(|| assert_restore_bytes(&no_mouse_off, "synthetic"));
    assert!(r.is_err());
    let ok = [tape.as_slice(), MOUSE_OFF, LEAVE_ALT, SHOW_CURSOR].concat();
    assert_restore_bytes(&ok, "synthetic");
}

#[test]
fn sigterm_while_the_loop_hangs_still_restores_and_exits_143() {
    let _l = lock();
    let r = start_with_fault("KDECK_TEST_STALL_AFTER_MS", "1000");
    // Let the stall take hold: the loop blocks at its next draw (the demo redraws often).
    std::thread::sleep(Duration::from_millis(2500));
    r.kill("TERM");
    let took = r.assert_restored("SIGTERM, loop stuck", 143);
    // The signal thread waits out its grace (3 s), then restores and exits by itself.
    assert!(
        took >= Duration::from_millis(2500) && took < Duration::from_secs(6),
        "took {took:?}"
    );
}

fn proc_state(pid: &str) -> char {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit(')').next().and_then(|r| r.trim().chars().next()))
        .unwrap_or('?')
}

#[test]
fn sigtstp_hands_the_terminal_back_and_sigcont_takes_it_again() {
    let _l = lock();
    let r = Run::start(&[]);
    let tty = r.tmux(&["display-message", "-p", "-t", "k", "#{pane_tty}"]);
    let pid = r.pid();
    r.kill("TSTP");
    let deadline = Instant::now() + Duration::from_secs(5);
    while proc_state(&pid) != 'T' {
        assert!(Instant::now() < deadline, "kdeck did not stop on SIGTSTP");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_restore_bytes(&std::fs::read(r.path("tape")).unwrap(), "SIGTSTP");
    let stty = Command::new("stty")
        .args(["-a", "-F", tty.trim()])
        .output()
        .unwrap();
    let stty = String::from_utf8_lossy(&stty.stdout).into_owned();
    let words: Vec<&str> = stty.split([' ', ';', '\n']).collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "raw mode left on while stopped:\n{stty}"
    );
    r.kill("CONT");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let tape = std::fs::read(r.path("tape")).unwrap();
        let (enter, leave) = (find_last(&tape, ENTER_ALT), find_last(&tape, LEAVE_ALT));
        if enter > leave {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "SIGCONT did not take the screen again"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    r.wait_for_screen("the dashboard again", |s| s.contains("Completions"), 10);
    r.tmux(&["send-keys", "-t", "k", "q"]);
    r.assert_restored("q after a suspend", 0);
}
