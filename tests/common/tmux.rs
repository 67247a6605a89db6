//! The real binary in tmux: a private tmux server per test (its own socket), keys sent,
//! the screen read back.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub socket: String,
    pub session: String,
}

impl Tmux {
    pub fn start(cmd: &str, w: u16, h: u16) -> Tmux {
        let t = Tmux {
            socket: super::unique("kdeck-e2e-sock"),
            session: "kdeck".into(),
        };
        let ok = Command::new("tmux")
            .args(["-L", &t.socket, "new-session", "-d", "-s", &t.session])
            .args(["-x", &w.to_string(), "-y", &h.to_string(), cmd])
            .status()
            .expect("tmux is installed (scripts/deps.sh)");
        assert!(ok.success());
        Command::new("tmux")
            .args([
                "-L",
                &t.socket,
                "set-option",
                "-t",
                &t.session,
                "remain-on-exit",
                "on",
            ])
            .status()
            .unwrap();
        t
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "capture-pane",
                "-p",
                "-t",
                &self.session,
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", "-t", &self.session, k])
                .status()
                .unwrap();
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn pane_dead(&self) -> bool {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "display-message",
                "-p",
                "-t",
                &self.session,
                "#{pane_dead}",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// The count in the health line's "following job X (N seen)".
pub fn seen(screen: &str) -> u64 {
    screen
        .lines()
        .next()
        .and_then(|l| l.split(" seen)").next())
        .and_then(|l| l.rsplit('(').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}
