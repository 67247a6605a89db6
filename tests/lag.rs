//! Consumer lag against the real broker: exact lag from known offsets, the status life cycle of
//! a group that stops and catches up, idle topics, discovery, old data, and `kdeck lag`.

mod common;

use common::{brokers, cluster, unique};
use kdeck::domain::OutRecord;
use kdeck::engine::lag::{GroupView, LagStatus, LagTracker};
use kdeck::kafka::lag::{LagProbe, LagSpec};
use kdeck::kafka::{admin, producer};
use kdeck::support::config::Cluster;
use std::process::Command;
use std::time::Duration;

fn produce(c: &Cluster, topic: &str, partition: i32, n: usize, ts: Option<i64>) {
    let recs: Vec<OutRecord> = (0..n)
        .map(|i| OutRecord {
            topic: topic.into(),
            partition: Some(partition),
            key: Some(format!("k{i}").into_bytes()),
            value: Some(br#"{"status":"new"}"#.to_vec()),
            timestamp_ms: ts,
            ..Default::default()
        })
        .collect();
    producer::produce_all(c, &recs, Duration::from_secs(30)).unwrap();
}

fn probe(c: &Cluster, group: &str, topic: &str, discover: bool) -> LagProbe {
    LagProbe::new(LagSpec {
        cluster: c.clone(),
        watch_groups: if discover {
            vec![]
        } else {
            vec![group.to_string()]
        },
        topics: vec![topic.to_string()],
        discover,
        refresh_ms: 1000,
        simulated: vec![],
    })
    .unwrap()
}

fn view<'a>(views: &'a [GroupView], group: &str) -> &'a GroupView {
    views
        .iter()
        .find(|g| g.group == group)
        .unwrap_or_else(|| panic!("group {group} not in {views:?}"))
}

#[test]
fn known_offsets_give_exact_lag_per_partition() {
    let b = brokers();
    let c = cluster(&b);
    let (topic, group) = (unique("lag-exact"), unique("grp-exact"));
    admin::create_topics(&c, &[&topic], 3).unwrap();
    produce(&c, &topic, 0, 10, None);
    produce(&c, &topic, 1, 20, None);
    produce(&c, &topic, 2, 30, None);
    admin::commit_offsets(
        &c,
        &group,
        &[(&topic, 0, 5), (&topic, 1, 20), (&topic, 2, 0)],
    )
    .unwrap();
    let mut p = probe(&c, &group, &topic, false);
    let mut t = LagTracker::new(5, 0, 1000);
    t.ingest(p.refresh(1_000));
    let views = t.views();
    let g = view(&views, &group);
    let lags: Vec<(i32, Option<i64>, i64, i64)> = g
        .partitions
        .iter()
        .map(|p| (p.partition, p.committed, p.end, p.lag))
        .collect();
    assert_eq!(
        lags,
        vec![
            (0, Some(5), 10, 5),
            (1, Some(20), 20, 0),
            (2, Some(0), 30, 30)
        ]
    );
    assert_eq!(g.lag, 35);
}

#[test]
fn stopped_group_goes_stall_then_stop_then_ok_when_caught_up() {
    let b = brokers();
    let c = cluster(&b);
    let (topic, group) = (unique("lag-cycle"), unique("grp-cycle"));
    admin::create_topics(&c, &[&topic], 1).unwrap();
    let mut p = probe(&c, &group, &topic, false);
    // Window of 5 refreshes, one refresh per (synthetic) second: STOP after 5 s unmoved.
    let mut t = LagTracker::new(5, 0, 1000);
    let mut now = 0;
    let mut end = 0i64;
    let mut step = |t: &mut LagTracker, p: &mut LagProbe, commit: bool, end: &mut i64| {
        produce(&c, &topic, 0, 3, None);
        *end += 3;
        if commit {
            admin::commit_offsets(&c, &group, &[(&topic, 0, *end)]).unwrap();
        }
        now += 1000;
        t.ingest(p.refresh(now));
        view(&t.views(), &group).status
    };
    for _ in 0..3 {
        assert_eq!(step(&mut t, &mut p, true, &mut end), LagStatus::Ok);
    }
    let mut seen = Vec::new();
    for _ in 0..8 {
        seen.push(step(&mut t, &mut p, false, &mut end));
    }
    // Unmoved for 1-2 refreshes: still within what OK allows; then STALL; then STOP.
    assert!(seen.contains(&LagStatus::Stall), "{seen:?}");
    assert_eq!(*seen.last().unwrap(), LagStatus::Stop, "{seen:?}");
    let first_stall = seen.iter().position(|s| *s == LagStatus::Stall).unwrap();
    let first_stop = seen.iter().position(|s| *s == LagStatus::Stop).unwrap();
    assert!(first_stall < first_stop);
    let g = view(&t.views(), &group).clone();
    assert_eq!(g.lag, 24, "8 refreshes × 3 records not consumed");
    assert_eq!(g.time_to_zero, None);
    // Catches up.
    assert_eq!(step(&mut t, &mut p, true, &mut end), LagStatus::Ok);
    assert_eq!(view(&t.views(), &group).lag, 0);
}

