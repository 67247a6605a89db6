//! The dashboard's offsets worker against a real Apache Kafka broker: skipping a poison record
//! (the group, resumed, reads from the record after it), undoing the group's last move from the
//! audit, and a commit refused when a member joined after the preview. Its own test binary: the
//! worker finds the audit file through KDECK_DATA_DIR, which this process sets once.

mod common;

use common::{brokers, cluster, unique};
use kdeck::domain::event::KafkaEvent;
use kdeck::domain::offsets::{
    OffsetsCmd, OffsetsUpdate, Outcome, Plan, Selection, Strategy, Target,
};
use kdeck::domain::work::Ticket;
use kdeck::domain::OutRecord;
use kdeck::kafka::offsets::GroupClient;
use kdeck::kafka::worker::Worker;
use kdeck::kafka::{admin, producer};
use kdeck::support::config::Cluster;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::Message;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The audit folder of this process (KDECK_DATA_DIR), set before any worker runs.
fn data_dir() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        std::env::set_var("KDECK_DATA_DIR", d.path());
        d
    })
    .path()
}

struct Setup {
    b: String,
    c: Cluster,
    topic: String,
    group: String,
    worker: Worker<OffsetsCmd>,
    events: mpsc::Receiver<KafkaEvent>,
    gen: u64,
}

/// One partition of 10 records (`{"n":i}`), the group committed at 4: the poison record it
/// cannot get past.
fn setup(name: &str) -> Setup {
    data_dir();
    let b = brokers();
    let c = cluster(&b);
    let (topic, group) = (
        unique(&format!("skip-{name}")),
        unique(&format!("grp-{name}")),
    );
    admin::create_topics(&c, &[&topic], 1).unwrap();
    let recs: Vec<OutRecord> = (0..10)
        .map(|i| OutRecord {
            topic: topic.clone(),
            partition: Some(0),
            value: Some(format!("{{\"n\":{i}}}").into_bytes()),
            ..Default::default()
        })
        .collect();
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();
    admin::commit_offsets(&c, &group, &[(&topic, 0, 4)]).unwrap();
    let (tx, events) = mpsc::channel(8);
    let worker = kdeck::kafka::offsets::spawn(c.clone(), tx);
    Setup {
        b,
        c,
        topic,
        group,
        worker,
        events,
        gen: 0,
    }
}

impl Setup {
    fn next(&mut self) -> Ticket {
        self.gen += 1;
        Ticket::new(self.gen)
    }

