//! The real binary on the embedded demo in tmux (its own tmux server): a mouse click selects the
//! row under it and a double-click opens that record; `E` exports the focused pane, after its
//! filter, to a JSONL file in the platform data folder with as many lines as the pane shows.
//! tmux cannot click by itself, so the clicks are the SGR mouse reports a terminal would send.

mod common;

use common::tmux::Tmux;
use std::process::Command;
use std::time::Duration;

/// Sends the bytes of an SGR mouse report (`ESC [ < b ; x ; y M/m`, 1-based cells) to the pane.
fn mouse(t: &Tmux, button: u8, col: u16, row: u16) {
    for end in ['M', 'm'] {
        let seq = format!("\x1b[<{button};{};{}{end}", col + 1, row + 1);
        let hex: Vec<String> = seq.bytes().map(|b| format!("{b:02x}")).collect();
        let ok = Command::new("tmux")
            .args(["-L", &t.socket, "send-keys", "-t", &t.session, "-H"])
            .args(&hex)
            .status()
            .unwrap();
        assert!(ok.success());
        if button >= 64 {
            break; // the wheel has no release
        }
    }
}

/// One demo at a time: each runs a mock cluster, and the machine is small.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn demo(dir: &std::path::Path) -> Tmux {
    let cfg = dir.join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    let cmd = format!(
        "XDG_DATA_HOME={} {} --config {} --demo --demo-rate 10",
        dir.join("data").display(),
        env!("CARGO_BIN_EXE_kdeck"),
        cfg.display()
    );
    Tmux::start(&cmd, 120, 40)
}

/// Screen rows of the status pane's records: (row, the record's `@offset` text).
fn status_rows(screen: &str) -> Vec<(u16, String)> {
    let lines: Vec<&str> = screen.lines().collect();
    let Some(top) = lines.iter().position(|l| l.contains("┌ Status")) else {
        return Vec::new();
    };
    lines
        .iter()
        .enumerate()
        .skip(top + 2)
        .take_while(|(_, l)| !l.starts_with('└'))
        .filter_map(|(i, l)| {
            // `/partition@offset`: what the detail view's title ends with.
            let at = l.find('@')?;
            let slash = l[..at].rfind('/')?;
            let end = l[at..].find(' ').map_or(l.len(), |e| at + e);
            Some((i as u16, l[slash..end].to_string()))
        })
        .collect()
}

#[test]
fn click_selects_the_row_and_double_click_opens_it() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let t = demo(dir.path());
    t.wait_for("six status rows", |s| status_rows(s).len() >= 6, 45);
    // Pause the status pane so the rows hold still.
    t.keys(&["2", "p"]);
    std::thread::sleep(Duration::from_millis(1200));
    let s = t.wait_for("the pause", |s| s.contains("⏸ PAUSED"), 5);
    let rows = status_rows(&s);
    let opened = |what: &str, at: &str| {
        let s = t.wait_for(what, |s| s.contains("timestamp"), 5);
        assert!(s.contains(at), "{what}: the detail of {at} expected:\n{s}");
        t.keys(&["Escape"]);
        t.wait_for("the detail view to close", |s| !s.contains("timestamp"), 5);
    };
    // A click on the second row, with another pane focused: Enter opens that record.
    t.keys(&["1"]);
    mouse(&t, 0, 20, rows[1].0);
    t.keys(&["Enter"]);
    opened("the clicked row's detail", &rows[1].1);
    // A double-click on the third row opens it.
    t.keys(&["1"]);
    mouse(&t, 0, 20, rows[2].0);
    mouse(&t, 0, 20, rows[2].0);
    opened("the double-clicked row's detail", &rows[2].1);
    // The wheel scrolls the pane under the pointer: three rows down from the third.
    t.keys(&["1"]);
    mouse(&t, 65, 20, rows[0].0);
    t.keys(&["Enter"]);
    opened("the row the wheel reached", &rows[5].1);
    t.keys(&["q"]);
}

#[test]
fn export_writes_the_filtered_pane_to_the_data_folder() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let t = demo(dir.path());
    t.wait_for("six status rows", |s| status_rows(s).len() >= 6, 45);
    t.keys(&["2", "p"]);
    std::thread::sleep(Duration::from_millis(1200));
    t.keys(&["/"]);
    Command::new("tmux")
        .args([
            "-L",
            &t.socket,
            "send-keys",
            "-t",
            &t.session,
            "-l",
            "progress",
        ])
        .status()
        .unwrap();
    t.keys(&["Enter"]);
    let s = t.wait_for("the filter", |s| s.contains("filter \"progress\" · "), 5);
    let counts = s
        .split("filter \"progress\" · ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap()
        .to_string();
    let matched: usize = counts.split('/').next().unwrap().parse().unwrap();
    assert!(matched > 0, "{s}");
    t.keys(&["E"]);
    let s = t.wait_for("the export dialog", |s| s.contains("export "), 5);
    assert!(
        s.contains(&format!("export {matched} records of the Status pane")),
        "{s}"
    );
    t.keys(&["Enter"]);
    let s = t.wait_for("the export's news", |s| s.contains("✓ exported"), 10);
    assert!(s.contains(&format!("exported {matched} records to")), "{s}");
    let folder = dir.path().join("data/kdeck/exports");
    let files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("kdeck-status-pane-") && name.ends_with(".jsonl"),
        "{name}"
    );
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert_eq!(text.lines().count(), matched, "{text}");
    let mut last = std::collections::HashMap::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        assert!(line.to_lowercase().contains("progress"), "{line}");
        let at = (
            v["topic"].as_str().unwrap().to_string(),
            v["partition"].as_i64().unwrap(),
        );
        let offset = v["offset"].as_i64().unwrap();
        // Oldest first, like kdeck tail: offsets grow within each partition.
        if let Some(prev) = last.insert(at, offset) {
            assert!(prev < offset, "{text}");
        }
    }
    t.keys(&["q"]);
}