#[test]
fn idle_caught_up_group_stays_ok_with_zero_seconds() {
    let b = brokers();
    let c = cluster(&b);
    let (topic, group) = (unique("lag-idle"), unique("grp-idle"));
    admin::create_topics(&c, &[&topic], 1).unwrap();
    produce(&c, &topic, 0, 5, None);
    admin::commit_offsets(&c, &group, &[(&topic, 0, 5)]).unwrap();
    let mut p = probe(&c, &group, &topic, false);
    let mut t = LagTracker::new(5, 0, 1000);
    // An hour of refreshes a minute apart with nothing produced.
    for i in 1..=60 {
        t.ingest(p.refresh(i * 60_000));
    }
    let views = t.views();
    let g = view(&views, &group);
    assert_eq!(g.status, LagStatus::Ok);
    assert_eq!(g.seconds, 0.0);
    assert_eq!(g.lag, 0);
}

#[test]
fn old_data_lag_in_seconds_comes_from_the_record_itself() {
    let b = brokers();
    let c = cluster(&b);
    let (topic, group) = (unique("lag-old"), unique("grp-old"));
    admin::create_topics(&c, &[&topic], 1).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    // A group reprocessing records produced a day ago.
    produce(&c, &topic, 0, 4, Some(now - 86_400_000));
    admin::commit_offsets(&c, &group, &[(&topic, 0, 1)]).unwrap();
    let mut p = probe(&c, &group, &topic, false);
    let mut t = LagTracker::new(5, 0, 1000);
    t.ingest(p.refresh(now));
    let views = t.views();
    let g = view(&views, &group);
    assert!(g.seconds_exact, "{g:?}");
    assert!((g.seconds - 86_400.0).abs() < 5.0, "{}", g.seconds);
}