    fn news(&mut self) -> OffsetsUpdate {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            assert!(Instant::now() < deadline, "the offsets worker said nothing");
            match self.events.try_recv() {
                Ok(KafkaEvent::Offsets(u)) => return u,
                Ok(_) => {}
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    fn plan(&mut self, target: Target) -> Box<Plan> {
        let job = self.next();
        let gen = job.gen();
        let selection = Selection::Partitions(vec![(self.topic.clone(), 0)]);
        let group = self.group.clone();
        self.worker
            .send(OffsetsCmd::Plan {
                job,
                group,
                selection,
                target,
            })
            .unwrap();
        match self.news() {
            OffsetsUpdate::Planned { job, result } if job == gen => result.unwrap(),
            other => panic!("expected the preview, got {other:?}"),
        }
    }

    fn execute(&mut self, plan: Box<Plan>) -> Outcome {
        let job = self.next();
        let gen = job.gen();
        self.worker.send(OffsetsCmd::Execute { job, plan }).unwrap();
        match self.news() {
            OffsetsUpdate::Executed { job, outcome } if job == gen => outcome,
            other => panic!("expected the outcome, got {other:?}"),
        }
    }

    fn committed(&self) -> Option<i64> {
        let g = GroupClient::new(&self.c, &self.group).unwrap();
        let tp = (self.topic.clone(), 0);
        g.committed(std::slice::from_ref(&tp))
            .unwrap()
            .get(&tp)
            .copied()
    }

    /// The first record the group reads when its consumer starts again.
    fn resume(&self) -> (i64, Vec<u8>) {
        let c: BaseConsumer = rdkafka::ClientConfig::new()
            .set("bootstrap.servers", &self.b)
            .set("group.id", &self.group)
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .create()
            .unwrap();
        c.subscribe(&[&self.topic]).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(Ok(m)) = c.poll(Duration::from_millis(200)) {
                return (m.offset(), m.payload().unwrap_or_default().to_vec());
            }
        }
        panic!("the resumed group read nothing");
    }
}

#[test]
fn skipping_a_poison_record_resumes_the_group_after_it_and_undo_puts_it_back() {
    let mut s = setup("poison");
    // What the dialog asks for a record at offset 4: past it.
    let plan = s.plan(Target::Move(Strategy::Offset(5)));
    let m = &plan.moves[0];
    assert_eq!(
        (m.current, m.new, m.effect_text()),
        (Some(4), 5, "skip 1".to_string())
    );
    assert_eq!(s.committed(), Some(4), "a preview commits nothing");
    let Outcome::Committed(done) = s.execute(plan) else {
        panic!("not committed");
    };
    assert!(done.mismatches.is_empty() && done.audit_error.is_none());
    assert_eq!(done.run.partitions[0].before, Some(4));
    assert_eq!(s.committed(), Some(5));
    assert_eq!(s.resume(), (5, br#"{"n":5}"#.to_vec()));
    // The resumed consumer left (it never committed): undo the skip from the audit.
    let undo = s.plan(Target::UndoLast);
    assert_eq!(undo.undo_of.as_deref(), Some(done.run.run.as_str()));
    assert_eq!((undo.moves[0].current, undo.moves[0].new), (Some(5), 4));
    let deadline = Instant::now() + Duration::from_secs(60);
    let outcome = loop {
        // The resumed consumer's session may still hold the group for a moment.
        match s.execute(undo.clone()) {
            Outcome::Refused(_) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(500))
            }
            o => break o,
        }
    };
    assert!(matches!(outcome, Outcome::Committed(_)), "{outcome:?}");
    assert_eq!(s.committed(), Some(4));
    let audit = std::fs::read_to_string(data_dir().join("offsets/audit.jsonl")).unwrap();
    assert!(audit.contains(&format!("\"undo_of\":\"{}\"", done.run.run)));
}

#[test]
fn a_member_that_joined_after_the_preview_makes_the_commit_refused() {
    let mut s = setup("joined");
    let plan = s.plan(Target::Move(Strategy::Offset(5)));
    assert!(plan.state.movable());
    let stop = Arc::new(AtomicBool::new(false));
    let member = {
        let (b, g, t, stop) = (s.b.clone(), s.group.clone(), s.topic.clone(), stop.clone());
        std::thread::spawn(move || {
            let c: BaseConsumer = rdkafka::ClientConfig::new()
                .set("bootstrap.servers", &b)
                .set("group.id", &g)
                .set("enable.auto.commit", "false")
                .create()
                .unwrap();
            c.subscribe(&[&t]).unwrap();
            while !stop.load(Ordering::Relaxed) {
                let _ = c.poll(Duration::from_millis(100));
            }
        })
    };
    let g = GroupClient::new(&s.c, &s.group).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while g.state().unwrap().state != "Stable" {
        assert!(Instant::now() < deadline, "the member never joined");
        std::thread::sleep(Duration::from_millis(300));
    }
    let outcome = s.execute(plan);
    stop.store(true, Ordering::Relaxed);
    member.join().unwrap();
    match outcome {
        Outcome::Refused(why) => assert!(why.contains("1 member reading"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(s.committed(), Some(4));
}

/// The dashboard end to end: a Spring dead letter names the poison record (orders/0@4) and
/// the group; `O` on it previews the skip, `enter` asks, `y` commits, and the group resumed
/// reads from offset 5.
#[test]
fn the_dashboard_skips_a_dead_letter_s_origin_for_the_group_it_names() {
    use common::tmux::Tmux;
    let s = setup("e2e");
    let dlq = unique("skip-e2e-dlt");
    admin::create_topics(&s.c, &[&dlq], 1).unwrap();
    let header = |k: &str, v: Vec<u8>| (k.to_string(), v);
    let dead = OutRecord {
        topic: dlq.clone(),
        partition: Some(0),
        value: Some(br#"{"n":4}"#.to_vec()),
        headers: vec![
            header("kafka_dlt-original-topic", s.topic.clone().into_bytes()),
            header("kafka_dlt-original-partition", 0i32.to_be_bytes().to_vec()),
            header("kafka_dlt-original-offset", 4i64.to_be_bytes().to_vec()),
            header(
                "kafka_dlt-original-consumer-group",
                s.group.clone().into_bytes(),
            ),
            header("kafka_dlt-exception-message", b"cannot parse n=4".to_vec()),
        ],
        ..Default::default()
    };
    producer::produce_all(&s.c, &[dead], Duration::from_secs(30)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.toml"), "").unwrap();
    let cmd = format!(
        "KDECK_DATA_DIR={} {} -b {} --config {} --dlq {dlq} --from beginning -g {}",
        dir.path().join("data").display(),
        env!("CARGO_BIN_EXE_kdeck"),
        s.b,
        dir.path().join("empty.toml").display(),
        s.group
    );
    let t = Tmux::start(&cmd, 160, 45);
    t.wait_for("the dead letter", |sc| sc.contains("cannot parse n=4"), 40);
    t.keys(&["3", "O"]);
    let sc = t.wait_for("the skip's preview", |sc| sc.contains("skip 1"), 30);
    assert!(sc.contains(&format!("group {}", s.group)), "{sc}");
    assert!(sc.contains("past the record at offset 4"), "{sc}");
    assert_eq!(s.committed(), Some(4), "a preview commits nothing");
    t.keys(&["Enter"]);
    t.wait_for(
        "the question",
        |sc| sc.contains("Commit new offsets on 1 partition(s)"),
        10,
    );
    t.keys(&["y"]);
    let sc = t.wait_for(
        "the commit",
        |sc| sc.contains("committed 1 partition(s)"),
        30,
    );
    assert!(sc.contains("read back"), "{sc}");
    t.keys(&["Escape", "q"]);
    assert_eq!(s.committed(), Some(5));
    assert_eq!(s.resume(), (5, br#"{"n":5}"#.to_vec()));
    let audit = std::fs::read_to_string(dir.path().join("data/offsets/audit.jsonl")).unwrap();
    assert!(
        audit.contains(&s.group) && audit.contains("\"before\":4,\"after\":5"),
        "{audit}"
    );
}