#[test]
fn active_groups_reading_our_topics_are_discovered_with_state_and_members() {
    let b = brokers();
    let c = cluster(&b);
    let (topic, group) = (unique("lag-disc"), unique("grp-disc"));
    admin::create_topics(&c, &[&topic], 2).unwrap();
    produce(&c, &topic, 0, 7, None);
    // kcat as an independent member of a balanced consumer group.
    let mut member = Command::new("kcat")
        .args(["-b", &b, "-G", &group, "-X", "client.id=kcat-member"])
        .args([
            "-X",
            "auto.offset.reset=earliest",
            "-X",
            "auto.commit.interval.ms=200",
            &topic,
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("kcat");
    let mut p = probe(&c, &group, &topic, true);
    let mut t = LagTracker::new(5, 0, 1000);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let found = loop {
        t.ingest(p.refresh(1000));
        let views = t.views();
        if let Some(g) = views
            .iter()
            .find(|g| g.group == group && g.state.as_deref() == Some("Stable"))
        {
            break Some(g.clone());
        }
        if std::time::Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let _ = member.kill();
    let _ = member.wait();
    let g = found.expect("the kcat group is discovered as Stable within 30 s");
    assert_eq!(g.members, Some(1));
    assert_eq!(g.partitions.len(), 2, "{g:?}");
    assert!(
        g.partitions
            .iter()
            .all(|p| p.owner.as_deref() == Some("kcat-member")),
        "{g:?}"
    );
}

#[test]
fn lag_command_prints_json_and_fails_on_stall() {
    let b = brokers();
    let c = cluster(&b);
    let (topic, group) = (unique("lag-cli"), unique("grp-cli"));
    admin::create_topics(&c, &[&topic], 1).unwrap();
    produce(&c, &topic, 0, 9, None);
    admin::commit_offsets(&c, &group, &[(&topic, 0, 4)]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!("[lag]\ndiscover_groups = false\n[profiles.t]\nlag_topics = [\"{topic}\"]\n"),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kdeck"))
            .args([
                "lag",
                "-b",
                &b,
                "-g",
                &group,
                "--config",
                cfg.to_str().unwrap(),
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--samples", "1", "--output", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let g = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == group.as_str())
        .unwrap();
    assert_eq!(g["lag"], 5);
    assert_eq!(g["partitions"][0]["end"], 9);
    // Unmoved for 3 refreshes with lag: STALL, so --fail-on stall exits 1.
    let out = run(&["--samples", "3", "--interval", "0.3", "--fail-on", "stall"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("STALL"));
    // Caught up: --fail-on warn passes.
    admin::commit_offsets(&c, &group, &[(&topic, 0, 9)]).unwrap();
    let out = run(&["--samples", "2", "--interval", "0.3", "--fail-on", "warn"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn stopped_groups_are_discovered_and_watched_groups_show_every_topic_they_read() {
    let b = brokers();
    let c = cluster(&b);
    let (ours, theirs) = (unique("lag-ours"), unique("lag-theirs"));
    let (stopped, watched) = (unique("grp-stopped"), unique("grp-watched"));
    admin::create_topics(&c, &[&ours, &theirs], 1).unwrap();
    produce(&c, &ours, 0, 6, None);
    produce(&c, &theirs, 0, 4, None);
    // A group with no members left (it stopped) that committed on one of our topics.
    admin::commit_offsets(&c, &stopped, &[(&ours, 0, 1)]).unwrap();
    // A watched group that reads a topic the dashboard does not show.
    admin::commit_offsets(&c, &watched, &[(&theirs, 0, 3)]).unwrap();
    let mut p = LagProbe::new(LagSpec {
        cluster: c.clone(),
        watch_groups: vec![watched.clone()],
        topics: vec![ours.clone()],
        discover: true,
        refresh_ms: 1000,
        simulated: vec![],
    })
    .unwrap();
    let mut t = LagTracker::new(5, 0, 1000);
    t.ingest(p.refresh(1000));
    let views = t.views();
    let s = view(&views, &stopped);
    assert_eq!(
        (s.lag, s.members, s.state.as_deref()),
        (5, Some(0), Some("Empty"))
    );
    let w = view(&views, &watched);
    assert_eq!(w.partitions.len(), 1);
    assert_eq!(
        (w.partitions[0].topic.as_str(), w.lag),
        (theirs.as_str(), 1)
    );
}

fn kdeck_lag(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .arg("lag")
        .args(args)
        .env_remove("KDECK_CONFIG")
        .env("HOME", "/nonexistent-kdeck-home")
        .env("XDG_CONFIG_HOME", "/nonexistent-kdeck-home")
        .output()
        .unwrap()
}

/// No broker needed: nothing listens on port 1.
#[test]
fn lag_against_an_unreachable_cluster_exits_3_and_says_so() {
    let started = std::time::Instant::now();
    let out = kdeck_lag(&["-b", "127.0.0.1:1", "-g", "some-group"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stderr.contains("cannot reach the brokers"), "{stderr}");
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
    assert!(!stdout.contains("no groups"), "{stdout}");
    for name in [
        "BrokerTransportFailure",
        "AllBrokersDown",
        "OperationTimedOut",
    ] {
        assert!(!stderr.contains(name) && !stdout.contains(name), "{stderr}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn lag_help_documents_the_exit_codes() {
    let out = kdeck_lag(&["--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for line in [
        "1  a group is at or beyond --fail-on",
        "3  the cluster cannot be reached",
        "4  authentication or TLS failed",
        "5  a group given with -g does not exist",
    ] {
        assert!(help.contains(line), "{line:?} missing from:\n{help}");
    }
}

#[test]
fn lag_of_a_group_the_cluster_does_not_know_exits_5() {
    let b = brokers();
    let c = cluster(&b);
    let (topic, known) = (unique("lag-known"), unique("grp-known"));
    admin::create_topics(&c, &[&topic], 1).unwrap();
    produce(&c, &topic, 0, 3, None);
    admin::commit_offsets(&c, &known, &[(&topic, 0, 1)]).unwrap();
    let ghost = unique("grp-never-existed");
    for fail_on in ["warn", "stall", "stop"] {
        let out = kdeck_lag(&[
            "-b",
            &b,
            "-g",
            &ghost,
            "--samples",
            "1",
            "--fail-on",
            fail_on,
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "--fail-on {fail_on}: {stderr}");
        assert!(
            stderr.contains("no such consumer group") && stderr.contains(&ghost),
            "{stderr}"
        );
    }
    // A group that exists passes with the same flags.
    let out = kdeck_lag(&["-b", &b, "-g", &known, "--samples", "1"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn lag_watch_into_a_pipe_writes_no_escapes_and_head_closing_it_is_quiet() {
    let b = brokers();
    let c = cluster(&b);
    let (topic, group) = (unique("lag-pipe"), unique("grp-pipe"));
    admin::create_topics(&c, &[&topic], 1).unwrap();
    produce(&c, &topic, 0, 3, None);
    admin::commit_offsets(&c, &group, &[(&topic, 0, 1)]).unwrap();
    let bin = env!("CARGO_BIN_EXE_kdeck");
    let script = format!(
        "'{bin}' lag -b '{b}' -g '{group}' --watch --samples 1 --interval 0.2 2>err | head -2 > out; \
         echo ${{PIPESTATUS[0]}} > rc"
    );
    let dir = tempfile::tempdir().unwrap();
    let st = Command::new("timeout")
        .args(["60", "bash", "-c", &script])
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .status()
        .unwrap();
    assert!(
        st.success(),
        "kdeck lag --watch | head -2 did not end: {st:?}"
    );
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    let (out, err, rc) = (read("out"), read("err"), read("rc"));
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.starts_with("GROUP"), "{out:?}");
    assert!(
        !out.contains('\x1b'),
        "escape sequences into a pipe: {out:?}"
    );
    assert!(err.is_empty(), "stderr: {err}");
    assert_eq!(rc.trim(), "0", "exit status after head closed the pipe");
}
